/* combine.c: one page holding the whole technical file. See combine.h. */
#include "combine.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  tf_page *p;
  const char **files;    /* the pages that are chapters, in order */
  size_t nfiles;
  int fn_base, num_base; /* offsets that keep footnote and list numbers unique */
  int fn_max, num_max;
} ctx;

static const char *chapter_bookmark(ctx *c, int k) { return arena_printf(c->p->b->arena, "D%d", k + 1); }

static int is(xmlNodePtr n, const char *name) { return n->type == XML_ELEMENT_NODE && !strcmp((char *)n->name, name); }

static char *prop(xmlNodePtr n, const char *name) { return (char *)xmlGetProp(n, BAD_CAST name); }

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

/* Fixes one copied subtree: links land inside the combined file, relationships and numbers
 * are allocated anew, headings move one level down under the chapter heading. */
static void fix(ctx *c, xmlNodePtr n) {
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    if (is(n, "heading")) {
      char *lv = prop(n, "level");
      int l = lv ? atoi(lv) + 1 : 2;
      xmlFree(lv);
      char s[16];
      snprintf(s, sizeof s, "%d", l > 6 ? 6 : l);
      xmlSetProp(n, BAD_CAST "level", BAD_CAST s);
    } else if (is(n, "link")) {
      char *kind = prop(n, "kind"), *file = prop(n, "file"), *dest = prop(n, "destination");
      xmlUnsetProp(n, BAD_CAST "rid");
      int k = -1;
      for (size_t i = 0; file && i < c->nfiles && k < 0; i++)
        if (!strcmp(c->files[i], file)) k = (int)i;
      if (kind && !strcmp(kind, "page") && k >= 0) {
        xmlSetProp(n, BAD_CAST "same", BAD_CAST "true");
        xmlSetProp(n, BAD_CAST "file", BAD_CAST COMBINED_FILE);
        char *bm = prop(n, "bookmark");
        if (!bm) xmlSetProp(n, BAD_CAST "bookmark", BAD_CAST chapter_bookmark(c, k)); /* the top of that page */
        xmlFree(bm);
      } else if (kind && !strcmp(kind, "page") && file) {
        /* a page that is not a chapter (RACI, training, release): its own .docx */
        xmlUnsetProp(n, BAD_CAST "same");
        xmlSetProp(n, BAD_CAST "rid", BAD_CAST page_rel(c->p, arena_printf(c->p->b->arena, "%s.docx", file), 0));
      } else if (kind && !strcmp(kind, "external") && dest) {
        xmlSetProp(n, BAD_CAST "rid", BAD_CAST page_rel(c->p, dest, 0));
      }
      xmlFree(kind);
      xmlFree(file);
      xmlFree(dest);
    } else if (is(n, "image")) {
      char *kind = prop(n, "kind"), *src = prop(n, "src");
      if (kind && !strcmp(kind, "local") && src) xmlSetProp(n, BAD_CAST "rid", BAD_CAST page_rel(c->p, src, 1));
      xmlFree(kind);
      xmlFree(src);
    } else if (is(n, "footnote_reference") || is(n, "footnote_definition")) {
      renumber(n, "n", c->fn_base, &c->fn_max);
    } else if (is(n, "list")) {
      renumber(n, "num", c->num_base, &c->num_max);
    }
    fix(c, n->children);
  }
}

static xmlNodePtr child(xmlDocPtr d, const char *name) {
  for (xmlNodePtr n = xmlDocGetRootElement(d)->children; n; n = n->next)
    if (is(n, name)) return n;
  return NULL;
}

static void chapter(ctx *c, xmlDocPtr page, int k) {
  tf_page *p = c->p;
  xmlNodePtr meta = child(page, "meta"), body = child(page, "document");
  char *title = prop(meta, "title"), *id = prop(meta, "id"), *version = prop(meta, "version");
  char *status = prop(meta, "status"), *owner = prop(meta, "owner");
  const char *anchor = chapter_bookmark(c, k);
  xmlNodePtr h = xb_el(p->body, "heading");
  xb_attr(h, "level", "1");
  xb_attr(h, "anchor", anchor);
  xb_attr(h, "bookmark", anchor);
  xb_text(h, "text", version ? arena_printf(p->b->arena, "%s %s", id, title) : title);
  if (version)
    xb_para(p->body, arena_printf(p->b->arena, "Version %s · %s%s%s", version, status ? status : "draft",
                                  owner ? " · owner: " : "", owner ? owner : ""));
  xmlFree(title), xmlFree(id), xmlFree(version), xmlFree(status), xmlFree(owner);
  xmlNodePtr first = NULL;
  for (xmlNodePtr n = body->children; n; n = n->next) {
    xmlNodePtr copy = xmlDocCopyNode(n, p->xml, 1);
    xmlAddChild(p->body, copy);
    if (!first) first = copy;
  }
  c->fn_max = c->fn_base, c->num_max = c->num_base;
  if (first) fix(c, first);
  c->fn_base = c->fn_max, c->num_base = c->num_max;
}

xmlDocPtr combine_pages(tf_build *b, xmlDocPtr *pages, const char **files, size_t n) {
  tf_page p;
  page_begin(&p, b, "combined", COMBINED_FILE, arena_printf(b->arena, "Technical file: %s %s", b->product, b->product_version), NULL);
  ctx c = {.p = &p};
  /* The matrix first, then the documents in ID order, then the gap list. */
  static const char *const order[] = {"compliance-matrix", NULL, "gaps"};
  xmlDocPtr *chosen = xcalloc(n + 1, sizeof *chosen);
  c.files = xcalloc(n + 1, sizeof *c.files);
  for (int part = 0; part < 3; part++)
    for (size_t i = 0; i < n; i++) {
      xmlChar *kind = xmlGetProp(xmlDocGetRootElement(pages[i]), BAD_CAST "kind");
      int doc = kind && !strcmp((char *)kind, "document");
      xmlFree(kind);
      if (order[part] ? !strcmp(files[i], order[part]) : doc) chosen[c.nfiles] = pages[i], c.files[c.nfiles++] = files[i];
    }
  for (size_t k = 0; k < c.nfiles; k++) chapter(&c, chosen[k], (int)k);
  free(chosen);
  free(c.files);
  return p.xml;
}
