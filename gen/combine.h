/*
 * combine.h: the whole technical file as one page, for docx/technical-file.docx: a cover and
 * TOC (from the templates), the compliance matrix, every document as a chapter in ID order,
 * and the gap list. Links between pages become links inside the file (bookmarks); footnotes,
 * list numbering and relationships are renumbered so that chapters do not collide.
 *
 * Owns: nothing past its return; the page belongs to the caller (xmlFreeDoc).
 */
#ifndef TF_COMBINE_H
#define TF_COMBINE_H

#include "decorate.h"

#define COMBINED_FILE "technical-file"

/* pages/files: every page of the build (documents and generated pages), as build.c has them. */
xmlDocPtr combine_pages(tf_build *b, xmlDocPtr *pages, const char **files, size_t n);

#endif
