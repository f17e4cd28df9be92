/*
 * store.c: the append-only file of chapter cache records. See store.h.
 */
#include "store.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Dead bytes a store may carry before it is rewritten, besides as many as are live. */
#define SLACK (1u << 20)

struct tf_store {
  char *path, *tmp;   /* tmp: the new file while rewriting, else NULL */
  int old;            /* the last build's file, read only when rewriting; else == fd */
  int fd;             /* where this build's records go (-1: nowhere) */
  uint64_t old_size;  /* records beyond it are not the last build's */
  uint64_t end;       /* next append */
  pthread_mutex_t mu;
};

tf_store *store_open(const char *path, uint64_t live) {
  tf_store *s = xcalloc(1, sizeof *s);
  pthread_mutex_init(&s->mu, NULL);
  s->path = xstrdup(path);
  s->old = s->fd = -1;
  /* never through a symlink: records are appended to this file and a failed build cuts it */
  int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  struct stat st;
  if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    s->old = fd;
    s->old_size = s->end = (uint64_t)st.st_size;
  } else if (fd >= 0)
    close(fd);
  if (s->old >= 0 && s->old_size <= 2 * live + SLACK) {
    s->fd = s->old; /* append to it */
    return s;
  }
  /* none yet, or mostly dead records: a new file with only what this build keeps */
  size_t n = strlen(path) + 32;
  s->tmp = xmalloc(n);
  snprintf(s->tmp, n, "%s.tmp%ld", path, (long)getpid());
  unlink(s->tmp); /* one a stopped build left, or a symlink: removed, never written through */
  s->fd = open(s->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  s->end = 0;
  return s;
}

int store_read(tf_store *s, uint64_t at, size_t len, tf_buf *out) {
  if (s->old < 0 || at > s->old_size || len > s->old_size - at) return -1;
  out->len = 0;
  buf_grow(out, len);
  if (fd_pread_all(s->old, out->data, len, at) != 0) return -1;
  out->len = len;
  out->data[len] = 0;
  return 0;
}

int store_append(tf_store *s, const void *data, size_t len, uint64_t *at) {
  if (s->fd < 0) return -1;
  pthread_mutex_lock(&s->mu); /* each record its own range; the writes themselves run in parallel */
  *at = s->end;
  s->end += len;
  pthread_mutex_unlock(&s->mu);
  return fd_pwrite_all(s->fd, data, len, *at);
}

int store_keep(tf_store *s, uint64_t at, const void *data, size_t len, uint64_t *now) {
  if (!s->tmp) {
    *now = at;
    return 0;
  }
  return store_append(s, data, len, now);
}

int store_fd(const tf_store *s) { return s->fd; }

void store_close(tf_store *s, int ok) {
  if (!s) return;
  if (s->tmp && s->fd >= 0) {
    close(s->fd);
    if (!ok || rename(s->tmp, s->path) != 0) unlink(s->tmp);
  } else if (!ok && s->fd >= 0 && s->end > s->old_size && ftruncate(s->fd, (off_t)s->old_size) != 0) {
    /* a failed build's records are dead bytes at the end of the file: harmless, just not cut */
  }
  if (s->old >= 0) close(s->old);
  pthread_mutex_destroy(&s->mu);
  free(s->path);
  free(s->tmp);
  free(s);
}
