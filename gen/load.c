/*
 * load.c: the first stage. Reads techfile.yaml and every *.md under the content folder,
 * splits YAML front matter from the body, parses the front matter (yval) and the body
 * (cmark-gfm with the GFM extensions and footnotes).
 *
 * Owns: nothing past its return; documents go into b->docs (arena), their cmark trees are
 * freed by model_free. Never writes anything. Symlinks that lead outside the content folder
 * and files over TF_MAX_DOC_BYTES are refused with a diagnostic.
 */
#include "memo.h"
#include "model.h"
#include "pack.h"

#include <cmark-gfm-core-extensions.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const EXTENSIONS[] = {"table", "strikethrough", "autolink", "tagfilter", "tasklist"};

cmark_node *load_markdown(const char *text, size_t len) {
  cmark_gfm_core_extensions_ensure_registered();
  cmark_parser *p = cmark_parser_new(CMARK_OPT_FOOTNOTES | CMARK_OPT_VALIDATE_UTF8);
  for (size_t i = 0; i < sizeof EXTENSIONS / sizeof *EXTENSIONS; i++) {
    cmark_syntax_extension *e = cmark_find_syntax_extension(EXTENSIONS[i]);
    if (!e) tf_fatal("cmark-gfm extension '%s' is missing", EXTENSIONS[i]);
    cmark_parser_attach_syntax_extension(p, e);
  }
  cmark_parser_feed(p, text, len);
  cmark_node *root = cmark_parser_finish(p);
  cmark_parser_free(p);
  return root;
}

/* ---- techfile.yaml ---------------------------------------------------------- */
static const char *today_string(tf_arena *a) {
  /* SOURCE_DATE_EPOCH (reproducible builds) wins over the clock. */
  const char *sde = getenv("SOURCE_DATE_EPOCH");
  time_t t;
  if (sde && *sde) {
    char *end;
    long long v = strtoll(sde, &end, 10);
    if (*end || v < 0) return NULL;
    t = (time_t)v;
  } else {
    t = time(NULL);
  }
  struct tm tm;
  gmtime_r(&t, &tm);
  return arena_printf(a, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* The content folder resolved once: whether a file is inside it is asked for every document,
 * link and image (path_within_real); resolving the folder again each time doubled the lookups. */
static void resolve_content(tf_build *b) {
  char *real = realpath(b->content_dir, NULL);
  b->content_real = real ? arena_strdup(b->arena, real) : NULL;
  free(real);
}

int load_config(tf_build *b) {
  tf_arena *a = b->arena;
  resolve_content(b);
  const char *path = path_join(a, b->content_dir, "techfile.yaml");
  b->config_shown = path;
  if (path_is_file(path) && !path_within_real(path, b->content_real, 0)) {
    diag_add(&b->diags, path, 1, 1, DIAG_ERROR, "config-outside", "techfile.yaml resolves outside the content folder");
    return -1;
  }
  tf_buf buf = {0};
  char err[256];
  if (file_read(path, 1 << 20, &buf, err, sizeof err) != 0) {
    diag_add(&b->diags, path, 1, 1, DIAG_ERROR, "config-missing", "cannot read techfile.yaml: %s", err);
    buf_free(&buf);
    return -1;
  }
  yval *root = NULL;
  int line = 0;
  int rc = yv_parse(a, buf.data, buf.len, &root, &line, err, sizeof err);
  buf_free(&buf);
  if (rc != 0) {
    diag_add(&b->diags, path, line, 1, DIAG_ERROR, "config-yaml", "%s", err);
    return -1;
  }
  if (!root || root->kind != YV_MAP) {
    diag_add(&b->diags, path, root ? root->line : 1, 1, DIAG_ERROR, "config-yaml", "techfile.yaml must be a mapping");
    return -1;
  }
  yval *product = yv_get(root, "product");
  b->product = yv_get_str(product, "name");
  b->product_version = yv_get_str(product, "version");
  b->manufacturer = yv_get_str(product, "manufacturer");
  if (!b->product || !b->product_version) {
    diag_add(&b->diags, path, product ? product->line : root->line, 1, DIAG_ERROR, "config-product",
             "techfile.yaml needs product.name and product.version");
    return -1;
  }
  b->standard = yv_get_str(root, "standard");
  if (!b->standard) b->standard = "iec-81001-5-1";
  /* Paths in techfile.yaml name files of the content folder; the command line may name any. */
  static const char *const keys[] = {"catalog", "reference-docx", "templates"};
  const char **dest[] = {&b->catalog_path, &b->reference_docx, &b->templates_dir};
  for (int k = 0; k < 3; k++) {
    yval *v = yv_get(root, keys[k]);
    if (!yv_str(v) || *dest[k]) continue;
    const char *p = path_join(a, b->content_dir, v->str);
    if (!path_within_real(p, b->content_real, 0)) {
      diag_add(&b->diags, path, v->line, v->col, DIAG_ERROR, "config-outside",
               "'%s: %s' must name a file inside the content folder (use --%s for another place)", keys[k], v->str, keys[k]);
      return -1;
    }
    *dest[k] = p;
  }
  yval *bd = yv_get(root, "build-date");
  b->build_date = yv_str(bd);
  if (!b->build_date) b->build_date = today_string(a);
  if (!b->build_date || date_parse(b->build_date, &b->today) != 0) {
    diag_add(&b->diags, path, bd ? bd->line : 1, bd ? bd->col : 1, DIAG_ERROR, "config-build-date",
             "build-date (or SOURCE_DATE_EPOCH) is not a date YYYY-MM-DD: '%s'", b->build_date ? b->build_date : "");
    return -1;
  }
  return 0;
}

/* ---- the content tree --------------------------------------------------------- */
static int by_name(const void *x, const void *y) { /* past the type byte */
  return strcmp(*(const char *const *)x + 1, *(const char *const *)y + 1);
}

/* Lists *.md files below dir (relative names in rel), sorted, not following symlinked
 * folders; symlinked files must resolve inside the content folder (checked by the caller:
 * links gets their names). readdir's d_type says what an entry is without a stat. */
static void walk(tf_build *b, const char *dir, const char *rel, tf_vec *out, tf_map *links, int depth) {
  if (depth > 32) {
    diag_add(&b->diags, dir, 1, 1, DIAG_WARNING, "load-depth", "folders nested deeper than 32 levels are skipped");
    return;
  }
  DIR *dd = opendir(dir);
  if (!dd) {
    diag_add(&b->diags, dir, 1, 1, DIAG_ERROR, "load-dir", "cannot read folder: %s", strerror(errno));
    return;
  }
  tf_vec names = {0}; /* "<type byte><name>"; hidden entries (.git, editor files) are skipped */
  for (struct dirent *e; (e = readdir(dd));)
    if (e->d_name[0] != '.') vec_push(b->arena, &names, (void *)arena_printf(b->arena, "%c%s", (char)e->d_type, e->d_name));
  closedir(dd);
  if (names.n) qsort(names.items, names.n, sizeof(char *), by_name);
  for (size_t i = 0; i < names.n; i++) {
    const char *name = (const char *)names.items[i] + 1;
    unsigned char type = (unsigned char)((const char *)names.items[i])[0];
    const char *full = path_join(b->arena, dir, name);
    const char *r = rel ? path_join(b->arena, rel, name) : name;
    if (type == DT_UNKNOWN) { /* file systems that do not say */
      struct stat st;
      if (lstat(full, &st) != 0) continue;
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : S_ISLNK(st.st_mode) ? DT_LNK : DT_UNKNOWN;
    }
    if (!utf8_valid(name, strlen(name))) {
      diag_add(&b->diags, full, 1, 1, DIAG_ERROR, "load-name", "file name is not UTF-8: rename it");
      continue;
    }
    if (type == DT_DIR) {
      walk(b, full, r, out, links, depth + 1);
    } else if (type == DT_REG || type == DT_LNK) {
      size_t n = strlen(name);
      if (n <= 3 || strcmp(name + n - 3, ".md")) continue;
      vec_push(b->arena, out, (void *)r);
      if (type == DT_LNK) map_put(b->arena, links, r, (void *)r);
    }
  }
}

/* Line number (1-based) of byte offset off in text. */
static int line_of(const char *text, size_t off) {
  int line = 1;
  for (size_t i = 0; i < off; i++)
    if (text[i] == '\n') line++;
  return line;
}

/* Finds the front matter: "---" on the first line, closed by "---" or "..." on a line of its
 * own. Sets [*ys, *ye) to the YAML and *body to the body start. 0 found, -1 none, -2 unclosed. */
static int split_front_matter(const char *t, size_t n, size_t *ys, size_t *ye, size_t *body) {
  if (n < 3 || memcmp(t, "---", 3) != 0) return -1;
  size_t p = 3;
  while (p < n && (t[p] == ' ' || t[p] == '\t')) p++;
  if (p < n && t[p] == '\r') p++;
  if (p >= n || t[p] != '\n') return -1;
  *ys = ++p;
  while (p < n) {
    size_t eol = p;
    while (eol < n && t[eol] != '\n') eol++;
    size_t end = eol;
    if (end > p && t[end - 1] == '\r') end--;
    while (end > p && (t[end - 1] == ' ' || t[end - 1] == '\t')) end--;
    if (end - p == 3 && (!memcmp(t + p, "---", 3) || !memcmp(t + p, "...", 3))) {
      *ye = p;
      *body = eol < n ? eol + 1 : n;
      return 0;
    }
    p = eol + 1;
  }
  return -2;
}

/* d->body: a heap copy of the body of text (len bytes, a BOM dropped), which split_front_matter
 * has found; released as soon as its page is built. */
static void set_body(tf_doc *d, const char *text, size_t len, size_t body) {
  d->body_len = len - body;
  char *copy = xmalloc(d->body_len + 1);
  memcpy(copy, text + body, d->body_len);
  copy[d->body_len] = 0;
  d->body = copy;
}

static void load_one(tf_build *b, const char *rel, int is_link) {
  tf_arena *a = b->arena;
  const char *full = path_join(a, b->content_dir, rel);
  char err[256];
  tf_buf buf = {0};
  struct stat st = {0};
  int st_taken = 0;
  if (!is_link && fstatat(AT_FDCWD, full, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
    /* Taken before the bytes are read: a file changed after this is changed next time too. */
    st_taken = 1;
    int line0 = 0;
    const char *sha = memo_file_sha(b->memo, rel, &st, &line0);
    yval *root = sha ? memo_front_matter(b->memo, sha, a) : NULL;
    if (root) { /* as an earlier build read it: not read now (load_body reads it if needed) */
      tf_doc *d = arena_alloc(a, sizeof *d);
      d->path = rel;
      d->shown = full;
      memcpy(d->sha, sha, 65);
      d->fm = root;
      d->body_line0 = line0;
      d->lazy = 1;
      d->st = st;
      d->st_taken = 1;
      vec_push(a, &b->docs, d);
      return;
    }
  }
  /* A regular file the walk found (through real folders only) is inside the folder: read it
   * without following a link, in case it became one since. */
  if (!is_link && file_read_nofollow(full, TF_MAX_DOC_BYTES, &buf, err, sizeof err) == 0) goto read;
  /* A symlink may point anywhere: only files that resolve inside the folder are read. */
  if (access(full, F_OK) != 0) {
    diag_add(&b->diags, full, 1, 1, DIAG_ERROR, "load-read", "cannot resolve: %s", strerror(errno));
    return;
  }
  if (!path_within_real(full, b->content_real, 0)) {
    diag_add(&b->diags, full, 1, 1, DIAG_ERROR, "load-outside", "refusing a file that resolves outside the content folder");
    return;
  }
  if (file_read(full, TF_MAX_DOC_BYTES, &buf, err, sizeof err) != 0) {
    diag_add(&b->diags, full, 1, 1, DIAG_ERROR, "load-read", "cannot read: %s", err);
    buf_free(&buf);
    return;
  }
read:;
  tf_doc *d = arena_alloc(a, sizeof *d);
  d->path = rel;
  d->shown = full;
  d->st = st;
  d->st_taken = st_taken;
  pack_sha256_hex(buf.data ? buf.data : "", buf.len, d->sha);
  vec_push(a, &b->docs, d);
  const char *t = buf.data;
  size_t n = buf.len;
  size_t skip = 0;
  if (n >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3)) skip = 3; /* a BOM is harmless: drop it */
  /* A file an earlier build read without error (the same bytes: memo.h) passes the checks
   * below again: they look at nothing but its bytes. */
  int known = memo_known(b->memo, d->sha);
  const char *nul = known ? NULL : memchr(t, 0, n);
  if (nul) {
    diag_add(&b->diags, full, line_of(t, (size_t)(nul - t)), 1, DIAG_ERROR, "load-nul", "the file contains a NUL byte");
    d->broken = 1;
  } else if (!known && !utf8_valid(t, n)) {
    /* Find the line of the first bad byte for the message. */
    size_t good = 0;
    for (size_t lo = 0; lo < n;) {
      size_t eol = lo;
      while (eol < n && t[eol] != '\n') eol++;
      if (!utf8_valid(t + lo, eol - lo)) break;
      good = lo = eol + 1;
    }
    diag_add(&b->diags, full, line_of(t, good), 1, DIAG_ERROR, "load-utf8", "the file is not valid UTF-8");
    d->broken = 1;
  }
  /* cmark-gfm 0.29.0.gfm.6 takes time quadratic in some bracket patterns (CVE-2023-22483,
   * CVE-2023-24824 and kin, fixed upstream later): a document with more of them than any
   * real one has is refused instead of hanging the nightly build. */
  /* Measured: unclosed image openers with links inside ("![a[]()" repeated) cost time
   * quadratic in their number (100,000 of them: over 30 s); other bracket runs stay linear. */
  /* Also measured: in one paragraph, emphasis or code marks together with link brackets cost
   * time that grows with their product (a 1 MB paragraph of both: minutes). Paragraphs end at
   * blank lines; one whose product passes TF_MAX_INLINE_WORK is refused. */
  /* And a table row of tens of thousands of cells costs cmark-gfm quadratic time (and past
   * 65,535 columns its table extension leaks): a line with that many '|' is refused. */
  /* One pass over the bytes counts all three. The product only grows within a paragraph, so
   * it is compared at each line's end (and at a '|' over the limit, which stops the pass),
   * not at every byte: this pass runs over every document of every build. */
  size_t images = 0, marks = 0, opens = 0, pipes = 0, para_line = 1, line = 1;
#define TOO_MUCH_INLINE() ((double)marks * (double)opens > TF_MAX_INLINE_WORK)
#define INLINE_ERROR()                                                                                       \
  diag_add(&b->diags, full, (int)para_line, 1, DIAG_ERROR, "load-pathological",                              \
           "the paragraph starting here has too many emphasis marks and link brackets together "              \
           "for the Markdown parser to finish in time: split it with blank lines")
  for (size_t i = 0; i < n && !d->broken && !known; i++) {
    switch (t[i]) {
    case '*': case '_': case '`': case '~': marks++; break;
    case '[': opens++; break;
    case '!': images += i + 1 < n && t[i + 1] == '['; break;
    case '|':
      if (++pipes <= TF_MAX_PIPES) break;
      if (TOO_MUCH_INLINE()) INLINE_ERROR();
      else
        diag_add(&b->diags, full, (int)line, 1, DIAG_ERROR, "load-pathological",
                 "this line has more than %d '|': no table that long can be rendered", TF_MAX_PIPES);
      d->broken = 1;
      break;
    case '\n': {
      if (TOO_MUCH_INLINE()) {
        INLINE_ERROR();
        d->broken = 1;
        break;
      }
      line++;
      pipes = 0;
      size_t j = i + 1;
      while (j < n && (t[j] == ' ' || t[j] == '\t' || t[j] == '\r')) j++;
      if (j >= n || t[j] == '\n') marks = opens = 0, para_line = line + 1; /* a blank line */
      break;
    }
    }
  }
  if (!d->broken && !known && TOO_MUCH_INLINE()) {
    INLINE_ERROR();
    d->broken = 1;
  }
#undef TOO_MUCH_INLINE
#undef INLINE_ERROR
  if (!d->broken && !known && images > TF_MAX_IMAGES) {
    diag_add(&b->diags, full, 1, 1, DIAG_ERROR, "load-pathological",
             "the document has %zu image openers '![', over the limit of %d: split it", images, TF_MAX_IMAGES);
    d->broken = 1;
  }
  if (d->broken) {
    buf_free(&buf);
    return;
  }
  size_t ys, ye, body;
  int fm = split_front_matter(t + skip, n - skip, &ys, &ye, &body);
  if (fm == -1) {
    diag_add(&b->diags, full, 1, 1, DIAG_ERROR, "front-matter-missing", "document has no YAML front matter (a first line '---')");
    d->broken = 1;
  } else if (fm == -2) {
    diag_add(&b->diags, full, 1, 1, DIAG_ERROR, "front-matter-unclosed", "front matter is never closed by a line '---'");
    d->broken = 1;
  } else {
    int line = 0;
    /* A file the memo knows: the tree its last parse gave (libyaml is most of loading) */
    yval *root = known ? memo_front_matter(b->memo, d->sha, a) : NULL;
    if (!root && yv_parse(a, t + skip + ys, ye - ys, &root, &line, err, sizeof err) != 0) {
      diag_add(&b->diags, full, line + 1, 1, DIAG_ERROR, "front-matter-yaml", "%s", err);
      d->broken = 1;
    } else if (!root || root->kind != YV_MAP) {
      diag_add(&b->diags, full, 2, 1, DIAG_ERROR, "front-matter-yaml", "front matter must be a YAML mapping of keys to values");
      d->broken = 1;
    } else {
      d->fm = root;
    }
    /* yval lines count from the YAML's first line, which is file line 2. */
    d->body_line0 = line_of(t + skip, body) - 1;
  }
  if (!d->broken) set_body(d, t + skip, n - skip, body);
  buf_free(&buf);
}

int load_body(tf_build *b, tf_doc *d) {
  if (!d->lazy) return 0;
  d->lazy = 0;
  tf_buf buf = {0};
  char err[256], sha[65];
  size_t ys, ye, body;
  int rc = -1;
  if (file_read_nofollow(d->shown, TF_MAX_DOC_BYTES, &buf, err, sizeof err) != 0)
    diag_add(&b->diags, d->shown, 1, 1, DIAG_ERROR, "load-read", "cannot read: %s", err);
  else if (pack_sha256_hex(buf.data ? buf.data : "", buf.len, sha), strcmp(sha, d->sha))
    diag_add(&b->diags, d->shown, 1, 1, DIAG_ERROR, "load-changed", "the file changed while the build ran: build again");
  else {
    const char *t = buf.data ? buf.data : "";
    size_t skip = buf.len >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3) ? 3 : 0;
    if (split_front_matter(t + skip, buf.len - skip, &ys, &ye, &body) == 0) { /* the memo knows it splits */
      set_body(d, t + skip, buf.len - skip, body);
      rc = 0;
    }
  }
  buf_free(&buf);
  return rc;
}

void load_content(tf_build *b) {
  if (!path_is_dir(b->content_dir)) {
    diag_add(&b->diags, b->content_dir, 1, 1, DIAG_ERROR, "load-dir", "content folder not found");
    return;
  }
  resolve_content(b);
  tf_vec files = {0};
  tf_map links = {0};
  walk(b, b->content_dir, NULL, &files, &links, 0);
  for (size_t i = 0; i < files.n; i++) load_one(b, files.items[i], map_get(&links, files.items[i]) != NULL);
}
