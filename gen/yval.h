/*
 * yval.h: YAML text → a small tree of scalars, sequences and mappings (libyaml events).
 *
 * Owns: the tree, allocated in the caller's arena. Every scalar stays a string (no tag
 * resolution: "1.10" stays "1.10", dates stay text). Aliases and anchors are refused, so an
 * alias bomb costs nothing; nesting deeper than YV_MAX_DEPTH is refused.
 */
#ifndef TF_YVAL_H
#define TF_YVAL_H

#include "util.h"

#define YV_MAX_DEPTH 64

typedef enum { YV_SCALAR, YV_SEQ, YV_MAP } yv_kind;

typedef struct yval {
  yv_kind kind;
  int line, col;          /* 1-based, relative to the parsed text */
  const char *str;        /* YV_SCALAR */
  struct yval **items;    /* YV_SEQ items; YV_MAP values */
  struct yval **keys;     /* YV_MAP keys (scalars) */
  size_t n;
} yval;

/* Parses text (len bytes). Returns the root (NULL for an empty document) and 0, or -1 with
 * *err_line / err set. */
int yv_parse(tf_arena *a, const char *text, size_t len, yval **root, int *err_line, char *err, size_t errlen);

yval *yv_get(const yval *map, const char *key);            /* key match is exact */
const char *yv_str(const yval *v);                         /* scalar text or NULL */
const char *yv_get_str(const yval *map, const char *key);  /* scalar under key or NULL */

#endif
