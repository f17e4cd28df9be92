/* memo.c: per-document results kept between builds. See memo.h.
 *
 * The file: "techfile-memo 1\n<techfile version> <cmark-gfm version>\n<catalog SHA-256>\n",
 * then one entry per document: "<file SHA-256> <headings> <results length>\n", the results
 * ("<clause>=<0 or 1 per content rule>\n" per claim), and per heading
 * "<level> <line> <is_title> <text length> <slug length>\n<text><slug>". */
#include "memo.h"

#include <stdlib.h>
#include <string.h>

struct tf_memo {
  tf_build *b;
  const char *path;
  tf_buf head;    /* the header this build would write */
  tf_buf old;     /* the file as read */
  tf_map at;      /* file SHA-256 → its entry in old */
};

tf_memo *memo_open(tf_build *b, const char *path) {
  tf_memo *m = xcalloc(1, sizeof *m);
  m->b = b;
  m->path = path;
  buf_printf(&m->head, "techfile-memo 1\n%s %s\n%s\n", TF_VERSION, cmark_version_string(), b->catalog.sha);
  char err[128];
  if (file_read(path, 1u << 30, &m->old, err, sizeof err) != 0 || m->old.len < m->head.len ||
      memcmp(m->old.data, m->head.data, m->head.len))
    return m; /* none, or another catalog or version: start empty */
  /* Index the entries; a damaged one ends the index (what came before it stays usable). */
  const char *s = m->old.data + m->head.len, *end = m->old.data + m->old.len;
  while (s < end) {
    const char *entry = s, *nl = memchr(s, '\n', (size_t)(end - s));
    size_t nh, rl;
    int used = 0;
    if (!nl || nl - s < 66 || sscanf(s + 64, " %zu %zu\n%n", &nh, &rl, &used) != 2 || s + 64 + used != nl + 1 ||
        rl > (size_t)(end - nl - 1))
      break;
    s = nl + 1 + rl;
    for (size_t i = 0; i < nh && s; i++) {
      int lv, line, title;
      size_t tl, sl;
      nl = memchr(s, '\n', (size_t)(end - s));
      if (!nl || sscanf(s, "%d %d %d %zu %zu\n%n", &lv, &line, &title, &tl, &sl, &used) != 5 || s + used != nl + 1 ||
          tl > (size_t)(end - nl - 1) || sl > (size_t)(end - nl - 1) - tl)
        s = NULL;
      else
        s = nl + 1 + tl + sl;
    }
    if (!s) break;
    map_put(b->arena, &m->at, arena_strndup(b->arena, entry, 64), (void *)entry);
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

int memo_get(tf_memo *m, tf_doc *d) {
  const char *s = m ? map_get(&m->at, d->sha) : NULL;
  if (!s) return 0;
  tf_arena *a = m->b->arena;
  size_t nh, rl;
  int used = 0;
  sscanf(s + 64, " %zu %zu\n%n", &nh, &rl, &used); /* checked by memo_open */
  s += 64 + used;
  d->memo = arena_strndup(a, s, rl);
  s += rl;
  for (size_t i = 0; i < nh; i++) {
    tf_heading *h = arena_alloc(a, sizeof *h);
    size_t tl, sl;
    sscanf(s, "%d %d %d %zu %zu\n%n", &h->level, &h->line, &h->is_title, &tl, &sl, &used);
    s += used;
    h->text = arena_strndup(a, s, tl);
    h->slug = arena_strndup(a, s + tl, sl);
    s += tl + sl;
    vec_push(a, &d->headings, h);
  }
  return 1;
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
  tf_buf out = {0}, res = {0};
  buf_put(&out, m->head.data, m->head.len);
  tf_map seen = {0};
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    /* a broken file never goes in: load.c skips the byte checks of files found here */
    if (d->broken || d->memo_bad || map_get(&seen, d->sha)) continue;
    map_put(b->arena, &seen, d->sha, d);
    res.len = 0;
    for (size_t j = 0; j < d->claims.n; j++) {
      tf_claim *c = d->claims.items[j];
      if (c->hits) buf_printf(&res, "%s=%s\n", c->clause, c->hits);
    }
    buf_printf(&out, "%s %zu %zu\n", d->sha, d->headings.n, res.len);
    buf_put(&out, res.data ? res.data : "", res.len);
    for (size_t j = 0; j < d->headings.n; j++) {
      const tf_heading *h = d->headings.items[j];
      buf_printf(&out, "%d %d %d %zu %zu\n%s%s", h->level, h->line, h->is_title, strlen(h->text), strlen(h->slug), h->text, h->slug);
    }
  }
  int rc = 0;
  if (out.len != m->old.len || memcmp(out.data, m->old.data, out.len)) rc = file_write_atomic(m->path, out.data, out.len);
  buf_free(&out);
  buf_free(&res);
  return rc;
}
