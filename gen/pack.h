/*
 * pack.h: deterministic ZIP archives (libzip) and SHA-256 (libcrypto).
 *
 * Every entry gets the same fixed DOS timestamp and permissions, entries are written in the
 * order given (the caller sorts), so the same input gives the same bytes in any time zone.
 * pack_zip returns the archive in a heap buffer the caller frees.
 */
#ifndef TF_PACK_H
#define TF_PACK_H

#include "model.h"

typedef struct {
  const char *name;   /* path inside the archive */
  const void *data;
  size_t len;
} pack_entry;

int pack_zip(const pack_entry *e, size_t n, tf_buf *out, char *err, size_t errlen);
void pack_sha256_hex(const void *data, size_t len, char out[65]);
int pack_entry_cmp(const void *a, const void *b); /* qsort by name */

#endif
