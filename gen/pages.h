/*
 * pages.h: the generated pages (index, compliance matrix, gap list, RACI, training matrix,
 * release readiness), built with decorate.h's page builder; which of them a build has is
 * decorate_generated's list, the same the sidebar shows.
 */
#ifndef TF_PAGES_H
#define TF_PAGES_H

#include "decorate.h"

/* The generated pages' stems, in sidebar order (decorate_generated's). */
size_t pages_list(tf_build *b, const char *out[PAGES_MAX]);
/* The tree of generated page stem (one of pages_list's), owned by the caller (xmlFreeDoc).
 * Built when it is needed rather than all at once: at 10,000 documents the index, matrix and
 * gap list trees are tens of megabytes each. */
xmlDocPtr pages_build(tf_build *b, const char *stem);

#endif
