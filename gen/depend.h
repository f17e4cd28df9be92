/*
 * depend.h: input keys, so that an incremental build skips building unchanged pages at all.
 *
 * A document page's tree is a function of: the document's file, the build settings
 * (techfile.yaml, the catalog, the templates, the document list the sidebar shows), the checks'
 * results for the document's claims, and what its links read of other documents (ID, title,
 * position, headings) and of local files. decorate_document reports the last two as "deps"; the
 * state file keeps them. The input key hashes all of it, with the deps of the last build: if
 * the document's file is unchanged its links are too, so the same deps are read again. Equal
 * input keys mean an equal tree, so build.c reuses the page's files and cached chapter without
 * parsing or decorating the document. The index, compliance matrix and gap list have a key of
 * their own, of everything they are made of (depend_generated_key).
 *
 * Owns: the tf_depend (depend_free) and its maps; keys and encoded deps are arena strings.
 */
#ifndef TF_DEPEND_H
#define TF_DEPEND_H

#include "model.h"

typedef struct tf_depend tf_depend;

/* After the checks. salt: what every page shares (version, templates, document list). */
tf_depend *depend_open(tf_build *b, const char *salt);
void depend_free(tf_depend *dp);
/* The input key (64 hex digits) of d's page given the deps field of its last state line
 * (depend_encode's text), or NULL when deps is malformed. */
const char *depend_key(tf_depend *dp, const tf_doc *d, const char *deps);
/* deps (const char* from decorate_document) as one state-file field: tab-separated, with
 * '%', tab and newline percent-encoded. */
const char *depend_encode(tf_arena *a, const tf_vec *deps);
/* The input key of a generated page made only of the documents' fields and the clauses'
 * results (index, compliance-matrix, gaps: see listing in depend.c), or NULL for any other
 * stem (their pages read the records: built every time). */
const char *depend_generated_key(tf_depend *dp, const char *stem);
/* What a skipped page would have added to the build: its local files to b->assets. */
void depend_replay(tf_depend *dp, const char *deps);

#endif
