/*
 * decorate.c: cmark tree → page tree, with every cross-reference resolved and the audit
 * defenses and gap flags in place. See decorate.h and templates/FORMAT.md.
 */
#include "decorate.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm/node.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "pack.h"
#include "records.h"

#define MAX_DEPTH 200    /* deeper block nesting is rendered flat, as text */
#define NAV_FULL_MAX 200 /* up to this many documents, every page lists them all */
#define NAV_WINDOW 400   /* else a page lists its own process's documents among this many */

/* Each document's process (for the sidebar), once per build. */
void decorate_prepare(tf_build *b) {
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    for (size_t j = 0; j < d->claims.n && !d->process; j++) {
      tf_clause *k = catalog_find(&b->catalog, ((tf_claim *)d->claims.items[j])->clause);
      if (!k) continue;
      size_t order = 0;
      while (order < b->catalog.processes.n && strcmp(b->catalog.processes.items[order], k->process)) order++;
      d->process = k->process;
      d->process_order = (int)order + 1;
    }
  }
}

/* ---- sanitised builders ------------------------------------------------------- */
/* XML 1.0 refuses most C0 controls; the content is valid UTF-8 by now. */
static xmlChar *clean(const char *s) {
  size_t n = strlen(s);
  xmlChar *o = xmlMalloc(n + 1), *w = o;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') continue;
    if (p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)) { p += 2; continue; } /* U+FFFE/F */
    *w++ = *p;
  }
  *w = 0;
  return o;
}

xmlNodePtr xb_el(xmlNodePtr parent, const char *name) { return xmlNewChild(parent, NULL, BAD_CAST name, NULL); }

void xb_attr(xmlNodePtr n, const char *name, const char *value) {
  if (!value) return;
  xmlChar *v = clean(value);
  xmlSetProp(n, BAD_CAST name, v);
  xmlFree(v);
}

xmlNodePtr xb_text(xmlNodePtr parent, const char *name, const char *text) {
  xmlNodePtr n = xb_el(parent, name);
  if (text && *text) {
    xmlChar *v = clean(text);
    xmlAddChild(n, xmlNewText(v));
    xmlFree(v);
  }
  return n;
}

xmlNodePtr xb_para(xmlNodePtr parent, const char *text) {
  xmlNodePtr p = xb_el(parent, "paragraph");
  if (text) xb_text(p, "text", text);
  return p;
}

xmlNodePtr xb_heading(tf_page *p, int level, const char *text, const char *anchor) {
  xmlNodePtr h = xb_el(p->body, "heading");
  char lv[4];
  snprintf(lv, sizeof lv, "%d", level);
  xb_attr(h, "level", lv);
  xb_attr(h, "anchor", anchor);
  char *bm = arena_printf(p->b->arena, "G_%.8s_%d", p->file, ++p->next_bookmark);
  for (char *q = bm; *q; q++)
    if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9'))) *q = '_';
  xb_attr(h, "bookmark", bm);
  xb_text(h, "text", text);
  return h;
}

xmlNodePtr xb_badge(xmlNodePtr parent, const char *value, const char *label) {
  xmlNodePtr n = xb_text(parent, "badge", label);
  xb_attr(n, "value", value);
  return n;
}

xmlNodePtr xb_table(xmlNodePtr parent, int ncols, const char *const *head) {
  xmlNodePtr t = xb_el(parent, "table");
  char c[16];
  snprintf(c, sizeof c, "%d", ncols);
  xb_attr(t, "columns", c);
  xmlNodePtr r = xb_el(t, "table_row");
  xb_attr(r, "header", "true");
  for (int i = 0; i < ncols; i++) xb_cell(r, head[i]);
  return t;
}

xmlNodePtr xb_row(xmlNodePtr table) {
  xmlNodePtr r = xb_el(table, "table_row");
  xb_attr(r, "header", "false");
  return r;
}

xmlNodePtr xb_cell(xmlNodePtr row, const char *text) {
  xmlNodePtr c = xb_el(row, "table_cell");
  if (text && *text) xb_text(c, "text", text);
  return c;
}

const char *page_rel(tf_page *p, const char *target, int image) {
  const char *key = arena_printf(p->b->arena, "%c%s", image ? 'i' : 'h', target);
  const char *id = map_get(&p->rel_ids, key);
  if (id) return id;
  id = arena_printf(p->b->arena, "%s%d", p->rid_prefix ? p->rid_prefix : "rId", ++p->next_rid);
  map_put(p->b->arena, &p->rel_ids, key, (void *)id);
  xmlNodePtr r = xb_el(p->rels, "rel");
  xb_attr(r, "id", id);
  xb_attr(r, "target", target);
  xb_attr(r, "type", image ? "image" : "hyperlink");
  if (!image) xb_attr(r, "mode", "External");
  return id;
}

xmlNodePtr xb_link_page(tf_page *p, xmlNodePtr parent, const char *text, const char *file, const char *anchor, const char *bookmark) {
  xmlNodePtr l = xb_el(parent, "link");
  xb_attr(l, "destination", anchor ? arena_printf(p->b->arena, "%s#%s", file, anchor) : file);
  xb_attr(l, "kind", "page");
  xb_attr(l, "file", file);
  xb_attr(l, "anchor", anchor);
  xb_attr(l, "bookmark", bookmark);
  if (!strcmp(file, p->file)) xb_attr(l, "same", "true");
  else xb_attr(l, "rid", page_rel(p, arena_printf(p->b->arena, "%s.docx", file), 0));
  xb_text(l, "text", text);
  return l;
}

const char *decorate_clause_bookmark(tf_arena *a, const char *clause) {
  char *s = arena_printf(a, "C_%s", clause);
  for (char *q = s; *q; q++)
    if (*q == '.') *q = '_';
  return s;
}

/* ---- the page skeleton --------------------------------------------------------- */

size_t decorate_generated(tf_build *b, tf_genpage out[PAGES_MAX]) {
  tf_records *r = b->records;
  size_t n = 0;
  out[n++] = (tf_genpage){"index", "index", "Technical file"};
  out[n++] = (tf_genpage){"matrix", "compliance-matrix", "Compliance matrix"};
  out[n++] = (tf_genpage){"gaps", "gaps", "Gap list"};
  if (r && r->raci_doc) out[n++] = (tf_genpage){"raci", "raci", "RACI matrix"};
  if (r && (r->profiles.n || r->training.n)) out[n++] = (tf_genpage){"training", "training", "Training matrix"};
  out[n++] = (tf_genpage){"release", "release", "Release readiness"};
  return n;
}

static void page_nav(tf_page *p, const char *file, tf_doc *doc);

void page_begin(tf_page *p, tf_build *b, const char *kind, const char *file, const char *title, tf_doc *doc) {
  memset(p, 0, sizeof *p);
  p->b = b;
  p->doc = doc;
  p->file = file;
  p->xml = xmlNewDoc(BAD_CAST "1.0");
  p->page = xmlNewDocNode(p->xml, NULL, BAD_CAST "page", NULL);
  xmlDocSetRootElement(p->xml, p->page);
  xb_attr(p->page, "kind", kind);
  xb_attr(p->page, "file", file);
  xb_attr(p->page, "ordinal", doc ? arena_printf(b->arena, "%d", doc->ordinal) : "0");
  xmlNodePtr site = xb_el(p->page, "site");
  xb_attr(site, "product", b->product);
  xb_attr(site, "product-version", b->product_version);
  xb_attr(site, "manufacturer", b->manufacturer);
  xb_attr(site, "standard", b->standard);
  xb_attr(site, "standard-title", b->catalog.title);
  xb_attr(site, "build-date", b->build_date);
  xb_attr(site, "generator", "techfile " TF_VERSION);
  /* A chapter of the combined file is only ever a DOCX body: no sidebar. */
  if (strcmp(kind, "chapter")) page_nav(p, file, doc);
  p->meta = xb_el(p->page, "meta");
  xb_attr(p->meta, "id", doc ? doc->id : file);
  xb_attr(p->meta, "title", title);
  p->rels = xb_el(p->page, "rels");
  p->body = xb_el(p->page, "document");
}

/* <nav>: the generated pages, then the documents (see NAV_FULL_MAX). */
static void page_nav(tf_page *p, const char *file, tf_doc *doc) {
  tf_build *b = p->b;
  xmlNodePtr nav = xb_el(p->page, "nav");
  tf_genpage g[PAGES_MAX];
  size_t ng = decorate_generated(b, g);
  for (size_t i = 0; i < ng; i++) {
    xmlNodePtr e = xb_el(nav, "entry");
    xb_attr(e, "kind", g[i].kind);
    xb_attr(e, "file", g[i].file);
    xb_attr(e, "title", g[i].title);
    if (!strcmp(g[i].file, file)) xb_attr(e, "current", "true");
  }
  /* A large file lists, on each page, only the documents of the page's own process (the
   * index lists them all, and the search box finds any): a full sidebar on every page would
   * make the HTML grow with the square of the number of documents. */
  int full = b->docs.n <= NAV_FULL_MAX;
  /* ...and at most NAV_WINDOW of them, the neighbours of the page in ID order. */
  size_t from = 0, to = b->docs.n;
  if (!full && !doc) to = 0; /* a generated page: the index lists them */
  else if (!full) {
    from = doc->ordinal > NAV_WINDOW / 2 ? (size_t)doc->ordinal - NAV_WINDOW / 2 : 0;
    to = from + NAV_WINDOW < b->docs.n ? from + NAV_WINDOW : b->docs.n;
  }
  for (size_t i = from; i < to; i++) {
    tf_doc *d = b->docs.items[i];
    if (!full && d != doc && (!doc->process || d->process_order != doc->process_order)) continue;
    xmlNodePtr e = xb_el(nav, "entry");
    xb_attr(e, "kind", "document");
    xb_attr(e, "file", d->id);
    xb_attr(e, "id", d->id);
    xb_attr(e, "title", d->title);
    xb_attr(e, "type", d->type);
    xb_attr(e, "status", d->status);
    /* The sidebar groups documents by the process of the first clause they back. */
    if (d->process) {
      xb_attr(e, "process", d->process);
      char po[16]; /* on the stack: every page lists hundreds of these */
      snprintf(po, sizeof po, "%d", d->process_order);
      xb_attr(e, "process-order", po);
    }
    if (d == doc) xb_attr(e, "current", "true");
  }
}

static void fill_meta(tf_page *p, tf_doc *d) {
  tf_build *b = p->b;
  xmlNodePtr m = p->meta;
  xb_attr(m, "version", d->version);
  xb_attr(m, "status", d->status);
  xb_attr(m, "owner", d->owner);
  xb_attr(m, "type", d->type);
  xb_attr(m, "source", d->path);
  xb_attr(m, "approval-date", d->approval_date);
  for (size_t i = 0; i < d->approvals.n; i++) {
    tf_approval *a = d->approvals.items[i];
    xmlNodePtr e = xb_el(m, "approval");
    xb_attr(e, "name", a->name);
    xb_attr(e, "role", a->role);
    xb_attr(e, "date", a->date);
  }
  for (size_t i = 0; i < d->history.n; i++) {
    tf_revision *r = d->history.items[i];
    xmlNodePtr e = xb_el(m, "revision");
    xb_attr(e, "version", r->version);
    xb_attr(e, "date", r->date);
    xb_attr(e, "author", r->author);
    xb_attr(e, "change", r->change);
  }
  for (size_t i = 0; i < d->claims.n; i++) {
    tf_claim *c = d->claims.items[i];
    tf_clause *k = catalog_find(&b->catalog, c->clause);
    if (!k) continue;
    xmlNodePtr e = xb_el(m, "claim");
    xb_attr(e, "clause", c->clause);
    xb_attr(e, "title", k->title);
    xb_attr(e, "status", check_status_name(c->status));
    xb_attr(e, "section", c->anchor);
  }
}

/* ---- links ----------------------------------------------------------------------- */
typedef struct {
  tf_page *p;
  tf_doc *d;
  int heading_no;
  int footnotes;
  cmark_node **defs; /* footnote definitions in order, for numbering references */
  size_t ndefs;
  const char *caption; /* a "Table: ..." paragraph waiting for the table after it */
  int cell;            /* index of the next cell in the current table row */
  tf_vec *deps;        /* what the page read of other files, or NULL (decorate.h) */
} deco;

static int has_scheme(const char *u) {
  const char *p = u;
  if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) return 0;
  while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.') p++;
  return *p == ':';
}

/* Normalises "dir/../x/./y" inside the content folder; NULL when it climbs out. */
static char *norm_path(tf_arena *a, const char *base_dir, const char *rel) {
  tf_buf tmp = {0};
  if (base_dir && *base_dir) buf_printf(&tmp, "%s/", base_dir);
  buf_puts(&tmp, rel);
  char *src = arena_strdup(a, buf_cstr(&tmp));
  buf_free(&tmp);
  char **parts = arena_alloc(a, (strlen(src) / 2 + 2) * sizeof(char *));
  size_t n = 0;
  for (char *save, *tok = strtok_r(src, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
    if (!strcmp(tok, ".")) continue;
    if (!strcmp(tok, "..")) {
      if (!n) return NULL;
      n--;
      continue;
    }
    parts[n++] = tok;
  }
  tf_buf out = {0};
  for (size_t i = 0; i < n; i++) buf_printf(&out, "%s%s", i ? "/" : "", parts[i]);
  char *r = arena_strdup(a, buf_cstr(&out));
  buf_free(&out);
  return *r ? r : NULL;
}

static const char *doc_dir(tf_arena *a, const tf_doc *d) {
  const char *slash = strrchr(d->path, '/');
  return slash ? arena_strndup(a, d->path, (size_t)(slash - d->path)) : "";
}

static char *pct_decode(tf_arena *a, const char *s) {
  char *o = arena_alloc(a, strlen(s) + 1), *w = o;
  for (const char *p = s; *p; p++) {
    if (*p == '%' && p[1] && p[2]) {
      char hex[3] = {p[1], p[2], 0};
      char *end;
      long v = strtol(hex, &end, 16);
      if (!*end && v > 0) {
        *w++ = (char)v;
        p += 2;
        continue;
      }
    }
    *w++ = *p;
  }
  *w = 0;
  return o;
}

/* A local file a link or image names: must exist inside the content folder. */
static const char *local_asset(deco *c, cmark_node *n, const char *dest) {
  tf_build *b = c->p->b;
  tf_arena *a = b->arena;
  int line = cmark_node_get_start_line(n) + c->d->body_line0, col = cmark_node_get_start_column(n);
  const char *path = pct_decode(a, dest);
  const char *hash = strchr(path, '#');
  if (hash) path = arena_strndup(a, path, (size_t)(hash - path));
  const char *q = strchr(path, '?');
  if (q) path = arena_strndup(a, path, (size_t)(q - path));
  if (path[0] == '/' || path[0] == '~' || path[0] == '\\') {
    diag_add(&b->diags, c->d->shown, line, col, DIAG_ERROR, "link-outside", "'%s' is an absolute path; link to files inside the content folder", dest);
    return NULL;
  }
  char *rel = norm_path(a, doc_dir(a, c->d), path);
  const char *full = rel ? path_join(a, b->content_dir, rel) : NULL;
  int exists = full && path_is_file(full), ok = exists && path_within_real(full, b->content_real, 0);
  if (!rel || (exists && !ok)) {
    diag_add(&b->diags, c->d->shown, line, col, DIAG_ERROR, "link-outside", "'%s' points outside the content folder", dest);
    return NULL;
  }
  if (!ok) {
    diag_add(&b->diags, c->d->shown, line, col, DIAG_ERROR, "link-unresolved", "'%s' is not a file in the content folder", dest);
    return NULL;
  }
  /* Only passive file types go into the bundle: a reviewer opens it from file://, where an
   * HTML, SVG or script file would run. */
  static const char *const ok_ext[] = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".pdf", ".txt", ".csv", ".json", ".docx",
                                       ".xlsx", ".pptx", ".odt", ".ods", ".zip", ".md", NULL};
  const char *dot = strrchr(rel, '.');
  int passive = 0;
  for (int i = 0; dot && ok_ext[i] && !passive; i++) passive = str_ieq(dot, ok_ext[i]);
  if (!passive) {
    diag_add(&b->diags, c->d->shown, line, col, DIAG_ERROR, "link-active-file",
             "'%s' is not a file type techfile ships (images, PDF, text, office files): it could run when opened", dest);
    return NULL;
  }
  if (c->deps) vec_push(a, c->deps, arena_printf(a, "file:%s", rel));
  return decorate_asset(b, rel);
}

const char *decorate_asset(tf_build *b, const char *rel) {
  tf_arena *a = b->lasting; /* b->assets lives to the end of the build */
  const char *target = arena_printf(a, "media/%s", rel);
  for (size_t i = 0; i < b->assets.n; i++)
    if (!strcmp(((tf_asset *)b->assets.items[i])->target, target)) return target;
  tf_asset *as = arena_alloc(a, sizeof *as);
  as->source = path_join(a, b->content_dir, rel);
  as->target = target;
  vec_push(a, &b->assets, as);
  return target;
}

/* Sets kind/file/anchor/bookmark/rid on a link element; returns default text for an empty
 * link, or NULL. */
static const char *resolve_link(deco *c, cmark_node *n, xmlNodePtr el, const char *url) {
  tf_page *p = c->p;
  tf_build *b = p->b;
  tf_arena *a = b->arena;
  int line = cmark_node_get_start_line(n) + c->d->body_line0, col = cmark_node_get_start_column(n);
  const char *shown = c->d->shown;
  if (str_starts_ci(url, "clause:")) {
    const char *num = url + 7;
    tf_clause *k = catalog_find(&b->catalog, num);
    if (!k) {
      diag_add(&b->diags, shown, line, col, DIAG_ERROR, "link-unresolved", "clause '%s' is not in the %s catalog", num, b->catalog.title);
      xb_attr(el, "kind", "blocked");
      return NULL;
    }
    xb_attr(el, "kind", "page");
    xb_attr(el, "file", "compliance-matrix");
    xb_attr(el, "anchor", arena_printf(a, "clause-%s", k->clause));
    xb_attr(el, "bookmark", decorate_clause_bookmark(a, k->clause));
    xb_attr(el, "rid", page_rel(p, "compliance-matrix.docx", 0));
    return arena_printf(a, "IEC 81001-5-1 §%s %s", k->clause, k->title);
  }
  if (has_scheme(url) || !strncmp(url, "//", 2)) {
    if (str_starts_ci(url, "http://") || str_starts_ci(url, "https://") || str_starts_ci(url, "mailto:")) {
      xb_attr(el, "kind", "external");
      xb_attr(el, "rid", page_rel(p, url, 0));
      return url;
    }
    diag_add(&b->diags, shown, line, col, DIAG_WARNING, "link-unsafe", "link to '%.60s' removed: only http, https and mailto links are kept", url);
    xb_attr(el, "kind", "blocked");
    return NULL;
  }
  /* ID, ID#slug, #slug, path.md[#slug], or another local file */
  const char *hash = strchr(url, '#');
  const char *target = hash ? arena_strndup(a, url, (size_t)(hash - url)) : url;
  const char *frag = hash ? hash + 1 : NULL;
  tf_doc *td = NULL;
  size_t tl = strlen(target);
  if (!*target) td = c->d;
  else if (tl > 3 && !strcmp(target + tl - 3, ".md")) {
    char *rel = norm_path(a, doc_dir(a, c->d), pct_decode(a, target));
    td = rel ? model_find_path(b, rel) : NULL;
    if (td && c->deps) vec_push(a, c->deps, arena_printf(a, "path:%s", rel));
    if (!td) {
      diag_add(&b->diags, shown, line, col, DIAG_ERROR, "link-unresolved", "'%s' is not a document of the technical file", target);
      xb_attr(el, "kind", "blocked");
      return NULL;
    }
  } else if (model_id_valid(target) && !strchr(target, '.')) {
    td = model_find(b, target);
    if (td && c->deps) vec_push(a, c->deps, arena_printf(a, "id:%s", target));
    if (!td) {
      diag_add(&b->diags, shown, line, col, DIAG_ERROR, "link-unresolved", "no document has the ID '%s'", target);
      xb_attr(el, "kind", "blocked");
      return NULL;
    }
  } else {
    const char *t = local_asset(c, n, url);
    xb_attr(el, "kind", t ? "external" : "blocked");
    if (t) {
      xb_attr(el, "destination", t);
      xb_attr(el, "rid", page_rel(p, t, 0));
    }
    return t;
  }
  tf_heading *h = NULL;
  if (frag && *frag) {
    if (td != c->d && c->deps) vec_push(a, c->deps, arena_printf(a, "head:%s#%s", td->id, pct_decode(a, frag)));
    h = model_find_heading(td, pct_decode(a, frag));
    if (!h) {
      diag_add(&b->diags, shown, line, col, DIAG_ERROR, "link-unresolved", "%s has no heading '%s'", td->id, frag);
      xb_attr(el, "kind", "blocked");
      return NULL;
    }
  }
  xb_attr(el, "kind", "page");
  xb_attr(el, "file", td->id);
  if (h && !h->is_title) {
    xb_attr(el, "anchor", h->slug);
    xb_attr(el, "bookmark", h->bookmark);
  }
  if (td == c->d) xb_attr(el, "same", "true");
  else xb_attr(el, "rid", page_rel(p, arena_printf(a, "%s.docx", td->id), 0));
  return h ? arena_printf(a, "%s %s", td->id, h->text) : arena_printf(a, "%s %s", td->id, td->title);
}

/* ---- images ---------------------------------------------------------------------- */
static unsigned be32(const unsigned char *p) { return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3]; }

/* Pixel size of a PNG, GIF or JPEG from its header; 0 when unknown. The file's SHA-256 goes
 * into the page tree too, so that a replaced image (even of the same size) renders the page
 * anew in an incremental build. */
static void image_size(const char *path, unsigned *w, unsigned *h, char *digest) {
  *w = *h = 0;
  tf_buf buf = {0};
  char err[128];
  strcpy(digest, "unreadable");
  if (file_read(path, 32u << 20, &buf, err, sizeof err) != 0) goto done;
  pack_sha256_hex(buf.data, buf.len, digest);
  const unsigned char *d = (const unsigned char *)buf.data;
  size_t n = buf.len;
  if (n >= 24 && !memcmp(d, "\x89PNG", 4)) {
    *w = be32(d + 16), *h = be32(d + 20);
  } else if (n >= 10 && !memcmp(d, "GIF8", 4)) {
    *w = d[6] | d[7] << 8, *h = d[8] | d[9] << 8;
  } else if (n >= 4 && d[0] == 0xFF && d[1] == 0xD8) {
    for (size_t i = 2; i + 9 < n;) {
      if (d[i] != 0xFF) break;
      unsigned m = d[i + 1], len = (unsigned)d[i + 2] << 8 | d[i + 3];
      if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
        *h = (unsigned)d[i + 5] << 8 | d[i + 6], *w = (unsigned)d[i + 7] << 8 | d[i + 8];
        break;
      }
      i += 2 + len;
    }
  }
done:
  buf_free(&buf);
}

static void resolve_image(deco *c, cmark_node *n, xmlNodePtr el, const char *url) {
  tf_page *p = c->p;
  if (has_scheme(url) || !strncmp(url, "//", 2)) {
    int ok = str_starts_ci(url, "http://") || str_starts_ci(url, "https://");
    if (!ok) {
      int line = cmark_node_get_start_line(n) + c->d->body_line0;
      diag_add(&p->b->diags, c->d->shown, line, cmark_node_get_start_column(n), DIAG_WARNING, "link-unsafe",
               "image '%.60s' removed: only local images and http(s) are kept", url);
    }
    xb_attr(el, "kind", ok ? "external" : "blocked");
    return;
  }
  const char *t = local_asset(c, n, url);
  if (!t) {
    xb_attr(el, "kind", "blocked");
    return;
  }
  xb_attr(el, "kind", "local");
  xb_attr(el, "src", t);
  xb_attr(el, "rid", page_rel(p, t, 1));
  tf_asset *as = NULL;
  for (size_t i = 0; i < p->b->assets.n; i++)
    if (!strcmp(((tf_asset *)p->b->assets.items[i])->target, t)) as = p->b->assets.items[i];
  unsigned w = 0, h = 0;
  if (as) {
    char *digest = arena_alloc(p->b->arena, 65);
    image_size(as->source, &w, &h, digest);
    xb_attr(el, "sha256", digest);
  }
  if (!w || !h) w = 480, h = 320;
  /* 96 dpi, at most the text width of an A4 page with 2.54 cm margins (15.9 cm). */
  double emu_w = w * 9525.0, emu_h = h * 9525.0, max = 5731510.0;
  if (emu_w > max) emu_h *= max / emu_w, emu_w = max;
  xb_attr(el, "width-emu", arena_printf(p->b->arena, "%.0f", emu_w));
  xb_attr(el, "height-emu", arena_printf(p->b->arena, "%.0f", emu_h));
}

/* ---- the tree -------------------------------------------------------------------- */
static int is_br(const char *html) {
  if (!html || !str_starts_ci(html, "<br")) return 0;
  const char *p = html + 3;
  while (*p == ' ' || *p == '/' || *p == '\t') p++;
  return *p == '>' && !p[1];
}

static void convert_children(deco *c, cmark_node *n, xmlNodePtr parent, int depth);

static void flat_text(cmark_node *n, xmlNodePtr parent) {
  tf_buf t = {0};
  model_plain(n, &t);
  xb_para(parent, buf_cstr(&t));
  buf_free(&t);
}

/* pandoc's table captions: a paragraph "Table: text" right before or after a table. */
static const char *table_caption(tf_arena *a, cmark_node *n) {
  if (cmark_node_get_type(n) != CMARK_NODE_PARAGRAPH) return NULL;
  cmark_node *t = cmark_node_first_child(n);
  const char *lit = t && cmark_node_get_type(t) == CMARK_NODE_TEXT ? cmark_node_get_literal(t) : NULL;
  if (!lit || strncmp(lit, "Table:", 6)) return NULL;
  cmark_node *prev = cmark_node_previous(n), *next = cmark_node_next(n);
  if (!(prev && model_is(prev, "table")) && !(next && model_is(next, "table"))) return NULL;
  tf_buf text = {0};
  model_plain(n, &text);
  const char *s = str_trim(a, buf_cstr(&text) + 6, text.len - 6);
  buf_free(&text);
  return s;
}

static void convert(deco *c, cmark_node *n, xmlNodePtr parent, int depth) {
  tf_arena *a = c->p->b->arena;
  const char *caption = table_caption(a, n);
  if (caption) {
    cmark_node *prev = cmark_node_previous(n);
    xmlNodePtr last = xmlGetLastChild(parent);
    if (prev && model_is(prev, "table") && last && !strcmp((char *)last->name, "table") && !xmlHasProp(last, BAD_CAST "caption"))
      xb_attr(last, "caption", caption);
    else c->caption = caption;
    return;
  }
  cmark_node_type t = cmark_node_get_type(n);
  const char *name = cmark_node_get_type_string(n);
  if (depth > MAX_DEPTH) {
    flat_text(n, parent);
    return;
  }
  xmlNodePtr el;
  switch (t) {
  case CMARK_NODE_TEXT:
  case CMARK_NODE_CODE:
    xb_text(parent, name, cmark_node_get_literal(n));
    return;
  case CMARK_NODE_HTML_INLINE:
    if (is_br(cmark_node_get_literal(n))) xb_el(parent, "linebreak");
    else xb_text(parent, "html_inline", cmark_node_get_literal(n));
    return;
  case CMARK_NODE_HTML_BLOCK: {
    const char *s = cmark_node_get_literal(n);
    if (s && !strncmp(s, "<!--", 4)) return; /* comments are for the writers */
    xb_text(parent, "html_block", s);
    return;
  }
  case CMARK_NODE_CODE_BLOCK:
    el = xb_text(parent, "code_block", cmark_node_get_literal(n));
    if (cmark_node_get_fence_info(n) && *cmark_node_get_fence_info(n)) xb_attr(el, "info", cmark_node_get_fence_info(n));
    return;
  case CMARK_NODE_SOFTBREAK:
  case CMARK_NODE_LINEBREAK:
  case CMARK_NODE_THEMATIC_BREAK:
    xb_el(parent, name);
    return;
  case CMARK_NODE_HEADING: {
    tf_heading *h = cmark_node_get_user_data(n);
    if (h && h->is_title) return;
    el = xb_el(parent, "heading");
    xb_attr(el, "level", arena_printf(a, "%d", cmark_node_get_heading_level(n)));
    if (h) {
      xb_attr(el, "anchor", h->slug);
      xb_attr(el, "bookmark", h->bookmark);
    }
    break;
  }
  case CMARK_NODE_LIST:
    el = xb_el(parent, "list");
    xb_attr(el, "type", cmark_node_get_list_type(n) == CMARK_ORDERED_LIST ? "ordered" : "bullet");
    xb_attr(el, "start", arena_printf(a, "%d", cmark_node_get_list_start(n) > 0 ? cmark_node_get_list_start(n) : 1));
    xb_attr(el, "tight", cmark_node_get_list_tight(n) ? "true" : "false");
    xb_attr(el, "num", arena_printf(a, "%d", ++c->p->next_num));
    break;
  case CMARK_NODE_LINK: {
    el = xb_el(parent, "link");
    const char *url = cmark_node_get_url(n) ? cmark_node_get_url(n) : "";
    xb_attr(el, "destination", url);
    if (cmark_node_get_title(n) && *cmark_node_get_title(n)) xb_attr(el, "title", cmark_node_get_title(n));
    const char *fill = resolve_link(c, n, el, url);
    if (!cmark_node_first_child(n) && fill) {
      xb_text(el, "text", fill);
      return;
    }
    break;
  }
  case CMARK_NODE_IMAGE: {
    el = xb_el(parent, "image");
    const char *url = cmark_node_get_url(n) ? cmark_node_get_url(n) : "";
    xb_attr(el, "destination", url);
    if (cmark_node_get_title(n) && *cmark_node_get_title(n)) xb_attr(el, "title", cmark_node_get_title(n));
    resolve_image(c, n, el, url);
    break;
  }
  case CMARK_NODE_FOOTNOTE_DEFINITION: {
    size_t k = (size_t)cmark_node_get_user_data(n) - 1; /* set by decorate_document */
    el = xb_el(parent, "footnote_definition");
    xb_attr(el, "n", arena_printf(a, "%zu", k + 1));
    xb_attr(el, "anchor", arena_printf(a, "fn-%zu", k + 1));
    break;
  }
  case CMARK_NODE_FOOTNOTE_REFERENCE: {
    size_t k = n->parent_footnote_def ? (size_t)cmark_node_get_user_data(n->parent_footnote_def) - 1 : c->ndefs;
    el = xb_el(parent, "footnote_reference");
    xb_attr(el, "n", arena_printf(a, "%zu", k + 1));
    xb_attr(el, "anchor", arena_printf(a, "fn-%zu", k + 1));
    return;
  }
  default:
    if (model_is(n, "table")) {
      unsigned cols = cmark_gfm_extensions_get_table_columns(n);
      if (cols > TF_MAX_TABLE_COLUMNS) {
        /* Word allows 63 columns; nothing sensible has hundreds (and XSLT recursion is bounded). */
        diag_add(&c->p->b->diags, c->d->shown, cmark_node_get_start_line(n) + c->d->body_line0, 1, DIAG_ERROR,
                 "table-too-wide", "the table has %u columns, over the limit of %d", cols, TF_MAX_TABLE_COLUMNS);
        flat_text(n, parent);
        return;
      }
      el = xb_el(parent, "table");
      xb_attr(el, "columns", arena_printf(a, "%u", cmark_gfm_extensions_get_table_columns(n)));
      if (c->caption) xb_attr(el, "caption", c->caption), c->caption = NULL;
    } else if (model_is(n, "table_header") || model_is(n, "table_row")) {
      el = xb_el(parent, "table_row");
      xb_attr(el, "header", model_is(n, "table_header") ? "true" : "false");
      c->cell = 0;
    } else if (model_is(n, "table_cell")) {
      el = xb_el(parent, "table_cell");
      cmark_node *table = cmark_node_parent(cmark_node_parent(n));
      uint8_t *al = table ? cmark_gfm_extensions_get_table_alignments(table) : NULL;
      int idx = c->cell++; /* the cells of a row come in order */
      if (al && idx < cmark_gfm_extensions_get_table_columns(table)) {
        char x = (char)al[idx];
        xb_attr(el, "align", x == 'l' ? "left" : x == 'r' ? "right" : x == 'c' ? "center" : NULL);
      }
    } else if (model_is(n, "tasklist")) {
      el = xb_el(parent, "item");
      xb_attr(el, "task", cmark_gfm_extensions_get_tasklist_item_checked(n) ? "checked" : "unchecked");
    } else if (model_is(n, "strikethrough")) {
      el = xb_el(parent, "strikethrough");
    } else {
      el = xb_el(parent, name ? name : "unknown");
    }
  }
  convert_children(c, n, el, depth + 1);
}

static void convert_children(deco *c, cmark_node *n, xmlNodePtr parent, int depth) {
  for (cmark_node *ch = cmark_node_first_child(n); ch; ch = cmark_node_next(ch)) convert(c, ch, parent, depth);
}

/* ---- audit defenses and gap flags -------------------------------------------------- */
const char *decorate_defense(tf_build *b, const tf_clause *k, const tf_doc *d, const tf_claim *c) {
  tf_buf out = {0};
  const char *section = d->title;
  if (c && c->anchor)
    for (size_t i = 0; i < d->headings.n; i++)
      if (!strcmp(((tf_heading *)d->headings.items[i])->slug, c->anchor)) section = ((tf_heading *)d->headings.items[i])->text;
  struct { const char *key, *val; } subst[] = {
      {"product", b->product}, {"product_version", b->product_version},
      {"manufacturer", b->manufacturer ? b->manufacturer : b->product}, {"doc_id", d->id}, {"doc_title", d->title},
      {"doc_version", d->version}, {"approval_date", d->approval_date ? d->approval_date : "not yet approved"},
      {"section", section}, {"clause", k->clause}, {"clause_title", k->title}, {"build_date", b->build_date}};
  for (const char *p = k->defense; *p;) {
    if (*p == '{') {
      const char *e = strchr(p, '}');
      size_t i = 0, nsub = sizeof subst / sizeof *subst;
      if (e)
        for (; i < nsub; i++)
          if (strlen(subst[i].key) == (size_t)(e - p - 1) && !strncmp(p + 1, subst[i].key, (size_t)(e - p - 1))) break;
      if (e && i < nsub) {
        buf_puts(&out, subst[i].val);
        p = e + 1;
        continue;
      }
    }
    buf_putc(&out, *p++);
  }
  const char *s = arena_strdup(b->arena, buf_cstr(&out));
  buf_free(&out);
  return s;
}

static xmlNodePtr heading_el(xmlNodePtr body, const char *anchor) {
  for (xmlNodePtr n = body->children; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE || strcmp((char *)n->name, "heading")) continue;
    xmlChar *a = xmlGetProp(n, BAD_CAST "anchor");
    int hit = a && !strcmp((char *)a, anchor);
    xmlFree(a);
    if (hit) return n;
  }
  return NULL;
}

static void insert_statements(tf_page *p, tf_doc *d) {
  tf_build *b = p->b;
  xmlNodePtr top = NULL; /* last statement inserted at the top, to keep claim order */
  for (size_t i = 0; i < d->claims.n; i++) {
    tf_claim *c = d->claims.items[i];
    tf_clause *k = catalog_find(&b->catalog, c->clause);
    if (!k || c->status == ST_TAILORED) continue;
    xmlNodePtr el = xmlNewDocNode(p->xml, NULL, BAD_CAST(c->status == ST_BACKED ? "audit_defense" : "gap_flag"), NULL);
    xb_attr(el, "clause", k->clause);
    xb_attr(el, "clause-title", k->title);
    if (c->status == ST_BACKED) {
      xmlChar *v = clean(decorate_defense(b, k, d, c));
      xmlAddChild(el, xmlNewText(v));
      xmlFree(v);
    } else {
      xb_attr(el, "severity", k->severity);
      for (size_t r = 0; r < c->reasons.n; r++) xb_text(el, "reason", c->reasons.items[r]);
    }
    xmlNodePtr h = c->anchor ? heading_el(p->body, c->anchor) : NULL;
    if (h) xmlAddNextSibling(h, el);
    else if (top) top = xmlAddNextSibling(top, el);
    else if (p->body->children) top = xmlAddPrevSibling(p->body->children, el);
    else top = xmlAddChild(p->body, el);
  }
}

xmlDocPtr decorate_document(tf_build *b, tf_doc *d, tf_vec *deps) {
  tf_page p;
  page_begin(&p, b, "document", d->id, d->title, d);
  fill_meta(&p, d);
  deco c = {.p = &p, .d = d, .deps = deps};
  size_t cap = 0;
  /* model_build released the parse tree (decorate.h): parse again. */
  int reparsed = !d->ast;
  if (reparsed) load_body(b, d), d->ast = load_markdown(d->body ? d->body : "", d->body_len), model_attach_headings(d);
  for (cmark_node *n = cmark_node_first_child(d->ast); n; n = cmark_node_next(n))
    if (cmark_node_get_type(n) == CMARK_NODE_FOOTNOTE_DEFINITION) {
      if (c.ndefs == cap) cap = cap ? cap * 2 : 8, c.defs = xrealloc(c.defs, cap * sizeof *c.defs);
      c.defs[c.ndefs++] = n;
      cmark_node_set_user_data(n, (void *)c.ndefs); /* its number, for references */
    }
  convert_children(&c, d->ast, p.body, 0);
  free(c.defs);
  insert_statements(&p, d);
  if (reparsed) cmark_node_free(d->ast), d->ast = NULL;
  return p.xml;
}
