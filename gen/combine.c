/* combine.c: the combined technical-file.docx, assembled from chapters. See combine.h. */
#include "combine.h"

#include <ctype.h>
#include <libxml/xmlsave.h>
#include <stdlib.h>
#include <string.h>

#include "pack.h"

#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define HOLD_MAX (16u << 20) /* chapter bodies kept in memory rather than spilled */

/* The three parts a chapter adds to: body blocks, list instances (w:num), footnotes. */
enum { PIECE_BODY, PIECE_NUMS, PIECE_NOTES, NPIECES };
static const char *const piece_part[NPIECES] = {"word/document.xml", "word/numbering.xml", "word/footnotes.xml"};

typedef struct {
  tf_buf z;     /* raw deflate, ending on a sync flush: a middle piece of the part's stream */
  uint32_t crc; /* CRC-32 and length of the uncompressed bytes */
  size_t raw;
} piece;

typedef struct { int level; const char *text, *bookmark; } toc_entry;
typedef struct { const char *id, *target, *type; } rel_entry;

typedef struct {
  const char *file;
  tf_vec toc;   /* toc_entry*: headings of levels 1-3, for the shell's table of contents */
  tf_vec rels;  /* rel_entry*: relationships its body uses (ids unique in the file) */
  piece p[NPIECES];
  char *ns;     /* namespace declarations its fragments rely on (see ns_signature); heap */
  int used[3];  /* footnote, list and bookmark numbers it takes above its bases */
  int ready;
  int spilled;  /* the body is not in memory but in spill_fd's spill_len bytes at spill_at */
  int spill_fd;
  uint64_t spill_at;
  size_t spill_len;
} chapter;

struct tf_combine {
  tf_build *b;
  size_t n;
  chapter *ch;
  tf_map index;                     /* page stem → chapter number + 1 */
  int fn_base, num_base, bm_base;   /* where this chapter's numbers start */
  int fn_end, num_end, bm_end;      /* the highest number used so far */
  int fn_stride, num_stride, bm_stride;
  piece out[NPIECES];               /* spliced parts, owned until combine_free */
  size_t held;                      /* bytes of chapter bodies combine_spill kept in memory */
  tf_buf shell_ns;
  tf_buf shell_cache;               /* a new shell cache to write when the build commits */
};

static int stride(size_t chapters, int most) {
  long s = 2000000000L / (long)(chapters + 1);
  return s < most ? (int)s : most;
}

/* Where chapter k's numbers start: k × stride, unless the chapters before used more. A fixed
 * start keeps a chapter's numbers, hence its cached rendering, when a chapter before it gains
 * a paragraph, a list or a footnote: an edit re-renders that chapter only. */
static int chapter_base(size_t k, int stride, int end) {
  long s = (long)k * stride;
  return s > end ? (int)s : end;
}

tf_combine *combine_open(tf_build *b) {
  tf_combine *c = xcalloc(1, sizeof *c);
  c->b = b;
  c->ch = xcalloc(b->docs.n + 3, sizeof *c->ch);
  c->ch[c->n++].file = "compliance-matrix";
  for (size_t i = 0; i < b->docs.n; i++) c->ch[c->n++].file = ((tf_doc *)b->docs.items[i])->id;
  c->ch[c->n++].file = "gaps";
  for (size_t k = 0; k < c->n; k++) map_put(b->arena, &c->index, c->ch[k].file, (void *)(k + 1));
  /* Each chapter's footnote, list and bookmark numbers start at a multiple of a stride (see
   * chapter_bases), all below 2^31 (Word and LibreOffice read them as 32-bit integers). */
  c->bm_stride = stride(c->n, 1 << 20);
  c->fn_stride = stride(c->n, 1 << 12);
  c->num_stride = stride(c->n, 1 << 12);
  return c;
}

size_t combine_count(const tf_combine *c) { return c->n; }
const char *combine_file(const tf_combine *c, size_t k) { return c->ch[k].file; }

void combine_free(tf_combine *c) {
  if (!c) return;
  for (size_t k = 0; k < c->n; k++) {
    for (int i = 0; i < NPIECES; i++) buf_free(&c->ch[k].p[i].z);
    free(c->ch[k].ns);
  }
  for (int i = 0; i < NPIECES; i++) buf_free(&c->out[i].z);
  buf_free(&c->shell_ns);
  buf_free(&c->shell_cache);
  free(c->ch);
  free(c);
}

/* ---- chapter trees (main thread) ------------------------------------------------------ */

static const char *chapter_bookmark(tf_arena *a, size_t k) { return arena_printf(a, "D%zu", k + 1); }

static int is(xmlNodePtr n, const char *name) { return n->type == XML_ELEMENT_NODE && !strcmp((char *)n->name, name); }

static char *prop(xmlNodePtr n, const char *name) { return (char *)xmlGetProp(n, BAD_CAST name); }

typedef struct {
  tf_combine *c;
  tf_page *p;
  int fn_max, num_max;
  int headings, rows; /* for the bookmark-id span of the chapter */
} fixer;

static void renumber(xmlNodePtr n, const char *attr, int base, int *max) {
  char *v = prop(n, attr);
  if (!v) return;
  int k = atoi(v) + base;
  if (k > *max) *max = k;
  char s[16];
  snprintf(s, sizeof s, "%d", k);
  xmlSetProp(n, BAD_CAST attr, BAD_CAST s);
  xmlFree(v);
}

/* Fixes a copied subtree: links land inside the combined file, relationships and numbers are
 * the chapter's own, headings move one level down under the chapter heading. */
static void fix(fixer *f, xmlNodePtr n) {
  tf_arena *a = f->c->b->arena;
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    if (is(n, "heading")) {
      char *lv = prop(n, "level");
      int l = lv ? atoi(lv) + 1 : 2;
      xmlFree(lv);
      char s[16];
      snprintf(s, sizeof s, "%d", l > 6 ? 6 : l);
      xmlSetProp(n, BAD_CAST "level", BAD_CAST s);
      f->headings++;
    } else if (is(n, "table_row")) {
      if (xmlHasProp(n, BAD_CAST "bookmark")) f->rows++;
    } else if (is(n, "link")) {
      char *kind = prop(n, "kind"), *file = prop(n, "file"), *dest = prop(n, "destination");
      xmlUnsetProp(n, BAD_CAST "rid");
      size_t k = file ? (size_t)map_get(&f->c->index, file) : 0;
      if (kind && !strcmp(kind, "page") && k) {
        xmlSetProp(n, BAD_CAST "same", BAD_CAST "true");
        xmlSetProp(n, BAD_CAST "file", BAD_CAST COMBINED_FILE);
        if (!xmlHasProp(n, BAD_CAST "bookmark")) /* the top of that page */
          xmlSetProp(n, BAD_CAST "bookmark", BAD_CAST chapter_bookmark(a, k - 1));
      } else if (kind && !strcmp(kind, "page") && file) {
        /* a page that is not a chapter (RACI, training, release): its own .docx */
        xmlUnsetProp(n, BAD_CAST "same");
        xmlSetProp(n, BAD_CAST "rid", BAD_CAST page_rel(f->p, arena_printf(a, "%s.docx", file), 0));
      } else if (kind && !strcmp(kind, "external") && dest) {
        xmlSetProp(n, BAD_CAST "rid", BAD_CAST page_rel(f->p, dest, 0));
      }
      xmlFree(kind);
      xmlFree(file);
      xmlFree(dest);
    } else if (is(n, "image")) {
      char *kind = prop(n, "kind"), *src = prop(n, "src");
      if (kind && !strcmp(kind, "local") && src) xmlSetProp(n, BAD_CAST "rid", BAD_CAST page_rel(f->p, src, 1));
      xmlFree(kind);
      xmlFree(src);
    } else if (is(n, "footnote_reference") || is(n, "footnote_definition")) {
      renumber(n, "n", f->c->fn_base, &f->fn_max);
    } else if (is(n, "list")) {
      renumber(n, "num", f->c->num_base, &f->num_max);
    }
    fix(f, n->children);
  }
}

static xmlNodePtr child(xmlDocPtr d, const char *name) {
  for (xmlNodePtr n = xmlDocGetRootElement(d)->children; n; n = n->next)
    if (is(n, name)) return n;
  return NULL;
}

/* Headings of levels 1-3 outside footnotes, for the shell's table of contents. */
static void collect_toc(tf_arena *a, chapter *ch, xmlNodePtr n) {
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE || is(n, "footnote_definition")) continue;
    if (is(n, "heading")) {
      char *lv = prop(n, "level"), *bm = prop(n, "bookmark");
      xmlChar *text = xmlNodeGetContent(n);
      int level = lv ? atoi(lv) : 1;
      if (level <= 3) {
        toc_entry *e = arena_alloc(a, sizeof *e);
        e->level = level;
        e->text = arena_strdup(a, text ? (char *)text : "");
        e->bookmark = bm ? arena_strdup(a, bm) : NULL;
        vec_push(a, &ch->toc, e);
      }
      xmlFree(lv), xmlFree(bm), xmlFree(text);
      continue;
    }
    collect_toc(a, ch, n->children);
  }
}

static void set_bases(tf_combine *c, size_t k) {
  c->fn_base = chapter_base(k, c->fn_stride, c->fn_end);
  c->num_base = chapter_base(k, c->num_stride, c->num_end);
  c->bm_base = chapter_base(k, c->bm_stride, c->bm_end);
}

const char *combine_bases(tf_combine *c, size_t k) {
  set_bases(c, k);
  return arena_printf(c->b->arena, "chapter %zu of %zu: %d %d %d", k, c->n, c->fn_base, c->num_base, c->bm_base);
}

/* After chapter k: the ends its numbers reach. */
static void advance(tf_combine *c, const chapter *ch) {
  c->fn_end = c->fn_base + ch->used[0];
  c->num_end = c->num_base + ch->used[1];
  c->bm_end = c->bm_base + ch->used[2];
}

xmlDocPtr combine_chapter(tf_combine *c, size_t k, xmlDocPtr page) {
  tf_build *b = c->b;
  tf_arena *a = b->arena;
  chapter *ch = &c->ch[k];
  set_bases(c, k);
  tf_page p;
  page_begin(&p, b, "chapter", COMBINED_FILE, arena_printf(a, "Technical file: %s %s", b->product, b->product_version), NULL);
  p.rid_prefix = arena_printf(a, "rId%zu_", k + 1); /* unique in the file, whatever other chapters hold */
  xb_attr(p.page, "chapter", arena_printf(a, "%zu", k + 1));
  xb_attr(p.page, "bookmark-base", arena_printf(a, "%d", c->bm_base));
  xmlNodePtr meta = child(page, "meta"), body = child(page, "document");
  char *title = prop(meta, "title"), *id = prop(meta, "id"), *version = prop(meta, "version");
  char *status = prop(meta, "status"), *owner = prop(meta, "owner");
  const char *anchor = chapter_bookmark(a, k);
  xmlNodePtr h = xb_el(p.body, "heading");
  xb_attr(h, "level", "1");
  xb_attr(h, "anchor", anchor);
  xb_attr(h, "bookmark", anchor);
  xb_text(h, "text", version ? arena_printf(a, "%s %s", id, title) : title);
  if (version)
    xb_para(p.body, arena_printf(a, "Version %s · %s%s%s", version, status ? status : "draft", owner ? " · owner: " : "",
                                 owner ? owner : ""));
  xmlFree(title), xmlFree(id), xmlFree(version), xmlFree(status), xmlFree(owner);
  xmlNodePtr first = NULL;
  for (xmlNodePtr n = body ? body->children : NULL; n; n = n->next) {
    xmlNodePtr copy = xmlDocCopyNode(n, p.xml, 1);
    xmlAddChild(p.body, copy);
    if (!first) first = copy;
  }
  fixer f = {.c = c, .p = &p, .fn_max = c->fn_base, .num_max = c->num_base, .headings = 1};
  if (first) fix(&f, first);
  /* the ids page.xsl gives: top-level blocks, then nested headings, then bookmarked rows */
  int top = 0;
  for (xmlNodePtr n = p.body->children; n; n = n->next) top += n->type == XML_ELEMENT_NODE;
  ch->used[0] = f.fn_max - c->fn_base;
  ch->used[1] = f.num_max - c->num_base;
  ch->used[2] = top + f.headings + f.rows;
  advance(c, ch);
  collect_toc(a, ch, p.body->children);
  for (xmlNodePtr r = p.rels->children; r; r = r->next) {
    rel_entry *e = arena_alloc(a, sizeof *e);
    char *rid = prop(r, "id"), *target = prop(r, "target"), *type = prop(r, "type");
    e->id = arena_strdup(a, rid), e->target = arena_strdup(a, target), e->type = arena_strdup(a, type);
    xmlFree(rid), xmlFree(target), xmlFree(type);
    vec_push(a, &ch->rels, e);
  }
  return p.xml;
}

/* ---- rendering a chapter (worker threads: heap only, no arena) ---------------------------- */

/* "prefix=uri " for each namespace declared on the root and body of word/document.xml: the
 * serialised fragments use these prefixes without declaring them, so the shell must declare
 * the same ones. */
static void ns_signature(xmlNodePtr root, tf_buf *out) {
  xmlNodePtr body = root->children;
  while (body && !is(body, "body")) body = body->next;
  xmlNodePtr on[2] = {root, body};
  for (int i = 0; i < 2 && on[i]; i++)
    for (xmlNsPtr ns = on[i]->nsDef; ns; ns = ns->next)
      buf_printf(out, "%s=%s ", ns->prefix ? (char *)ns->prefix : "", ns->href ? (char *)ns->href : "");
}

static xmlNodePtr part_root(xmlDocPtr pkg, const char *name) {
  for (xmlNodePtr p = xmlDocGetRootElement(pkg)->children; p; p = p->next) {
    if (!is(p, "part")) continue;
    char *pn = prop(p, "name");
    int match = pn && !strcmp(pn, name);
    xmlFree(pn);
    if (!match) continue;
    for (xmlNodePtr r = p->children; r; r = r->next)
      if (r->type == XML_ELEMENT_NODE) return r;
  }
  return NULL;
}

/* Serialises the children of parent that belong to the chapter and deflates them as a middle
 * piece of a stream. */
static void take(xmlNodePtr parent, int which, piece *out) {
  xmlBufferPtr xb = xmlBufferCreate();
  xmlSaveCtxtPtr save = xmlSaveToBuffer(xb, "UTF-8", XML_SAVE_NO_DECL);
  for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    const char *name = (const char *)n->name;
    int keep = which == PIECE_BODY    ? strcmp(name, "sectPr") != 0
               : which == PIECE_NUMS  ? !strcmp(name, "num")
                                      : !strcmp(name, "footnote") && !xmlHasNsProp(n, BAD_CAST "type", BAD_CAST W_NS);
    if (keep) xmlSaveTree(save, n);
  }
  xmlSaveClose(save);
  out->z.len = 0;
  out->raw = (size_t)xmlBufferLength(xb);
  pack_deflate(xmlBufferContent(xb), out->raw, 0, &out->z, &out->crc);
  xmlBufferFree(xb);
}

int combine_render(tf_combine *c, tf_render *r, size_t k, xmlDocPtr chapter_page) {
  chapter *ch = &c->ch[k];
  xmlDocPtr pkg = render_docx_package(r, chapter_page);
  if (!pkg) return -1;
  xmlNodePtr doc = part_root(pkg, piece_part[PIECE_BODY]), body = NULL;
  for (xmlNodePtr n = doc ? doc->children : NULL; n && !body; n = n->next)
    if (is(n, "body")) body = n;
  if (!body) {
    diag_add(&c->b->diags, c->b->templates_dir, 1, 1, DIAG_ERROR, "template-failed",
             "the DOCX stylesheet wrote no word/document.xml with a w:body for chapter %s of the combined file", ch->file);
    xmlFreeDoc(pkg);
    return -1;
  }
  tf_buf ns = {0};
  ns_signature(doc, &ns);
  free(ch->ns);
  ch->ns = xstrdup(buf_cstr(&ns));
  buf_free(&ns);
  take(body, PIECE_BODY, &ch->p[PIECE_BODY]);
  take(part_root(pkg, piece_part[PIECE_NUMS]), PIECE_NUMS, &ch->p[PIECE_NUMS]);
  take(part_root(pkg, piece_part[PIECE_NOTES]), PIECE_NOTES, &ch->p[PIECE_NOTES]);
  ch->ready = 1;
  xmlFreeDoc(pkg);
  return 0;
}

/* ---- the cache of rendered chapters --------------------------------------------------- */

/* "techfile-chapter 2", the namespace signature, then what the shell needs of the chapter
 * (numbers used, table-of-contents entries, relationships; strings length-prefixed), then the
 * three pieces: "crc raw zlen" and the deflated bytes. */
void combine_save(const tf_combine *c, size_t k, tf_buf *out) {
  const chapter *ch = &c->ch[k];
  buf_printf(out, "techfile-chapter 2\n%s\n%d %d %d %zu %zu\n", ch->ns ? ch->ns : "", ch->used[0], ch->used[1], ch->used[2],
             ch->toc.n, ch->rels.n);
  for (size_t i = 0; i < ch->toc.n; i++) {
    const toc_entry *e = ch->toc.items[i];
    const char *bm = e->bookmark ? e->bookmark : "";
    buf_printf(out, "%d %zu %zu\n%s%s", e->level, strlen(bm), strlen(e->text), bm, e->text);
  }
  for (size_t i = 0; i < ch->rels.n; i++) {
    const rel_entry *e = ch->rels.items[i];
    buf_printf(out, "%zu %zu %zu\n%s%s%s", strlen(e->id), strlen(e->target), strlen(e->type), e->id, e->target, e->type);
  }
  for (int i = 0; i < NPIECES; i++) {
    buf_printf(out, "%08x %zu %zu\n", (unsigned)ch->p[i].crc, ch->p[i].raw, ch->p[i].z.len);
    buf_put(out, ch->p[i].z.data ? ch->p[i].z.data : "", ch->p[i].z.len);
  }
}

/* A reader over a cache file: every field is checked against the bytes left. */
typedef struct { const char *s, *end; int bad; } reader;

/* The next line's numbers (up to 5, as size_t); 0 when fewer than n. */
static int numbers(reader *r, size_t n, size_t *v) {
  const char *p = r->bad ? NULL : str_numbers(r->s, r->end, v, (int)n);
  if (!p) return r->bad = 1, 0;
  r->s = p;
  return 1;
}

/* len bytes as an arena string (meta on the main thread), or skipped (NULL). */
static const char *bytes(reader *r, tf_arena *a, size_t len) {
  if (r->bad || len > (size_t)(r->end - r->s)) return r->bad = 1, NULL;
  const char *v = a ? arena_strndup(a, r->s, len) : NULL;
  r->s += len;
  return v;
}

int combine_load(tf_combine *c, size_t k, const void *data, size_t len, int meta) {
  chapter *ch = &c->ch[k];
  tf_arena *a = meta ? c->b->arena : NULL;
  reader r = {data, (const char *)data + len, 0};
  const char *nl = memchr(r.s, '\n', len);
  if (!nl || strncmp(r.s, "techfile-chapter 2\n", 19)) return -1;
  r.s = nl + 1;
  nl = memchr(r.s, '\n', (size_t)(r.end - r.s));
  if (!nl) return -1;
  free(ch->ns);
  ch->ns = strndup(r.s, (size_t)(nl - r.s));
  if (!ch->ns) tf_fatal("out of memory");
  r.s = nl + 1;
  size_t head[5], v[3];
  if (!numbers(&r, 5, head) || head[0] > INT32_MAX || head[1] > INT32_MAX || head[2] > INT32_MAX) return -1;
  if (meta && (head[3] > len || head[4] > len)) return -1; /* counts a damaged file cannot hold */
  if (meta) {
    for (int i = 0; i < 3; i++) ch->used[i] = (int)head[i];
    ch->toc.n = ch->rels.n = 0;
  }
  for (size_t i = 0; i < head[3] && numbers(&r, 3, v); i++) {
    const char *bm = bytes(&r, a, v[1]), *text = bytes(&r, a, v[2]);
    if (!meta || r.bad) continue;
    toc_entry *e = arena_alloc(a, sizeof *e);
    e->level = (int)v[0], e->bookmark = *bm ? bm : NULL, e->text = text;
    vec_push(a, &ch->toc, e);
  }
  for (size_t i = 0; i < head[4] && numbers(&r, 3, v); i++) {
    const char *id = bytes(&r, a, v[0]), *target = bytes(&r, a, v[1]), *type = bytes(&r, a, v[2]);
    if (!meta || r.bad) continue;
    rel_entry *e = arena_alloc(a, sizeof *e);
    e->id = id, e->target = target, e->type = type;
    vec_push(a, &ch->rels, e);
  }
  for (int i = 0; i < NPIECES && !r.bad; i++) {
    /* "<crc: 8 hex digits> <raw length> <deflated length>\n" (no sscanf: it would measure the
     * whole rest of the record first) */
    char *stop;
    size_t sz[2];
    if (r.end - r.s < 9 || !isxdigit((unsigned char)r.s[0])) return -1;
    unsigned long crc = strtoul(r.s, &stop, 16);
    if (stop != r.s + 8 || *stop != ' ') return -1;
    r.s = stop + 1;
    if (!numbers(&r, 2, sz) || sz[1] > (size_t)(r.end - r.s)) return -1;
    ch->p[i].crc = (uint32_t)crc;
    ch->p[i].raw = sz[0];
    ch->p[i].z.len = 0;
    buf_put(&ch->p[i].z, r.s, sz[1]);
    r.s += sz[1];
  }
  ch->ready = !r.bad && r.s == r.end;
  if (meta && ch->ready) advance(c, ch);
  if (meta && !ch->ready) ch->toc.n = ch->rels.n = 0; /* the caller builds the chapter instead */
  return ch->ready ? 0 : -1;
}

void combine_spill(tf_combine *c, size_t k, int fd, uint64_t at, size_t len) {
  chapter *ch = &c->ch[k];
  /* The first HOLD_MAX bytes of bodies stay: a technical file of a thousand documents is
   * spliced without reading a thousand records back (any thread: held is atomic). */
  size_t z = ch->p[PIECE_BODY].z.len;
  if (__atomic_add_fetch(&c->held, z, __ATOMIC_RELAXED) <= HOLD_MAX) return;
  __atomic_sub_fetch(&c->held, z, __ATOMIC_RELAXED);
  ch->spilled = 1;
  ch->spill_fd = fd;
  ch->spill_at = at;
  ch->spill_len = len;
  buf_free(&ch->p[PIECE_BODY].z);
}

/* Chapter k's body piece back from its file: 0, or -1 after a diagnostic. */
static int unspill(tf_combine *c, size_t k) {
  chapter *ch = &c->ch[k];
  if (!ch->spilled) return 0;
  tf_buf f = {0};
  uint32_t crc = ch->p[PIECE_BODY].crc;
  size_t raw = ch->p[PIECE_BODY].raw;
  buf_grow(&f, ch->spill_len);
  /* combine_load replaces all three pieces: the same bytes the file was written from */
  int ok = fd_pread_all(ch->spill_fd, f.data, ch->spill_len, ch->spill_at) == 0 && combine_load(c, k, f.data, ch->spill_len, 0) == 0 &&
           ch->p[PIECE_BODY].crc == crc && ch->p[PIECE_BODY].raw == raw;
  buf_free(&f);
  ch->spilled = 0;
  if (!ok)
    diag_add(&c->b->diags, path_join(c->b->arena, c->b->out_dir, "docx/" COMBINED_FILE ".docx"), 1, 1, DIAG_ERROR,
             "output-write", "chapter %s: its cached body changed or could not be read back while this file was written",
             c->ch[k].file);
  return ok ? 0 : -1;
}

/* ---- the shell and the splice ------------------------------------------------------------ */

/* Appends a deflated middle piece to the stream being built in out. */
static void append_piece(piece *out, const piece *p) {
  if (!p->z.len) return;
  buf_put(&out->z, p->z.data, p->z.len);
  out->crc = pack_crc32_combine(out->crc, p->crc, p->raw);
  out->raw += p->raw;
}

static void append_bytes(piece *out, const char *s, size_t len, int last) {
  piece p = {0};
  pack_deflate(s, len, last, &p.z, &p.crc);
  p.raw = len;
  if (p.z.len) append_piece(out, &p);
  buf_free(&p.z);
}

/* word/document.xml: the shell's text, with each <?techfile-chapter K?> replaced by chapter K's
 * body. numbering.xml and footnotes.xml: every chapter's entries before the root's end tag. */
static int splice(void *ctx, pack_entry *part) {
  tf_combine *c = ctx;
  int which = -1;
  for (int i = 0; i < NPIECES; i++)
    if (!strcmp(part->name, piece_part[i])) which = i;
  if (which < 0) return 0;
  const char *text = part->data;
  size_t len = part->len;
  piece *out = &c->out[which];
  out->z.len = 0, out->crc = 0, out->raw = 0;
  /* Room for it all at once: growing by doubling copied the megabytes spliced so far again at
   * each step (the part's own bytes deflate to less than this bound, a spilled body's record
   * holds it). */
  size_t room = len + len / 16 + 4096;
  for (size_t k = 0; k < c->n; k++) room += c->ch[k].spilled && which == PIECE_BODY ? c->ch[k].spill_len : c->ch[k].p[which].z.len;
  buf_grow(&out->z, room);
  if (which == PIECE_BODY) {
    static const char pi[] = "<?techfile-chapter ";
    const char *s = text, *end = text + len;
    size_t next = 0;
    for (;;) {
      const char *at = memmem(s, (size_t)(end - s), pi, sizeof pi - 1);
      if (!at) break;
      char *stop = NULL;
      unsigned long k = strtoul(at + sizeof pi - 1, &stop, 10);
      if (k != next || !stop || strncmp(stop, "?>", 2)) break;
      append_bytes(out, s, (size_t)(at - s), 0);
      if (unspill(c, k) != 0) return -1;
      append_piece(out, &c->ch[k].p[PIECE_BODY]);
      buf_free(&c->ch[k].p[PIECE_BODY].z); /* in out now: at 10,000 documents, tens of MB */
      s = stop + 2;
      next++;
    }
    if (next != c->n) {
      diag_add(&c->b->diags, c->b->templates_dir, 1, 1, DIAG_ERROR, "template-failed",
               "the DOCX stylesheet did not place chapter %zu of the combined file (a <?techfile-chapter %zu?> for each <chapter>, in order)",
               next, next);
      return -1;
    }
    append_bytes(out, s, (size_t)(end - s), 1);
  } else {
    /* the root's end tag: the last "</" of the part */
    const char *at = NULL;
    for (const char *q = text + len; q > text + 1 && !at; q--)
      if (q[-2] == '<' && q[-1] == '/') at = q - 2;
    if (!at) {
      diag_add(&c->b->diags, c->b->templates_dir, 1, 1, DIAG_ERROR, "template-failed",
               "the DOCX stylesheet's %s for the combined file has no end tag to add chapters before", part->name);
      return -1;
    }
    append_bytes(out, text, (size_t)(at - text), 0);
    for (size_t k = 0; k < c->n; k++) append_piece(out, &c->ch[k].p[which]), buf_free(&c->ch[k].p[which].z);
    append_bytes(out, at, (size_t)(text + len - at), 1);
  }
  part->data = out->z.data;
  part->len = out->z.len;
  part->deflated = 1;
  part->raw_len = out->raw;
  part->crc = out->crc;
  return 0;
}

/* ---- the shell, kept between builds ------------------------------------------------------
 * The shell's tree changes only with a title, a heading of levels 1-3, a chapter's
 * relationships or the templates: after an edit to a document's text it is the tree of the
 * last build, and its parts (rendered, serialised, not yet spliced) are read back from the
 * shell cache instead of being rendered again. The cache: "techfile-shell 1", the tree's key,
 * the namespace signature of its w:document, then each part's name and bytes. */
static const char shell_magic[] = "techfile-shell 1\n";

/* The shell's key, from what its tree is made of (shell_fill): the page's head, and each
 * chapter's file, table-of-contents entries and relationships. On an edit the tree is then
 * built only when the key is new: with a heading and tens of relationships per chapter, it
 * took longer to build and write out than the splice. */
static void shell_key(tf_render *r, const tf_combine *c, xmlDocPtr head, char hex[65]) {
  tf_buf t = {0};
  buf_printf(&t, "techfile %s\n%s\n", TF_VERSION, render_digest(r));
  render_tree_bytes(xmlDocGetRootElement(head), &t);
  for (size_t k = 0; k < c->n; k++) {
    const chapter *ch = &c->ch[k];
    buf_printf(&t, "\nchapter %zu %zu %zu ", k, ch->toc.n, ch->rels.n);
    buf_field(&t, ch->file);
    for (size_t i = 0; i < ch->toc.n; i++) {
      const toc_entry *e = ch->toc.items[i];
      buf_printf(&t, "\n%d ", e->level);
      buf_field(&t, e->bookmark);
      buf_field(&t, e->text);
    }
    for (size_t i = 0; i < ch->rels.n; i++) {
      const rel_entry *e = ch->rels.items[i];
      buf_putc(&t, '\n');
      buf_field(&t, e->id);
      buf_field(&t, e->target);
      buf_field(&t, e->type);
    }
  }
  pack_sha256_hex(t.data, t.len, hex);
  buf_free(&t);
}

/* The shell's tree: a <chapter> with its headings for each chapter, and the chapters'
 * relationships; or (images_only) just the image relationships, which are all docx_zip reads
 * of it when the shell's parts come from the cache. */
static void shell_fill(const tf_combine *c, tf_page *p, int images_only) {
  tf_arena *a = c->b->arena;
  for (size_t k = 0; k < c->n; k++) {
    const chapter *ch = &c->ch[k];
    if (!images_only) {
      xmlNodePtr e = xb_el(p->body, "chapter");
      xb_attr(e, "n", arena_printf(a, "%zu", k));
      xb_attr(e, "file", ch->file);
      for (size_t i = 0; i < ch->toc.n; i++) {
        toc_entry *t = ch->toc.items[i];
        xmlNodePtr h = xb_el(e, "heading");
        xb_attr(h, "level", arena_printf(a, "%d", t->level));
        xb_attr(h, "bookmark", t->bookmark);
        xb_text(h, "text", t->text);
      }
    }
    for (size_t i = 0; i < ch->rels.n; i++) {
      rel_entry *re = ch->rels.items[i];
      if (images_only && strcmp(re->type, "image")) continue;
      xmlNodePtr rel = xb_el(p->rels, "rel");
      xb_attr(rel, "id", re->id);
      xb_attr(rel, "target", re->target);
      xb_attr(rel, "type", re->type);
      if (!strcmp(re->type, "hyperlink")) xb_attr(rel, "mode", "External");
    }
  }
}

static void shell_save(tf_buf *out, const char *key, const char *ns, const render_part *p, size_t n) {
  out->len = 0;
  buf_puts(out, shell_magic);
  buf_printf(out, "%s\n%zu %zu\n", key, strlen(ns), n);
  buf_puts(out, ns);
  for (size_t i = 0; i < n; i++) {
    buf_printf(out, "%zu %zu\n", strlen(p[i].name), p[i].len);
    buf_puts(out, p[i].name);
    buf_put(out, p[i].data, p[i].len);
  }
}

/* The parts in a cache file made for key: their number (0: none, another key, or damaged). */
static size_t shell_load(const tf_buf *f, const char *key, tf_buf *ns, render_part **out) {
  size_t m = sizeof shell_magic - 1, v[2];
  if (f->len < m + 65 || memcmp(f->data, shell_magic, m) || memcmp(f->data + m, key, 64) || f->data[m + 64] != '\n') return 0;
  reader r = {f->data + m + 65, f->data + f->len, 0};
  if (!numbers(&r, 2, v) || v[1] == 0 || v[1] > 4096) return 0;
  size_t n = v[1];
  const char *sig = r.s;
  bytes(&r, NULL, v[0]);
  if (r.bad) return 0;
  ns->len = 0;
  buf_put(ns, sig, v[0]);
  render_part *p = xcalloc(n, sizeof *p);
  size_t i;
  for (i = 0; i < n; i++) {
    if (!numbers(&r, 2, v)) break;
    const char *name = r.s;
    bytes(&r, NULL, v[0]);
    const char *data = r.s;
    bytes(&r, NULL, v[1]);
    if (r.bad) break;
    p[i].name = strndup(name, v[0]);
    p[i].data = xmlStrndup((const xmlChar *)data, (int)v[1]);
    p[i].len = v[1];
    if (!p[i].name || !p[i].data) tf_fatal("out of memory");
  }
  if (i < n || r.s != r.end) {
    render_parts_free(p, i < n ? i : n);
    return 0;
  }
  *out = p;
  return n;
}

int combine_docx(tf_combine *c, tf_render *r, const char *path, const char *cache, const char *spare) {
  tf_build *b = c->b;
  tf_arena *a = b->arena;
  for (size_t k = 0; k < c->n; k++)
    if (!c->ch[k].ready) return -1; /* its render failed: already a diagnostic */
  tf_page p;
  page_begin(&p, b, "combined", COMBINED_FILE, arena_printf(a, "Technical file: %s %s", b->product, b->product_version), NULL);
  char key[65];
  shell_key(r, c, p.xml, key);
  render_part *parts = NULL;
  size_t n = 0;
  tf_buf f = {0};
  char err[128];
  c->shell_cache.len = 0;
  c->shell_ns.len = 0;
  if (cache && file_read(cache, 1u << 30, &f, err, sizeof err) == 0) n = shell_load(&f, key, &c->shell_ns, &parts);
  buf_free(&f);
  shell_fill(c, &p, n != 0);
  if (!n) {
    xmlDocPtr pkg = render_docx_package(r, p.xml);
    if (!pkg) {
      xmlFreeDoc(p.xml);
      return -1;
    }
    xmlNodePtr root = part_root(pkg, piece_part[PIECE_BODY]);
    c->shell_ns.len = 0;
    if (root) ns_signature(root, &c->shell_ns);
    n = render_docx_parts(pkg, &parts);
    xmlFreeDoc(pkg);
    if (cache) shell_save(&c->shell_cache, key, buf_cstr(&c->shell_ns), parts, n);
  }
  int rc = 0;
  for (size_t k = 0; k < c->n && !rc; k++)
    if (strcmp(c->ch[k].ns, buf_cstr(&c->shell_ns))) {
      diag_add(&b->diags, b->templates_dir, 1, 1, DIAG_ERROR, "template-failed",
               "the DOCX stylesheet declares other namespaces on w:document for a chapter (%s) than for the combined file (%s)",
               c->ch[k].ns, buf_cstr(&c->shell_ns));
      rc = -1;
    }
  if (!rc) rc = render_docx_zip_parts(r, p.xml, parts, n, splice, c, NULL, path, spare);
  render_parts_free(parts, n);
  for (int i = 0; i < NPIECES; i++) buf_free(&c->out[i].z); /* zipped into out */
  xmlFreeDoc(p.xml);
  return rc;
}

const tf_buf *combine_shell_cache(const tf_combine *c) { return &c->shell_cache; }
