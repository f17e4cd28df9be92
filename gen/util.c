/* util.c: arena, buffers, files, strings and dates. See util.h for the ownership rule. */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef TF_JEMALLOC
#include <jemalloc/jemalloc.h>
#else
#include <malloc.h>
#endif
#define TF_XSTR(x) #x
#define TF_STR(x) TF_XSTR(x) /* a macro's value as a string literal */

/* ---- arena ---------------------------------------------------------------- */
/* Blocks are chained; a request larger than a block gets a block of its own. */
typedef struct block {
  struct block *next;
  size_t used, size;
  _Alignas(16) unsigned char data[];
} block;

struct tf_arena {
  block *head;
};

#define ARENA_BLOCK (64 * 1024)

tf_arena *arena_new(void) { return xcalloc(1, sizeof(tf_arena)); }

void arena_free(tf_arena *a) {
  if (!a) return;
  for (block *b = a->head, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  free(a);
}

void *arena_alloc(tf_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (!a->head || a->head->size - a->head->used < n) {
    size_t size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
    block *b = xmalloc(sizeof(block) + size);
    b->used = 0;
    b->size = size;
    if (size == n && a->head) { /* big block: keep the current one for small requests */
      b->next = a->head->next;
      a->head->next = b;
      b->used = n;
      memset(b->data, 0, n);
      return b->data;
    }
    b->next = a->head;
    a->head = b;
  }
  void *p = a->head->data + a->head->used;
  a->head->used += n;
  memset(p, 0, n);
  return p;
}

char *arena_strndup(tf_arena *a, const char *s, size_t n) {
  if (!s) return NULL;
  char *p = arena_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

size_t arena_size(const tf_arena *a) {
  size_t n = 0;
  for (const block *b = a->head; b; b = b->next) n += b->size;
  return n;
}

char *arena_strdup(tf_arena *a, const char *s) { return s ? arena_strndup(a, s, strlen(s)) : NULL; }

char *arena_printf(tf_arena *a, const char *fmt, ...) {
  va_list ap, aq;
  va_start(ap, fmt);
  va_copy(aq, ap);
  char small[256]; /* most strings fit: formatted once (see buf_printf) */
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) tf_fatal("bad format '%s'", fmt);
  char *p;
  if ((size_t)n < sizeof small)
    p = arena_strndup(a, small, (size_t)n);
  else {
    p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, aq);
  }
  va_end(aq);
  return p;
}

/* ---- buffers -------------------------------------------------------------- */
void buf_grow(tf_buf *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1) cap *= 2;
  b->data = xrealloc(b->data, cap);
  b->cap = cap;
}

void buf_put(tf_buf *b, const void *p, size_t n) {
  buf_grow(b, n);
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = 0;
}

void buf_puts(tf_buf *b, const char *s) { buf_put(b, s, strlen(s)); }
void buf_putc(tf_buf *b, char c) { buf_put(b, &c, 1); }

/* Formatted into the room the buffer has; only what does not fit is formatted twice (input
 * keys, the state and the memo are written a line at a time: measuring each line first was a
 * twentieth of an edit build). */
void buf_printf(tf_buf *b, const char *fmt, ...) {
  va_list ap, aq;
  va_start(ap, fmt);
  va_copy(aq, ap);
  buf_grow(b, 0);
  size_t room = b->cap - b->len;
  int n = vsnprintf(b->data + b->len, room, fmt, ap);
  va_end(ap);
  if (n < 0) tf_fatal("bad format '%s'", fmt);
  if ((size_t)n >= room) {
    buf_grow(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, aq);
  }
  va_end(aq);
  b->len += (size_t)n;
}

void buf_u64(tf_buf *b, uint64_t v) {
  char d[20];
  size_t k = sizeof d;
  do d[--k] = (char)('0' + v % 10); while (v /= 10);
  buf_put(b, d + k, sizeof d - k);
}

void buf_field(tf_buf *b, const char *s) {
  if (!s) {
    buf_put(b, "-:", 2);
    return;
  }
  size_t n = strlen(s);
  buf_u64(b, n);
  buf_putc(b, ':');
  buf_put(b, s, n);
}

void buf_json_str(tf_buf *b, const char *s) {
  buf_putc(b, '"');
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    switch (*p) {
    case '"': buf_puts(b, "\\\""); break;
    case '\\': buf_puts(b, "\\\\"); break;
    case '\n': buf_puts(b, "\\n"); break;
    case '\r': buf_puts(b, "\\r"); break;
    case '\t': buf_puts(b, "\\t"); break;
    default:
      if (*p < 0x20) buf_printf(b, "\\u%04x", *p);
      else buf_putc(b, (char)*p);
    }
  }
  buf_putc(b, '"');
}

void buf_free(tf_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

const char *buf_cstr(tf_buf *b) {
  if (!b->data) buf_grow(b, 0), b->data[0] = 0;
  return b->data;
}

void vec_push(tf_arena *a, tf_vec *v, void *item) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 8;
    void **items = arena_alloc(a, cap * sizeof(void *));
    if (v->n) memcpy(items, v->items, v->n * sizeof(void *));
    v->items = items;
    v->cap = cap;
  }
  v->items[v->n++] = item;
}

/* ---- hash map: open addressing, FNV-1a, grows at half full -------------------- */
static size_t hash(const char *s) {
  size_t h = 1469598103934665603u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

void *map_get(const tf_map *m, const char *key) {
  if (!m->cap) return NULL;
  for (size_t i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    if (!m->keys[i]) return NULL;
    if (!strcmp(m->keys[i], key)) return m->vals[i];
  }
}

void map_put(tf_arena *a, tf_map *m, const char *key, void *val) {
  if (2 * (m->n + 1) > m->cap) {
    tf_map bigger = {0};
    bigger.cap = m->cap ? m->cap * 2 : 16;
    bigger.keys = arena_alloc(a, bigger.cap * sizeof(char *));
    bigger.vals = arena_alloc(a, bigger.cap * sizeof(void *));
    for (size_t i = 0; i < m->cap; i++)
      if (m->keys[i]) map_put(a, &bigger, m->keys[i], m->vals[i]);
    *m = bigger;
  }
  size_t i = hash(key) & (m->cap - 1);
  while (m->keys[i] && strcmp(m->keys[i], key)) i = (i + 1) & (m->cap - 1);
  if (!m->keys[i]) m->keys[i] = key, m->n++;
  m->vals[i] = val;
}

/* ---- memory --------------------------------------------------------------- */

/* The allocator. libxslt makes and frees its result trees node by node, three trees per
 * document: under glibc's malloc that was a quarter of a full build's CPU time, and jemalloc
 * (Debian's libjemalloc2) takes a third less time for it. The release build links it
 * (Makefile: -DTF_JEMALLOC); the sanitizer builds keep glibc's, which ASan replaces anyway. */
void mem_init(void) {
#ifndef TF_JEMALLOC
  /* glibc gives the heap's free top back to the kernel and faults it in again, page after
   * page (a sixth of an edit build's time): keep it; mem_release gives it back where a lot
   * was freed. */
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

void mem_release(void) {
#ifdef TF_JEMALLOC
  /* every arena: the page that freed the memory ran on any worker, each with its own arena */
  mallctl("arena." TF_STR(MALLCTL_ARENAS_ALL) ".purge", NULL, NULL, NULL, 0);
#else
  malloc_trim(0);
#endif
}

size_t mem_in_use(void) {
#ifdef TF_JEMALLOC
  uint64_t epoch = 1; /* the statistics are a snapshot taken at each new epoch */
  size_t sz = sizeof epoch, allocated = 0;
  mallctl("epoch", &epoch, &sz, &epoch, sz);
  sz = sizeof allocated;
  if (mallctl("stats.allocated", &allocated, &sz, NULL, 0) != 0) return 0;
  return allocated;
#else
  return mallinfo2().uordblks;
#endif
}

void tf_fatal(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("techfile: fatal: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(3);
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) tf_fatal("out of memory (%zu bytes)", n);
  return p;
}
void *xcalloc(size_t n, size_t m) {
  void *p = calloc(n ? n : 1, m ? m : 1);
  if (!p) tf_fatal("out of memory");
  return p;
}
void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) tf_fatal("out of memory (%zu bytes)", n);
  return p;
}
char *xstrdup(const char *s) {
  size_t n = strlen(s);
  char *p = xmalloc(n + 1);
  memcpy(p, s, n + 1);
  return p;
}

/* ---- files ---------------------------------------------------------------- */
int fd_pread_all(int fd, void *buf, size_t len, uint64_t at) {
  char *p = buf;
  while (len) {
    ssize_t got = pread(fd, p, len, (off_t)at);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return -1;
    p += got, len -= (size_t)got, at += (uint64_t)got;
  }
  return 0;
}

int fd_pwrite_all(int fd, const void *buf, size_t len, uint64_t at) {
  const char *p = buf;
  while (len) {
    ssize_t put = pwrite(fd, p, len, (off_t)at);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return -1;
    p += put, len -= (size_t)put, at += (uint64_t)put;
  }
  return 0;
}

static int read_with(const char *path, int flags, size_t max_bytes, tf_buf *out, char *err, size_t errlen) {
  /* O_NONBLOCK: a FIFO (or a device) must not block the build; only regular files are read. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | flags);
  if (fd < 0) {
    snprintf(err, errlen, "%s", strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "not a regular file");
    close(fd);
    return -1;
  }
  /* (O_NONBLOCK does nothing to a regular file's reads: no need to clear it.) */
  if ((size_t)st.st_size > max_bytes) {
    snprintf(err, errlen, "file is %lld bytes, over the limit of %zu", (long long)st.st_size, max_bytes);
    close(fd);
    return -1;
  }
  out->len = 0;
  buf_grow(out, (size_t)st.st_size + 1);
  for (;;) {
    /* Room for one byte more than the file had: a read that does not fill it has reached the
     * end (a regular file), which saves the read that would return 0. */
    if (out->len > (size_t)st.st_size) buf_grow(out, 65536);
    size_t want = out->cap - out->len - 1;
    ssize_t r = read(fd, out->data + out->len, want);
    if (r < 0) {
      if (errno == EINTR) continue;
      snprintf(err, errlen, "%s", strerror(errno));
      close(fd);
      return -1;
    }
    if (r == 0) break;
    out->len += (size_t)r;
    if (out->len > max_bytes) {
      snprintf(err, errlen, "file grew over the limit of %zu bytes", max_bytes);
      close(fd);
      return -1;
    }
    if ((size_t)r < want && out->len == (size_t)st.st_size) break;
  }
  out->data[out->len] = 0;
  close(fd);
  return 0;
}

int file_read(const char *path, size_t max_bytes, tf_buf *out, char *err, size_t errlen) {
  return read_with(path, 0, max_bytes, out, err, errlen);
}

int file_read_nofollow(const char *path, size_t max_bytes, tf_buf *out, char *err, size_t errlen) {
  return read_with(path, O_NOFOLLOW, max_bytes, out, err, errlen);
}

int file_write(const char *path, const void *data, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return -1;
  const char *p = data;
  while (len) {
    ssize_t w = write(fd, p, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      unlink(path);
      errno = e;
      return -1;
    }
    p += w;
    len -= (size_t)w;
  }
  if (close(fd) != 0) {
    int e = errno;
    unlink(path);
    errno = e;
    return -1;
  }
  return 0;
}

int file_write_atomic(const char *path, const void *data, size_t len) {
  size_t n = strlen(path);
  char *tmp = xmalloc(n + 32);
  snprintf(tmp, n + 32, "%s.tmp.%ld", path, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    free(tmp);
    return -1;
  }
  const char *p = data;
  while (len) {
    ssize_t w = write(fd, p, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      close(fd);
      unlink(tmp);
      free(tmp);
      return -1;
    }
    p += w;
    len -= (size_t)w;
  }
  if (close(fd) != 0 || rename(tmp, path) != 0) {
    unlink(tmp);
    free(tmp);
    return -1;
  }
  free(tmp);
  return 0;
}

int mkdir_p(const char *path) {
  char *p = xstrdup(path);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir(p, 0755) != 0 && errno != EEXIST) {
      free(p);
      return -1;
    }
    *s = '/';
  }
  int rc = (mkdir(p, 0755) != 0 && errno != EEXIST) ? -1 : 0;
  free(p);
  return rc;
}

char *path_join(tf_arena *a, const char *dir, const char *name) {
  if (!dir || !*dir || !strcmp(dir, ".")) return arena_strdup(a, name);
  size_t n = strlen(dir);
  return arena_printf(a, "%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", name);
}

int path_is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
int dir_list(tf_arena *a, const char *dir, tf_vec *names) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  for (struct dirent *e; (e = readdir(d));)
    if (e->d_name[0] != '.') vec_push(a, names, arena_strdup(a, e->d_name));
  closedir(d);
  if (names->n) qsort(names->items, names->n, sizeof(char *), str_cmp_ptr);
  return 0;
}

int path_within_real(const char *path, const char *d, int or_equal) {
  char *p = d ? realpath(path, NULL) : NULL;
  size_t n = d ? strlen(d) : 0;
  int in = d && p && !strncmp(p, d, n) && (p[n] == '/' || (or_equal && p[n] == 0) || (n == 1 && p[0] == '/' && p[1]));
  free(p);
  return in;
}

int path_within(const char *path, const char *dir, int or_equal) {
  char *d = realpath(dir, NULL);
  int in = path_within_real(path, d, or_equal);
  free(d);
  return in;
}

int path_is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- strings -------------------------------------------------------------- */
static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

int str_ieq(const char *a, const char *b) {
  if (!a || !b) return 0;
  for (; *a && *b; a++, b++)
    if (lower((unsigned char)*a) != lower((unsigned char)*b)) return 0;
  return *a == *b;
}

int str_starts_ci(const char *s, const char *prefix) {
  for (; *prefix; s++, prefix++)
    if (!*s || lower((unsigned char)*s) != lower((unsigned char)*prefix)) return 0;
  return 1;
}

char *str_trim(tf_arena *a, const char *s, size_t n) {
  while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
  return arena_strndup(a, s, n);
}

int str_cmp_ptr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *e = p + n;
  while (p < e) {
    unsigned c = *p;
    size_t k;
    unsigned min;
    if (c < 0x80) { p++; continue; }
    else if ((c & 0xE0) == 0xC0) k = 1, min = 0x80, c &= 0x1F;
    else if ((c & 0xF0) == 0xE0) k = 2, min = 0x800, c &= 0x0F;
    else if ((c & 0xF8) == 0xF0) k = 3, min = 0x10000, c &= 0x07;
    else return 0;
    if ((size_t)(e - p) <= k) return 0;
    for (size_t i = 1; i <= k; i++) {
      if ((p[i] & 0xC0) != 0x80) return 0;
      c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    p += k + 1;
  }
  return 1;
}

/* ---- dates ---------------------------------------------------------------- */
/* Civil-from-days and days-from-civil after H. Hinnant's public-domain algorithms. */
static long days_from_civil(long y, unsigned m, unsigned d) {
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, long *y, unsigned *m, unsigned *d) {
  z += 719468;
  long era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (long)yoe + era * 400 + (*m <= 2);
}

static unsigned month_days(long y, unsigned m) {
  static const unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : dm[m - 1];
}

int date_parse(const char *s, long *days) {
  if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return -1;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return -1;
  long y = atol(s);
  unsigned m = (unsigned)atoi(s + 5), d = (unsigned)atoi(s + 8);
  if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > month_days(y, m)) return -1;
  *days = days_from_civil(y, m, d);
  return 0;
}

void date_format(long days, char out[11]) {
  long y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  unsigned yy = (unsigned)(y < 0 ? 0 : y % 10000);
  out[0] = (char)('0' + yy / 1000), out[1] = (char)('0' + yy / 100 % 10);
  out[2] = (char)('0' + yy / 10 % 10), out[3] = (char)('0' + yy % 10), out[4] = '-';
  out[5] = (char)('0' + m / 10), out[6] = (char)('0' + m % 10), out[7] = '-';
  out[8] = (char)('0' + d / 10), out[9] = (char)('0' + d % 10), out[10] = 0;
}

long date_add_months(long days, int months) {
  long y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  long total = y * 12 + (m - 1) + months;
  y = total / 12;
  m = (unsigned)(total % 12) + 1;
  if (d > month_days(y, m)) d = month_days(y, m);
  return days_from_civil(y, m, d);
}

const char *str_numbers(const char *s, const char *end, size_t *v, int n) {
  for (int i = 0; i < n; i++) {
    if (i && (s >= end || *s++ != ' ')) return NULL;
    if (s >= end || *s < '0' || *s > '9') return NULL;
    size_t x = 0;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
      if (x > (SIZE_MAX - 9) / 10) return NULL;
      x = x * 10 + (size_t)(*s - '0');
    }
    v[i] = x;
  }
  return s < end && *s == '\n' ? s + 1 : NULL;
}
