/*
 * memo.h: what the model and the checks learned from each document's body, kept between
 * builds, so that an unchanged document is not parsed again.
 *
 * Parsing every document (cmark-gfm) and running the catalog's content rules over its text
 * costs more than everything else an incremental build does. Both depend only on the file's
 * bytes, the catalog and techfile's version: the memo (OUT/.techfile/memo) keeps, per file
 * SHA-256, the headings and which content rules of each claimed clause matched. A document
 * found there gets its headings from it, no plain text, and check.c reads the rule results
 * from it. A memo file that is damaged (its checksum) or from another catalog or version is
 * ignored.
 *
 * Owns: the tf_memo (memo_free) and the file's bytes; headings it gives are arena strings.
 */
#ifndef TF_MEMO_H
#define TF_MEMO_H

#include "model.h"

typedef struct tf_memo tf_memo;

/* The memo at path (missing or unusable: an empty one), for the loaded catalog. */
tf_memo *memo_open(tf_build *b, const char *path);
/* Whether a file with this SHA-256 is in the memo: it was read, checked and parsed without
 * error by an earlier build (load.c skips its byte checks). */
int memo_known(const tf_memo *m, const char *sha);
/* The SHA-256 of the file at path (content-relative) if its stat st is what an earlier build
 * recorded and the memo has its entry (and *body_line0), else NULL: then read the file. */
const char *memo_file_sha(tf_memo *m, const char *path, const struct stat *st, int *body_line0);
/* The front matter tree of the file with this SHA-256 as the build that put it in the memo
 * parsed it (arena a), or NULL: then parse it. */
yval *memo_front_matter(tf_memo *m, const char *sha, tf_arena *a);
/* Fills d->headings, d->memo and d->memo_entry from the memo: 1, or 0 when d is not in it. */
int memo_get(tf_memo *m, tf_doc *d);
/* Writes the memo of this build's documents (after the checks): 0, or -1. A document whose
 * rules hit PCRE2's limits (d->memo_bad) is left out. Nothing is written when unchanged. */
int memo_save(tf_memo *m);
void memo_free(tf_memo *m);
/* check.c: the recorded result of content rule i of clause for d: 1 match, 0 none, -1 not
 * recorded (run the rule). */
int memo_hit(const tf_doc *d, const char *clause, size_t i);

#endif
