/*
 * pages.h: the generated pages (index, compliance matrix, gap list, RACI, training matrix,
 * release readiness), built with decorate.h's page builder. The set must match the <nav> that
 * page_begin writes (decorate.c, gen_pages).
 */
#ifndef TF_PAGES_H
#define TF_PAGES_H

#include "decorate.h"

#define PAGES_MAX 8

typedef struct {
  const char *file;  /* page stem */
  xmlDocPtr xml;     /* owned by the caller */
} tf_genpage;

size_t pages_generate(tf_build *b, tf_genpage out[PAGES_MAX]);

#endif
