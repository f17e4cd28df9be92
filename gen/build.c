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
#include "depend.h"
#include "memo.h"
#include "decorate.h"
#include "pages.h"
#include "render.h"
#include "report.h"
#include "store.h"

static void stage(const char *name); /* TECHFILE_PROFILE: the time since the last stage() */

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

/* The files the last bundle and combined DOCX were, kept to be written over (pack_zip_file). */
#define SPARE_BUNDLE ".techfile/spare.zip"
#define SPARE_COMBINED ".techfile/spare.docx"

/* ---- the output set -------------------------------------------------------------------
 * Every file of a build, by name under the output folder. Its bytes are either in memory
 * (reports, assets) or already on disk: rendered pages and the combined file are written as
 * soon as they are made (under a temporary name when they changed, to be renamed into place
 * only when the whole build succeeded), so that a large technical file never has all its
 * pages in memory at once. Each file keeps its SHA-256 and, for a page's HTML, its deflated
 * bytes for the bundle (made on the worker threads, then parked in the spill file). */
typedef struct {
  const char *name;     /* under the output folder */
  tf_buf data;          /* the bytes, when in memory */
  const char *path;     /* else: where they are (the final path, or tmp) */
  const char *tmp;      /* written under this temporary name: rename at commit */
  const char *spare;    /* large files: the replaced file is kept here to be written over next
                         * time (see pack_zip_file), not freed */
  char sha[65];
  tf_buf z;             /* deflated for the bundle (pack_deflate, last) when zipped is set */
  uint32_t crc;
  size_t raw;
  int zipped;
  int spilled;          /* z was moved to the outset's spill file: zlen bytes at zoff */
  size_t zlen;
  uint64_t zoff;
  int unchanged;        /* a kept page's file, as the last build made it (unchanged_files) */
  int from_old;         /* copied into the bundle from the last one as it is stored there */
  pthread_t hasher;     /* hashing: a thread works sha out from tmp (out_hash) */
  int hashing, hash_errno;
} outfile;

typedef struct {
  tf_vec files; /* outfile* */
  tf_map names; /* name → outfile*, for the stale-file sweep */
  /* The spill file: the deflated HTML of the rendered pages waits there for the bundle
   * (at 10,000 documents it is tens of megabytes). Unlinked as soon as it is made, so
   * nothing is left behind whatever happens; -1: none, the bytes stay in memory. */
  int spill;
  uint64_t spill_end;
  pthread_mutex_t spill_mu;
} outset;

static void out_open(tf_build *b, outset *o, int spill) {
  memset(o, 0, sizeof *o);
  pthread_mutex_init(&o->spill_mu, NULL);
  o->spill = -1;
  if (!spill) return;
  const char *path = path_join(b->arena, b->out_dir, arena_printf(b->arena, ".techfile-spill.%ld", (long)getpid()));
  if (mkdir_p(b->out_dir) == 0 && (o->spill = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0) unlink(path);
}

/* Moves f's deflated bytes to the spill file (any thread); they stay in memory if it fails. */
static void out_spill(outset *o, outfile *f) {
  if (o->spill < 0 || !f->zipped || f->spilled) return;
  pthread_mutex_lock(&o->spill_mu);
  uint64_t at = o->spill_end;
  o->spill_end += f->z.len;
  pthread_mutex_unlock(&o->spill_mu);
  if (fd_pwrite_all(o->spill, f->z.data, f->z.len, at) != 0) return; /* a full disk: keep them (the hole is never read) */
  f->zlen = f->z.len;
  f->zoff = at;
  f->spilled = 1;
  buf_free(&f->z);
}

static outfile *out_new(tf_build *b, outset *o, const char *name) {
  outfile *f = arena_alloc(b->arena, sizeof *f);
  memset(f, 0, sizeof *f);
  f->name = name;
  vec_push(b->arena, &o->files, f);
  map_put(b->arena, &o->names, name, f);
  return f;
}

/* An output in memory: takes data's heap buffer. */
static void out_add(tf_build *b, outset *o, const char *name, tf_buf *data) {
  outfile *f = out_new(b, o, name);
  f->data = *data;
  memset(data, 0, sizeof *data);
  pack_sha256_hex(f->data.data ? f->data.data : "", f->data.len, f->sha);
}

/* The SHA-256 of a big file just written to tmp, worked out on a thread of its own while the
 * build goes on (the combined DOCX: 5 MB read back and hashed, 3 ms); out_hashed waits. */
static void *hash_thread(void *arg) {
  outfile *f = arg;
  f->hash_errno = pack_sha256_file(f->tmp, f->sha) == 0 ? 0 : errno ? errno : EIO;
  return NULL;
}

static void out_hash(outfile *f) {
  f->hashing = pthread_create(&f->hasher, NULL, hash_thread, f) == 0;
  if (!f->hashing) hash_thread(f);
}

/* Waits for every file's hash: 0, or -1 after a diagnostic when one could not be read. */
static int out_hashed(tf_build *b, outset *o) {
  int rc = 0;
  for (size_t i = 0; i < o->files.n; i++) {
    outfile *f = o->files.items[i];
    if (f->hashing) pthread_join(f->hasher, NULL), f->hashing = 0;
    if (f->hash_errno) {
      diag_add(&b->diags, f->tmp ? f->tmp : f->name, 1, 1, DIAG_ERROR, "output-read", "cannot read back: %s", strerror(f->hash_errno));
      f->hash_errno = 0;
      rc = -1;
    }
  }
  return rc;
}

static void out_free(outset *o) {
  for (size_t i = 0; i < o->files.n; i++) {
    outfile *f = o->files.items[i];
    if (f->hashing) pthread_join(f->hasher, NULL), f->hashing = 0;
    buf_free(&f->data);
    buf_free(&f->z);
    if (f->tmp) unlink(f->tmp); /* never committed */
  }
  if (o->spill >= 0) close(o->spill);
  pthread_mutex_destroy(&o->spill_mu);
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
    unsigned char type = e->d_type; /* a stat per page was a tenth of a millisecond per ten pages */
    struct stat st;
    if (type == DT_UNKNOWN) {
      if (lstat(full, &st) != 0) continue;
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
    }
    if (type == DT_DIR) {
      remove_stale(b, full, r, o);
      rmdir(full); /* only succeeds when empty */
      continue;
    }
    if (type != DT_REG) continue; /* a symlink (maybe to a folder elsewhere) is left alone */
    if (!map_get(&o->names, r)) unlink(full);
  }
  closedir(d);
}

static int same_bytes(const char *path, const void *data, size_t len) {
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != len) return 0; /* most changes: no read */
  tf_buf have = {0};
  char err[64];
  int same = file_read(path, len + 1, &have, err, sizeof err) == 0 && have.len == len && (!len || !memcmp(have.data, data, len));
  buf_free(&have);
  return same;
}

/* Whether two files have the same bytes, read in pieces (bundles can be large). */
static int files_equal(const char *x, const char *y) {
  FILE *a = fopen(x, "rb"), *b = fopen(y, "rb");
  int same = a && b;
  enum { PIECE = 1 << 16 };
  char *p = xmalloc(2 * PIECE), *q = p + PIECE;
  while (same) {
    size_t m = fread(p, 1, PIECE, a), n = fread(q, 1, PIECE, b);
    same = m == n && !memcmp(p, q, m);
    if (m < PIECE) break;
  }
  free(p);
  if (a) fclose(a);
  if (b) fclose(b);
  return same;
}

/* Puts bytes at path: nothing when they are there already (make sees no change), else into
 * tmp, for the commit to rename. Worker threads: no arena. 0 or -1 (errno set). */
static int stage_file(const char *path, const char *tmp, const void *data, size_t len, int *wrote) {
  *wrote = 0;
  if (same_bytes(path, data, len)) return 0;
  int rc = file_write(tmp, len ? data : "", len);
  if (rc != 0 && errno == ENOENT) { /* the folder is missing: made only then, not per file */
    char *dir = xstrdup(path), *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    rc = slash && mkdir_p(dir) == 0 ? file_write(tmp, len ? data : "", len) : -1;
    free(dir);
  }
  *wrote = rc == 0;
  return rc;
}

/* A file written to tmp: staged for the commit, or dropped when path has the same bytes
 * (make then sees no change). maybe_same: 0 when the caller knows they differ. */
static void stage_written(outfile *f, const char *tmp, int maybe_same) {
  if (!maybe_same || !files_equal(f->path, tmp)) f->tmp = tmp;
  else if (!f->spare || rename(tmp, f->spare) != 0) unlink(tmp); /* the spare again, if it was */
}

/* The temporary name a file is staged under until the commit renames it. */
static const char *tmp_name(tf_arena *a, const char *path) {
  static long pid; /* one system call, not one per file (every thread sees the same value) */
  if (!pid) pid = (long)getpid();
  return arena_printf(a, "%s.tmp.%ld", path, pid);
}

/* stage_file for output f at path: f->tmp set when written; 0, or -1 after a diagnostic
 * naming the file. Any thread. */
static int stage_bytes(tf_build *b, outfile *f, const char *path, const char *tmp, const void *data, size_t len) {
  int wrote;
  if (stage_file(path, tmp, data, len, &wrote) != 0) {
    diag_add(&b->diags, path, 1, 1, DIAG_ERROR, "output-write", "cannot write: %s", strerror(errno));
    return -1;
  }
  if (wrote) f->tmp = tmp;
  return 0;
}

/* Stages an output held in memory; 0, or -1 after a diagnostic. */
static int stage_out(tf_build *b, outfile *f) {
  const char *path = path_join(b->arena, b->out_dir, f->name);
  return stage_bytes(b, f, path, tmp_name(b->arena, path), f->data.data, f->data.len);
}

static const char *bundle_name(tf_build *b) {
  /* at most ~200 bytes: file names are limited to 255 */
  char *s = arena_printf(b->arena, "%.120s-%.60s-technical-file.zip", b->product, b->product_version);
  for (char *p = s; *p; p++)
    if (*p == ' ' || *p == '/' || *p == '\\' || *p == ':') *p = '-';
  return s;
}

static void html_deflate(outfile *f, const void *data, size_t len) {
  f->z.len = 0;
  pack_deflate(data, len, 1, &f->z, &f->crc);
  f->raw = len;
  f->zipped = 1;
}

/* What the bundle at path is, for the state: "size mtime.ns ctime.ns inode", or "missing". */
static const char *bundle_stat(tf_arena *a, const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) return "missing";
  return arena_printf(a, "%lld %lld.%09ld %lld.%09ld %llu", (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                      (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec, (unsigned long long)st.st_ino);
}

/* Unchanged pages' files, for the bundle: copied from the last bundle as they are stored
 * there when its SHA256SUMS gives the entry the file's checksum (neither read nor deflated
 * again); else an HTML page is read back and deflated here, and a DOCX is read from disk by
 * the archive writer. Outputs made in memory (reports, search index, assets) are copied the
 * same way when their checksum is the last bundle's: an edit seldom changes them, and
 * deflating their megabyte again was a third of writing the bundle. bundle_was: see write_outputs. *pr:
 * the last bundle, open until the new one is written. 0 or -1. */
static int unchanged_files(tf_build *b, outset *o, const char *zpath, const char *bundle_was, pack_reader **pr) {
  tf_map sums = {0};
  tf_buf list = {0}, h = {0};
  int opened = 0, rc = 0;
  char err[128];
  *pr = NULL;
  for (size_t i = 0; i < o->files.n && !rc; i++) {
    outfile *f = o->files.items[i];
    int in_memory = !f->path;
    if ((!f->unchanged && !in_memory) || f->zipped) continue;
    if (!opened) {
      opened = 1;
      /* The last bundle is trusted (its entries copied as they are stored) only as this
       * techfile left it: a bundle rewritten or replaced since is not read at all. */
      *pr = bundle_was && !strcmp(bundle_was, bundle_stat(b->arena, zpath)) ? pack_reader_open(zpath) : NULL;
      if (*pr && pack_reader_read(*pr, "SHA256SUMS", 1u << 30, &list) == 0)
        for (char *p = list.data, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
          *nl = 0;
          if (nl - p > 66 && p[64] == ' ' && p[65] == ' ') map_put(b->arena, &sums, arena_strdup(b->arena, p + 66), p);
        }
    }
    const char *had = map_get(&sums, f->name);
    if (had && !strncmp(had, f->sha, 64) && pack_reader_has(*pr, f->name)) {
      f->from_old = 1;
      continue;
    }
    if (in_memory || strncmp(f->name, "html/", 5)) continue;
    if (file_read(f->path, 256u << 20, &h, err, sizeof err) != 0) {
      diag_add(&b->diags, f->path, 1, 1, DIAG_ERROR, "output-read", "cannot read back an unchanged page: %s", err);
      rc = -1;
      continue;
    }
    html_deflate(f, h.data ? h.data : "", h.len);
  }
  buf_free(&list);
  buf_free(&h);
  return rc;
}

/* A build that replaced no file (the first, or one into an emptied folder) leaves no spare: one
 * is made the size of path, its blocks allocated but never written (fallocate), so that the
 * next build writes over allocated blocks as the ones after it do (a new file's blocks are
 * allocated when it is renamed over the old one: 10 ms for a bundle). Where the file system
 * cannot, there is no spare. */
static void make_spare(const char *spare, const char *path) {
  struct stat st;
  if (lstat(spare, &st) == 0 || errno != ENOENT || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return;
  int fd = open(spare, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) return;
  if (st.st_size > 0 && fallocate(fd, 0, 0, st.st_size) != 0) unlink(spare);
  close(fd);
}

/* bundle_was: the last bundle as the last build left it (bundle_stat), or NULL. */
static int write_outputs(tf_build *b, outset *o, const char *bundle_was) {
  tf_arena *a = b->arena;
  char err[256];
  int rc = 0;
  /* Files in memory are staged like the pages were. */
  for (size_t i = 0; i < o->files.n && !rc; i++) {
    outfile *f = o->files.items[i];
    if (!f->path) rc = stage_out(b, f);
  }
  if (rc) return -1;
  stage("stage");
  const char *zpath = path_join(a, b->out_dir, bundle_name(b));
  pack_reader *old = NULL;
  if (unchanged_files(b, o, zpath, bundle_was, &old) != 0) {
    pack_reader_close(old);
    return -1;
  }
  stage("unchanged");
  if (out_hashed(b, o) != 0) {
    pack_reader_close(old);
    return -1;
  }
  /* The bundle: every output, sorted, plus SHA256SUMS of them. HTML comes deflated already
   * (or from the last bundle); the DOCX files are read from disk by libzip as it writes. */
  size_t n = o->files.n;
  pack_entry *e = xcalloc(n + 1, sizeof *e);
  for (size_t i = 0; i < n; i++) {
    outfile *f = o->files.items[i];
    pack_entry *p = &e[i];
    p->name = f->name;
    if (f->from_old) p->from = old;
    else if (!f->path) p->data = f->data.data ? f->data.data : "", p->len = f->data.len;
    else if (!f->zipped) p->path = f->tmp ? f->tmp : f->path;
    else {
      p->deflated = 1, p->raw_len = f->raw, p->crc = f->crc;
      if (f->spilled) p->from_fd = 1, p->fd = o->spill, p->offset = f->zoff, p->len = f->zlen;
      else p->data = f->z.data ? f->z.data : "", p->len = f->z.len;
    }
  }
  qsort(e, n, sizeof *e, pack_entry_cmp);
  tf_buf sums = {0};
  for (size_t i = 0; i < n; i++) {
    outfile *f = map_get(&o->names, e[i].name);
    buf_printf(&sums, "%s  %s\n", f->sha, e[i].name);
  }
  e[n].name = "SHA256SUMS";
  e[n].data = buf_cstr(&sums);
  e[n].len = sums.len;
  const char *ztmp = tmp_name(a, zpath), *zspare = path_join(a, b->out_dir, SPARE_BUNDLE);
  rc = pack_zip_update(old, e, n + 1, ztmp, zspare, err, sizeof err);
  if (rc == 1) rc = pack_zip_file(e, n + 1, ztmp, zspare, err, sizeof err);
  free(e);
  pack_reader_close(old);
  stage("bundle");
  if (rc != 0) {
    diag_add(&b->diags, zpath, 1, 1, DIAG_ERROR, "output-write", "cannot write the bundle: %s", err);
    buf_free(&sums);
    unlink(ztmp);
    return -1;
  }
  /* A bundle whose SHA256SUMS changed has changed: no need to compare it. */
  int maybe_same = same_bytes(path_join(a, b->out_dir, "SHA256SUMS"), sums.data, sums.len);
  out_add(b, o, "SHA256SUMS", &sums);
  outfile *zf = out_new(b, o, bundle_name(b));
  zf->path = zpath;
  zf->spare = zspare;
  stage_written(zf, ztmp, maybe_same);
  if (stage_out(b, map_get(&o->names, "SHA256SUMS")) != 0) return -1;
  /* The commit: every staged file is renamed into place. A failure before this point (a full
   * disk) leaves the previous output whole. */
  for (size_t i = 0; i < o->files.n; i++) {
    outfile *f = o->files.items[i];
    if (!f->tmp) continue;
    const char *path = f->path ? f->path : path_join(a, b->out_dir, f->name);
    /* The file replaced stays as the spare (a second name, so renaming over it frees nothing):
     * dropping a bundle's blocks cost more than writing it. */
    if (!rc && f->spare && (unlink(f->spare) == 0 || errno == ENOENT)) (void)link(path, f->spare);
    if (!rc && rename(f->tmp, path) != 0) {
      diag_add(&b->diags, f->tmp, 1, 1, DIAG_ERROR, "output-write", "cannot rename into place: %s", strerror(errno));
      rc = -1;
    }
    if (rc) unlink(f->tmp);
    f->tmp = NULL;
  }
  stage("commit");
  if (rc) return -1;
  for (size_t i = 0; i < o->files.n; i++) {
    outfile *f = o->files.items[i];
    if (f->spare && f->path) make_spare(f->spare, f->path);
  }
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
 * unchanged since the last build keep their files in the output folder. The state file has a
 * line per page: name, key, the SHA-256 of its HTML and DOCX, then for documents the input key
 * ("-" for none) and the encoded deps (depend.h), with which a page is reused before its tree
 * is even built. A chapter's line is its name, key, and where its cache record is in the
 * chapter store (store.h): offset and length; the record holds its input key. */
#define STATE_FILE ".techfile/pages"
#define STATE_BUNDLE "@bundle" /* the state's line of the bundle as the build left it (no page ID has '@') */
#define STORE_FILE ".techfile/chapters.store"
#define OLD_CHAPTER_DIR ".techfile/chapters" /* a file per chapter, before the store */
#define MEMO_FILE ".techfile/memo"
#define SHELL_FILE ".techfile/shell" /* the combined file's shell (combine.h) */

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

/* Worker threads: no arena. The key leaves <nav> out (see above). */
static void page_key(xmlDocPtr page, const char *salt, char hex[65]) {
  xmlNodePtr root = xmlDocGetRootElement(page), nav = NULL;
  for (xmlNodePtr c = root->children; c && !nav; c = c->next)
    if (c->type == XML_ELEMENT_NODE && !strcmp((char *)c->name, "nav")) nav = c;
  xmlNodePtr next = nav ? nav->next : NULL;
  if (nav) xmlUnlinkNode(nav);
  tf_buf t = {0};
  buf_puts(&t, salt);
  render_tree_bytes(root, &t);
  if (nav) {
    if (next) xmlAddPrevSibling(next, nav);
    else xmlAddChild(root, nav);
  }
  pack_sha256_hex(t.data, t.len, hex);
  buf_free(&t);
}

/* ---- the render queue ------------------------------------------------------------------
 * The main thread decorates pages one after the other and queues them; worker threads (and
 * the main thread, whenever the queue is long) render them, write the files and free the
 * trees. The queue is bounded, so memory does not grow with the number of documents. */
typedef struct {
  xmlDocPtr tree;
  size_t chapter;              /* chapter number + 1, or 0 for a page */
  const char *name;            /* state name: the page stem, or "chapter:<stem>" */
  const char *stem;
  const char *old;             /* the last build's state line for name, or NULL */
  const char *html_tmp, *docx_tmp;
  uint64_t at;                 /* chapters: where their record is in the store, */
  size_t len;                  /* and its length (0: none) */
  outfile *html, *docx;        /* pages: their two outputs */
  outset *o;                   /* which they belong to */
  char key[65];                /* the tree's key */
  const char *ikey, *deps;     /* input key (depend.h) or NULL; a page's deps, encoded */
  int heavy;                   /* a generated page: grows with the whole file (see run_task) */
  int reused, failed;
} task;

typedef struct {
  tf_build *b;
  tf_render *r;
  tf_combine *cb;
  tf_store *store;
  int store_failed;            /* a record could not be written (warned once) */
  const char *salt;
  tf_vec all;                  /* task*: every task in the order added, the state's (main thread) */
  tf_map present;              /* "html/NAME", "docx/NAME": the output folder's files at the start
                                  (read only once the workers run) */
  task **q;                    /* the tasks with a tree to render */
  size_t n, next, cap;         /* queued, taken */
  int closed, failed;
  pthread_mutex_t mu;
  pthread_cond_t more;
  pthread_mutex_t heavy;       /* held while a heavy task renders */
} queue;

/* "name\tkey\tsha-html\tsha-docx": field k (0-based) of a state line, 64 hex digits. */
static const char *state_field(const char *line, int k) {
  for (int i = 0; i < k && line; i++) {
    line = strchr(line, '\t');
    if (line) line++;
  }
  return line;
}

static int hex64(const char *s) {
  if (!s) return 0;
  for (int i = 0; i < 64; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
  return 1;
}

/* Whether a state line's page can stay as it is: its checksums are there, and so are its files. */
static int files_kept(const queue *q, const char *old, const char *stem) {
  char html[PATH_MAX], docx[PATH_MAX];
  snprintf(html, sizeof html, "html/%s.html", stem);
  snprintf(docx, sizeof docx, "docx/%s.docx", stem);
  return old && hex64(state_field(old, 1)) && hex64(state_field(old, 2)) && hex64(state_field(old, 3)) &&
         map_get(&q->present, html) && map_get(&q->present, docx);
}

/* An unchanged page: its files stay, and the bundle takes them from the last bundle. */
static void keep_files(task *t, const char *old) {
  memcpy(t->html->sha, state_field(old, 2), 64);
  memcpy(t->docx->sha, state_field(old, 3), 64);
  t->html->unchanged = t->docx->unchanged = 1;
  t->reused = 1;
}

static int run_page(queue *q, task *t) {
  tf_build *b = q->b;
  const char *old = t->old;
  if (files_kept(q, old, t->stem) && !strncmp(state_field(old, 1), t->key, 64)) {
    keep_files(t, old);
    return 0;
  }
  tf_buf out = {0};
  int rc = render_html(q->r, t->tree, &out);
  if (rc == 0) {
    pack_sha256_hex(out.data ? out.data : "", out.len, t->html->sha);
    html_deflate(t->html, out.data ? out.data : "", out.len);
    out_spill(t->o, t->html);
    rc = stage_bytes(b, t->html, t->html->path, t->html_tmp, out.data, out.len);
  }
  out.len = 0;
  if (rc == 0) rc = render_docx(q->r, t->tree, &out);
  if (rc == 0) {
    pack_sha256_hex(out.data ? out.data : "", out.len, t->docx->sha);
    rc = stage_bytes(b, t->docx, t->docx->path, t->docx_tmp, out.data, out.len);
  }
  buf_free(&out);
  return rc;
}

/* A chapter's cache record: "<tree key>\n<input key or ->\n" and combine_save's bytes. */
#define CACHE_HEAD 130

static int cache_head_ok(const tf_buf *c) {
  return c->len > CACHE_HEAD && hex64(c->data) && c->data[64] == '\n' && c->data[129] == '\n';
}

/* Where a chapter's state line (old) says its record is: 1, or 0 when it has none. */
static int old_record(const char *old, uint64_t *at, size_t *len) {
  const char *f = old ? state_field(old, 2) : NULL, *g = old ? state_field(old, 3) : NULL;
  if (!f || !g || *f < '0' || *f > '9' || *g < '0' || *g > '9') return 0;
  *at = strtoull(f, NULL, 10);
  *len = (size_t)strtoull(g, NULL, 10);
  return *len > CACHE_HEAD;
}

/* Chapter k's record r (read from, or written to, the store at t->at) holds its pieces: the
 * body waits on disk for the combined file, not in memory. */
static void chapter_stored(queue *q, task *t, size_t k, const tf_buf *r) {
  t->len = r->len;
  combine_spill(q->cb, k, store_fd(q->store), t->at + CACHE_HEAD, r->len - CACHE_HEAD);
}

static void store_warn(queue *q) {
  pthread_mutex_lock(&q->mu);
  if (!q->store_failed)
    diag_add(&q->b->diags, path_join(q->b->arena, q->b->out_dir, STORE_FILE), 1, 1, DIAG_WARNING, "state-write",
             "cannot write the incremental-build state");
  q->store_failed = 1;
  pthread_mutex_unlock(&q->mu);
}

static int run_chapter(queue *q, task *t) {
  size_t k = t->chapter - 1;
  uint64_t at;
  size_t len;
  if (t->old && !strncmp(state_field(t->old, 1), t->key, 64) && old_record(t->old, &at, &len)) {
    /* the record starts with the key it was made for */
    tf_buf c = {0};
    int ok = store_read(q->store, at, len, &c) == 0 && cache_head_ok(&c) && !memcmp(c.data, t->key, 64) &&
             combine_load(q->cb, k, c.data + CACHE_HEAD, c.len - CACHE_HEAD, 0) == 0;
    int other_inputs = ok && t->ikey && memcmp(c.data + 65, t->ikey, 64);
    t->reused = ok;
    if (ok && !other_inputs) {
      if (store_keep(q->store, at, c.data, c.len, &t->at) == 0) chapter_stored(q, t, k, &c);
      else store_warn(q);
      buf_free(&c);
      return 0;
    }
    buf_free(&c);
    /* else the same tree from other inputs: the pieces are loaded, and a new record is written
     * below with this input key, so that the next build can skip the chapter's tree */
  }
  if (!t->reused && combine_render(q->cb, q->r, k, t->tree) != 0) return -1;
  tf_buf c = {0};
  buf_printf(&c, "%.64s\n%-64s\n", t->key, t->ikey ? t->ikey : "-");
  combine_save(q->cb, k, &c);
  /* appended: a failed build leaves the last good build's records where they are */
  if (store_append(q->store, c.data, c.len, &t->at) == 0) chapter_stored(q, t, k, &c);
  else store_warn(q);
  buf_free(&c);
  return 0;
}

/* Generated pages (index, matrix, gap list and their chapters) hold a row per document or
 * clause: at 10,000 documents each takes hundreds of megabytes while it renders. They render
 * one at a time, and the memory is handed back to the system after each, so that the peak
 * is one of them, not all at once. */
static void run_task(queue *q, task *t) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (t->heavy) pthread_mutex_lock(&q->heavy);
  page_key(t->tree, q->salt, t->key); /* queued tasks have a tree (see renderer_add) */
  t->failed = (t->chapter ? run_chapter(q, t) : run_page(q, t)) != 0;
  xmlFreeDoc(t->tree);
  t->tree = NULL;
  if (t->heavy) {
    if (!t->reused) mem_release(); /* a page kept as it was made no transform's worth of garbage */
    pthread_mutex_unlock(&q->heavy);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  if (ms > 250 && getenv("TECHFILE_PROFILE")) fprintf(stderr, "techfile: profile: slow page %s: %.0f ms\n", t->name, ms);
  pthread_mutex_lock(&q->mu);
  q->failed |= t->failed;
  pthread_mutex_unlock(&q->mu);
}

static void *worker(void *arg) {
  queue *q = arg;
  for (;;) {
    pthread_mutex_lock(&q->mu);
    while (q->next == q->n && !q->closed) pthread_cond_wait(&q->more, &q->mu);
    if (q->next == q->n) {
      pthread_mutex_unlock(&q->mu);
      pack_thread_end();
      return NULL;
    }
    task *t = q->q[q->next++];
    pthread_mutex_unlock(&q->mu);
    run_task(q, t);
  }
}

/* Queues a task; while too many are waiting, the main thread renders one itself. */
static void enqueue(queue *q, tf_arena *a, task *t) {
  pthread_mutex_lock(&q->mu);
  if (q->n == q->cap) {
    size_t cap = q->cap ? q->cap * 2 : 256;
    task **nq = arena_alloc(a, cap * sizeof *nq);
    if (q->n) memcpy(nq, q->q, q->n * sizeof *nq);
    q->q = nq, q->cap = cap;
  }
  q->q[q->n++] = t;
  pthread_cond_signal(&q->more);
  while (q->n - q->next > 8) { /* at most a few trees wait */
    task *mine = q->q[q->next++];
    pthread_mutex_unlock(&q->mu);
    run_task(q, mine);
    pthread_mutex_lock(&q->mu);
  }
  pthread_mutex_unlock(&q->mu);
}

typedef struct {
  queue q;
  tf_map state;     /* the last build's state: name → line */
  tf_buf state_buf;
  pthread_t th[64];
  int started;
} renderer;

static void renderer_start(tf_build *b, renderer *rr, tf_render *r, tf_combine *cb) {
  tf_arena *a = b->arena;
  memset(rr, 0, sizeof *rr);
  queue *q = &rr->q;
  q->b = b, q->r = r, q->cb = cb;
  q->salt = arena_printf(a, "techfile %s\n%s\n%s\n", TF_VERSION, render_digest(r), nav_digest(b));
  pthread_mutex_init(&q->mu, NULL);
  pthread_mutex_init(&q->heavy, NULL);
  pthread_cond_init(&q->more, NULL);
  char err[256];
  if (file_read(path_join(a, b->out_dir, STATE_FILE), 1u << 30, &rr->state_buf, err, sizeof err) != 0) rr->state_buf.len = 0;
  char *s = rr->state_buf.data;
  uint64_t live = 0, at; /* the bytes the last build's chapter records use: the rest is dead */
  size_t len;
  for (size_t i = 0; s && i < rr->state_buf.len;) {
    char *eol = memchr(s + i, '\n', rr->state_buf.len - i);
    if (!eol) break;
    *eol = 0;
    char *tab = strchr(s + i, '\t');
    if (tab) {
      char *name = arena_strndup(a, s + i, (size_t)(tab - (s + i)));
      if (!map_get(&rr->state, name) && !strncmp(name, "chapter:", 8) && old_record(s + i, &at, &len)) live += len;
      map_put(a, &rr->state, name, s + i);
    }
    i = (size_t)(eol - s) + 1;
  }
  /* The page files there are: a page is kept only if both its files still are (one readdir
   * each, not two stats per page). */
  static const char *const sub[] = {"html", "docx"};
  for (int i = 0; i < 2; i++) {
    const char *d = path_join(a, b->out_dir, sub[i]);
    DIR *dh = opendir(d);
    for (struct dirent *e; dh && (e = readdir(dh));) {
      if (e->d_name[0] == '.') continue;
      if (e->d_type == DT_REG || ((e->d_type == DT_LNK || e->d_type == DT_UNKNOWN) && path_is_file(path_join(a, d, e->d_name))))
        map_put(a, &q->present, arena_printf(a, "%s/%s", sub[i], e->d_name), (void *)1);
    }
    if (dh) closedir(dh);
  }
  const char *dir = path_join(a, b->out_dir, ".techfile");
  mkdir_p(dir); /* the store's file is made under it now; removed again if the build writes nothing */
  q->store = store_open(path_join(a, b->out_dir, STORE_FILE), live);
  int nthreads = b->jobs < 1 ? 1 : b->jobs > 64 ? 64 : b->jobs;
  for (int t = 1; t < nthreads; t++) /* the main thread is one of them */
    if (pthread_create(&rr->th[rr->started], NULL, worker, q) == 0) rr->started++;
}

/* Queues a page (files html/<stem>.html and docx/<stem>.docx) or chapter k + 1. ikey and deps:
 * see task. */
static task *renderer_add(tf_build *b, renderer *rr, outset *o, xmlDocPtr tree, const char *stem, size_t chapter,
                          const char *ikey, const char *deps, int heavy) {
  tf_arena *a = b->arena;
  task *t = arena_alloc(a, sizeof *t);
  memset(t, 0, sizeof *t);
  t->tree = tree;
  t->heavy = heavy;
  t->ikey = ikey;
  t->deps = deps;
  t->chapter = chapter;
  t->name = chapter ? arena_printf(a, "chapter:%s", stem) : stem;
  t->stem = stem;
  t->old = map_get(&rr->state, t->name);
  if (!chapter) {
    t->o = o;
    t->html = out_new(b, o, arena_printf(a, "html/%s.html", stem));
    t->docx = out_new(b, o, arena_printf(a, "docx/%s.docx", stem));
    t->html->path = path_join(a, b->out_dir, t->html->name);
    t->docx->path = path_join(a, b->out_dir, t->docx->name);
    if (tree) { /* written under these names before the commit; a kept page is not written */
      t->html_tmp = tmp_name(a, t->html->path);
      t->docx_tmp = tmp_name(a, t->docx->path);
    }
  }
  vec_push(a, &rr->q.all, t);
  if (tree) enqueue(&rr->q, a, t); /* a task with nothing to render is done as it is */
  return t;
}

/* The state line of an unchanged page whose tree need not be built: its input key (field 4)
 * is ikey, and its two files are there. NULL otherwise. */
static const char *renderer_unchanged(renderer *rr, const char *stem, const char *ikey) {
  const char *old = map_get(&rr->state, stem), *had = old ? state_field(old, 4) : NULL;
  return ikey && had && !strncmp(had, ikey, 64) && files_kept(&rr->q, old, stem) ? old : NULL;
}

/* A chapter's input key: its page's, and where its numbers start. */
static const char *chapter_ikey(tf_arena *a, const char *page_ikey, const char *bases) {
  char hex[65];
  const char *t = arena_printf(a, "%.64s\n%s\n", page_ikey, bases);
  pack_sha256_hex(t, strlen(t), hex);
  return arena_strdup(a, hex);
}

/* Chapter k + 1 from its cache record, without a tree, if the record was made for input key
 * ikey: queued as done. 0, or -1 (nothing changed: build the chapter). */
static int renderer_restore(tf_build *b, renderer *rr, tf_combine *cb, const char *stem, size_t chapter, const char *ikey) {
  const char *old = map_get(&rr->state, arena_printf(b->arena, "chapter:%s", stem));
  uint64_t at, now;
  size_t len;
  tf_buf c = {0};
  int ok = old_record(old, &at, &len) && store_read(rr->q.store, at, len, &c) == 0 && cache_head_ok(&c) &&
           !memcmp(c.data + 65, ikey, 64) && store_keep(rr->q.store, at, c.data, c.len, &now) == 0 &&
           combine_load(cb, chapter - 1, c.data + CACHE_HEAD, c.len - CACHE_HEAD, 1) == 0;
  if (ok) {
    task *t = renderer_add(b, rr, NULL, NULL, stem, chapter, ikey, NULL, 0);
    memcpy(t->key, c.data, 64);
    t->reused = 1;
    t->at = now;
    chapter_stored(&rr->q, t, chapter - 1, &c);
  }
  buf_free(&c);
  return ok ? 0 : -1;
}

/* An unchanged page (old: its state line): queued as done, its files as they are. */
static void renderer_keep(tf_build *b, renderer *rr, outset *o, const char *stem, const char *old) {
  const char *deps = state_field(old, 5);
  task *t = renderer_add(b, rr, o, NULL, stem, 0, arena_strndup(b->arena, state_field(old, 4), 64), deps ? deps : "", 0);
  memcpy(t->key, state_field(old, 1), 64);
  keep_files(t, old);
}

/* Waits for every queued task; 0 when all rendered. Counts rendered pages into b. */
static int renderer_finish(tf_build *b, renderer *rr) {
  queue *q = &rr->q;
  pthread_mutex_lock(&q->mu);
  q->closed = 1;
  pthread_cond_broadcast(&q->more);
  pthread_mutex_unlock(&q->mu);
  worker(q); /* the main thread helps with what is left */
  for (int t = 0; t < rr->started; t++) pthread_join(rr->th[t], NULL);
  pthread_mutex_destroy(&q->mu);
  pthread_mutex_destroy(&q->heavy);
  pthread_cond_destroy(&q->more);
  int chapters_changed = 0;
  for (size_t i = 0; i < q->all.n; i++) {
    task *t = q->all.items[i];
    if (t->chapter) chapters_changed |= !t->reused;
    else b->pages++, b->rendered += !t->reused;
  }
  b->pages++, b->rendered += chapters_changed; /* the combined file */
  return q->failed ? -1 : 0;
}

/* The chapter store: committed after a successful build, else this build's new file (if it
 * wrote one) dropped. Chapter caches of an older techfile, a file each, go with a commit. */
static void renderer_commit(tf_build *b, renderer *rr, int ok) {
  if (!rr->q.store) return;
  store_close(rr->q.store, ok);
  rr->q.store = NULL;
  const char *dir = path_join(b->arena, b->out_dir, OLD_CHAPTER_DIR);
  tf_vec names = {0};
  struct stat st; /* a real folder only: never delete through a symlink */
  if (ok && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && dir_list(b->arena, dir, &names) == 0) {
    for (size_t i = 0; i < names.n; i++) unlink(path_join(b->arena, dir, names.items[i]));
    rmdir(dir);
  }
}

/* The state of this build, written last (a build stopped before then re-renders next time). */
static void renderer_state(renderer *rr, tf_buf *out) {
  for (size_t i = 0; i < rr->q.all.n; i++) {
    task *t = rr->q.all.items[i];
    /* a line per page: put together piece by piece, not formatted (2,000 lines an edit) */
    const char *f[] = {t->name, t->key, NULL, NULL, NULL, NULL};
    if (!t->chapter) f[2] = t->html->sha, f[3] = t->docx->sha, f[4] = t->ikey ? t->ikey : "-", f[5] = t->deps ? t->deps : "";
    for (size_t j = 0; j < sizeof f / sizeof *f && f[j]; j++) {
      if (j) buf_putc(out, '\t');
      buf_puts(out, f[j]);
    }
    if (t->chapter && t->len) {
      buf_putc(out, '\t'), buf_u64(out, t->at);
      buf_putc(out, '\t'), buf_u64(out, t->len);
    }
    buf_putc(out, '\n');
  }
  buf_free(&rr->state_buf);
}

/* Document d's page tree. With input keys (dp), *ikey and *deps are set, unless decorating it
 * said something (a diagnostic): such a page is built every time, so that it says it again.
 * The strings made while decorating live in a scratch arena, freed here (dv's are encoded
 * into deps first). */
static xmlDocPtr decorate_page(tf_build *b, tf_doc *d, tf_depend *dp, const char **ikey, const char **deps) {
  tf_vec dv = {0};
  tf_arena *scratch = arena_new();
  size_t before = diag_count(&b->diags);
  *ikey = *deps = NULL;
  b->built++;
  b->arena = scratch; /* see tf_build.lasting */
  xmlDocPtr page = decorate_document(b, d, dp ? &dv : NULL);
  b->arena = b->lasting;
  model_release_text(d, 1, 0);
  if (dp && diag_count(&b->diags) == before) {
    *deps = depend_encode(b->arena, &dv);
    *ikey = depend_key(dp, d, *deps);
  }
  arena_free(scratch);
  return page;
}

/* What decorate_ahead found of each document (by position): the state line of an unchanged
 * one (its input key is the last build's), or the copy of a changed one's tree, whose page is
 * queued already, with its input key and deps. */
typedef struct {
  const char *line;
  xmlDocPtr copy;
  const char *ikey;
} ahead;

#define AHEAD_MAX 8 /* more changed documents than that: built in order (a tree each waits) */

/* The input key of every document, then the pages of the few that changed decorated and
 * queued at once: their HTML and DOCX (most of an edit's rendering) render on the workers
 * while the main thread goes through the unchanged ones. A chapter waits for its place in the
 * loop (its numbers start where the chapters before it end), made from a copy of the tree.
 * Diagnostics, assets and the state are the same whatever the order they come in. */
static ahead *decorate_ahead(tf_build *b, renderer *rr, outset *o, tf_depend *dp) {
  size_t n = b->docs.n, changed = 0;
  ahead *pre = arena_alloc(b->arena, (n + 1) * sizeof *pre);
  memset(pre, 0, (n + 1) * sizeof *pre);
  for (size_t i = 0; i < n; i++) {
    tf_doc *d = b->docs.items[i];
    const char *old = map_get(&rr->state, d->id), *old_deps = old ? state_field(old, 5) : NULL;
    pre[i].line = old_deps ? renderer_unchanged(rr, d->id, depend_key(dp, d, old_deps)) : NULL;
    changed += !pre[i].line;
  }
  for (size_t i = 0; i < n && changed <= AHEAD_MAX; i++) {
    if (pre[i].line) continue;
    tf_doc *d = b->docs.items[i];
    const char *deps;
    xmlDocPtr page = decorate_page(b, d, dp, &pre[i].ikey, &deps);
    pre[i].copy = xmlCopyDoc(page, 1); /* the worker frees (and marks) the page's own tree */
    if (!pre[i].copy) tf_fatal("out of memory");
    renderer_add(b, rr, o, page, d->id, 0, pre[i].ikey, deps, 0);
  }
  return pre;
}

/* The files besides the pages: the combined DOCX, the search index, the HTML assets. */
static int render_rest(tf_build *b, tf_render *r, tf_combine *cb, outset *o) {
  tf_arena *a = b->arena;
  int rc = 0;
  /* The combined file goes to disk under a temporary name, like the pages. */
  outfile *cf = out_new(b, o, "docx/" COMBINED_FILE ".docx");
  cf->path = path_join(a, b->out_dir, cf->name);
  const char *ctmp = tmp_name(a, cf->path);
  cf->spare = path_join(a, b->out_dir, SPARE_COMBINED);
  if (combine_docx(cb, r, ctmp, path_join(a, b->out_dir, SHELL_FILE), cf->spare) != 0) rc = -1;
  else {
    stage_written(cf, ctmp, 1);
    if (cf->tmp) out_hash(cf); /* else the same bytes as the last build's: its checksum */
    else if (pack_sha256_file(cf->path, cf->sha) != 0) {
      diag_add(&b->diags, cf->path, 1, 1, DIAG_ERROR, "output-read", "cannot read back: %s", strerror(errno));
      rc = -1;
    }
  }
  stage("combined");
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
  char err[256];
  for (size_t i = 0; i < b->assets.n; i++) {
    tf_asset *as = b->assets.items[i];
    tf_buf t = {0};
    if (file_read(as->source, 32u << 20, &t, err, sizeof err) != 0) {
      diag_add(&b->diags, as->source, 1, 1, DIAG_ERROR, "asset-read", "%s", err);
      rc = -1;
    }
    out_add(b, o, arena_printf(a, "html/%s", as->target), &t);
  }
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
  for (size_t i = 0; i < o->files.n; i++) {
    const char *n = ((outfile *)o->files.items[i])->name;
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
 * Inputs are compared by size, modification and change time in nanoseconds (make looks at
 * the modification time only). The
 * inputs' part is taken before the build reads them and kept: a file saved while the build
 * runs differs from it next time, and builds again (a manifest taken after the build would
 * have the new time, and the next build would replay the stale result). */
#define MANIFEST_FILE ".techfile/manifest"
#define RESULT_FILE ".techfile/result"

static void stat_line(tf_buf *m, const char *path) {
  struct stat st;
  /* the change time too: a file rewritten to the same size with its modification time set
   * back (touch -d, an archive tool) is still a change */
  if (stat(path, &st) == 0)
    buf_printf(m, "%s %lld %lld.%09ld %lld.%09ld\n", path, (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
               (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
  else buf_printf(m, "%s missing\n", path);
}

/* Every file under dir, then every folder, each in name order (the text must not depend on
 * readdir's order). The entry's type saves a stat per file; a link or an unknown type is
 * looked up. */
static void stat_tree(tf_arena *a, tf_buf *m, const char *dir, int depth) {
  DIR *d = depth > 32 ? NULL : opendir(dir);
  if (!d) return;
  tf_vec files = {0}, dirs = {0};
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    const char *full = path_join(a, dir, e->d_name);
    int is_dir = e->d_type == DT_DIR || ((e->d_type == DT_LNK || e->d_type == DT_UNKNOWN) && path_is_dir(full));
    vec_push(a, is_dir ? &dirs : &files, (void *)full);
  }
  closedir(d);
  if (files.n) qsort(files.items, files.n, sizeof(char *), str_cmp_ptr);
  if (dirs.n) qsort(dirs.items, dirs.n, sizeof(char *), str_cmp_ptr);
  for (size_t i = 0; i < files.n; i++) stat_line(m, files.items[i]);
  for (size_t i = 0; i < dirs.n; i++) stat_tree(a, m, dirs.items[i], depth + 1);
}

/* The inputs: options, the binary, catalog, templates, every file of the content folder. */
static char *manifest_inputs(tf_build *b) {
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
  char *r = arena_strdup(a, buf_cstr(&m));
  buf_free(&m);
  return r;
}

/* The outputs after them: a touched or deleted output folder builds again. */
static char *manifest(tf_build *b, const char *inputs) {
  tf_arena *a = b->arena;
  tf_buf m = {0};
  buf_puts(&m, inputs);
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

/* TECHFILE_PROFILE=1 prints the time and memory of each stage (for make bench and
 * profiling): resident and peak memory, the heap in use, the arena. A stage is what ran
 * since the stage() before; its name says what ends there. */
static tf_arena *profile_arena;
static void stage(const char *name) {
  static struct timespec last;
  static int on = -1;
  if (on < 0) on = getenv("TECHFILE_PROFILE") != NULL;
  if (!on) return;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (name && last.tv_sec) {
    long rss = 0, hwm = 0; /* kB, from /proc/self/status */
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
      if (!strncmp(line, "VmRSS:", 6)) rss = atol(line + 6);
      if (!strncmp(line, "VmHWM:", 6)) hwm = atol(line + 6);
    }
    if (f) fclose(f);
    fprintf(stderr, "techfile: profile: %-10s %8.1f ms  rss %6ld MB  peak %6ld MB  heap %6zu MB  arena %6zu MB\n", name,
            (now.tv_sec - last.tv_sec) * 1e3 + (now.tv_nsec - last.tv_nsec) / 1e6, rss >> 10, hwm >> 10, mem_in_use() >> 20,
            profile_arena ? arena_size(profile_arena) >> 20 : 0);
  }
  last = now;
}

/* Queues the generated pages that are not chapters (index, RACI, training, release); the
 * compliance matrix and the gap list are chapters, queued in their place. Above EARLY_MAX
 * documents they come after the documents: the index's tree and transform take hundreds of
 * megabytes at 10,000, on top of the documents' working set if they overlapped (500 instead of
 * 440 MB peak). Below it, memory is no concern and they render alongside (the wait after the
 * last document went from about 145 to 60 ms at 1,000). */
#define EARLY_MAX 2000
static void queue_generated(tf_build *b, renderer *rr, outset *o, tf_combine *cb, tf_depend *dp, int go, const char *dump) {
  const char *gen[PAGES_MAX];
  size_t ng = pages_list(b, gen), nch = combine_count(cb);
  for (size_t i = 0; i < ng; i++) {
    if (!strcmp(gen[i], combine_file(cb, 0)) || !strcmp(gen[i], combine_file(cb, nch - 1))) continue;
    const char *gk = dp ? depend_generated_key(dp, gen[i]) : NULL; /* the index's; NULL for the others */
    const char *line = gk ? renderer_unchanged(rr, gen[i], gk) : NULL;
    if (line) {
      renderer_keep(b, rr, o, gen[i], line);
      continue;
    }
    xmlDocPtr page = pages_build(b, gen[i]);
    if (dump) xmlSaveFormatFileEnc(path_join(b->arena, dump, arena_printf(b->arena, "%s.xml", gen[i])), page, "UTF-8", 1);
    if (go) renderer_add(b, rr, o, page, gen[i], 0, gk, gk ? "" : NULL, 1);
    else xmlFreeDoc(page);
  }
}

int build_run(tf_build *b, int render) {
  profile_arena = b->arena;
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
      b->manifest = manifest_inputs(b);
      if (replay(b, manifest(b, b->manifest), &st) == 0) return st;
    }
    ok = catalog_load(b, b->catalog_path) == 0;
  }
  if (!ok) {
    diag_sort(&b->diags);
    diag_print(&b->diags, stderr);
    return 1;
  }
  stage("config");
  /* Unchanged documents are not checked byte by byte nor parsed again (memo.h): only for
   * builds that keep state. */
  if (render) b->memo = memo_open(b, path_join(b->arena, b->out_dir, MEMO_FILE));
  tf_render *r = render ? render_begin(b) : NULL; /* the stylesheets parse while the content loads */
  load_content(b);
  stage("load");
  model_build(b);
  records_check(b);
  check_clauses(b);
  for (size_t i = 0; i < b->docs.n; i++) model_release_text(b->docs.items[i], 0, 1);
  stage("check");
  /* Decorate and render in one pass (see "the render queue"): each page is queued as soon as
   * it is built, and its files are written under temporary names. Problems found while
   * decorating (unresolved links) are errors that stop the commit, so nothing of a failed
   * build replaces the last good output. Content errors found earlier mean no rendering. */
  int status = 0, wrote = 0;
  int go = render && !b->diags.errors;
  /* Folders a failed build created are removed again (when empty): a failed first build
   * leaves nothing behind. Deepest last. */
  const char *made[] = {b->out_dir, path_join(b->arena, b->out_dir, "html"), path_join(b->arena, b->out_dir, "docx"),
                        path_join(b->arena, b->out_dir, ".techfile")};
  int existed[sizeof made / sizeof *made];
  for (size_t i = 0; i < sizeof made / sizeof *made; i++) existed[i] = !go || path_is_dir(made[i]); /* check: no folder */
  if (go) r = render_finish(r);
  else render_close(r), r = NULL;
  if (go && !r) go = 0, status = 1;
  decorate_prepare(b);
  tf_combine *cb = combine_open(b);
  outset o;
  out_open(b, &o, go);
  renderer rr;
  if (go) renderer_start(b, &rr, r, cb);
  const char *dump = getenv("TECHFILE_DUMP_PAGES"); /* every page tree, to develop templates with xsltproc */
  if (dump && (!*dump || mkdir_p(dump) != 0)) dump = NULL;
  stage("prepare");
  /* Input keys (depend.h): an unchanged document is neither parsed nor decorated again. */
  tf_depend *dp = go && !dump ? depend_open(b, rr.q.salt) : NULL;
  /* The compliance matrix is chapter 0, the documents 1..n, the gap list the last. Without
   * rendering (techfile check, or content errors) the documents are still decorated, for
   * their link diagnostics, but no other tree is made. */
  size_t nch = combine_count(cb);
  int trees = go || dump;
  ahead *pre = dp ? decorate_ahead(b, &rr, &o, dp) : NULL;
  int early = b->docs.n <= EARLY_MAX; /* see queue_generated */
  if (early && (go || dump)) queue_generated(b, &rr, &o, cb, dp, go, dump);
  for (size_t k = 0; k < nch; k++) {
    xmlDocPtr page = NULL;
    const char *stem = combine_file(cb, k);
    tf_doc *d = k >= 1 && k <= b->docs.n ? b->docs.items[k - 1] : NULL;
    const char *bases = combine_bases(cb, k), *ikey = NULL, *deps = NULL, *chapter_key = NULL;
    if (d && dp) {
      const ahead *x = &pre[k - 1];
      if (x->line && renderer_restore(b, &rr, cb, stem, k + 1, chapter_ikey(b->arena, state_field(x->line, 4), bases)) == 0) {
        depend_replay(dp, state_field(x->line, 5));
        renderer_keep(b, &rr, &o, d->id, x->line);
        model_release_text(d, 1, 0);
        continue;
      }
      if (x->copy) { /* decorated and queued ahead: its chapter, from the copy */
        xmlDocPtr chapter = combine_chapter(cb, k, x->copy);
        xmlFreeDoc(x->copy);
        renderer_add(b, &rr, &o, chapter, stem, k + 1, x->ikey ? chapter_ikey(b->arena, x->ikey, bases) : NULL, NULL, 0);
        continue;
      }
    }
    if (d) {
      page = decorate_page(b, d, dp, &ikey, &deps);
      if (ikey) chapter_key = chapter_ikey(b->arena, ikey, bases);
    }
    xmlDocPtr chapter = NULL;
    if (!d && trees) { /* the compliance matrix or the gap list */
      /* Their input key (depend_generated_key) holds the documents' fields and the clauses'
       * results: unchanged by an edit to a document's text, page and chapter stay as they are,
       * with neither tree built. */
      const char *gk = dp ? depend_generated_key(dp, stem) : NULL;
      const char *line = gk ? renderer_unchanged(&rr, stem, gk) : NULL;
      chapter_key = gk ? chapter_ikey(b->arena, gk, bases) : NULL;
      int restored = chapter_key && renderer_restore(b, &rr, cb, stem, k + 1, chapter_key) == 0;
      if (line && restored) {
        renderer_keep(b, &rr, &o, stem, line);
        continue;
      }
      page = pages_build(b, stem);
      ikey = gk, deps = gk ? "" : NULL;
      if (!restored) chapter = combine_chapter(cb, k, page);
    }
    if (trees && d) chapter = combine_chapter(cb, k, page);
    if (dump) {
      xmlSaveFormatFileEnc(path_join(b->arena, dump, arena_printf(b->arena, "%s.xml", stem)), page, "UTF-8", 1);
      xmlSaveFormatFileEnc(path_join(b->arena, dump, arena_printf(b->arena, "chapter-%s.xml", stem)), chapter, "UTF-8", 1);
    }
    if (go && chapter) renderer_add(b, &rr, &o, chapter, stem, k + 1, chapter_key, NULL, !d);
    else xmlFreeDoc(chapter);
    if (go) renderer_add(b, &rr, &o, page, stem, 0, ikey, deps, !d);
    else xmlFreeDoc(page);
  }
  stage("documents");
  if (!early && (go || dump)) queue_generated(b, &rr, &o, cb, dp, go, dump);
  depend_free(dp);
  stage("generated");
  if (getenv("TECHFILE_PROFILE")) fprintf(stderr, "techfile: profile: documents parsed %zu, built %zu of %zu\n", b->parsed, b->built, b->docs.n);
  int rendered = go ? renderer_finish(b, &rr) : 0;
  tf_buf state = {0};
  const char *bundle_was = NULL; /* the state's buffer is freed by renderer_state */
  if (go) {
    const char *was = state_field(map_get(&rr.state, STATE_BUNDLE), 1);
    bundle_was = was ? arena_strdup(b->arena, was) : NULL;
    renderer_state(&rr, &state);
  }
  stage("render");

  /* Release blockers are errors of a release build, but the outputs (with the release
   * readiness page) are still written: only content errors stop the writing. */
  size_t content_errors = b->diags.errors;
  if (b->release)
    for (size_t i = 0; i < b->blockers.n; i++) {
      tf_blocker *x = b->blockers.items[i];
      diag_add(&b->diags, x->file, x->line, 1, DIAG_ERROR, "release-blocker", "release blocked: %s", x->what);
    }
  diag_sort(&b->diags);
  if (content_errors) status = 1;
  else if (go) {
    tf_buf json = {0}, junit = {0};
    if (rendered != 0 || render_rest(b, r, cb, &o) != 0) status = 1;
    else {
      report_json(b, &json);
      report_junit(b, &junit);
      out_add(b, &o, "report.json", &json);
      out_add(b, &o, "report.junit.xml", &junit);
      if (mkdir_p(b->out_dir) != 0 || write_outputs(b, &o, bundle_was) != 0) status = 1;
      else buf_printf(&state, "%s\t%s\n", STATE_BUNDLE, bundle_stat(b->arena, path_join(b->arena, b->out_dir, bundle_name(b))));
      stage("sweep");
      if (!status) renderer_commit(b, &rr, 1);
      /* The state is written last: a build stopped before this point re-renders next time. */
      const char *sf = path_join(b->arena, b->out_dir, STATE_FILE);
      const tf_buf *shell = combine_shell_cache(cb);
      if (!status && (mkdir_p(path_join(b->arena, b->out_dir, ".techfile")) != 0 || file_write_atomic(sf, state.data ? state.data : "", state.len) != 0 ||
                      (b->memo && memo_save(b->memo) != 0) ||
                      (shell->len && file_write_atomic(path_join(b->arena, b->out_dir, SHELL_FILE), shell->data, shell->len) != 0)))
        diag_add(&b->diags, sf, 1, 1, DIAG_WARNING, "state-write", "cannot write the incremental-build state");
      wrote = !status;
      stage("state");
    }
    if (!status && b->depfile && write_depfile(b) != 0) status = 1;
    if (!status && b->pdf && convert_pdf(b, &o) != 0) status = 1;
  }
  buf_free(&state);
  memo_free(b->memo);
  b->memo = NULL;
  if (r) render_close(r);
  combine_free(cb);
  if (go) renderer_commit(b, &rr, 0); /* what is still staged was not committed */
  out_free(&o);
  pack_thread_end();
  for (size_t i = sizeof made / sizeof *made; go && !wrote && i-- > 0;)
    if (!existed[i]) rmdir(made[i]);
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
    const char *m = manifest(b, b->manifest);
    file_write_atomic(path_join(b->arena, b->out_dir, MANIFEST_FILE), m, strlen(m));
    buf_free(&res);
  }
  stage("end");
  return exit_status;
}
