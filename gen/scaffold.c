/* scaffold.c: techfile init and techfile import. See scaffold.h. */
#include "scaffold.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"

/* Every file below root (relative paths, sorted); hidden entries skipped. */
static void list_files(tf_arena *a, const char *root, const char *rel, tf_vec *out) {
  tf_vec names = {0};
  if (dir_list(a, rel ? path_join(a, root, rel) : root, &names) != 0) return;
  for (size_t i = 0; i < names.n; i++) {
    const char *r = rel ? path_join(a, rel, names.items[i]) : names.items[i];
    struct stat st;
    if (lstat(path_join(a, root, r), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) list_files(a, root, r, out);
    else if (S_ISREG(st.st_mode)) vec_push(a, out, (void *)r);
  }
}

static int write_new(const char *path, const void *data, size_t len) {
  char *dir = xstrdup(path), *slash = strrchr(dir, '/');
  if (slash) *slash = 0;
  int rc = (slash && mkdir_p(dir) != 0) || file_write_atomic(path, data, len) != 0 ? -1 : 0;
  free(dir);
  if (rc) fprintf(stderr, "techfile: cannot write %s: %s\n", path, strerror(errno));
  return rc;
}

static int refuse_existing(tf_arena *a, const char *dir, tf_vec *rels) {
  int clash = 0;
  for (size_t i = 0; i < rels->n; i++) {
    const char *p = path_join(a, dir, rels->items[i]);
    struct stat st;
    if (lstat(p, &st) == 0 && ++clash <= 5) fprintf(stderr, "techfile: %s exists\n", p);
  }
  if (clash > 5) fprintf(stderr, "techfile: ... and %d more\n", clash - 5);
  if (clash) fprintf(stderr, "techfile: nothing was written: techfile never overwrites a file\n");
  return clash;
}

static const char MAKE_SNIPPET[] =
    "# techfile.mk: include it from your Makefile (include techfile.mk).\n"
    "# `make technical-file` rebuilds only what changed; `make technical-file-check` is the quick gate.\n"
    "TECHFILE ?= techfile\n"
    "TECHFILE_CONTENT ?= .\n"
    "TECHFILE_OUT ?= out\n"
    "\n"
    ".PHONY: technical-file technical-file-check\n"
    "technical-file:\n"
    "\t$(TECHFILE) build $(TECHFILE_CONTENT) -o $(TECHFILE_OUT) --depfile $(TECHFILE_OUT).d\n"
    "technical-file-check:\n"
    "\t$(TECHFILE) check $(TECHFILE_CONTENT) --strict\n"
    "-include $(TECHFILE_OUT).d\n";

int scaffold_init(tf_arena *a, const char *dir) {
  const char *example = build_find_data(a, "content"); /* the source tree, or share/techfile */
  if (!example) {
    fprintf(stderr, "techfile: cannot find the shipped example technical file\n");
    return 1;
  }
  tf_vec files = {0};
  list_files(a, example, NULL, &files);
  vec_push(a, &files, "techfile.mk");
  if (refuse_existing(a, dir, &files)) return 1;
  for (size_t i = 0; i < files.n; i++) {
    const char *rel = files.items[i];
    tf_buf buf = {0};
    char err[128];
    int rc;
    if (!strcmp(rel, "techfile.mk")) rc = write_new(path_join(a, dir, rel), MAKE_SNIPPET, sizeof MAKE_SNIPPET - 1);
    else if (file_read(path_join(a, example, rel), 64u << 20, &buf, err, sizeof err) != 0) {
      fprintf(stderr, "techfile: cannot read %s: %s\n", path_join(a, example, rel), err);
      rc = -1;
    } else rc = write_new(path_join(a, dir, rel), buf.data, buf.len);
    buf_free(&buf);
    if (rc) return 1;
  }
  printf("techfile: created %s (%zu files) from the example; edit techfile.yaml, then run: techfile build %s\n", dir, files.n, dir);
  return 0;
}

/* ---- import ------------------------------------------------------------------------ */
/* "qms/sop-change_management.md" → "QMS-SOP-CHANGE-MANAGEMENT" (the ID rule, at most 60). */
static char *derive_id(tf_arena *a, const char *rel) {
  size_t n = strlen(rel);
  if (n > 3 && !strcmp(rel + n - 3, ".md")) n -= 3;
  char *id = arena_alloc(a, n + 2), *o = id;
  for (size_t i = 0; i < n && o - id < 60; i++) {
    char c = rel[i];
    if (c >= 'a' && c <= 'z') *o++ = (char)(c - 32);
    else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) *o++ = c;
    else if (o > id && o[-1] != '-') *o++ = '-';
  }
  while (o > id && o[-1] == '-') o--;
  *o = 0;
  if (!*id) strcpy(id, "DOC");
  return id;
}

/* The text of the first ATX heading, else NULL. */
static char *first_heading(tf_arena *a, const char *text) {
  for (const char *p = text; p && *p;) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    if (len > 1 && p[0] == '#') {
      const char *s = p;
      while (*s == '#') s++;
      if (*s == ' ' || *s == '\t') {
        char *t = str_trim(a, s, len - (size_t)(s - p));
        size_t tl = strlen(t);
        while (tl && (t[tl - 1] == '#' || t[tl - 1] == ' ')) t[--tl] = 0; /* closing #s */
        if (*t) return t;
      }
    }
    p = eol ? eol + 1 : NULL;
  }
  return NULL;
}

static void yaml_quoted(tf_buf *o, const char *s) {
  buf_putc(o, '"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') buf_putc(o, '\\');
    if (*s == '\n' || *s == '\r') continue;
    buf_putc(o, *s);
  }
  buf_putc(o, '"');
}

int scaffold_import(tf_arena *a, const char *src, const char *dir) {
  if (!path_is_dir(src)) {
    fprintf(stderr, "techfile: %s is not a folder\n", src);
    return 1;
  }
  tf_vec existing = {0};
  if (path_is_dir(dir) && (dir_list(a, dir, &existing), existing.n)) {
    fprintf(stderr, "techfile: %s exists and is not empty; import writes only into a new folder\n", dir);
    return 1;
  }
  tf_vec files = {0}, ids = {0};
  list_files(a, src, NULL, &files);
  size_t docs = 0;
  for (size_t i = 0; i < files.n; i++) {
    const char *rel = files.items[i];
    tf_buf buf = {0}, out = {0};
    char err[128];
    if (file_read(path_join(a, src, rel), TF_MAX_DOC_BYTES, &buf, err, sizeof err) != 0) {
      fprintf(stderr, "techfile: skipping %s: %s\n", path_join(a, src, rel), err);
      buf_free(&buf);
      continue;
    }
    size_t n = strlen(rel);
    int md = n > 3 && !strcmp(rel + n - 3, ".md");
    if (md && !(buf.len >= 3 && !memcmp(buf.data, "---", 3))) {
      /* IDs from the path, unique; the title from the first heading, else the file name. */
      const char *base = derive_id(a, rel), *id = base;
      for (int k = 2;; k++) {
        int dup = 0;
        for (size_t j = 0; j < ids.n && !dup; j++) dup = !strcmp(ids.items[j], id);
        if (!dup) break;
        id = arena_printf(a, "%s-%d", base, k);
      }
      vec_push(a, &ids, (void *)id);
      const char *title = first_heading(a, buf.data);
      if (!title) {
        const char *slash = strrchr(rel, '/');
        title = arena_strndup(a, slash ? slash + 1 : rel, strlen(slash ? slash + 1 : rel) - 3);
      }
      buf_printf(&out, "---\nid: %s\ntitle: ", id);
      yaml_quoted(&out, title);
      buf_printf(&out, "\nversion: \"0.1\"\nstatus: draft\nhistory:\n  - {version: \"0.1\", change: ");
      yaml_quoted(&out, arena_printf(a, "Imported from %s", rel));
      buf_puts(&out, "}\n---\n");
      docs++;
    }
    buf_put(&out, buf.data, buf.len);
    int rc = write_new(path_join(a, dir, rel), out.data, out.len);
    buf_free(&buf);
    buf_free(&out);
    if (rc) return 1;
  }
  static const char CONFIG[] = "# Written by techfile import: fill in the product.\n"
                               "product:\n  name: Imported product\n  version: 0.1.0\n  manufacturer: Your company\n"
                               "standard: iec-81001-5-1\n";
  const char *cfg = path_join(a, dir, "techfile.yaml");
  if (!path_is_file(cfg) && write_new(cfg, CONFIG, sizeof CONFIG - 1) != 0) return 1;
  printf("techfile: imported %zu documents (%zu files) from %s into %s; %s was not changed\n", docs, files.n, src, dir, src);
  return 0;
}
