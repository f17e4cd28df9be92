/*
 * combine.h: docx/technical-file.docx, the whole technical file as one DOCX: a cover and table
 * of contents, the compliance matrix, every document as a chapter in ID order, the gap list.
 *
 * The file is assembled from chapters rather than rendered as one page: each chapter is a small
 * page tree of its own (kind "chapter": a copy of a page's body, links pointed at bookmarks
 * inside the file, headings one level down, footnote, list, bookmark and relationship numbers
 * that follow on from the chapters before it). Chapters render on the worker threads like any
 * page, and each rendered body is deflated there, as an independent piece of one deflate
 * stream. The "shell" (kind "combined": cover, contents, one placeholder per chapter, every
 * chapter's relationships) renders last; combine_docx splices the pieces into its
 * word/document.xml, numbering.xml and footnotes.xml without parsing or compressing them again.
 *
 * Owns: the tf_combine (combine_free) with the rendered pieces; chapter trees belong to the
 * caller (xmlFreeDoc).
 */
#ifndef TF_COMBINE_H
#define TF_COMBINE_H

#include "decorate.h"
#include "render.h"

#define COMBINED_FILE "technical-file"

typedef struct tf_combine tf_combine;

/* The chapters: the compliance matrix, the documents (b->docs order), the gap list. */
tf_combine *combine_open(tf_build *b);
size_t combine_count(const tf_combine *c);
const char *combine_file(const tf_combine *c, size_t k); /* page stem of chapter k */
/* Chapter k's page tree, made from that page's tree (left unchanged). Main thread only, in
 * order k = 0, 1, 2...: its footnote, list and bookmark numbers start above the chapter
 * before's, at a fixed multiple of k when they can (an edit elsewhere leaves them alone). */
xmlDocPtr combine_chapter(tf_combine *c, size_t k, xmlDocPtr page);
/* Renders chapter k into its pieces. Worker threads, any order; 0 or -1 after a diagnostic. */
int combine_render(tf_combine *c, tf_render *r, size_t k, xmlDocPtr chapter);
/* Chapter k's pieces and what the shell needs of it, serialised (for the incremental-build
 * cache) and back. combine_load takes the pieces (any thread, the chapter tree already made
 * by combine_chapter); with meta (main thread, in order, instead of combine_chapter) also the
 * table-of-contents entries, relationships and numbers used. 0, or -1 if data is damaged. */
void combine_save(const tf_combine *c, size_t k, tf_buf *out);
int combine_load(tf_combine *c, size_t k, const void *data, size_t len, int meta);
/* Chapter k's numbering bases, as text for its input key: call in order, just before
 * combine_chapter or combine_load with meta. */
const char *combine_bases(tf_combine *c, size_t k);
/* Chapter k's body piece is in the file open at fd, combine_save's len bytes at offset at: once
 * the bodies kept in memory pass 16 MB, it is dropped from memory and read back when the
 * combined file is spliced (at 10,000 documents the bodies are a hundred megabytes). Any
 * thread; fd must stay open until combine_docx. */
void combine_spill(tf_combine *c, size_t k, int fd, uint64_t at, size_t len);
/* The .docx, written to path (at 10,000 documents it is tens of megabytes): the shell
 * rendered with every chapter spliced in. cache (or NULL): the file of the last build's shell,
 * used when this build's shell tree is the same. spare: see pack_zip_file. 0 or -1 after a
 * diagnostic. */
int combine_docx(tf_combine *c, tf_render *r, const char *path, const char *cache, const char *spare);
/* The shell cache to write to combine_docx's cache file if the build commits (len 0: the one
 * there is still good). */
const tf_buf *combine_shell_cache(const tf_combine *c);
void combine_free(tf_combine *c);

#endif
