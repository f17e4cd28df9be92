/*
 * fuzz_common.h: helpers shared by the libFuzzer targets of techfile (tests/fuzz/).
 *
 * The targets link every gen/ stage but gen/main.c. Data files (templates/, catalog/) are found
 * through TECHFILE_ROOT (environment), else TF_ROOT (set by build.sh), else from __FILE__.
 * Every target writes its inputs into a private temporary folder (under /dev/shm when it
 * exists) created once in LLVMFuzzerInitialize and removed at exit.
 */
#ifndef TF_FUZZ_COMMON_H
#define TF_FUZZ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"

#ifndef TF_ROOT
#define TF_ROOT ""
#endif

/* snprintf into an array, stopping the run if the text does not fit (a cut path would write
 * somewhere else). */
#define FZ_FMT(buf, ...)                                                      \
  do {                                                                        \
    if (snprintf(buf, sizeof buf, __VA_ARGS__) >= (int)sizeof buf) abort(); \
  } while (0)

static char fz_root[4096];
static char fz_tmp[4096];

static const char *fz_repo(void) {
  if (fz_root[0]) return fz_root;
  const char *e = getenv("TECHFILE_ROOT");
  if (e && *e) snprintf(fz_root, sizeof fz_root, "%s", e);
  else if (TF_ROOT[0]) snprintf(fz_root, sizeof fz_root, "%s", TF_ROOT);
  else {
    /* __FILE__ is .../tests/fuzz/fuzz_common.h */
    snprintf(fz_root, sizeof fz_root, "%s", __FILE__);
    for (int i = 0; i < 3; i++) {
      char *s = strrchr(fz_root, '/');
      if (s) *s = 0;
      else snprintf(fz_root, sizeof fz_root, ".");
    }
  }
  return fz_root;
}

static void fz_path(char *out, size_t n, const char *rel) { snprintf(out, n, "%s/%s", fz_repo(), rel); }

static int fz_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(p);
}

static void fz_cleanup(void) {
  if (fz_tmp[0]) nftw(fz_tmp, fz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Creates the private temporary folder once; returns its path. */
static const char *fz_tmpdir(void) {
  if (fz_tmp[0]) return fz_tmp;
  struct stat st;
  const char *base = (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0) ? "/dev/shm" : "/tmp";
  snprintf(fz_tmp, sizeof fz_tmp, "%s/techfile-fuzz-XXXXXX", base);
  if (!mkdtemp(fz_tmp)) {
    perror("mkdtemp");
    abort();
  }
  atexit(fz_cleanup);
  return fz_tmp;
}

static void fz_write(const char *path, const void *data, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    perror(path);
    abort();
  }
  const char *p = data;
  while (len) {
    ssize_t w = write(fd, p, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      perror(path);
      abort();
    }
    p += w, len -= (size_t)w;
  }
  close(fd);
}

static void fz_write_str(const char *path, const char *s) { fz_write(path, s, strlen(s)); }

/* Whole file into a malloc'd NUL-terminated buffer, or NULL. */
__attribute__((unused)) static char *fz_slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  for (size_t r; (r = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
    n += r;
    if (cap - n < 2) buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  buf[n] = 0;
  if (len) *len = n;
  return buf;
}

/* The body after the front matter of a Markdown file (for building seeds). */
__attribute__((unused)) static const char *fz_body(const char *text) {
  if (strncmp(text, "---", 3)) return text;
  const char *p = strchr(text, '\n');
  while (p) {
    p++;
    if ((!strncmp(p, "---", 3) || !strncmp(p, "...", 3)) && (p[3] == '\n' || p[3] == '\r' || !p[3])) {
      const char *e = strchr(p, '\n');
      return e ? e + 1 : p + 3;
    }
    p = strchr(p, '\n');
  }
  return text;
}

static const char FZ_CONFIG[] =
    "product:\n  name: Fuzz Monitor\n  version: 1.0.0\n  manufacturer: Example Health Ltd\n"
    "standard: iec-81001-5-1\nbuild-date: 2026-11-24\n";

/* Fresh build with explicit data locations (build_find_data looks next to the fuzzer). */
static void fz_build_init(tf_build *b, const char *content_dir) {
  static char tpl[4096], cat[4096];
  if (!tpl[0]) {
    fz_path(tpl, sizeof tpl, "templates");
    fz_path(cat, sizeof cat, "catalog/iec-81001-5-1.yaml");
  }
  model_init(b);
  b->content_dir = content_dir;
  b->templates_dir = tpl;
  b->catalog_path = cat;
  b->quiet = 1;
}

#endif
