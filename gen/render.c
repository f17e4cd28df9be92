/*
 * render.c: XSLT rendering of page trees to HTML and to DOCX packages. See render.h.
 */
#include "render.h"

#include <libexslt/exslt.h>
#include <libxml/parser.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#include <zip.h>

#include "decorate.h"

/* A stylesheet parsed on the helper thread (render_begin): its file, and what became of it. */
typedef struct {
  const char *path;
  xsltStylesheetPtr style;
  int line;        /* where the XML is not well-formed (0: it is, or no line known) */
  char why[200];   /* libxml2's message then, or "" */
  int failed;      /* 1: not read or not well-formed XML, 2: not XSLT */
} xsl_job;

struct tf_render {
  tf_build *b;
  pthread_t parser;  /* parses the two stylesheets while the content loads */
  int parsing;       /* the thread is started and not yet joined */
  xsl_job jobs[2];   /* HTML, DOCX */
  xsltStylesheetPtr html, docx;
  xsltSecurityPrefsPtr sec;
  pack_entry *static_parts; /* every file under templates/docx/parts */
  size_t nstatic;
  pack_entry *html_assets;  /* templates/html files but the stylesheets */
  size_t nassets;
  char digest[65];
  int theme;                /* a reference DOCX brought word/theme/theme1.xml */
  xmlDocPtr ref_numbering;  /* the reference's numbering.xml, read-only once loaded */
  xmlNodePtr ref_bullet, ref_ordered; /* its first bullet and first decimal abstractNum */
};

static int load_reference(tf_render *r, const char *path);

static xmlParserInputPtr deny_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt) {
  (void)id;
  (void)ctxt;
  fprintf(stderr, "techfile: refused to load external entity '%s'\n", url ? url : "");
  return NULL;
}

/* The first error libxml2 finds in a stylesheet, the one a writer has to mend (those after it
 * follow from it); libxml2 prints none of them itself. */
static void first_error(void *ctx, xmlErrorPtr e) {
  xsl_job *j = ctx;
  if (!e || e->level < XML_ERR_ERROR || j->why[0]) return;
  j->line = e->line;
  snprintf(j->why, sizeof j->why, "%s", e->message && *e->message ? e->message : "error");
  size_t n = strlen(j->why);
  while (n && (j->why[n - 1] == '\n' || j->why[n - 1] == ' ')) j->why[--n] = 0;
}

/* Parses one stylesheet; what went wrong is kept for render_finish to report (this runs on
 * the helper thread: no diagnostics, no arena; the error handler is this thread's own). */
static void parse_xsl(xsl_job *j) {
  xmlSetStructuredErrorFunc(j, first_error);
  xmlDocPtr d = xmlReadFile(j->path, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA);
  xmlSetStructuredErrorFunc(NULL, NULL);
  if (!d) {
    j->failed = 1;
    return;
  }
  j->style = xsltParseStylesheetDoc(d);
  if (!j->style) {
    xmlFreeDoc(d);
    j->failed = 2;
  }
}

static void *parse_both(void *arg) {
  tf_render *r = arg;
  for (int i = 0; i < 2; i++) parse_xsl(&r->jobs[i]);
  return NULL;
}

/* Reads every file below dir into entries named prefix + relative path. */
static void read_tree(tf_build *b, const char *dir, const char *rel, pack_entry **out, size_t *n, int skip_xsl) {
  tf_vec names = {0};
  if (dir_list(b->arena, dir, &names) != 0) return;
  for (size_t i = 0; i < names.n; i++) {
    const char *name = names.items[i];
    const char *full = path_join(b->arena, dir, name);
    const char *r = rel ? path_join(b->arena, rel, name) : name;
    if (path_is_dir(full)) {
      read_tree(b, full, r, out, n, skip_xsl);
      continue;
    }
    size_t len = strlen(name);
    if (skip_xsl && ((len > 4 && !strcmp(name + len - 4, ".xsl")) || (len > 3 && !strcmp(name + len - 3, ".md")))) continue;
    tf_buf buf = {0};
    char err[128];
    if (file_read(full, 64u << 20, &buf, err, sizeof err) != 0) {
      diag_add(&b->diags, full, 1, 1, DIAG_ERROR, "template-read", "%s", err);
      buf_free(&buf);
      continue;
    }
    *out = xrealloc(*out, (*n + 1) * sizeof **out);
    memset(&(*out)[*n], 0, sizeof **out);
    (*out)[*n].name = r;
    (*out)[*n].data = arena_strndup(b->arena, buf.data ? buf.data : "", buf.len);
    (*out)[*n].len = buf.len;
    (*n)++;
    buf_free(&buf);
  }
}

tf_render *render_begin(tf_build *b) {
  tf_render *r = xcalloc(1, sizeof *r);
  r->b = b;
  /* libxml2's and libxslt's global set-up, on this thread, before another one parses */
  xmlInitParser();
  xsltInit();
  exsltRegisterAll(); /* so that each DOCX part's root declares the namespaces it uses */
  r->jobs[0].path = path_join(b->arena, b->templates_dir, "html/page.xsl");
  r->jobs[1].path = path_join(b->arena, b->templates_dir, "docx/page.xsl");
  r->parsing = pthread_create(&r->parser, NULL, parse_both, r) == 0;
  if (!r->parsing) parse_both(r);
  return r;
}

static void join_parser(tf_render *r) {
  if (r->parsing) pthread_join(r->parser, NULL);
  r->parsing = 0;
}

tf_render *render_open(tf_build *b) { return render_finish(render_begin(b)); }

tf_render *render_finish(tf_render *r) {
  tf_build *b = r->b;
  join_parser(r);
  for (int i = 0; i < 2; i++) {
    xsl_job *j = &r->jobs[i];
    if (j->failed == 1 && !j->why[0]) /* libxml2 only warns of a file it cannot open */
      diag_add(&b->diags, j->path, 1, 1, DIAG_ERROR, "template-invalid", "cannot read the stylesheet (missing or unreadable)");
    else if (j->failed == 1)
      diag_add(&b->diags, j->path, j->line > 0 ? j->line : 1, 1, DIAG_ERROR, "template-invalid", "not well-formed XML: %s", j->why);
    else if (j->failed == 2 && j->why[0]) /* parsed, with errors libxml2 recovers from (a namespace) */
      diag_add(&b->diags, j->path, j->line > 0 ? j->line : 1, 1, DIAG_ERROR, "template-invalid",
               "not a valid XSLT 1.0 stylesheet: %s", j->why);
    else if (j->failed == 2)
      diag_add(&b->diags, j->path, 1, 1, DIAG_ERROR, "template-invalid", "not a valid XSLT 1.0 stylesheet");
  }
  r->html = r->jobs[0].style, r->docx = r->jobs[1].style;
  r->jobs[0].style = r->jobs[1].style = NULL;
  const char *t = b->templates_dir;
  read_tree(b, path_join(b->arena, t, "docx/parts"), NULL, &r->static_parts, &r->nstatic, 0);
  read_tree(b, path_join(b->arena, t, "html"), NULL, &r->html_assets, &r->nassets, 1);
  if (b->reference_docx && load_reference(r, b->reference_docx) != 0) {
    render_close(r);
    return NULL;
  }
  /* The digest of every template byte: a changed template re-renders every page. */
  tf_buf all = {0};
  pack_entry *xsl = NULL;
  size_t nxsl = 0;
  read_tree(b, t, NULL, &xsl, &nxsl, 0);
  for (size_t i = 0; i < nxsl; i++) {
    buf_printf(&all, "%s %zu\n", xsl[i].name, xsl[i].len);
    buf_put(&all, xsl[i].data, xsl[i].len);
  }
  free(xsl);
  for (size_t i = 0; b->reference_docx && i < r->nstatic; i++) { /* the reference template counts too */
    buf_printf(&all, "%s %zu\n", r->static_parts[i].name, r->static_parts[i].len);
    buf_put(&all, r->static_parts[i].data, r->static_parts[i].len);
  }
  pack_sha256_hex(all.data ? all.data : "", all.len, r->digest);
  buf_free(&all);
  /* Every DOCX holds the static parts (styles.xml is 20 KB): deflated once here, not per page. */
  for (size_t i = 0; i < r->nstatic; i++) {
    pack_entry *e = &r->static_parts[i];
    tf_buf z = {0};
    if (pack_deflate(e->data, e->len, 1, &z, &e->crc) != 0) tf_fatal("zlib failed");
    e->raw_len = e->len;
    e->data = arena_strndup(b->arena, z.data ? z.data : "", z.len);
    e->len = z.len;
    e->deflated = 1;
    buf_free(&z);
  }
  /* From here on no entity, DTD or stylesheet is fetched from anywhere. */
  xmlSetExternalEntityLoader(deny_loader);
  r->sec = xsltNewSecurityPrefs();
  xsltSetSecurityPrefs(r->sec, XSLT_SECPREF_READ_FILE, xsltSecurityForbid);
  xsltSetSecurityPrefs(r->sec, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid);
  xsltSetSecurityPrefs(r->sec, XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid);
  xsltSetSecurityPrefs(r->sec, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid);
  xsltSetSecurityPrefs(r->sec, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid);
  if (!r->html || !r->docx) {
    render_close(r);
    return NULL;
  }
  return r;
}

void render_close(tf_render *r) {
  if (!r) return;
  join_parser(r);
  for (int i = 0; i < 2; i++)
    if (r->jobs[i].style) xsltFreeStylesheet(r->jobs[i].style); /* begun, never finished */
  if (r->html) xsltFreeStylesheet(r->html);
  if (r->docx) xsltFreeStylesheet(r->docx);
  if (r->sec) xsltFreeSecurityPrefs(r->sec);
  if (r->ref_numbering) xmlFreeDoc(r->ref_numbering);
  free(r->static_parts);
  free(r->html_assets);
  free(r);
}

const char *render_digest(tf_render *r) { return r->digest; }

/* Strings ended by NUL (which no XML string holds), ')' closing an element: what
 * xmlDocDumpMemory would say, without escaping, encoding and output buffers (a key is made for
 * two trees per document). */
void render_tree_bytes(xmlNodePtr top, tf_buf *t) {
  for (xmlNodePtr n = top; n;) {
    const char *name = n->name ? (const char *)n->name : "";
    switch (n->type) {
    case XML_ELEMENT_NODE:
      buf_putc(t, 'E');
      buf_put(t, name, strlen(name) + 1);
      if (n->ns && n->ns->href) buf_puts(t, (const char *)n->ns->href);
      buf_putc(t, 0);
      for (xmlAttrPtr a = n->properties; a; a = a->next) {
        buf_putc(t, 'A');
        buf_put(t, a->name, strlen((const char *)a->name) + 1);
        if (a->ns && a->ns->href) buf_puts(t, (const char *)a->ns->href);
        buf_putc(t, 0);
        for (xmlNodePtr v = a->children; v; v = v->next)
          if (v->content) buf_puts(t, (const char *)v->content);
        buf_putc(t, 0);
      }
      break;
    default: /* text, CDATA, comments, PIs, entity references: kind, name, content */
      buf_putc(t, 'N');
      buf_putc(t, (char)('0' + n->type));
      buf_put(t, name, strlen(name) + 1);
      if (n->content) buf_puts(t, (const char *)n->content);
      buf_putc(t, 0);
      break;
    }
    if (n->type == XML_ELEMENT_NODE && n->children) {
      n = n->children;
      continue;
    }
    /* up until there is a next sibling, closing each element left */
    while (n && n != top && !n->next) {
      if (n->type == XML_ELEMENT_NODE) buf_putc(t, ')');
      n = n->parent;
    }
    if (n && n->type == XML_ELEMENT_NODE) buf_putc(t, ')');
    n = n && n != top ? n->next : NULL;
  }
}

/* ---- --reference-docx: a writer's Word template ------------------------------------ */
#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

static int zip_get(zip_t *z, const char *name, tf_buf *out) {
  zip_stat_t st;
  if (zip_stat(z, name, 0, &st) != 0 || st.size > (64u << 20)) return -1;
  zip_file_t *f = zip_fopen(z, name, 0);
  if (!f) return -1;
  out->len = 0;
  buf_grow(out, (size_t)st.size);
  zip_int64_t got = zip_fread(f, out->data, st.size);
  zip_fclose(f);
  if (got != (zip_int64_t)st.size) return -1;
  out->len = (size_t)got;
  out->data[out->len] = 0;
  return 0;
}

static pack_entry *static_part(tf_render *r, const char *name) {
  for (size_t i = 0; i < r->nstatic; i++)
    if (!strcmp(r->static_parts[i].name, name)) return &r->static_parts[i];
  r->static_parts = xrealloc(r->static_parts, (r->nstatic + 1) * sizeof *r->static_parts);
  pack_entry *e = &r->static_parts[r->nstatic++];
  memset(e, 0, sizeof *e);
  e->name = arena_strdup(r->b->arena, name);
  e->data = "";
  e->len = 0;
  return e;
}

static void set_part(tf_render *r, const char *name, const void *data, size_t len) {
  pack_entry *e = static_part(r, name);
  e->data = arena_strndup(r->b->arena, data, len);
  e->len = len;
}

static xmlChar *style_id(xmlNodePtr n) { return xmlGetNsProp(n, BAD_CAST "styleId", BAD_CAST W_NS); }

/* The writer's styles win; styles techfile uses that the writer's template lacks (audit
 * defense, gap flag, code, TOC levels...) are added from the shipped styles.xml. */
static int merge_styles(tf_render *r, tf_buf *theirs) {
  pack_entry *ours = static_part(r, "word/styles.xml");
  xmlDocPtr t = xmlReadMemory(theirs->data, (int)theirs->len, "styles.xml", NULL, XML_PARSE_NONET);
  xmlDocPtr o = ours->len ? xmlReadMemory(ours->data, (int)ours->len, "ours.xml", NULL, XML_PARSE_NONET) : NULL;
  if (!t || !xmlDocGetRootElement(t)) {
    if (t) xmlFreeDoc(t);
    if (o) xmlFreeDoc(o);
    return -1;
  }
  xmlNodePtr troot = xmlDocGetRootElement(t);
  for (xmlNodePtr s = o ? xmlDocGetRootElement(o)->children : NULL; s; s = s->next) {
    if (s->type != XML_ELEMENT_NODE || strcmp((char *)s->name, "style")) continue;
    xmlChar *id = style_id(s);
    int have = 0;
    for (xmlNodePtr q = troot->children; q && !have && id; q = q->next) {
      if (q->type != XML_ELEMENT_NODE || strcmp((char *)q->name, "style")) continue;
      xmlChar *qid = style_id(q);
      have = qid && !strcmp((char *)qid, (char *)id);
      xmlFree(qid);
    }
    if (!have) {
      xmlNodePtr copy = xmlDocCopyNode(s, t, 1);
      xmlAddChild(troot, copy);
      xmlReconciliateNs(t, copy);
    }
    xmlFree(id);
  }
  xmlChar *mem = NULL;
  int len = 0;
  t->standalone = 1;
  xmlDocDumpMemoryEnc(t, &mem, &len, "UTF-8");
  set_part(r, "word/styles.xml", mem, (size_t)len);
  xmlFree(mem);
  xmlFreeDoc(t);
  if (o) xmlFreeDoc(o);
  return 0;
}

static int load_reference(tf_render *r, const char *path) {
  tf_build *b = r->b;
  int err = 0;
  zip_t *z = zip_open(path, ZIP_RDONLY, &err);
  if (!z) {
    diag_add(&b->diags, path, 1, 1, DIAG_ERROR, "reference-docx", "cannot open the reference DOCX (not a .docx file?)");
    return -1;
  }
  tf_buf part = {0};
  int rc = 0;
  if (zip_get(z, "word/styles.xml", &part) != 0 || merge_styles(r, &part) != 0) {
    diag_add(&b->diags, path, 1, 1, DIAG_ERROR, "reference-docx", "the reference DOCX has no readable word/styles.xml");
    rc = -1;
  }
  if (!rc && zip_get(z, "word/fontTable.xml", &part) == 0) set_part(r, "word/fontTable.xml", part.data, part.len);
  if (!rc && zip_get(z, "word/numbering.xml", &part) == 0) {
    /* The writer's list look: the first bullet and the first decimal list definitions. */
    r->ref_numbering = xmlReadMemory(part.data, (int)part.len, "numbering.xml", NULL, XML_PARSE_NONET);
    xmlNodePtr root = r->ref_numbering ? xmlDocGetRootElement(r->ref_numbering) : NULL;
    for (xmlNodePtr an = root ? root->children : NULL; an; an = an->next) {
      if (an->type != XML_ELEMENT_NODE || strcmp((char *)an->name, "abstractNum")) continue;
      for (xmlNodePtr lvl = an->children; lvl; lvl = lvl->next) {
        if (lvl->type != XML_ELEMENT_NODE || strcmp((char *)lvl->name, "lvl")) continue;
        for (xmlNodePtr f = lvl->children; f; f = f->next) {
          if (f->type != XML_ELEMENT_NODE || strcmp((char *)f->name, "numFmt")) continue;
          xmlChar *v = xmlGetNsProp(f, BAD_CAST "val", BAD_CAST W_NS);
          if (v && !strcmp((char *)v, "bullet") && !r->ref_bullet) r->ref_bullet = an;
          if (v && !strcmp((char *)v, "decimal") && !r->ref_ordered) r->ref_ordered = an;
          xmlFree(v);
        }
        break; /* the first level decides */
      }
    }
  }
  if (!rc && zip_get(z, "word/theme/theme1.xml", &part) == 0) {
    set_part(r, "word/theme/theme1.xml", part.data, part.len);
    r->theme = 1;
  }
  buf_free(&part);
  zip_close(z);
  return rc;
}

/* A generated part edited as a tree goes back into the package: serialised, standalone, the
 * tree freed, its old bytes released. */
static void part_store(pack_entry *e, xmlChar **mem, xmlDocPtr d) {
  xmlFree(*mem);
  int len = 0;
  d->standalone = 1;
  xmlDocDumpMemoryEnc(d, mem, &len, "UTF-8");
  e->data = *mem;
  e->len = (size_t)len;
  xmlFreeDoc(d);
}

/* Adds an element to the root of a generated part (content types, relationships). */
static void add_to_part(pack_entry *e, xmlChar **mem, const char *name, const char *const *attrs) {
  xmlDocPtr d = xmlReadMemory(e->data, (int)e->len, "part.xml", NULL, XML_PARSE_NONET);
  if (!d) return;
  xmlNodePtr root = xmlDocGetRootElement(d);
  xmlNodePtr n = xmlNewChild(root, root->ns, BAD_CAST name, NULL);
  for (; *attrs; attrs += 2) xmlSetProp(n, BAD_CAST attrs[0], BAD_CAST attrs[1]);
  part_store(e, mem, d);
}

size_t render_html_assets(tf_render *r, pack_entry **out) {
  *out = r->html_assets;
  return r->nassets;
}

static const char *page_file(xmlDocPtr page, char name[128]) {
  xmlChar *f = xmlGetProp(xmlDocGetRootElement(page), BAD_CAST "file");
  snprintf(name, 128, "%s", f ? (char *)f : "page");
  xmlFree(f);
  return name;
}

static xmlDocPtr transform(tf_render *r, xsltStylesheetPtr s, xmlDocPtr page, const char *what) {
  xsltTransformContextPtr ctxt = xsltNewTransformContext(s, page);
  if (!ctxt) tf_fatal("libxslt: cannot create a transform context");
  xsltSetCtxtSecurityPrefs(r->sec, ctxt);
  xmlDocPtr res = xsltApplyStylesheetUser(s, page, NULL, NULL, NULL, ctxt);
  int failed = !res || ctxt->state == XSLT_STATE_ERROR || ctxt->state == XSLT_STATE_STOPPED;
  xsltFreeTransformContext(ctxt);
  if (failed) {
    /* the stylesheet's file; libxslt has printed where in it (its "runtime error" lines) */
    char name[128];
    const char *file = s->doc && s->doc->URL ? (const char *)s->doc->URL : r->b->templates_dir;
    diag_add(&r->b->diags, file, 1, 1, DIAG_ERROR, "template-failed", "the %s stylesheet failed on page %s", what,
             page_file(page, name));
    if (res) xmlFreeDoc(res);
    return NULL;
  }
  return res;
}

int render_html(tf_render *r, xmlDocPtr page, tf_buf *out) {
  xmlDocPtr res = transform(r, r->html, page, "HTML");
  if (!res) return -1;
  xmlChar *mem = NULL;
  int len = 0;
  xsltSaveResultToString(&mem, &len, res, r->html);
  out->len = 0;
  buf_put(out, mem ? (char *)mem : "", mem ? (size_t)len : 0);
  xmlFree(mem);
  xmlFreeDoc(res);
  return 0;
}

static const char *content_type_rank(const char *name) {
  /* [Content_Types].xml first and the package rels second, as Word writes them. */
  if (!strcmp(name, "[Content_Types].xml")) return "0";
  if (!strcmp(name, "_rels/.rels")) return "1";
  return "2";
}

static int part_cmp(const void *a, const void *b) {
  const pack_entry *x = a, *y = b;
  int c = strcmp(content_type_rank(x->name), content_type_rank(y->name));
  return c ? c : strcmp(x->name, y->name);
}

/* Gives techfile's bullet (abstractNum 1) and ordered (2) lists the writer's definitions. */
static void apply_numbering(tf_render *r, pack_entry *e, xmlChar **mem) {
  xmlDocPtr d = xmlReadMemory(e->data, (int)e->len, "numbering.xml", NULL, XML_PARSE_NONET);
  if (!d) return;
  for (xmlNodePtr an = xmlDocGetRootElement(d)->children; an; an = an->next) {
    if (an->type != XML_ELEMENT_NODE || strcmp((char *)an->name, "abstractNum")) continue;
    xmlChar *id = xmlGetNsProp(an, BAD_CAST "abstractNumId", BAD_CAST W_NS);
    xmlNodePtr from = id && !strcmp((char *)id, "1") ? r->ref_bullet : id && !strcmp((char *)id, "2") ? r->ref_ordered : NULL;
    xmlFree(id);
    if (!from) continue;
    xmlNodePtr c = an->children;
    while (c) {
      xmlNodePtr next = c->next;
      xmlUnlinkNode(c);
      xmlFreeNode(c);
      c = next;
    }
    for (xmlNodePtr k = from->children; k; k = k->next) {
      if (k->type != XML_ELEMENT_NODE) continue;
      xmlNodePtr copy = xmlDocCopyNode(k, d, 1);
      xmlAddChild(an, copy);
      xmlReconciliateNs(d, copy);
    }
  }
  part_store(e, mem, d);
}

static void grow(size_t *cap, pack_entry **parts, xmlChar ***mems, char ***names) {
  size_t old = *cap;
  *cap *= 2;
  *parts = xrealloc(*parts, *cap * sizeof **parts);
  *mems = xrealloc(*mems, *cap * sizeof **mems);
  *names = xrealloc(*names, *cap * sizeof **names);
  memset(*parts + old, 0, (*cap - old) * sizeof **parts);
  memset(*mems + old, 0, (*cap - old) * sizeof **mems);
  memset(*names + old, 0, (*cap - old) * sizeof **names);
}

xmlDocPtr render_docx_package(tf_render *r, xmlDocPtr page) { return transform(r, r->docx, page, "DOCX"); }

static int docx_zip(tf_render *r, xmlDocPtr page, render_part *given, size_t ngiven, int take, render_splice_fn splice,
                    void *ctx, tf_buf *out, const char *path, const char *spare);

int render_docx(tf_render *r, xmlDocPtr page, tf_buf *out) {
  xmlDocPtr res = render_docx_package(r, page);
  if (!res) return -1;
  render_part *parts;
  size_t n = render_docx_parts(res, &parts);
  xmlFreeDoc(res);
  int rc = docx_zip(r, page, parts, n, 1, NULL, NULL, out, NULL, NULL);
  free(parts); /* its names and bytes were taken */
  return rc;
}

size_t render_docx_parts(xmlDocPtr res, render_part **out) {
  xmlNodePtr pkg = xmlDocGetRootElement(res);
  size_t cap = 16, n = 0;
  render_part *parts = xcalloc(cap, sizeof *parts);
  for (xmlNodePtr p = pkg ? pkg->children : NULL; p; p = p->next) {
    if (p->type != XML_ELEMENT_NODE || strcmp((char *)p->name, "part")) continue;
    xmlChar *name = xmlGetProp(p, BAD_CAST "name");
    xmlNodePtr root = p->children;
    while (root && root->type != XML_ELEMENT_NODE) root = root->next;
    if (!name || !root) {
      xmlFree(name);
      continue;
    }
    /* Each part becomes a document of its own, with the namespaces it uses declared. The
     * part's tree is moved there, not copied (a copy of a big page's document.xml doubled
     * its memory): the new document shares the package's dictionary, which owns the names. */
    xmlDocPtr part = xmlNewDoc(BAD_CAST "1.0");
    part->standalone = 1;
    if (res->dict) part->dict = res->dict, xmlDictReference(res->dict);
    xmlUnlinkNode(root);
    xmlDocSetRootElement(part, root);
    xmlReconciliateNs(part, root);
    int len = 0;
    if (n == cap) parts = xrealloc(parts, (cap *= 2) * sizeof *parts);
    xmlDocDumpMemoryEnc(part, &parts[n].data, &len, "UTF-8");
    parts[n].name = xstrdup((char *)name);
    parts[n].len = (size_t)len;
    n++;
    xmlFreeDoc(part);
    xmlFree(name);
  }
  *out = parts;
  return n;
}

void render_parts_free(render_part *p, size_t n) {
  for (size_t i = 0; p && i < n; i++) xmlFree(p[i].data), free(p[i].name);
  free(p);
}

int render_docx_zip_parts(tf_render *r, xmlDocPtr page, const render_part *given, size_t ngiven, render_splice_fn splice,
                          void *ctx, tf_buf *out, const char *path, const char *spare) {
  return docx_zip(r, page, (render_part *)given, ngiven, 0, splice, ctx, out, path, spare);
}

/* take: the given parts' names and bytes become the entries' (freed here); else they are
 * copied, since the reference's numbering and theme below replace some. */
static int docx_zip(tf_render *r, xmlDocPtr page, render_part *given, size_t ngiven, int take, render_splice_fn splice,
                    void *ctx, tf_buf *out, const char *path, const char *spare) {
  tf_build *b = r->b;
  size_t cap = r->nstatic + ngiven + 32, n = 0;
  pack_entry *parts = xcalloc(cap, sizeof *parts);
  xmlChar **mems = xcalloc(cap, sizeof *mems);
  char **names = xcalloc(cap, sizeof *names); /* heap: this runs on worker threads */
  int rc = 0;
  for (size_t i = 0; i < ngiven; i++, n++) {
    mems[n] = take ? given[i].data : xmlStrndup(given[i].data, (int)given[i].len);
    names[n] = take ? given[i].name : xstrdup(given[i].name);
    if (!mems[n]) tf_fatal("out of memory");
    parts[n].name = names[n];
    parts[n].data = mems[n];
    parts[n].len = given[i].len;
  }
  /* Static parts the stylesheet did not write itself. */
  for (size_t i = 0; i < r->nstatic; i++) {
    int dup = 0;
    for (size_t j = 0; j < n && !dup; j++) dup = !strcmp(parts[j].name, r->static_parts[i].name);
    if (dup) continue;
    if (n == cap) grow(&cap, &parts, &mems, &names);
    mems[n] = NULL;
    names[n] = NULL;
    parts[n++] = r->static_parts[i];
  }
  /* Images: the page's image relationships point at media/...; the files come from assets. */
  xmlNodePtr rels = NULL;
  for (xmlNodePtr c = xmlDocGetRootElement(page)->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && !strcmp((char *)c->name, "rels")) rels = c;
  tf_buf *imgs = xcalloc(b->assets.n + 1, sizeof(tf_buf));
  size_t nimg = 0;
  for (xmlNodePtr rel = rels ? rels->children : NULL; rel; rel = rel->next) {
    xmlChar *type = xmlGetProp(rel, BAD_CAST "type"), *target = xmlGetProp(rel, BAD_CAST "target");
    if (type && target && !strcmp((char *)type, "image"))
      for (size_t i = 0; i < b->assets.n; i++) {
        tf_asset *as = b->assets.items[i];
        char err[128];
        if (strcmp(as->target, (char *)target) || nimg >= b->assets.n) continue;
        if (file_read(as->source, 32u << 20, &imgs[nimg], err, sizeof err) != 0) {
          diag_add(&b->diags, as->source, 1, 1, DIAG_ERROR, "asset-read", "%s", err);
          rc = -1;
          break;
        }
        if (n == cap) grow(&cap, &parts, &mems, &names);
        mems[n] = NULL;
        if (asprintf(&names[n], "word/%s", as->target) < 0) tf_fatal("out of memory");
        parts[n].name = names[n];
        parts[n].data = imgs[nimg].data;
        parts[n++].len = imgs[nimg++].len;
      }
    xmlFree(type);
    xmlFree(target);
  }
  for (size_t i = 0; (r->ref_bullet || r->ref_ordered) && i < n; i++)
    if (!strcmp(parts[i].name, "word/numbering.xml")) apply_numbering(r, &parts[i], &mems[i]);
  if (r->theme) /* the reference's theme: declare its content type and relate it */
    for (size_t i = 0; i < n; i++) {
      if (!strcmp(parts[i].name, "[Content_Types].xml")) {
        static const char *const a[] = {"PartName", "/word/theme/theme1.xml", "ContentType",
                                        "application/vnd.openxmlformats-officedocument.theme+xml", NULL};
        add_to_part(&parts[i], &mems[i], "Override", a);
      } else if (!strcmp(parts[i].name, "word/_rels/document.xml.rels")) {
        static const char *const a[] = {"Id", "rTheme", "Type",
                                        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme",
                                        "Target", "theme/theme1.xml", NULL};
        add_to_part(&parts[i], &mems[i], "Relationship", a);
      }
    }
  for (size_t i = 0; splice && rc == 0 && i < n; i++)
    if (splice(ctx, &parts[i]) != 0) rc = -1;
  qsort(parts, n, sizeof *parts, part_cmp);
  char err[256];
  if (rc == 0 && (path ? pack_zip_file(parts, n, path, spare, err, sizeof err) : pack_zip(parts, n, out, err, sizeof err)) != 0) {
    char pname[128];
    diag_add(&b->diags, page_file(page, pname), 1, 1, DIAG_ERROR, "docx-pack", "%s", err);
    rc = -1;
  }
  for (size_t i = 0; i < n; i++) xmlFree(mems[i]), free(names[i]);
  free(names);
  for (size_t i = 0; i < nimg; i++) buf_free(&imgs[i]);
  free(imgs);
  free(mems);
  free(parts);
  return rc;
}
