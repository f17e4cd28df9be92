/* build.c: the pipeline and the output folder. See build.h. */
#include "build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <libgen.h>
#include <pthread.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "combine.h"
#include "decorate.h"
#include "pages.h"
#include "render.h"
#include "report.h"

const char *build_find_data(tf_arena *a, const char *what) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return NULL;
  exe[n] = 0;
  char *dir = dirname(exe);
  /* the source tree (gen/techfile → ../templates) and an install (bin → ../share/techfile) */
  const char *c1 = arena_printf(a, "%s/../%s", dir, what);
  const char *c2 = arena_printf(a, "%s/../share/techfile/%s", dir, what);
  if (!access(c1, R_OK)) return c1;
  if (!access(c2, R_OK)) return c2;
  return NULL;
}

typedef struct {
  tf_vec names;  /* const char*: path under the output folder */
  tf_vec bufs;   /* tf_buf*: bytes */
} outset;

static void out_add(tf_build *b, outset *o, const char *name, tf_buf *data) {
  tf_buf *copy = arena_alloc(b->arena, sizeof *copy);
  *copy = *data; /* takes the heap buffer */
  memset(data, 0, sizeof *data);
  vec_push(b->arena, &o->names, (void *)name);
  vec_push(b->arena, &o->bufs, copy);
}

static void out_free(outset *o) {
  for (size_t i = 0; i < o->bufs.n; i++) buf_free(o->bufs.items[i]);
}

/* The output folder must not sit inside the content folder: nothing there is ever written.
 * It may not exist yet: its nearest existing ancestor decides. */
static int out_inside_content(tf_build *b) {
  char *probe = xstrdup(b->out_dir); /* at least 2 bytes: "." and "/" fit */
  while (!path_is_dir(probe)) {
    char *slash = strrchr(probe, '/');
    if (!slash) strcpy(probe, ".");
    else if (slash == probe) strcpy(probe, "/");
    else *slash = 0;
  }
  int inside = path_within(probe, b->content_dir, 1);
  free(probe);
  return inside;
}

static void remove_stale(tf_build *b, const char *dir, const char *rel, outset *o) {
  DIR *d = opendir(dir);
  if (!d) return;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    const char *full = path_join(b->arena, dir, e->d_name);
    const char *r = path_join(b->arena, rel, e->d_name);
    struct stat st;
    if (lstat(full, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      remove_stale(b, full, r, o);
      rmdir(full); /* only succeeds when empty */
      continue;
    }
    if (!S_ISREG(st.st_mode)) continue; /* a symlink (maybe to a folder elsewhere) is left alone */
    int keep = 0;
    for (size_t i = 0; i < o->names.n && !keep; i++) keep = !strcmp(o->names.items[i], r);
    if (!keep) unlink(full);
  }
  closedir(d);
}

static int same_bytes(const char *path, tf_buf *want) {
  tf_buf have = {0};
  char err[64];
  int same = file_read(path, want->len + 1, &have, err, sizeof err) == 0 && have.len == want->len &&
             (!want->len || !memcmp(have.data, want->data, want->len));
  buf_free(&have);
  return same;
}

static const char *bundle_name(tf_build *b) {
  /* at most ~200 bytes: file names are limited to 255 */
  char *s = arena_printf(b->arena, "%.120s-%.60s-technical-file.zip", b->product, b->product_version);
  for (char *p = s; *p; p++)
    if (*p == ' ' || *p == '/' || *p == '\\' || *p == ':') *p = '-';
  return s;
}

static int write_outputs(tf_build *b, outset *o) {
  tf_arena *a = b->arena;
  /* The bundle: every output, sorted, plus SHA256SUMS of them. */
  size_t n = o->names.n;
  pack_entry *e = xcalloc(n + 1, sizeof *e);
  for (size_t i = 0; i < n; i++) {
    tf_buf *buf = o->bufs.items[i];
    e[i].name = o->names.items[i];
    e[i].data = buf->data ? buf->data : "";
    e[i].len = buf->len;
  }
  qsort(e, n, sizeof *e, pack_entry_cmp);
  tf_buf sums = {0};
  for (size_t i = 0; i < n; i++) {
    char hex[65];
    pack_sha256_hex(e[i].data, e[i].len, hex);
    buf_printf(&sums, "%s  %s\n", hex, e[i].name);
  }
  e[n].name = "SHA256SUMS";
  e[n].data = buf_cstr(&sums);
  e[n].len = sums.len;
  tf_buf zip = {0};
  char err[256];
  int rc = pack_zip(e, n + 1, &zip, err, sizeof err);
  free(e);
  if (rc != 0) {
    diag_add(&b->diags, b->out_dir, 1, 1, DIAG_ERROR, "bundle", "%s", err);
    buf_free(&sums);
    return -1;
  }
  out_add(b, o, "SHA256SUMS", &sums);
  out_add(b, o, bundle_name(b), &zip);
  /* Two phases, so that a failure (a full disk) leaves the previous output whole: first every
   * changed file is written under a temporary name; only when all are written are they renamed
   * into place. Files whose bytes did not change are not touched (make sees no change). */
  const char **tmp = xcalloc(o->names.n + 1, sizeof *tmp);
  rc = 0;
  for (size_t i = 0; i < o->names.n && !rc; i++) {
    const char *path = path_join(a, b->out_dir, o->names.items[i]);
    char *dir = arena_strdup(a, path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    tf_buf *buf = o->bufs.items[i];
    if (same_bytes(path, buf)) continue;
    tmp[i] = arena_printf(a, "%s.tmp.%ld", path, (long)getpid());
    if ((slash && mkdir_p(dir) != 0) || file_write(tmp[i], buf->data ? buf->data : "", buf->len) != 0) {
      diag_add(&b->diags, path, 1, 1, DIAG_ERROR, "output-write", "cannot write: %s", strerror(errno));
      rc = -1;
    }
  }
  for (size_t i = 0; i < o->names.n; i++) {
    if (!tmp[i]) continue;
    if (rc) unlink(tmp[i]);
    else if (rename(tmp[i], path_join(a, b->out_dir, o->names.items[i])) != 0) {
      diag_add(&b->diags, tmp[i], 1, 1, DIAG_ERROR, "output-write", "cannot rename into place: %s", strerror(errno));
      unlink(tmp[i]);
      rc = -1;
    }
  }
  free(tmp);
  if (rc) return -1;
  /* A bundle of another product name or version is stale too. */
  tf_vec top = {0};
  dir_list(a, b->out_dir, &top);
  for (size_t i = 0; i < top.n; i++) {
    const char *name = top.items[i], *suffix = "-technical-file.zip";
    size_t n = strlen(name), k = strlen(suffix);
    if (n > k && !strcmp(name + n - k, suffix) && strcmp(name, bundle_name(b))) unlink(path_join(a, b->out_dir, name));
  }
  remove_stale(b, path_join(a, b->out_dir, "html"), "html", o);
  remove_stale(b, path_join(a, b->out_dir, "docx"), "docx", o);
  return 0;
}

/* ---- incremental rendering ------------------------------------------------------
 * A page's HTML and DOCX depend only on its page tree and the templates. The key of a page
 * is the SHA-256 of its tree (without <nav>, which is the same on every page and hashed once
 * from the document list), the template digest and the techfile version. Pages whose key is
 * unchanged since the last build reuse their files from the output folder. */
#define STATE_FILE ".techfile/pages"

static const char *nav_digest(tf_build *b) {
  tf_buf t = {0};
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    buf_printf(&t, "%s\t%s\t%s\t%s\t%s\n", d->id, d->title, d->type, d->status, d->process ? d->process : "");
  }
  char hex[65];
  pack_sha256_hex(t.data ? t.data : "", t.len, hex);
  buf_free(&t);
  return arena_strdup(b->arena, hex);
}

static const char *page_key(tf_build *b, xmlDocPtr page, const char *salt) {
  xmlNodePtr root = xmlDocGetRootElement(page), nav = NULL;
  for (xmlNodePtr c = root->children; c && !nav; c = c->next)
    if (c->type == XML_ELEMENT_NODE && !strcmp((char *)c->name, "nav")) nav = c;
  xmlNodePtr next = nav ? nav->next : NULL;
  if (nav) xmlUnlinkNode(nav);
  xmlChar *mem = NULL;
  int len = 0;
  xmlDocDumpMemory(page, &mem, &len);
  if (nav) {
    if (next) xmlAddPrevSibling(next, nav);
    else xmlAddChild(root, nav);
  }
  tf_buf t = {0};
  buf_puts(&t, salt);
  buf_put(&t, mem, (size_t)len);
  xmlFree(mem);
  char hex[65];
  pack_sha256_hex(t.data, t.len, hex);
  buf_free(&t);
  return arena_strdup(b->arena, hex);
}

/* "file<TAB>key" lines of the previous build, or an empty list. */
static const char *old_key(tf_buf *state, const char *file) {
  size_t fl = strlen(file);
  for (const char *p = state->data; p && *p;) {
    const char *eol = strchr(p, '\n');
    if (!eol) break;
    if (!strncmp(p, file, fl) && p[fl] == '\t' && eol - (p + fl + 1) == 64) return p + fl + 1;
    p = eol + 1;
  }
  return NULL;
}

typedef struct {
  tf_render *r;
  xmlDocPtr *pages;
  size_t n, next;
  size_t nhtml; /* pages from nhtml on are DOCX only (the combined file) */
  tf_buf *html, *docx;
  char *skip;
  int failed;
  pthread_mutex_t mu;
} job;

static void *worker(void *arg) {
  job *j = arg;
  for (;;) {
    pthread_mutex_lock(&j->mu);
    size_t k = j->next++;
    pthread_mutex_unlock(&j->mu);
    if (k >= j->n) break;
    /* The combined file (the last page) is by far the largest: start it first, so that the
     * other threads render the pages meanwhile. */
    size_t i = k == 0 ? j->n - 1 : k - 1;
    if (j->skip[i]) continue;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if ((i < j->nhtml && render_html(j->r, j->pages[i], &j->html[i]) != 0) || render_docx(j->r, j->pages[i], &j->docx[i]) != 0) {
      pthread_mutex_lock(&j->mu);
      j->failed = 1;
      pthread_mutex_unlock(&j->mu);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    if (ms > 250 && getenv("TECHFILE_PROFILE")) fprintf(stderr, "techfile: profile: slow page %zu: %.0f ms\n", i, ms);
  }
  return NULL;
}

static int render_all(tf_build *b, xmlDocPtr *pages, const char **files, size_t npages, size_t nhtml, outset *o,
                      tf_buf *state_out) {
  tf_arena *a = b->arena;
  tf_render *r = render_open(b);
  if (!r) return -1;
  job j = {.r = r, .pages = pages, .n = npages, .nhtml = nhtml};
  j.html = xcalloc(npages + 1, sizeof(tf_buf));
  j.docx = xcalloc(npages + 1, sizeof(tf_buf));
  j.skip = xcalloc(npages + 1, 1);
  pthread_mutex_init(&j.mu, NULL);
  tf_buf state = {0};
  char err[256];
  if (file_read(path_join(a, b->out_dir, STATE_FILE), 64u << 20, &state, err, sizeof err) != 0) state.len = 0;
  const char *salt = arena_printf(a, "techfile %s\n%s\n%s\n", TF_VERSION, render_digest(r), nav_digest(b));
  for (size_t i = 0; i < npages; i++) {
    const char *key = page_key(b, pages[i], salt);
    buf_printf(state_out, "%s\t%s\n", files[i], key);
    const char *old = state.len ? old_key(&state, files[i]) : NULL;
    if (!old || strncmp(old, key, 64)) continue;
    const char *h = path_join(a, b->out_dir, arena_printf(a, "html/%s.html", files[i]));
    const char *d = path_join(a, b->out_dir, arena_printf(a, "docx/%s.docx", files[i]));
    if ((i >= nhtml || file_read(h, 256u << 20, &j.html[i], err, sizeof err) == 0) &&
        file_read(d, 256u << 20, &j.docx[i], err, sizeof err) == 0)
      j.skip[i] = 1;
    else j.html[i].len = j.docx[i].len = 0;
  }
  buf_free(&state);
  b->pages = npages;
  for (size_t i = 0; i < npages; i++) b->rendered += !j.skip[i];
  int nthreads = b->jobs < 1 ? 1 : b->jobs > 64 ? 64 : b->jobs;
  pthread_t th[64];
  int started = 0;
  for (int t = 1; t < nthreads; t++)
    if (pthread_create(&th[started], NULL, worker, &j) == 0) started++;
  worker(&j); /* this thread works too */
  for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
  pthread_mutex_destroy(&j.mu);
  for (size_t i = 0; i < npages; i++) {
    if (i < nhtml) out_add(b, o, arena_printf(a, "html/%s.html", files[i]), &j.html[i]);
    out_add(b, o, arena_printf(a, "docx/%s.docx", files[i]), &j.docx[i]);
  }
  free(j.html);
  free(j.docx);
  free(j.skip);
  int rc = j.failed ? -1 : 0;
  /* The offline search index: titles and headings, loaded by a <script> tag (file:// has
   * no fetch). */
  tf_buf idx = {0};
  buf_puts(&idx, "window.TECHFILE_SEARCH = [");
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    buf_puts(&idx, i ? ",\n{\"id\": " : "\n{\"id\": ");
    buf_json_str(&idx, d->id);
    buf_puts(&idx, ", \"title\": ");
    buf_json_str(&idx, d->title);
    buf_puts(&idx, ", \"headings\": [");
    int first = 1;
    for (size_t k = 0; k < d->headings.n; k++) {
      tf_heading *h = d->headings.items[k];
      if (h->is_title) continue;
      buf_puts(&idx, first ? "[" : ", [");
      buf_json_str(&idx, h->text);
      buf_puts(&idx, ", ");
      buf_json_str(&idx, h->slug);
      buf_putc(&idx, ']');
      first = 0;
    }
    buf_puts(&idx, "]}");
  }
  buf_puts(&idx, "\n];\n");
  out_add(b, o, "html/search-index.js", &idx);
  pack_entry *assets;
  size_t na = render_html_assets(r, &assets);
  for (size_t i = 0; i < na; i++) {
    tf_buf t = {0};
    buf_put(&t, assets[i].data, assets[i].len);
    out_add(b, o, arena_printf(a, "html/%s", assets[i].name), &t);
  }
  for (size_t i = 0; i < b->assets.n; i++) {
    tf_asset *as = b->assets.items[i];
    tf_buf t = {0};
    if (file_read(as->source, 32u << 20, &t, err, sizeof err) != 0) {
      diag_add(&b->diags, as->source, 1, 1, DIAG_ERROR, "asset-read", "%s", err);
      rc = -1;
    }
    out_add(b, o, arena_printf(a, "html/%s", as->target), &t);
  }
  render_close(r);
  return rc;
}

/* ---- --pdf: LibreOffice headless ---------------------------------------------------------
 * PDFs are not part of the bundle: LibreOffice stamps each PDF with the time of conversion, so
 * they cannot be byte-identical. They go to OUT/pdf, converted in a scratch folder first and
 * then renamed into place. */
static const char *find_in_path(tf_arena *a, const char *prog) {
  const char *path = getenv("PATH");
  if (!path) return NULL;
  char *copy = arena_strdup(a, path), *save = NULL;
  for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    const char *full = path_join(a, dir, prog);
    if (!access(full, X_OK)) return full;
  }
  return NULL;
}

static int convert_pdf(tf_build *b, outset *o) {
  tf_arena *a = b->arena;
  const char *soffice = find_in_path(a, "soffice");
  if (!soffice) soffice = find_in_path(a, "libreoffice");
  if (!soffice) {
    diag_add(&b->diags, b->out_dir, 1, 1, DIAG_ERROR, "pdf-unavailable",
             "--pdf needs LibreOffice (soffice) on PATH; on Debian: apt-get install libreoffice-writer-nogui");
    return -1;
  }
  char tmpl[] = "/tmp/techfile-pdf-XXXXXX";
  if (!mkdtemp(tmpl)) return -1;
  const char *scratch = arena_strdup(a, tmpl);
  tf_vec argv = {0};
  vec_push(a, &argv, (void *)soffice);
  vec_push(a, &argv, "--headless");
  vec_push(a, &argv, (void *)arena_printf(a, "-env:UserInstallation=file://%s/profile", scratch));
  vec_push(a, &argv, "--convert-to");
  vec_push(a, &argv, "pdf");
  vec_push(a, &argv, "--outdir");
  vec_push(a, &argv, (void *)path_join(a, scratch, "pdf"));
  tf_vec stems = {0};
  for (size_t i = 0; i < o->names.n; i++) {
    const char *n = o->names.items[i];
    size_t len = strlen(n);
    if (strncmp(n, "docx/", 5) || len < 10 || strcmp(n + len - 5, ".docx")) continue;
    vec_push(a, &argv, (void *)path_join(a, b->out_dir, n));
    vec_push(a, &stems, arena_strndup(a, n + 5, len - 10));
  }
  vec_push(a, &argv, NULL);
  int rc = 0;
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 1), dup2(devnull, 2);
    execv(soffice, (char *const *)argv.items);
    _exit(127);
  }
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) rc = -1;
  const char *pdfdir = path_join(a, b->out_dir, "pdf");
  mkdir_p(pdfdir);
  for (size_t i = 0; i < stems.n; i++) {
    const char *name = arena_printf(a, "%s.pdf", (char *)stems.items[i]);
    const char *from = path_join(a, path_join(a, scratch, "pdf"), name);
    if (!path_is_file(from) || rename(from, path_join(a, pdfdir, name)) != 0) {
      diag_add(&b->diags, path_join(a, b->out_dir, arena_printf(a, "docx/%s.docx", (char *)stems.items[i])), 1, 1, DIAG_ERROR,
               "pdf-failed", "LibreOffice did not convert this file to PDF");
      rc = -1;
    }
  }
  pid = fork(); /* the scratch folder and LibreOffice's profile */
  if (pid == 0) {
    execlp("rm", "rm", "-rf", scratch, (char *)NULL);
    _exit(127);
  }
  if (pid > 0) waitpid(pid, &st, 0);
  return rc;
}

/* ---- --depfile: Make-compatible dependencies ------------------------------------------- */
static void files_below(tf_arena *a, const char *dir, tf_vec *out) {
  tf_vec names = {0};
  if (dir_list(a, dir, &names) != 0) return;
  for (size_t i = 0; i < names.n; i++) {
    const char *full = path_join(a, dir, names.items[i]);
    if (path_is_dir(full)) files_below(a, full, out);
    else vec_push(a, out, (void *)full);
  }
}

static void make_escape(tf_buf *o, const char *s) {
  for (; *s; s++) {
    if (*s == ' ' || *s == '#' || *s == ':') buf_putc(o, '\\');
    if (*s == '$') buf_putc(o, '$');
    buf_putc(o, *s);
  }
}

static int write_depfile(tf_build *b) {
  tf_arena *a = b->arena;
  tf_vec deps = {0};
  vec_push(a, &deps, (void *)b->config_shown);
  vec_push(a, &deps, (void *)b->catalog_path);
  for (size_t i = 0; i < b->docs.n; i++) vec_push(a, &deps, (void *)((tf_doc *)b->docs.items[i])->shown);
  for (size_t i = 0; i < b->assets.n; i++) vec_push(a, &deps, (void *)((tf_asset *)b->assets.items[i])->source);
  files_below(a, b->templates_dir, &deps);
  tf_buf o = {0};
  make_escape(&o, path_join(a, b->out_dir, "report.json"));
  buf_putc(&o, ' ');
  make_escape(&o, path_join(a, b->out_dir, bundle_name(b)));
  buf_putc(&o, ':');
  for (size_t i = 0; i < deps.n; i++) {
    buf_puts(&o, " \\\n  ");
    make_escape(&o, deps.items[i]);
  }
  buf_putc(&o, '\n');
  /* Each input is also a target without recipe, so a deleted file does not stop make. */
  for (size_t i = 0; i < deps.n; i++) {
    buf_putc(&o, '\n');
    make_escape(&o, deps.items[i]);
    buf_puts(&o, ":\n");
  }
  int rc = file_write_atomic(b->depfile, o.data, o.len);
  if (rc) diag_add(&b->diags, b->depfile, 1, 1, DIAG_ERROR, "depfile-write", "cannot write the dependency file");
  buf_free(&o);
  return rc;
}

static char *summary_line(tf_build *b) {
  int n[3] = {0, 0, 0};
  for (size_t i = 0; i < b->results.n; i++) n[((tf_result *)b->results.items[i])->status]++;
  return arena_printf(b->arena, "techfile: %zu documents, %zu clauses: %d backed, %d gaps, %d tailored; %zu errors, %zu warnings; rendered %zu of %zu pages",
                      b->docs.n, b->results.n, n[ST_BACKED], n[ST_GAP], n[ST_TAILORED], b->diags.errors, b->diags.warnings, b->rendered, b->pages);
}

/* ---- the no-op fast path ------------------------------------------------------------------
 * A build whose inputs (every file of the content folder, the catalog, the templates, the
 * reference DOCX, the techfile binary itself), options and build date are those of the last
 * successful build has nothing to do: it replays that build's diagnostics and exit status.
 * Inputs are compared by size and modification time in nanoseconds, as make does. */
#define MANIFEST_FILE ".techfile/manifest"
#define RESULT_FILE ".techfile/result"

static void stat_line(tf_buf *m, const char *path) {
  struct stat st;
  if (stat(path, &st) == 0)
    buf_printf(m, "%s %lld %lld.%09ld\n", path, (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  else buf_printf(m, "%s missing\n", path);
}

static void stat_tree(tf_arena *a, tf_buf *m, const char *dir, int depth) {
  tf_vec names = {0};
  if (depth > 32 || dir_list(a, dir, &names) != 0) return;
  for (size_t i = 0; i < names.n; i++) {
    const char *full = path_join(a, dir, names.items[i]);
    if (path_is_dir(full)) stat_tree(a, m, full, depth + 1);
    else stat_line(m, full);
  }
}

static char *manifest(tf_build *b) {
  tf_arena *a = b->arena;
  tf_buf m = {0};
  buf_printf(&m, "techfile %s\nflags %d %d %d %s %s %s %s %s\n", TF_VERSION, b->strict, b->release, b->pdf,
             b->depfile ? b->depfile : "-", b->reference_docx ? b->reference_docx : "-", b->templates_dir,
             b->catalog_path, b->build_date);
  stat_line(&m, "/proc/self/exe");
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) exe[n] = 0, stat_line(&m, exe);
  stat_line(&m, b->catalog_path);
  if (b->reference_docx) stat_line(&m, b->reference_docx);
  stat_tree(a, &m, b->templates_dir, 0);
  stat_tree(a, &m, b->content_dir, 0);
  /* and the outputs: a touched or deleted output folder builds again */
  stat_line(&m, path_join(a, b->out_dir, "report.json"));
  stat_line(&m, path_join(a, b->out_dir, bundle_name(b)));
  stat_line(&m, path_join(a, b->out_dir, STATE_FILE));
  stat_line(&m, path_join(a, b->out_dir, "html")); /* a folder's time changes when a file goes */
  stat_line(&m, path_join(a, b->out_dir, "docx"));
  char *r = arena_strdup(a, buf_cstr(&m));
  buf_free(&m);
  return r;
}

/* 0 and the replayed exit status in *status when nothing changed since the last build. */
static int replay(tf_build *b, const char *now, int *status) {
  tf_arena *a = b->arena;
  tf_buf old = {0}, res = {0};
  char err[64];
  int hit = file_read(path_join(a, b->out_dir, MANIFEST_FILE), 64u << 20, &old, err, sizeof err) == 0 &&
            !strcmp(buf_cstr(&old), now) &&
            file_read(path_join(a, b->out_dir, RESULT_FILE), 256u << 20, &res, err, sizeof err) == 0 && res.len > 2;
  if (hit) {
    /* first line: exit status; then the summary; then the diagnostics as printed */
    const char *text = buf_cstr(&res);
    *status = atoi(text);
    const char *summary = strchr(text, '\n');
    const char *diags = summary ? strchr(summary + 1, '\n') : NULL;
    if (diags) fputs(diags + 1, stderr);
    if (summary && diags && !b->quiet) {
      /* "...; rendered N of M pages" becomes "...; rendered 0 of M pages; nothing changed" */
      int len = (int)(diags - summary - 1);
      const char *r = strstr(summary + 1, "; rendered ");
      const char *of = r && r < diags ? strstr(r, " of ") : NULL;
      if (of && of < diags) fprintf(stderr, "%.*s; rendered 0%.*s; nothing changed\n", (int)(r - summary - 1), summary + 1,
                                    (int)(diags - of), of);
      else fprintf(stderr, "%.*s; nothing changed\n", len, summary + 1);
    }
  }
  buf_free(&old);
  buf_free(&res);
  return hit ? 0 : -1;
}

/* TECHFILE_PROFILE=1 prints the time of each stage (for make bench and profiling). */
static void stage(const char *name) {
  static struct timespec last;
  static int on = -1;
  if (on < 0) on = getenv("TECHFILE_PROFILE") != NULL;
  if (!on) return;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (name && last.tv_sec)
    fprintf(stderr, "techfile: profile: %-10s %8.1f ms\n", name, (now.tv_sec - last.tv_sec) * 1e3 + (now.tv_nsec - last.tv_nsec) / 1e6);
  last = now;
}

int build_run(tf_build *b, int render) {
  stage(NULL);
  if (render && path_within(b->content_dir, b->out_dir, 1)) {
    fprintf(stderr, "techfile: the content folder %s is inside the output folder %s, whose files techfile replaces\n",
            b->content_dir, b->out_dir);
    return 2;
  }
  if (render && out_inside_content(b)) {
    fprintf(stderr, "techfile: the output folder %s is inside the content folder %s, which techfile never writes to\n",
            b->out_dir, b->content_dir);
    return 2;
  }
  int ok = load_config(b) == 0;
  if (ok) {
    if (!b->catalog_path) b->catalog_path = build_find_data(b->arena, "catalog/iec-81001-5-1.yaml");
    if (!b->templates_dir) b->templates_dir = build_find_data(b->arena, "templates");
    if (!b->catalog_path || !b->templates_dir) {
      fprintf(stderr, "techfile: cannot find the %s; pass --%s\n", b->catalog_path ? "templates" : "clause catalog",
              b->catalog_path ? "templates DIR" : "catalog FILE");
      return 2;
    }
    if (render && b->depfile == NULL) {
      int st;
      b->manifest = manifest(b);
      if (replay(b, b->manifest, &st) == 0) return st;
    }
    ok = catalog_load(b, b->catalog_path) == 0;
  }
  if (!ok) {
    diag_sort(&b->diags);
    diag_print(&b->diags, stderr);
    return 1;
  }
  load_content(b);
  stage("load");
  model_build(b);
  records_check(b);
  check_clauses(b);
  stage("check");
  /* Decorate every page before anything is written: unresolved links are errors. */
  size_t cap = b->docs.n + PAGES_MAX + 1;
  xmlDocPtr *pages = xcalloc(cap, sizeof *pages);
  const char **files = xcalloc(cap, sizeof *files);
  size_t np = 0;
  decorate_prepare(b);
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    files[np] = d->id;
    pages[np++] = decorate_document(b, d);
  }
  tf_genpage gen[PAGES_MAX];
  size_t ng = pages_generate(b, gen);
  for (size_t i = 0; i < ng; i++) files[np] = gen[i].file, pages[np++] = gen[i].xml;
  size_t nhtml = np;
  files[np] = COMBINED_FILE;
  stage("decorate");
  pages[np] = combine_pages(b, pages, files, np);
  np++;
  stage("combine");
  /* TECHFILE_DUMP_PAGES=DIR writes every page tree, to develop templates with xsltproc. */
  const char *dump = getenv("TECHFILE_DUMP_PAGES");
  for (size_t i = 0; dump && *dump && i < np; i++)
    if (mkdir_p(dump) == 0) xmlSaveFormatFileEnc(path_join(b->arena, dump, arena_printf(b->arena, "%s.xml", files[i])), pages[i], "UTF-8", 1);

  /* Release blockers are errors of a release build, but the outputs (with the release
   * readiness page) are still written: only content errors stop the writing. */
  size_t content_errors = b->diags.errors;
  if (b->release)
    for (size_t i = 0; i < b->blockers.n; i++) {
      tf_blocker *x = b->blockers.items[i];
      diag_add(&b->diags, x->file, x->line, 1, DIAG_ERROR, "release-blocker", "release blocked: %s", x->what);
    }
  diag_sort(&b->diags);
  int status = 0, wrote = 0;
  outset o = {0};
  if (content_errors) status = 1;
  else if (render) {
    tf_buf json = {0}, junit = {0}, state = {0};
    int rendered = render_all(b, pages, files, np, nhtml, &o, &state);
    stage("render");
    if (rendered != 0) status = 1;
    else {
      report_json(b, &json);
      report_junit(b, &junit);
      out_add(b, &o, "report.json", &json);
      out_add(b, &o, "report.junit.xml", &junit);
      if (mkdir_p(b->out_dir) != 0 || write_outputs(b, &o) != 0) status = 1;
      stage("write+pack");
      /* The state is written last: a build stopped before this point re-renders next time. */
      const char *sf = path_join(b->arena, b->out_dir, STATE_FILE);
      if (!status && (mkdir_p(path_join(b->arena, b->out_dir, ".techfile")) != 0 || file_write_atomic(sf, state.data ? state.data : "", state.len) != 0))
        diag_add(&b->diags, sf, 1, 1, DIAG_WARNING, "state-write", "cannot write the incremental-build state");
      wrote = !status;
    }
    buf_free(&state);
    if (!status && b->depfile && write_depfile(b) != 0) status = 1;
    if (!status && b->pdf && convert_pdf(b, &o) != 0) status = 1;
  }
  for (size_t i = 0; i < np; i++) xmlFreeDoc(pages[i]);
  free(pages);
  free(files);
  out_free(&o);
  diag_sort(&b->diags);
  diag_print(&b->diags, stderr);
  const char *line = summary_line(b);
  if (!b->quiet) fprintf(stderr, "%s\n", line);
  int exit_status = status ? status : b->diags.errors ? 1 : 0;
  if (!exit_status && (b->strict || b->release))
    for (size_t i = 0; i < b->results.n; i++)
      if (((tf_result *)b->results.items[i])->status == ST_GAP) exit_status = 1;
  if (wrote && b->manifest) {
    /* Remember this build for the no-op fast path: status, summary, diagnostics. */
    tf_buf res = {0};
    buf_printf(&res, "%d\n%s\n", exit_status, line);
    for (size_t i = 0; i < b->diags.n; i++) {
      const diag *g = &b->diags.items[i];
      buf_printf(&res, "%s:%d:%d: %s: %s [%s]\n", g->file, g->line, g->col, diag_sev_name(g->sev), g->msg, g->rule);
    }
    file_write_atomic(path_join(b->arena, b->out_dir, RESULT_FILE), res.data, res.len);
    const char *m = manifest(b);
    file_write_atomic(path_join(b->arena, b->out_dir, MANIFEST_FILE), m, strlen(m));
    buf_free(&res);
  }
  return exit_status;
}
