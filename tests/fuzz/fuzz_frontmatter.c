/*
 * fuzz_frontmatter.c: YAML front matter, techfile.yaml and the clause catalog.
 *
 * Each input is used four ways:
 *   1. yv_parse on the raw bytes, then every node of the tree is visited;
 *   2. as a whole Markdown file (load.c: BOM, NUL and UTF-8 checks, front matter splitting,
 *      then model.c: the front matter keys, lists, IDs, dates; records and claims);
 *   3. its YAML part (between the '---' lines, or all of it) as techfile.yaml (load_config);
 *   4. the same YAML as a user clause catalog (catalog_load), whose patterns are then run
 *      against a fixed text, a path and a title (catalog_match, PCRE2 limits).
 */
#include "fuzz_common.h"

#include <libxml/tree.h>

#include "decorate.h"

static char dir_doc[4096], dir_cfg[4096], doc_path[4096], cfg_path[4096], cat_path[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  const char *t = fz_tmpdir();
  FZ_FMT(dir_doc, "%s/doc", t);
  FZ_FMT(dir_cfg, "%s/cfg", t);
  mkdir(dir_doc, 0755);
  mkdir(dir_cfg, 0755);
  FZ_FMT(doc_path, "%s/fuzz.md", dir_doc);
  FZ_FMT(cfg_path, "%s/techfile.yaml", dir_cfg);
  FZ_FMT(cat_path, "%s/catalog.yaml", dir_cfg);
  char p[4200];
  FZ_FMT(p, "%s/techfile.yaml", dir_doc);
  fz_write_str(p, FZ_CONFIG);
  return 0;
}

static size_t visit(const yval *v, int depth) {
  if (!v) return 0;
  if (depth > YV_MAX_DEPTH + 1) abort(); /* yv_parse promises a bounded depth */
  size_t n = 1;
  if (v->kind == YV_SCALAR) {
    if (!v->str) abort();
    n += strlen(v->str) & 1;
    return n;
  }
  for (size_t i = 0; i < v->n; i++) {
    if (v->kind == YV_MAP) n += visit(v->keys[i], depth + 1);
    n += visit(v->items[i], depth + 1);
  }
  (void)yv_get(v, "id");
  (void)yv_get_str(v, "title");
  return n;
}

static void yaml_part(const uint8_t *data, size_t size, const char **start, size_t *len) {
  *start = (const char *)data;
  *len = size;
  if (size < 4 || memcmp(data, "---", 3)) return;
  const char *p = memchr(data, '\n', size);
  if (!p) return;
  const char *s = p + 1, *end = (const char *)data + size;
  for (const char *q = s; q < end;) {
    const char *eol = memchr(q, '\n', (size_t)(end - q));
    if (!eol) eol = end;
    if (eol - q >= 3 && (!memcmp(q, "---", 3) || !memcmp(q, "...", 3))) {
      *start = s;
      *len = (size_t)(q - s);
      return;
    }
    q = eol + 1;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* 1. the YAML reader alone */
  tf_arena *a = arena_new();
  yval *root = NULL;
  int line = 0;
  char err[256];
  if (yv_parse(a, (const char *)data, size, &root, &line, err, sizeof err) == 0) visit(root, 0);
  else if (root) abort(); /* an error leaves no tree */
  arena_free(a);

  /* 2. as a document: load.c and model.c, then the records, claims and the page tree */
  fz_write(doc_path, data, size);
  tf_build b;
  fz_build_init(&b, dir_doc);
  load_content(&b);
  model_build(&b);
  records_check(&b);
  check_clauses(&b);
  for (size_t i = 0; i < b.docs.n; i++) xmlFreeDoc(decorate_document(&b, b.docs.items[i], NULL));
  diag_sort(&b.diags);
  model_free(&b);

  /* 3. and 4. the YAML part as techfile.yaml and as a clause catalog */
  const char *y;
  size_t ylen;
  yaml_part(data, size, &y, &ylen);
  fz_write(cfg_path, y, ylen);
  fz_write(cat_path, y, ylen);
  fz_build_init(&b, dir_cfg);
  (void)load_config(&b);
  tf_build c;
  fz_build_init(&c, dir_cfg);
  if (catalog_load(&c, cat_path) == 0) {
    static const char *const subjects[] = {"Secure development procedure\nThe release gate checks security findings.",
                                           "sdlc/release-checklist.md", "Release checklist"};
    for (size_t i = 0; i < c.catalog.clauses.n && i < 64; i++) {
      tf_clause *k = c.catalog.clauses.items[i];
      for (size_t j = 0; j < k->content.n; j++)
        for (size_t s = 0; s < 3; s++) (void)catalog_match(&c, k->content.items[j], subjects[s], 0);
      for (size_t j = 0; j < k->hints.n; j++) (void)catalog_match(&c, k->hints.items[j], subjects[1], 0);
    }
  }
  model_free(&c);
  model_free(&b);
  return 0;
}
