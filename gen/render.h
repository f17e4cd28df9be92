/*
 * render.h: page trees → HTML and DOCX through the user-editable XSLT in templates/.
 *
 * Owns: the compiled stylesheets and the thread that parses them (render_begin, render_finish
 * or render_open / render_close). Stylesheets are loaded with
 * XML_PARSE_NONET; after loading, a deny-all external entity loader is installed, and each
 * transform runs with security prefs that forbid file and network access and directory
 * creation. Outputs are returned as heap buffers that the caller frees. render_html and
 * render_docx may run on several threads at once over different pages.
 */
#ifndef TF_RENDER_H
#define TF_RENDER_H

#include <libxml/tree.h>

#include "pack.h"

typedef struct tf_render tf_render;

tf_render *render_open(tf_build *b);          /* NULL after a diagnostic */
/* render_open in two steps: render_begin starts parsing the two stylesheets on a thread of
 * their own (b->templates_dir must be set), so that it overlaps loading the content;
 * render_finish waits for it and does the rest (NULL after a diagnostic; it frees r then).
 * render_close also takes a renderer only begun. */
tf_render *render_begin(tf_build *b);
tf_render *render_finish(tf_render *r);
void render_close(tf_render *r);
/* HTML text of a page; 0 or -1 after a diagnostic. */
int render_html(tf_render *r, xmlDocPtr page, tf_buf *out);
/* A whole .docx (zip bytes) for a page; 0 or -1 after a diagnostic. */
int render_docx(tf_render *r, xmlDocPtr page, tf_buf *out);
/* render_docx in three steps, for the combined file (combine.c): the stylesheet's <package>
 * tree of a page (NULL after a diagnostic; the caller frees it); that tree's parts serialised
 * (its part roots are moved out, so the tree is of no further use; the parts can be kept
 * between builds); the .docx made from such parts, into out, or with path set into that file
 * (pack_zip_file, over spare if it may be; out unused). splice, when set, sees every part before it is zipped and may
 * point the entry at other bytes (which it owns, and which must outlive the call); -1 stops. */
xmlDocPtr render_docx_package(tf_render *r, xmlDocPtr page);
typedef struct { char *name; xmlChar *data; size_t len; } render_part;
size_t render_docx_parts(xmlDocPtr package, render_part **out);
void render_parts_free(render_part *parts, size_t n);
typedef int (*render_splice_fn)(void *ctx, pack_entry *part);
int render_docx_zip_parts(tf_render *r, xmlDocPtr page, const render_part *parts, size_t n, render_splice_fn splice,
                          void *ctx, tf_buf *out, const char *path, const char *spare);
/* The bytes a tree's key is hashed from (appended to t): every node under top in document
 * order. Two trees give the same bytes only if they are the same tree. */
void render_tree_bytes(xmlNodePtr top, tf_buf *t);
/* SHA-256 (hex) of every template file: stylesheets, static parts and HTML assets. */
const char *render_digest(tf_render *r);
/* Files to copy next to the HTML pages (style.css, script.js...): names and bytes. */
size_t render_html_assets(tf_render *r, pack_entry **out);

#endif
