/* pack.c: deterministic ZIP, the raw deflate inside it, and SHA-256. See pack.h. */
#include "pack.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>
#include <zlib.h>

/* 1980-01-01 00:00:00, the DOS epoch: a fixed time that no time zone can shift. */
#define DOS_TIME 0
#define DOS_DATE ((0 << 9) | (1 << 5) | 1)

/* Input goes to zlib in pieces of this size, from memory and from files alike: deflate's
 * output does not depend on how its input is split, but feeding both the same way makes
 * "a file gives the same bytes as its contents in memory" true by construction too. */
#define PIECE (64u << 10)

int pack_entry_cmp(const void *a, const void *b) {
  return strcmp(((const pack_entry *)a)->name, ((const pack_entry *)b)->name);
}

/* ---- raw deflate ------------------------------------------------------------ */

/* The one set of zlib parameters: every deflated byte of every archive comes from here, so an
 * entry deflated by pack_zip, by a caller's thread, or streamed from a file is the same.
 * Level 1: on the benchmark corpus it takes a tenth of the full build's CPU time off for an
 * archive about a sixth larger (23 → 27 MB); a build is run after every edit, and the
 * bundle is handed over once. */
#define LEVEL 1
static int deflate_begin(z_stream *z) {
  memset(z, 0, sizeof *z);
  return deflateInit2(z, LEVEL, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK ? 0 : -1;
}

/* Each thread keeps one stream and resets it per call: setting a stream up costs more than
 * deflating a page (zlib allocates a quarter megabyte and clears its tables), and a build
 * deflates thousands of pages and pieces. A reset stream deflates exactly as a new one. */
static __thread z_stream *thread_z;

void pack_thread_end(void) {
  if (!thread_z) return;
  deflateEnd(thread_z);
  free(thread_z);
  thread_z = NULL;
}

int pack_deflate(const void *data, size_t len, int last, tf_buf *out, uint32_t *crc) {
  if (thread_z && deflateReset(thread_z) != Z_OK) pack_thread_end();
  if (!thread_z) {
    z_stream *n = xmalloc(sizeof *n);
    if (deflate_begin(n) != 0) {
      free(n);
      return -1;
    }
    thread_z = n;
  }
  z_stream *zs = thread_z;
  size_t start = out->len, left = len;
  const unsigned char *p = data;
  int flush = Z_NO_FLUSH, rc;
  for (;;) {
    if (!zs->avail_in) {
      if (left) {
        size_t k = left < PIECE ? left : PIECE;
        zs->next_in = (Bytef *)p;
        zs->avail_in = (uInt)k;
        p += k;
        left -= k;
      } else if (flush == Z_NO_FLUSH) {
        /* Z_SYNC_FLUSH ends on a byte boundary after an empty stored block and sets no
         * final bit: the next chunk's blocks can follow it directly. */
        flush = last ? Z_FINISH : Z_SYNC_FLUSH;
      }
    }
    buf_grow(out, PIECE);
    size_t room = out->cap - out->len - 1; /* buf_grow keeps a byte for a NUL */
    if (room > UINT_MAX) room = UINT_MAX;
    zs->next_out = (Bytef *)out->data + out->len;
    zs->avail_out = (uInt)room;
    rc = deflate(zs, flush);
    out->len += room - zs->avail_out;
    if (rc != Z_OK && rc != Z_STREAM_END) break;                    /* cannot happen but for bugs */
    if (flush == Z_FINISH ? rc == Z_STREAM_END : flush == Z_SYNC_FLUSH && zs->avail_out) break;
  }
  if (rc != Z_OK && rc != Z_STREAM_END) {
    out->len = start;
    return -1;
  }
  /* No slack left behind: callers keep thousands of these (a page's HTML, a chapter's
   * pieces), and 64 KiB of room each would add up to gigabytes of address space. */
  if (out->cap > out->len + 1 + 4096) {
    out->data = xrealloc(out->data, out->len + 1);
    out->cap = out->len + 1;
  }
  *crc = (uint32_t)crc32_z(0, data, len);
  return 0;
}

uint32_t pack_crc32_combine(uint32_t crc1, uint32_t crc2, size_t len2) {
  return (uint32_t)crc32_combine64(crc1, crc2, (z_off64_t)len2);
}

/* ---- libzip sources of deflated data ----------------------------------------- */

/* libzip copies a source's bytes into the archive as they are when the source's stat says
 * they are compressed with the entry's own method (checked with libzip 1.7.3: the archive
 * holds exactly these bytes, and the CRC is taken from the stat, not computed). So every
 * deflated entry is a function source that reports comp_method = ZIP_CM_DEFLATE.
 *   SRC_DEFLATED  the caller's deflated bytes, as they are (from_fd: read when opened)
 *   SRC_RAW       the caller's raw bytes, deflated by pack_deflate when libzip opens it
 *   SRC_FILE      a file, deflated piece by piece as libzip reads it
 *   SRC_INFLATE   a stored name given deflated: inflated here when opened and reported as
 *                 stored. (libzip could inflate it itself, but its inflating layer marks the
 *                 entry "version needed 2.0", so the archive would differ from the same
 *                 entry given raw.) */
enum { SRC_DEFLATED, SRC_RAW, SRC_FILE, SRC_INFLATE };

typedef struct {
  const pack_entry *e;
  int kind;
  zip_error_t ze;
  uint64_t size;                /* uncompressed */
  uint64_t comp_size;
  uint32_t crc;
  int known;                    /* crc and comp_size are known (given, or once written) */
  /* all but SRC_FILE: the bytes handed out, and how many already */
  const unsigned char *comp;
  size_t comp_len, pos;
  tf_buf own;                   /* SRC_RAW, SRC_INFLATE: the bytes, only while open */
  /* SRC_FILE */
  int fd, eof, done, z_on;
  z_stream z;
  unsigned char *piece;
  uint64_t got;                 /* bytes read from the file */
  char why[256];                /* what went wrong, naming the file; for pack_zip's err */
} src_ctx;

static void src_release(src_ctx *c) {
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  if (c->z_on) deflateEnd(&c->z);
  c->z_on = 0;
  free(c->piece);
  c->piece = NULL;
  buf_free(&c->own);
}

static zip_int64_t src_fail(src_ctx *c, int zip_err, int sys_err, const char *what) {
  if (!c->why[0])
    snprintf(c->why, sizeof c->why, "cannot read %s for %s: %s", c->e->path, c->e->name,
             what ? what : strerror(sys_err));
  zip_error_set(&c->ze, zip_err, sys_err);
  return -1;
}

/* Inflates the caller's deflated bytes into c->own, checking their length and CRC: a stored
 * entry's bytes are visible as they are, so wrong ones are refused rather than archived. */
static int inflate_all(src_ctx *c) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, -15) != Z_OK) return -1;
  const unsigned char *in = c->e->data;
  size_t inleft = c->e->len;
  int rc = Z_OK;
  c->own.len = 0;
  buf_grow(&c->own, c->size < (64u << 20) ? c->size : (64u << 20)); /* raw_len is only a claim */
  while (rc == Z_OK && c->own.len <= c->size) {
    if (!z.avail_in && inleft) {
      size_t k = inleft < PIECE ? inleft : PIECE;
      z.next_in = (Bytef *)in;
      z.avail_in = (uInt)k;
      in += k;
      inleft -= k;
    }
    buf_grow(&c->own, PIECE);
    size_t room = c->own.cap - c->own.len - 1;
    if (room > UINT_MAX) room = UINT_MAX;
    z.next_out = (Bytef *)c->own.data + c->own.len;
    z.avail_out = (uInt)room;
    rc = inflate(&z, Z_NO_FLUSH);
    c->own.len += room - z.avail_out;
    if (rc == Z_BUF_ERROR && (z.avail_in || inleft)) rc = Z_OK; /* no progress this round only */
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END || c->own.len != c->size || (uint32_t)crc32_z(0, (const Bytef *)c->own.data, c->own.len) != c->crc) {
    snprintf(c->why, sizeof c->why, "%s: its deflated bytes do not inflate to raw_len bytes with its crc", c->e->name);
    return -1;
  }
  return 0;
}

/* Fills c->piece as full as the file allows, as pack_deflate's pieces are full. */
static zip_int64_t file_piece(src_ctx *c, size_t *k) {
  *k = 0;
  while (*k < PIECE) {
    ssize_t r = read(c->fd, c->piece + *k, PIECE - *k);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return src_fail(c, ZIP_ER_READ, errno, NULL);
    if (r == 0) break;
    *k += (size_t)r;
  }
  c->got += *k;
  /* The size went into the local header before the data: a file that grew or shrank since
   * would make an archive that does not match its directory. */
  if (c->got > c->size || (*k == 0 && c->got != c->size)) return src_fail(c, ZIP_ER_INCONS, 0, "the file changed while it was read");
  return 0;
}

static zip_int64_t file_read_deflated(src_ctx *c, unsigned char *data, zip_uint64_t len) {
  if (c->done) return 0;
  uInt want = len > UINT_MAX ? UINT_MAX : (uInt)len;
  c->z.next_out = data;
  c->z.avail_out = want;
  while (c->z.avail_out && !c->done) {
    if (!c->z.avail_in && !c->eof) {
      size_t k;
      if (file_piece(c, &k) != 0) return -1;
      c->eof = k == 0;
      c->crc = (uint32_t)crc32_z(c->crc, c->piece, k);
      c->z.next_in = c->piece;
      c->z.avail_in = (uInt)k;
    }
    int rc = deflate(&c->z, c->eof ? Z_FINISH : Z_NO_FLUSH);
    if (rc == Z_STREAM_END) c->done = 1;
    else if (rc != Z_OK) return src_fail(c, ZIP_ER_ZLIB, rc, "zlib failed");
  }
  c->comp_size += want - c->z.avail_out;
  return (zip_int64_t)(want - c->z.avail_out);
}

static zip_int64_t src_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd) {
  src_ctx *c = ud;
  switch (cmd) {
  case ZIP_SOURCE_OPEN:
    c->pos = 0;
    if (c->kind == SRC_DEFLATED && c->e->from_fd) {
      /* One entry's bytes in memory at a time, freed at close. */
      c->own.len = 0;
      buf_grow(&c->own, c->e->len + 1);
      errno = 0; /* stays 0 when the file is too short */
      if (fd_pread_all(c->e->fd, c->own.data, c->e->len, c->e->offset) != 0) {
        snprintf(c->why, sizeof c->why, "%s: cannot read its deflated bytes back: %s", c->e->name, errno ? strerror(errno) : "file too short");
        zip_error_set(&c->ze, ZIP_ER_READ, errno);
        return -1;
      }
      c->own.len = c->e->len;
      c->comp = (const unsigned char *)c->own.data;
    } else if (c->kind == SRC_RAW) {
      /* Deflated only now, and freed at close: one entry's compressed copy at a time. */
      c->own.len = 0;
      uint32_t crc;
      if (pack_deflate(c->e->data, c->e->len, 1, &c->own, &crc) != 0) {
        snprintf(c->why, sizeof c->why, "zlib cannot deflate %s", c->e->name);
        zip_error_set(&c->ze, ZIP_ER_ZLIB, 0);
        return -1;
      }
      c->comp = (const unsigned char *)c->own.data;
      c->comp_len = c->own.len;
      c->crc = crc;
      c->comp_size = c->own.len;
      c->known = 1;
    } else if (c->kind == SRC_INFLATE) {
      if (inflate_all(c) != 0) {
        buf_free(&c->own);
        zip_error_set(&c->ze, ZIP_ER_CRC, 0);
        return -1;
      }
      c->comp = (const unsigned char *)c->own.data;
      c->comp_len = c->own.len;
    } else if (c->kind == SRC_FILE) {
      src_release(c);
      c->eof = c->done = 0;
      c->got = c->comp_size = 0;
      c->crc = (uint32_t)crc32_z(0, NULL, 0);
      c->fd = open(c->e->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
      if (c->fd < 0) return src_fail(c, ZIP_ER_OPEN, errno, NULL);
      struct stat sb; /* replaced by a FIFO since path_size looked? */
      if (fstat(c->fd, &sb) != 0 || !S_ISREG(sb.st_mode)) return src_fail(c, ZIP_ER_OPEN, 0, "not a regular file");
      fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
      if (deflate_begin(&c->z) != 0) return src_fail(c, ZIP_ER_MEMORY, 0, "zlib failed");
      c->z_on = 1;
      c->piece = xmalloc(PIECE);
    }
    return 0;
  case ZIP_SOURCE_READ:
    if (c->kind == SRC_FILE) return file_read_deflated(c, data, len);
    else {
      size_t k = c->comp_len - c->pos;
      if (k > len) k = (size_t)len;
      if (k) memcpy(data, c->comp + c->pos, k);
      c->pos += k;
      return (zip_int64_t)k;
    }
  case ZIP_SOURCE_CLOSE:
    if (c->kind == SRC_FILE && c->done) c->known = 1;
    src_release(c);
    return 0;
  case ZIP_SOURCE_STAT: {
    zip_stat_t *st = ZIP_SOURCE_GET_ARGS(zip_stat_t, data, len, &c->ze);
    if (!st) return -1;
    zip_stat_init(st);
    st->valid = ZIP_STAT_SIZE | ZIP_STAT_COMP_METHOD | ZIP_STAT_ENCRYPTION_METHOD;
    st->size = c->size;
    st->comp_method = c->kind == SRC_INFLATE ? ZIP_CM_STORE : ZIP_CM_DEFLATE;
    st->encryption_method = ZIP_EM_NONE;
    /* Before the data is written, libzip needs only the size (to choose ZIP64 or not); it
     * asks again afterwards, when the CRC and compressed size of SRC_RAW and SRC_FILE are
     * known, and writes the local header again with them. */
    if (c->known) {
      st->valid |= ZIP_STAT_CRC | ZIP_STAT_COMP_SIZE;
      st->crc = c->crc;
      st->comp_size = c->comp_size;
    }
    return sizeof *st;
  }
  case ZIP_SOURCE_ERROR:
    return zip_error_to_data(&c->ze, data, len);
  case ZIP_SOURCE_FREE:
    return 0; /* the contexts belong to write_zip, which frees them all at the end */
  case ZIP_SOURCE_SUPPORTS:
    return ZIP_SOURCE_SUPPORTS_READABLE;
  default:
    zip_error_set(&c->ze, ZIP_ER_OPNOTSUPP, 0);
    return -1;
  }
}

/* ---- archives ------------------------------------------------------------------ */

struct in_source;
struct pack_reader { /* see "reading back an archive" below */
  zip_t *z;
  struct in_source *src;
};

/* DOCX and images are compressed already: deflating them again costs time for nothing. */
static int stored_name(const char *name) {
  size_t nl = strlen(name);
  return (nl > 5 && !strcmp(name + nl - 5, ".docx")) || (nl > 4 && !strcmp(name + nl - 4, ".png")) ||
         (nl > 4 && !strcmp(name + nl - 4, ".jpg")) || (nl > 5 && !strcmp(name + nl - 5, ".jpeg"));
}

/* The size of a readable regular file, or -1 with err naming it. Checked before anything is
 * written, so that the common failures name the file (libzip's own messages do not).
 * O_NONBLOCK: a FIFO must not block the build; only regular files are read. */
static int64_t path_size(const pack_entry *e, char *err, size_t errlen) {
  struct stat sb;
  int fd = open(e->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0 || fstat(fd, &sb) != 0) {
    int en = errno;
    if (fd >= 0) close(fd);
    snprintf(err, errlen, "cannot read %s for %s: %s", e->path, e->name, strerror(en));
    return -1;
  }
  close(fd);
  if (!S_ISREG(sb.st_mode)) {
    snprintf(err, errlen, "cannot read %s for %s: not a regular file", e->path, e->name);
    return -1;
  }
  return (int64_t)sb.st_size;
}

/* Adds e[0..n) to z and closes it (which writes the archive): 0, or -1 with err set and z
 * discarded. where names the archive in messages about writing it. self (or NULL): z is that
 * reader's archive, opened to be written anew, whose entries are e's names in e's order; an
 * entry copied from it stays as it is (libzip copies its bytes without reading them through)
 * and every other replaces the entry at its index. */
static int write_zip(zip_t *z, const pack_entry *e, size_t n, const pack_reader *self, const char *where, char *err,
                     size_t errlen) {
  src_ctx *cx = xcalloc(n, sizeof *cx);
  int rc = -1;
  size_t i;
  for (i = 0; i < n; i++) cx[i].fd = -1;
  for (i = 0; i < n; i++) {
    const pack_entry *p = &e[i];
    src_ctx *c = &cx[i];
    int stored = stored_name(p->name);
    int64_t size = 0;
    if (p->data == NULL && p->path == NULL && p->len && !p->from_fd && !p->from) {
      snprintf(err, errlen, "%s: no data and no path", p->name);
      goto fail;
    }
    if (p->data == NULL && p->path && p->deflated) {
      snprintf(err, errlen, "%s: a path entry cannot be given deflated", p->name);
      goto fail;
    }
    if (p->from_fd && (p->data || p->path || !p->deflated || stored)) {
      snprintf(err, errlen, "%s: an entry read from a descriptor must be deflated, with no data or path, and not stored", p->name);
      goto fail;
    }
    if (p->data == NULL && p->path && (size = path_size(p, err, errlen)) < 0) goto fail;
    if (self && p->from == self) continue;
    zip_source_t *s;
    c->e = p;
    zip_error_init(&c->ze);
    if (p->from) {
      zip_int64_t at = zip_name_locate(p->from->z, p->name, ZIP_FL_ENC_RAW);
      if (at < 0) {
        snprintf(err, errlen, "%s: not in the archive it is to be copied from", p->name);
        goto fail;
      }
      s = zip_source_zip(z, p->from->z, (zip_uint64_t)at, ZIP_FL_COMPRESSED, 0, -1);
    } else if (p->data == NULL && p->path && stored)
      s = zip_source_file(z, p->path, 0, 0);
    else if (stored && !p->deflated)
      s = zip_source_buffer(z, p->data, p->len, 0);
    else {
      if (p->deflated) c->kind = stored ? SRC_INFLATE : SRC_DEFLATED;
      else c->kind = p->data || !p->path ? SRC_RAW : SRC_FILE;
      c->size = p->deflated ? p->raw_len : c->kind == SRC_FILE ? (uint64_t)size : p->len;
      c->crc = p->crc; /* SRC_INFLATE checks against it; libzip computes a stored CRC itself */
      if (c->kind == SRC_DEFLATED) {
        c->comp = p->data;
        c->comp_len = c->comp_size = p->len;
        c->known = 1;
      }
      s = zip_source_function(z, src_cb, c);
    }
    zip_int64_t idx = !s ? -1 : !self ? zip_file_add(z, p->name, s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE)
                               : zip_file_replace(z, i, s, 0) == 0 ? (zip_int64_t)i : -1;
    if (idx < 0) {
      snprintf(err, errlen, "libzip: cannot add %s: %s", p->name, zip_strerror(z));
      if (s) zip_source_free(s);
      goto fail;
    }
    /* The method first: on a replaced entry, the same method as the one it replaces drops
     * libzip's change record only while it has no other change (dostime is one); else the
     * record keeps "replaced: default method" and libzip deflates the data before storing it
     * (a 5 MB combined DOCX, for nothing). */
    zip_set_file_compression(z, (zip_uint64_t)idx, stored ? ZIP_CM_STORE : ZIP_CM_DEFLATE, stored ? 0 : LEVEL);
    zip_file_set_dostime(z, (zip_uint64_t)idx, DOS_TIME, DOS_DATE, 0);
    zip_file_set_external_attributes(z, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX, 0100644u << 16);
  }
  if (zip_close(z) == 0) {
    z = NULL;
    rc = 0;
  } else {
    /* A file that could not be read says so itself; otherwise libzip's message. */
    const char *why = NULL;
    for (i = 0; i < n && !why; i++)
      if (cx[i].why[0]) why = cx[i].why;
    if (why) snprintf(err, errlen, "%s", why);
    else snprintf(err, errlen, "libzip: cannot write %s: %s", where, zip_strerror(z));
  }
fail:
  if (z) zip_discard(z);
  for (i = 0; i < n; i++) {
    src_release(&cx[i]);
    if (cx[i].e) zip_error_fini(&cx[i].ze);
  }
  free(cx);
  return rc;
}

/* libzip writes no empty archive: zip_close removes it (an empty buffer, or a deleted file). */
static int no_entries(size_t n, const char *where, char *err, size_t errlen) {
  if (n) return 0;
  snprintf(err, errlen, "cannot write %s: an archive needs at least one entry", where);
  return -1;
}

int pack_zip(const pack_entry *e, size_t n, tf_buf *out, char *err, size_t errlen) {
  if (no_entries(n, "the archive", err, errlen)) return -1;
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
  zip_t *z = mem ? zip_open_from_source(mem, ZIP_TRUNCATE, &ze) : NULL;
  if (!z) {
    snprintf(err, errlen, "libzip: %s", zip_error_strerror(&ze));
    if (mem) zip_source_free(mem);
    zip_error_fini(&ze);
    return -1;
  }
  zip_error_fini(&ze);
  zip_source_keep(mem); /* read the archive back after zip_close */
  if (write_zip(z, e, n, NULL, "the archive", err, errlen) != 0) {
    zip_source_free(mem);
    return -1;
  }
  zip_stat_t st;
  int rc = -1;
  if (zip_source_stat(mem, &st) == 0 && zip_source_open(mem) == 0) {
    out->len = 0;
    buf_grow(out, (size_t)st.size);
    zip_int64_t got = st.size ? zip_source_read(mem, out->data, st.size) : 0;
    if (got == (zip_int64_t)st.size) out->len = (size_t)got, rc = 0;
    zip_source_close(mem);
  }
  if (rc) snprintf(err, errlen, "libzip: cannot read the archive back");
  zip_source_free(mem);
  return rc;
}

/* ---- the archive file ---------------------------------------------------------------
 * libzip's own file target writes through stdio and seeks back after every entry to fill in
 * its local header, which flushes the stdio buffer: two small writes per entry, and the data
 * in 4 KB pieces (a 27 MB bundle of 3,000 entries took 15,000 system calls). This target is
 * a libzip source that keeps the last megabyte written in memory, where those header patches
 * land, and writes it out in one piece. Like libzip's, it writes a temporary file next to the
 * archive and renames it over the archive on commit, or removes it on rollback. */
#define OUT_BUF (1u << 20)

typedef struct {
  char *path, *tmp;
  char *spare;       /* a file the archive may be written over instead of a new one, or NULL */
  int reused;        /* tmp is the spare: cut to size at the commit */
  int fd;
  char *buf;         /* bytes [base, base + fill) of the file, not yet written */
  uint64_t base, pos, size;
  size_t fill;
  zip_error_t err;
} out_target;

static int out_flush(out_target *t) {
  int rc = t->fill ? fd_pwrite_all(t->fd, t->buf, t->fill, t->base) : 0;
  t->base += t->fill;
  t->fill = 0;
  return rc;
}

static zip_int64_t out_write(out_target *t, const char *data, size_t len) {
  if (t->pos >= t->base && t->pos <= t->base + t->fill && t->pos - t->base + len <= OUT_BUF) {
    memcpy(t->buf + (t->pos - t->base), data, len); /* appends, or patches what is still here */
    size_t end = (size_t)(t->pos - t->base) + len;
    if (end > t->fill) t->fill = end;
  } else if (t->pos + len <= t->base) {
    if (fd_pwrite_all(t->fd, data, len, t->pos) != 0) return -1; /* a patch of what is written */
  } else {
    if (out_flush(t) != 0) return -1;
    t->base = t->pos;
    if (len >= OUT_BUF) {
      if (fd_pwrite_all(t->fd, data, len, t->pos) != 0) return -1;
      t->base = t->pos + len;
    } else
      memcpy(t->buf, data, len), t->fill = len;
  }
  t->pos += len;
  if (t->pos > t->size) t->size = t->pos;
  return (zip_int64_t)len;
}

/* The spare, opened for writing over, if that harms nobody: a regular file (never through a
 * symlink) with no other name, and open nowhere else (a write lease is granted only then: a
 * reader still holding the archive it once was keeps its bytes). -1: make a new file. */
static int spare_open(const char *spare) {
  int fd = open(spare, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  struct stat st;
  if (fd < 0) return -1;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 || fcntl(fd, F_SETLEASE, F_WRLCK) != 0) {
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETLEASE, F_UNLCK);
  return fd;
}

static zip_int64_t out_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd) {
  out_target *t = ud;
  static unsigned serial;
  switch (cmd) {
  case ZIP_SOURCE_SUPPORTS:
    return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                          ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL,
                                          ZIP_SOURCE_SUPPORTS, ZIP_SOURCE_BEGIN_WRITE, ZIP_SOURCE_WRITE,
                                          ZIP_SOURCE_COMMIT_WRITE, ZIP_SOURCE_ROLLBACK_WRITE, ZIP_SOURCE_SEEK_WRITE,
                                          ZIP_SOURCE_TELL_WRITE, ZIP_SOURCE_REMOVE, -1);
  case ZIP_SOURCE_STAT: /* a new archive: libzip reads nothing of what the path holds now */
    zip_error_set(&t->err, ZIP_ER_READ, ENOENT);
    return -1;
  case ZIP_SOURCE_ERROR:
    return zip_error_to_data(&t->err, data, len);
  case ZIP_SOURCE_BEGIN_WRITE: {
    if (t->spare && (t->fd = spare_open(t->spare)) >= 0) {
      t->tmp = xstrdup(t->spare);
      t->reused = 1;
    } else {
      size_t n = strlen(t->path) + 48;
      t->tmp = xmalloc(n);
      for (int tries = 0; t->fd < 0 && tries < 100; tries++) {
        snprintf(t->tmp, n, "%s.tfz%ld.%u", t->path, (long)getpid(), __atomic_fetch_add(&serial, 1, __ATOMIC_RELAXED));
        t->fd = open(t->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666); /* the umask decides, as for every output */
        if (t->fd < 0 && errno != EEXIST) break;
      }
      if (t->fd < 0) {
        zip_error_set(&t->err, ZIP_ER_TMPOPEN, errno);
        return -1;
      }
    }
    t->buf = xmalloc(OUT_BUF);
    t->base = t->pos = t->size = 0, t->fill = 0;
    return 0;
  }
  case ZIP_SOURCE_WRITE: {
    zip_int64_t put = out_write(t, data, (size_t)len);
    if (put < 0) zip_error_set(&t->err, ZIP_ER_WRITE, errno);
    return put;
  }
  case ZIP_SOURCE_SEEK_WRITE: {
    zip_int64_t at = zip_source_seek_compute_offset(t->pos, t->size, data, len, &t->err);
    if (at < 0) return -1;
    t->pos = (uint64_t)at;
    return 0;
  }
  case ZIP_SOURCE_TELL_WRITE:
    return (zip_int64_t)t->pos;
  case ZIP_SOURCE_COMMIT_WRITE: {
    int rc = out_flush(t);
    if (rc == 0 && t->reused && ftruncate(t->fd, (off_t)t->size) != 0) rc = -1; /* the spare's longer tail */
    /* A new file that will become a spare: its writeback starts now, which allocates its
     * blocks, rather than when a later build renames the file written over it into place
     * (ext4 then flushes a file whose blocks are not allocated yet: 10 ms of an edit). */
    if (rc == 0 && t->spare && !t->reused) (void)sync_file_range(t->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    if (close(t->fd) != 0) rc = -1;
    t->fd = -1;
    if (rc == 0 && rename(t->tmp, t->path) != 0) rc = -1;
    if (rc != 0) {
      zip_error_set(&t->err, ZIP_ER_WRITE, errno);
      unlink(t->tmp);
    }
    return rc;
  }
  case ZIP_SOURCE_ROLLBACK_WRITE:
    if (t->fd >= 0) close(t->fd), unlink(t->tmp);
    t->fd = -1;
    return 0;
  case ZIP_SOURCE_REMOVE:
    if (unlink(t->path) != 0 && errno != ENOENT) {
      zip_error_set(&t->err, ZIP_ER_REMOVE, errno);
      return -1;
    }
    return 0;
  case ZIP_SOURCE_FREE:
    if (t->fd >= 0) close(t->fd), unlink(t->tmp);
    zip_error_fini(&t->err);
    free(t->buf);
    free(t->tmp);
    free(t->spare);
    free(t->path);
    free(t);
    return 0;
  default: /* OPEN, READ, SEEK, TELL, CLOSE: the archive is written, never read */
    zip_error_set(&t->err, ZIP_ER_OPNOTSUPP, 0);
    return -1;
  }
}

int pack_zip_file(const pack_entry *e, size_t n, const char *path, const char *spare, char *err, size_t errlen) {
  if (no_entries(n, path, err, errlen)) return -1;
  /* written to a temporary file next to path (or over the spare) and renamed over path on
   * commit, or removed when anything fails, so path never holds a partial archive */
  out_target *t = xcalloc(1, sizeof *t);
  t->path = xstrdup(path);
  t->spare = spare ? xstrdup(spare) : NULL;
  t->fd = -1;
  zip_error_init(&t->err);
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t *src = zip_source_function_create(out_cb, t, &ze);
  zip_t *z = src ? zip_open_from_source(src, ZIP_CREATE | ZIP_TRUNCATE, &ze) : NULL;
  if (!z) {
    snprintf(err, errlen, "libzip: cannot write %s: %s", path, zip_error_strerror(&ze));
    zip_error_fini(&ze);
    if (src) zip_source_free(src);
    else out_cb(t, NULL, 0, ZIP_SOURCE_FREE);
    return -1;
  }
  zip_error_fini(&ze);
  return write_zip(z, e, n, NULL, path, err, errlen);
}

/* A digest in lowercase hex (snprintf per byte cost more than the digest of a page). */
static void hex32(const unsigned char md[32], char out[65]) {
  static const char digits[] = "0123456789abcdef";
  for (unsigned i = 0; i < 32; i++) out[2 * i] = digits[md[i] >> 4], out[2 * i + 1] = digits[md[i] & 15];
  out[64] = 0;
}

void pack_sha256_hex(const void *data, size_t len, char out[65]) {
  unsigned char md[32];
  unsigned int mdlen = 0;
  if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL)) tf_fatal("libcrypto: SHA-256 failed");
  hex32(md, out);
}

int pack_sha256_file(const char *path, char out[65]) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  EVP_MD_CTX *x = EVP_MD_CTX_new();
  if (!x || !EVP_DigestInit_ex(x, EVP_sha256(), NULL)) tf_fatal("libcrypto: SHA-256 failed");
  unsigned char *piece = xmalloc(PIECE), md[32];
  unsigned int mdlen = 0;
  ssize_t k;
  while ((k = read(fd, piece, PIECE)) != 0) {
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) break;
    if (!EVP_DigestUpdate(x, piece, (size_t)k)) tf_fatal("libcrypto: SHA-256 failed");
  }
  int en = errno;
  free(piece);
  close(fd);
  if (k == 0 && !EVP_DigestFinal_ex(x, md, &mdlen)) tf_fatal("libcrypto: SHA-256 failed");
  EVP_MD_CTX_free(x);
  if (k < 0) {
    errno = en;
    return -1;
  }
  hex32(md, out);
  return 0;
}

/* ---- reading back an archive this module wrote ---------------------------------- */

/* The archive read through a megabyte window filled by pread: libzip's own file source reads
 * through stdio in 4 KB pieces and seeks for every entry (copying the last bundle's 3,000
 * entries took 10,000 system calls). */
#define IN_WINDOW (1u << 20)

typedef struct in_source {
  int fd;
  uint64_t size, pos;
  char *win;          /* bytes [at, at + len) of the file */
  uint64_t at;
  size_t len;
  zip_error_t err;
  out_target *out;    /* where pack_zip_update writes the archive anew (out_cb), or NULL */
} in_source;

static zip_int64_t in_read(in_source *s, char *data, size_t want) {
  if (s->pos >= s->size) return 0;
  if (want > s->size - s->pos) want = (size_t)(s->size - s->pos);
  if (want >= IN_WINDOW) { /* big reads go straight to the caller */
    if (fd_pread_all(s->fd, data, want, s->pos) != 0) return -1;
  } else {
    if (s->pos < s->at || s->pos + want > s->at + s->len) {
      s->at = s->pos;
      s->len = s->size - s->pos < IN_WINDOW ? (size_t)(s->size - s->pos) : IN_WINDOW;
      if (fd_pread_all(s->fd, s->win, s->len, s->at) != 0) return s->len = 0, -1;
    }
    memcpy(data, s->win + (s->pos - s->at), want);
  }
  s->pos += want;
  return (zip_int64_t)want;
}

static zip_int64_t in_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd) {
  in_source *s = ud;
  switch (cmd) {
  case ZIP_SOURCE_SUPPORTS: /* writable, so that pack_zip_update can have libzip write it anew */
    return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                          ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL,
                                          ZIP_SOURCE_SUPPORTS, ZIP_SOURCE_BEGIN_WRITE, ZIP_SOURCE_WRITE,
                                          ZIP_SOURCE_COMMIT_WRITE, ZIP_SOURCE_ROLLBACK_WRITE, ZIP_SOURCE_SEEK_WRITE,
                                          ZIP_SOURCE_TELL_WRITE, ZIP_SOURCE_REMOVE, -1);
  case ZIP_SOURCE_REMOVE:
  case ZIP_SOURCE_BEGIN_WRITE:
  case ZIP_SOURCE_WRITE:
  case ZIP_SOURCE_COMMIT_WRITE:
  case ZIP_SOURCE_ROLLBACK_WRITE:
  case ZIP_SOURCE_SEEK_WRITE:
  case ZIP_SOURCE_TELL_WRITE: {
    if (!s->out) { /* only pack_zip_update writes */
      zip_error_set(&s->err, ZIP_ER_RDONLY, 0);
      return -1;
    }
    zip_int64_t rc = out_cb(s->out, data, len, cmd);
    if (rc < 0) zip_error_set(&s->err, zip_error_code_zip(&s->out->err), zip_error_code_system(&s->out->err));
    return rc;
  }
  case ZIP_SOURCE_OPEN:
    s->pos = 0;
    return 0;
  case ZIP_SOURCE_READ: {
    zip_int64_t got = in_read(s, data, (size_t)len);
    if (got < 0) zip_error_set(&s->err, ZIP_ER_READ, errno ? errno : EIO);
    return got;
  }
  case ZIP_SOURCE_CLOSE:
    return 0;
  case ZIP_SOURCE_STAT: {
    zip_stat_t *st = ZIP_SOURCE_GET_ARGS(zip_stat_t, data, len, &s->err);
    if (!st) return -1;
    zip_stat_init(st);
    st->size = s->size;
    st->valid |= ZIP_STAT_SIZE;
    return sizeof *st;
  }
  case ZIP_SOURCE_SEEK: {
    zip_int64_t at = zip_source_seek_compute_offset(s->pos, s->size, data, len, &s->err);
    if (at < 0) return -1;
    s->pos = (uint64_t)at;
    return 0;
  }
  case ZIP_SOURCE_TELL:
    return (zip_int64_t)s->pos;
  case ZIP_SOURCE_ERROR:
    return zip_error_to_data(&s->err, data, len);
  case ZIP_SOURCE_FREE:
    close(s->fd);
    if (s->out) out_cb(s->out, NULL, 0, ZIP_SOURCE_FREE);
    zip_error_fini(&s->err);
    free(s->win);
    free(s);
    return 0;
  default:
    zip_error_set(&s->err, ZIP_ER_OPNOTSUPP, 0);
    return -1;
  }
}

pack_reader *pack_reader_open(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0) return NULL;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return NULL;
  }
  in_source *s = xcalloc(1, sizeof *s);
  s->fd = fd;
  s->size = (uint64_t)st.st_size;
  s->win = xmalloc(IN_WINDOW);
  zip_error_init(&s->err);
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t *src = zip_source_function_create(in_cb, s, &ze);
  zip_t *z = src ? zip_open_from_source(src, 0, &ze) : NULL; /* not ZIP_RDONLY: see pack_zip_update */
  zip_error_fini(&ze);
  if (!z) {
    if (src) zip_source_free(src);
    else in_cb(s, NULL, 0, ZIP_SOURCE_FREE);
    return NULL;
  }
  pack_reader *r = xcalloc(1, sizeof *r);
  r->z = z;
  r->src = s;
  return r;
}

void pack_reader_close(pack_reader *r) {
  if (!r) return;
  if (r->z) zip_discard(r->z);
  free(r);
}

int pack_zip_update(pack_reader *r, const pack_entry *e, size_t n, const char *path, const char *spare, char *err,
                    size_t errlen) {
  if (!r || !r->z || n == 0 || zip_get_num_entries(r->z, 0) != (zip_int64_t)n) return 1;
  for (size_t i = 0; i < n; i++) {
    const char *had = zip_get_name(r->z, i, ZIP_FL_ENC_RAW);
    if (!had || strcmp(had, e[i].name) || (e[i].from && e[i].from != r)) return 1;
  }
  out_target *t = xcalloc(1, sizeof *t);
  t->path = xstrdup(path);
  t->spare = spare ? xstrdup(spare) : NULL;
  t->fd = -1;
  zip_error_init(&t->err);
  r->src->out = t; /* freed with the source */
  zip_t *z = r->z;
  r->z = NULL; /* closed or discarded by write_zip */
  return write_zip(z, e, n, r, path, err, errlen) == 0 ? 0 : -1;
}

/* Reads len bytes of an opened entry into out (replacing it); 0 or -1. */
static int read_entry(zip_file_t *f, zip_uint64_t len, tf_buf *out) {
  out->len = 0;
  buf_grow(out, (size_t)len + 1);
  zip_int64_t got = zip_fread(f, out->data, len);
  zip_fclose(f);
  if (got < 0 || (zip_uint64_t)got != len) return -1;
  out->len = (size_t)len;
  out->data[len] = 0; /* a tf_buf is always NUL-terminated (buf_cstr) */
  return 0;
}

int pack_reader_has(pack_reader *r, const char *name) { return zip_name_locate(r->z, name, ZIP_FL_ENC_RAW) >= 0; }

int pack_reader_read(pack_reader *r, const char *name, size_t max, tf_buf *out) {
  zip_stat_t st;
  zip_int64_t idx = zip_name_locate(r->z, name, ZIP_FL_ENC_RAW);
  if (idx < 0 || zip_stat_index(r->z, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || st.size > max) return -1;
  zip_file_t *f = zip_fopen_index(r->z, (zip_uint64_t)idx, 0);
  return f ? read_entry(f, st.size, out) : -1;
}
