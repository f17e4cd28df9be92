/* memo.c: per-document results kept between builds. See memo.h.
 *
 * The file: "techfile-memo 3\n<techfile version> <cmark-gfm version>\n<catalog SHA-256>\n",
 * then one entry per document: "<file SHA-256> <headings> <results length> <front matter
 * length>\n", the results ("<clause>=<0 or 1 per content rule>\n" per claim), the front matter
 * tree (below), and per heading "<level> <line> <is_title> <text length> <slug length>\n<text><slug>".
 *
 * The front matter tree, node by node in document order: "<s|q|m><line> <col> <n>\n", where n
 * is a scalar's length (its bytes follow), a sequence's items or a mapping's pairs (each key,
 * then its value, follow). libyaml took a fifth of an edit build to parse what this gives back.
 *
 * An entry depends only on the file's bytes, the catalog and the versions in the header, so a
 * document found here has its entry copied as it is into the next memo.
 *
 * Then "files\n" and a line per file as load found it: "<SHA-256> <size> <mtime s> <ns> <ctime s>
 * <ns> <inode> <body's first line - 1> <path length>\n<path>". A file whose stat still says all
 * that, and whose checksum has an entry, is not read at all unless its body is needed (as git
 * trusts its index). A file changed less than two seconds before the memo was written is left
 * out: a change in the same clock tick would not show in its times.
 *
 * Last, "end <SHA-256 of every byte before>\n": a memo damaged anywhere is ignored whole (a
 * change inside a length-prefixed field, a heading's text say, would parse as well as the
 * original). */
#include "memo.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "pack.h"

#define TRAILER 69 /* "end " + 64 hex digits + "\n" */

typedef struct {
  const char *start, *end;  /* the whole entry in old */
  const char *res, *fm;     /* its results (res_len bytes), front matter tree (fm_len bytes) */
  size_t res_len, fm_len;
  const char *heads;        /* its nh headings */
  size_t nh;
} entry;

typedef struct {
  const char *sha;          /* 64 hex digits in old */
  size_t v[7];              /* size, mtime s, ns, ctime s, ns, inode, body's first line - 1 */
} file_rec;

struct tf_memo {
  tf_build *b;
  const char *path;
  tf_buf head;    /* the header this build would write */
  tf_buf old;     /* the file as read */
  tf_map at;      /* file SHA-256 → its entry (entry *) */
  tf_map files;   /* content path → its "files" line (file_rec *) */
};

tf_memo *memo_open(tf_build *b, const char *path) {
  tf_memo *m = xcalloc(1, sizeof *m);
  m->b = b;
  m->path = path;
  buf_printf(&m->head, "techfile-memo 3\n%s %s\n%s\n", TF_VERSION, cmark_version_string(), b->catalog.sha);
  char err[128];
  if (file_read(path, 1u << 30, &m->old, err, sizeof err) != 0 || m->old.len < m->head.len + TRAILER ||
      memcmp(m->old.data, m->head.data, m->head.len))
    return m; /* none, or another catalog or version: start empty */
  size_t body = m->old.len - TRAILER;
  char sum[65];
  pack_sha256_hex(m->old.data, body, sum);
  if (memcmp(m->old.data + body, "end ", 4) || memcmp(m->old.data + body + 4, sum, 64) || m->old.data[m->old.len - 1] != '\n')
    return m; /* damaged: start empty */
  /* Index the entries; a malformed one ends the index (what came before it stays usable). */
  const char *s = m->old.data + m->head.len, *end = m->old.data + body;
  while (s < end) {
    const char *start = s, *p;
    size_t v[5];
    if (end - s < 66 || s[64] != ' ' || !(p = str_numbers(s + 65, end, v, 3)) || v[1] > (size_t)(end - p) ||
        v[2] > (size_t)(end - p) - v[1])
      break;
    entry *e = arena_alloc(b->arena, sizeof *e);
    e->start = start;
    e->nh = v[0];
    e->res = p, e->res_len = v[1];
    e->fm = p + v[1], e->fm_len = v[2];
    s = e->heads = p + v[1] + v[2];
    for (size_t i = 0; i < e->nh && s; i++) {
      p = str_numbers(s, end, v, 5);
      if (!p || v[0] > INT_MAX || v[1] > INT_MAX || v[2] > 1 || v[3] > (size_t)(end - p) || v[4] > (size_t)(end - p) - v[3])
        s = NULL;
      else
        s = p + v[3] + v[4];
    }
    if (!s) break;
    e->end = s;
    map_put(b->arena, &m->at, arena_strndup(b->arena, start, 64), e);
  }
  /* The files section (a damaged line ends it) */
  if (s && end - s >= 6 && !memcmp(s, "files\n", 6))
    for (s += 6; end - s > 65 && s[64] == ' ';) {
      size_t v[8];
      const char *p = str_numbers(s + 65, end, v, 8);
      if (!p || v[6] > INT_MAX || v[7] > (size_t)(end - p)) break;
      file_rec *f = arena_alloc(b->arena, sizeof *f);
      f->sha = s;
      memcpy(f->v, v, sizeof f->v);
      map_put(b->arena, &m->files, arena_strndup(b->arena, p, v[7]), f);
      s = p + v[7];
    }
  return m;
}

void memo_free(tf_memo *m) {
  if (!m) return;
  buf_free(&m->head);
  buf_free(&m->old);
  free(m);
}

int memo_known(const tf_memo *m, const char *sha) { return m && map_get(&m->at, sha) != NULL; }

const char *memo_file_sha(tf_memo *m, const char *path, const struct stat *st, int *body_line0) {
  const file_rec *f = m ? map_get(&m->files, path) : NULL;
  if (!f) return NULL;
  const size_t *v = f->v;
  if (v[0] != (size_t)st->st_size || v[1] != (size_t)st->st_mtim.tv_sec || v[2] != (size_t)st->st_mtim.tv_nsec ||
      v[3] != (size_t)st->st_ctim.tv_sec || v[4] != (size_t)st->st_ctim.tv_nsec || v[5] != (size_t)st->st_ino)
    return NULL;
  const char *sha = arena_strndup(m->b->arena, f->sha, 64);
  if (!map_get(&m->at, sha)) return NULL;
  *body_line0 = (int)v[6];
  return sha;
}

int memo_get(tf_memo *m, tf_doc *d) {
  const entry *e = m ? map_get(&m->at, d->sha) : NULL;
  if (!e) return 0;
  tf_arena *a = m->b->arena;
  size_t v[5];
  d->memo = arena_strndup(a, e->res, e->res_len);
  const char *s = e->heads; /* all checked by memo_open */
  for (size_t i = 0; i < e->nh; i++) {
    tf_heading *h = arena_alloc(a, sizeof *h);
    s = str_numbers(s, e->end, v, 5);
    h->level = (int)v[0], h->line = (int)v[1], h->is_title = (int)v[2];
    h->text = arena_strndup(a, s, v[3]);
    h->slug = arena_strndup(a, s + v[3], v[4]);
    s += v[3] + v[4];
    vec_push(a, &d->headings, h);
  }
  d->memo_entry = e;
  return 1;
}

/* ---- the front matter tree ---- */
static void fm_put(tf_buf *out, const yval *v) {
  char head[80];
  size_t n = v->kind == YV_SCALAR ? strlen(v->str) : v->n;
  int k = snprintf(head, sizeof head, "%c%d %d %zu\n", v->kind == YV_SCALAR ? 's' : v->kind == YV_SEQ ? 'q' : 'm', v->line, v->col, n);
  buf_put(out, head, (size_t)k);
  if (v->kind == YV_SCALAR) buf_put(out, v->str, n);
  for (size_t i = 0; v->kind != YV_SCALAR && i < n; i++) {
    if (v->kind == YV_MAP) fm_put(out, v->keys[i]);
    fm_put(out, v->items[i]);
  }
}

/* The node at *s (before end), or NULL when the bytes are not a tree fm_put wrote. */
static yval *fm_get(tf_arena *a, const char **s, const char *end, int depth) {
  if (*s >= end || depth > YV_MAX_DEPTH) return NULL;
  char kind = **s;
  size_t v[3];
  const char *p = str_numbers(*s + 1, end, v, 3);
  if (!p || (kind != 's' && kind != 'q' && kind != 'm') || v[0] > INT_MAX || v[1] > INT_MAX) return NULL;
  yval *y = arena_alloc(a, sizeof *y);
  y->line = (int)v[0], y->col = (int)v[1];
  *s = p;
  if (kind == 's') {
    if (v[2] > (size_t)(end - p)) return NULL;
    y->kind = YV_SCALAR;
    y->str = arena_strndup(a, p, v[2]);
    *s = p + v[2];
    return y;
  }
  size_t n = v[2];
  if (n > (size_t)(end - p)) return NULL; /* every node takes bytes: a count a damaged file cannot hold */
  y->kind = kind == 'q' ? YV_SEQ : YV_MAP;
  y->n = n;
  if (n) y->items = arena_alloc(a, n * sizeof *y->items);
  if (n && kind == 'm') y->keys = arena_alloc(a, n * sizeof *y->keys);
  for (size_t i = 0; i < n; i++) {
    if (kind == 'm' && !(y->keys[i] = fm_get(a, s, end, depth + 1))) return NULL;
    if (!(y->items[i] = fm_get(a, s, end, depth + 1))) return NULL;
  }
  return y;
}

yval *memo_front_matter(tf_memo *m, const char *sha, tf_arena *a) {
  const entry *e = m ? map_get(&m->at, sha) : NULL;
  if (!e) return NULL;
  const char *s = e->fm, *end = e->fm + e->fm_len;
  yval *root = fm_get(a, &s, end, 0);
  return root && s == end && root->kind == YV_MAP ? root : NULL;
}

int memo_hit(const tf_doc *d, const char *clause, size_t i) {
  size_t cl = strlen(clause);
  for (const char *p = d->memo; p && *p;) {
    const char *nl = strchr(p, '\n');
    if (!nl) break;
    if (!strncmp(p, clause, cl) && p[cl] == '=') {
      const char *r = p + cl + 1;
      return (size_t)(nl - r) > i ? r[i] == '1' : -1;
    }
    p = nl + 1;
  }
  return -1;
}

int memo_save(tf_memo *m) {
  tf_build *b = m->b;
  tf_buf out = {0}, res = {0}, fm = {0};
  buf_put(&out, m->head.data, m->head.len);
  tf_map seen = {0};
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    /* a broken file never goes in: load.c skips the byte checks of files found here */
    if (d->broken || d->memo_bad || map_get(&seen, d->sha)) continue;
    map_put(b->arena, &seen, d->sha, d);
    if (d->memo_entry) { /* the same file under the same catalog: the same entry */
      const entry *e = d->memo_entry;
      buf_put(&out, e->start, (size_t)(e->end - e->start));
      continue;
    }
    res.len = fm.len = 0;
    for (size_t j = 0; j < d->claims.n; j++) {
      tf_claim *c = d->claims.items[j];
      if (c->hits) buf_printf(&res, "%s=%s\n", c->clause, c->hits);
    }
    if (d->fm) fm_put(&fm, d->fm);
    buf_printf(&out, "%s %zu %zu %zu\n", d->sha, d->headings.n, res.len, fm.len);
    buf_put(&out, res.data ? res.data : "", res.len);
    buf_put(&out, fm.data ? fm.data : "", fm.len);
    for (size_t j = 0; j < d->headings.n; j++) {
      const tf_heading *h = d->headings.items[j];
      buf_printf(&out, "%d %d %d %zu %zu\n%s%s", h->level, h->line, h->is_title, strlen(h->text), strlen(h->slug), h->text, h->slug);
    }
  }
  buf_puts(&out, "files\n");
  time_t now = time(NULL);
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    const struct stat *st = &d->st;
    if (d->broken || d->memo_bad || !d->st_taken || st->st_mtim.tv_sec >= now - 2 || st->st_ctim.tv_sec >= now - 2 ||
        st->st_mtim.tv_sec < 0 || st->st_ctim.tv_sec < 0 || !map_get(&seen, d->sha))
      continue;
    buf_printf(&out, "%s %lld %lld %ld %lld %ld %llu %d %zu\n%s", d->sha, (long long)st->st_size, (long long)st->st_mtim.tv_sec,
               st->st_mtim.tv_nsec, (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec, (unsigned long long)st->st_ino,
               d->body_line0, strlen(d->path), d->path);
  }
  char sum[65];
  pack_sha256_hex(out.data, out.len, sum);
  buf_printf(&out, "end %s\n", sum);
  int rc = 0;
  if (out.len != m->old.len || memcmp(out.data, m->old.data, out.len)) rc = file_write_atomic(m->path, out.data, out.len);
  buf_free(&out);
  buf_free(&res);
  buf_free(&fm);
  return rc;
}
