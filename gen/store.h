/*
 * store.h: OUT/.techfile/chapters.store, the one file that holds the cache record of every
 * chapter of the combined DOCX (build.c writes the records; combine.c reads their bodies back
 * when it splices the file).
 *
 * One file rather than a file per chapter: a full build of 1,000 documents creates and renames
 * 1,000 fewer files, and an edit reads 1,000 records through one descriptor instead of opening
 * 1,000 files. Records are only ever appended: the state file (build.c) says where each live
 * record is, so a build that fails or is stopped leaves every record of the last good build
 * where that build's state says it is (a build that fails cuts its own records off again).
 * When dead records outweigh the live ones by more than a megabyte, a build writes a new file
 * with the live records only (the caller keeps them, store_keep), which replaces the old one
 * when the build is committed.
 *
 * Owns: the tf_store, its descriptors and its mutex (store_close). store_read, store_keep and
 * store_append may run on any thread; the others on the main thread.
 */
#ifndef TF_STORE_H
#define TF_STORE_H

#include <stdint.h>

#include "util.h"

typedef struct tf_store tf_store;

/* The store at path; live: the bytes the last build's state says its records use. Never NULL:
 * a store that cannot be opened or created fails every read and append. */
tf_store *store_open(const char *path, uint64_t live);
/* The last build's record of len bytes at offset at, into out: 0, or -1 (out of the file,
 * unreadable). */
int store_read(tf_store *s, uint64_t at, size_t len, tf_buf *out);
/* A record read by store_read stays live: where it is in this build's file (*now), which is at
 * unless the store is being rewritten (then it is copied there). 0, or -1 on a write error. */
int store_keep(tf_store *s, uint64_t at, const void *data, size_t len, uint64_t *now);
/* Appends a new record: 0 and its offset in *at, or -1 on a write error. */
int store_append(tf_store *s, const void *data, size_t len, uint64_t *at);
/* The descriptor this build's records are read back from (for combine_spill). */
int store_fd(const tf_store *s);
/* Commits (ok) or drops this build's file, then closes everything. NULL is a no-op. */
void store_close(tf_store *s, int ok);

#endif
