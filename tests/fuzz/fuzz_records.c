/*
 * fuzz_records.c: the typed records (records.c) and what reads them (check.c, pages.c).
 *
 * Input: the first byte picks the record type (roster, raci, training-profiles,
 * training-records, tailoring, release-checklist, findings: byte % 7); the other bytes are the
 * body of that record document, whose first table is read as records. The front matter is the
 * shipped example's own (content/), and the folder also holds the other six record documents of
 * the example and a stub for every other document of content/ whose ID the records name, so
 * rosters, RACI roles, competencies and record IDs cross-reference as in a real technical file.
 *
 * Each input runs build_run(b, 0): `techfile check`, every check and every page tree, no
 * output files. Run it with -close_fd_mask=2 (run.sh does): build_run prints diagnostics.
 */
#include "fuzz_common.h"

#include <ftw.h>

#include "build.h"

static const char *const TYPES[7] = {"roster", "raci", "training-profiles", "training-records",
                                     "tailoring", "release-checklist", "findings"};
static char *front[7];            /* front matter (with both '---' lines) of each record doc */
static char *body[7];             /* body of each, for the other folders */
static char dirs[7][4096];
static char *stubs;               /* tf_buf-like list of IDs, '\n'-separated */
static size_t nstubs;

static int type_of(const char *text) {
  const char *b = fz_body(text);
  for (int t = 0; t < 7; t++) {
    char key[64];
    FZ_FMT(key, "\ntype: %s\n", TYPES[t]);
    const char *k = strstr(text, key);
    if (k && k < b) return t;
  }
  return -1;
}

static int collect(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)ftw;
  size_t n = strlen(path);
  if (flag != FTW_F || n < 4 || strcmp(path + n - 3, ".md")) return 0;
  char *text = fz_slurp(path, NULL);
  if (!text) return 0;
  int t = type_of(text);
  const char *b = fz_body(text);
  if (t >= 0 && !front[t]) {
    front[t] = strndup(text, (size_t)(b - text));
    body[t] = strdup(b);
  } else if (t < 0) {
    const char *id = strstr(text, "\nid: ");
    if (id && id < b) {
      id += 5;
      size_t l = strcspn(id, "\r\n");
      stubs = realloc(stubs, nstubs + l + 2);
      memcpy(stubs + nstubs, id, l);
      nstubs += l;
      stubs[nstubs++] = '\n';
      stubs[nstubs] = 0;
    }
  }
  free(text);
  return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  char content[4096];
  fz_path(content, sizeof content, "content");
  nftw(content, collect, 16, FTW_PHYS);
  for (int t = 0; t < 7; t++)
    if (!front[t]) {
      fprintf(stderr, "fuzz_records: no '%s' document under %s\n", TYPES[t], content);
      abort();
    }
  const char *tmp = fz_tmpdir();
  for (int t = 0; t < 7; t++) {
    FZ_FMT(dirs[t], "%s/%s", tmp, TYPES[t]);
    mkdir(dirs[t], 0755);
    char p[4300];
    FZ_FMT(p, "%s/techfile.yaml", dirs[t]);
    fz_write_str(p, FZ_CONFIG);
    for (int u = 0; u < 7; u++) {
      if (u == t) continue;
      FZ_FMT(p, "%s/%s.md", dirs[t], TYPES[u]);
      size_t fl = strlen(front[u]), bl = strlen(body[u]);
      char *s = malloc(fl + bl + 1);
      memcpy(s, front[u], fl);
      memcpy(s + fl, body[u], bl + 1);
      fz_write_str(p, s);
      free(s);
    }
    /* Stubs for the other IDs the records name, so record columns that name documents
     * resolve (only those: every document costs time in each run). */
    int k = 0;
    for (char *id = stubs, *e; id && *id; id = e + 1) {
      e = strchr(id, '\n');
      char want[256];
      FZ_FMT(want, "%.*s", (int)(e - id), id);
      int named = 0;
      for (int u = 0; u < 7 && !named; u++) named = strstr(body[u], want) != NULL;
      if (!named) continue;
      k++;
      char doc[512];
      FZ_FMT(doc, "---\nid: %.*s\ntitle: Stub %d\nversion: \"1\"\n---\nstub\n", (int)(e - id), id, k);
      FZ_FMT(p, "%s/stub-%03d.md", dirs[t], k);
      fz_write_str(p, doc);
    }
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!size) return 0;
  int t = data[0] % 7;
  size_t fl = strlen(front[t]);
  char *text = malloc(fl + size);
  memcpy(text, front[t], fl);
  memcpy(text + fl, data + 1, size - 1);
  char p[4300];
  FZ_FMT(p, "%s/%s.md", dirs[t], TYPES[t]);
  fz_write(p, text, fl + size - 1);
  free(text);
  tf_build b;
  fz_build_init(&b, dirs[t]);
  int rc = build_run(&b, 0);
  if (rc != 0 && rc != 1) {
    fprintf(stderr, "fuzz_records: build_run returned %d\n", rc);
    abort();
  }
  model_free(&b);
  return 0;
}
