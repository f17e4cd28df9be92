/*
 * decorate.h: builds the page trees that templates render (templates/FORMAT.md).
 *
 * decorate_document turns one document's cmark tree into a <page> libxml2 tree: it resolves
 * every cross-reference (errors at file:line:col for unknown targets), makes raw HTML inert,
 * allocates DOCX numbering, relationships and bookmarks, and inserts the audit-defense
 * statements and gap flags. pages.c uses the same page builder for the generated pages.
 *
 * Owns: each returned xmlDoc belongs to the caller (xmlFreeDoc). Strings come from the arena.
 */
#ifndef TF_DECORATE_H
#define TF_DECORATE_H

#include <libxml/tree.h>

#include "model.h"

typedef struct {
  tf_build *b;
  tf_doc *doc;            /* NULL for generated pages */
  const char *file;       /* page stem */
  xmlDocPtr xml;
  xmlNodePtr page, meta, rels, body;
  int next_rid, next_num, next_bookmark;
  const char *rid_prefix; /* relationship ids are <prefix><n>: "rId" unless set */
  tf_map rel_ids;         /* relationship target → id, so each target is related once */
} tf_page;

/* Starts a page: <page> with <site>, <nav>, <meta id title>, <rels>, <document>. */
void page_begin(tf_page *p, tf_build *b, const char *kind, const char *file, const char *title, tf_doc *doc);
/* Relationship id for a DOCX hyperlink or image target (deduplicated per page). */
const char *page_rel(tf_page *p, const char *target, int image);

/* Small builders for generated content (text is sanitised for XML). */
xmlNodePtr xb_el(xmlNodePtr parent, const char *name);
xmlNodePtr xb_text(xmlNodePtr parent, const char *name, const char *text); /* <name>text</name> */
void xb_attr(xmlNodePtr n, const char *name, const char *value);
xmlNodePtr xb_heading(tf_page *p, int level, const char *text, const char *anchor);
xmlNodePtr xb_para(xmlNodePtr parent, const char *text);
xmlNodePtr xb_link_page(tf_page *p, xmlNodePtr parent, const char *text, const char *file, const char *anchor, const char *bookmark);
xmlNodePtr xb_badge(xmlNodePtr parent, const char *value, const char *label);
xmlNodePtr xb_table(xmlNodePtr parent, int ncols, const char *const *head);
xmlNodePtr xb_row(xmlNodePtr table);
xmlNodePtr xb_cell(xmlNodePtr row, const char *text);

/* The generated pages, in sidebar order: the one list of them (the sidebar of every page,
 * and pages.c, which builds them, follow it). kind: the sidebar entry's kind. */
#define PAGES_MAX 8
typedef struct { const char *kind, *file, *title; } tf_genpage;
size_t decorate_generated(tf_build *b, tf_genpage out[PAGES_MAX]);
/* Once, before the first page: what the pages share (each document's process). */
void decorate_prepare(tf_build *b);
/* The document page, fully resolved. NULL never: problems become diagnostics. A document
 * whose parse tree was released after the checks (build.c, to keep memory flat) is parsed
 * again from its body for the call, and released again. With deps, appends (arena strings)
 * what the page read besides its own document, the build settings and the checks' results:
 * "path:<rel>" or "id:<ID>" for each document it links to, "head:<ID>#<fragment>" for each
 * heading of another document it links to, "file:<rel>" for each local file (depend.c turns
 * them into an input key for incremental builds). */
xmlDocPtr decorate_document(tf_build *b, tf_doc *d, tf_vec *deps);
/* The bundle entry media/<rel> for the content file rel (added once to b->assets). */
const char *decorate_asset(tf_build *b, const char *rel);
/* Fills a clause's audit-defense template for a backing document. */
const char *decorate_defense(tf_build *b, const tf_clause *k, const tf_doc *d, const tf_claim *c);
/* DOCX bookmark name of a clause row in the compliance matrix. */
const char *decorate_clause_bookmark(tf_arena *a, const char *clause);

#endif
