/*
 * util.h: the small things every stage uses.
 *
 * Ownership rule of techfile: everything the model holds (strings, arrays, records) is
 * allocated from one arena per build and freed at once when the build ends. Library objects
 * (cmark nodes, libxml2 trees, PCRE2 code) are freed by the stage that created them, as each
 * stage's header says. tf_buf is a growable byte buffer owned by whoever declared it.
 */
#ifndef TF_UTIL_H
#define TF_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- arena ---------------------------------------------------------------- */
typedef struct tf_arena tf_arena;
tf_arena *arena_new(void);
void arena_free(tf_arena *a);
void *arena_alloc(tf_arena *a, size_t n);             /* zeroed, 16-byte aligned */
char *arena_strdup(tf_arena *a, const char *s);       /* NULL stays NULL */
char *arena_strndup(tf_arena *a, const char *s, size_t n);
char *arena_printf(tf_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t arena_size(const tf_arena *a);                /* bytes held, for TECHFILE_PROFILE */

/* ---- growable byte buffer (heap, owned by the caller) --------------------- */
typedef struct {
  char *data;
  size_t len, cap;
} tf_buf;
void buf_grow(tf_buf *b, size_t extra);
void buf_put(tf_buf *b, const void *p, size_t n);
void buf_puts(tf_buf *b, const char *s);
void buf_putc(tf_buf *b, char c);
void buf_printf(tf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_json_str(tf_buf *b, const char *s);          /* appends a quoted JSON string */
/* Appends s length-prefixed ("<len>:<bytes>", NULL as "-:"), for text hashed into a key: no two
 * sequences of fields give the same bytes, and NULL differs from "". */
void buf_field(tf_buf *b, const char *s);
void buf_u64(tf_buf *b, uint64_t v);                  /* appends v in decimal */
void buf_free(tf_buf *b);
const char *buf_cstr(tf_buf *b);                      /* NUL-terminated view */

/* ---- growable array of pointers, in an arena ------------------------------ */
typedef struct {
  void **items;
  size_t n, cap;
} tf_vec;
void vec_push(tf_arena *a, tf_vec *v, void *item);

/* ---- string-keyed hash map, in an arena (keys are not copied) --------------- */
typedef struct {
  const char **keys;
  void **vals;
  size_t n, cap;
} tf_map;
void *map_get(const tf_map *m, const char *key);
void map_put(tf_arena *a, tf_map *m, const char *key, void *val);

/* ---- memory that must not fail -------------------------------------------- */
/* The allocator (jemalloc in the release build, see util.c): set up once at start; memory
 * freed in bulk given back to the system; bytes allocated now, for TECHFILE_PROFILE. */
void mem_init(void);
void mem_release(void);
size_t mem_in_use(void);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
void tf_fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ---- files ----------------------------------------------------------------- */
/* Reads a whole regular file; max_bytes bounds it. Returns 0, or -1 with errno-style text. */
/* All len bytes at offset at, retrying short reads and writes and EINTR: 0, or -1 (errno set,
 * or a read past the end of the file). */
int fd_pread_all(int fd, void *buf, size_t len, uint64_t at);
int fd_pwrite_all(int fd, const void *buf, size_t len, uint64_t at);
int file_read(const char *path, size_t max_bytes, tf_buf *out, char *err, size_t errlen);
/* file_read of a path whose last part must not be a symlink (O_NOFOLLOW): a name the caller
 * listed as a regular file, read without resolving it again. */
int file_read_nofollow(const char *path, size_t max_bytes, tf_buf *out, char *err, size_t errlen);
/* Writes data to path (created or truncated); 0 or -1 with errno. No partial file is left. */
int file_write(const char *path, const void *data, size_t len);
/* Writes data to path through a temporary file in the same folder and rename(2). */
int file_write_atomic(const char *path, const void *data, size_t len);
int mkdir_p(const char *path);
char *path_join(tf_arena *a, const char *dir, const char *name);
int path_is_dir(const char *path);
/* Names in dir, sorted bytewise, without hidden entries (".", "..", ".git", ...). -1 when
 * the folder cannot be read (errno set). */
int dir_list(tf_arena *a, const char *dir, tf_vec *names);
int path_is_file(const char *path);
/* Whether path resolves (symlinks followed) to something inside the folder dir, or to dir
 * itself when or_equal. Both must exist. */
int path_within(const char *path, const char *dir, int or_equal);
/* The same with dir already resolved by realpath (a folder asked about for every file). */
int path_within_real(const char *path, const char *real_dir, int or_equal);

/* ---- strings --------------------------------------------------------------- */
int str_ieq(const char *a, const char *b);            /* ASCII case-insensitive equality */
int str_starts_ci(const char *s, const char *prefix);
char *str_trim(tf_arena *a, const char *s, size_t n); /* copy without outer white space */
int str_cmp_ptr(const void *a, const void *b);        /* qsort over char* */
int utf8_valid(const char *s, size_t n);
/* Reads n decimal numbers separated by single spaces and ended by '\n' from s (before end) into
 * v: the byte after the newline, or NULL (malformed, or a number past SIZE_MAX). No sscanf: it
 * measures the rest of the buffer at every call. */
const char *str_numbers(const char *s, const char *end, size_t *v, int n);

/* ---- dates: ISO 8601 calendar dates as day numbers ------------------------- */
/* Parses YYYY-MM-DD exactly; returns 0 and sets *days (days since 1970-01-01), or -1. */
int date_parse(const char *s, long *days);
void date_format(long days, char out[11]);
long date_add_months(long days, int months);          /* clamps to the month's last day */

#endif
