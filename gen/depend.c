/* depend.c: input keys of document pages. See depend.h. */
#include "depend.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decorate.h"
#include "pack.h"
#include "records.h"

struct tf_depend {
  tf_build *b;
  tf_buf common;   /* what every page's key starts with */
  tf_map by_path;  /* content-relative path → tf_doc* */
  tf_map by_id;    /* ID → tf_doc* */
  const char **face; /* by ordinal: what a link reads of that document (face_doc), once made */
  char listed[65];   /* depend_generated_key's digest of documents and results, once made */
};

tf_depend *depend_open(tf_build *b, const char *salt) {
  tf_depend *dp = xcalloc(1, sizeof *dp);
  dp->b = b;
  tf_buf *t = &dp->common;
  buf_printf(t, "%s\n", salt);
  /* The site block, the defense templates' fields and the sidebar's generated pages. */
  const char *site[] = {b->product, b->product_version, b->manufacturer, b->standard, b->build_date, b->catalog.title};
  for (size_t i = 0; i < sizeof site / sizeof *site; i++) buf_printf(t, "%s\t", site[i] ? site[i] : "\x01");
  tf_records *r = b->records;
  buf_printf(t, "\n%zu docs, raci %d, training %d\n", b->docs.n, r && r->raci_doc, r && (r->profiles.n || r->training.n));
  /* The catalog: clause titles, severities and defense templates go into the page. */
  buf_printf(t, "catalog %s\n", b->catalog.sha);
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    map_put(b->arena, &dp->by_path, d->path, d);
    map_put(b->arena, &dp->by_id, d->id, d);
  }
  /* Every page links to tens of others: each document's face is written once, not per link. */
  dp->face = arena_alloc(b->arena, (b->docs.n + 1) * sizeof *dp->face);
  memset(dp->face, 0, (b->docs.n + 1) * sizeof *dp->face);
  return dp;
}

void depend_free(tf_depend *dp) {
  if (!dp) return;
  buf_free(&dp->common);
  free(dp);
}

const char *depend_encode(tf_arena *a, const tf_vec *deps) {
  tf_buf t = {0};
  for (size_t i = 0; i < deps->n; i++) {
    if (i) buf_putc(&t, '\t');
    for (const char *p = deps->items[i]; *p; p++)
      if (*p == '%' || *p == '\t' || *p == '\n' || *p == '\r') buf_printf(&t, "%%%02X", (unsigned char)*p);
      else buf_putc(&t, *p);
  }
  const char *s = arena_strdup(a, buf_cstr(&t));
  buf_free(&t);
  return s;
}

/* The next dep of an encoded field, decoded into out; 0 at the end, -1 if malformed. */
static int next_dep(const char **s, tf_buf *out) {
  out->len = 0;
  if (!**s) return 0;
  const char *p = *s, *end = strchr(p, '\t');
  if (!end) end = p + strlen(p);
  if (!memchr(p, '%', (size_t)(end - p))) { /* nearly always: nothing was encoded */
    buf_put(out, p, (size_t)(end - p));
    *s = *end ? end + 1 : end;
    buf_cstr(out);
    return 1;
  }
  for (; *p && *p != '\t'; p++) {
    if (*p != '%') {
      buf_putc(out, *p);
      continue;
    }
    char hex[3] = {p[1], p[1] ? p[2] : 0, 0};
    char *end;
    long v = strtol(hex, &end, 16);
    if (end != hex + 2 || v <= 0) return -1;
    buf_putc(out, (char)v);
    p += 2;
  }
  *s = *p ? p + 1 : p;
  buf_cstr(out);
  return 1;
}

/* What a link to document d reads of it: which document it is, and its title. */
static void face_doc(tf_depend *dp, tf_buf *t, const tf_doc *d) {
  if (!d) {
    buf_puts(t, "missing\n");
    return;
  }
  const char **f = &dp->face[d->ordinal];
  if (!*f) *f = arena_printf(dp->b->arena, "%s\t%d\t%s\t%s\n", d->id, d->ordinal, d->title, d->path);
  buf_puts(t, *f);
}

/* What a link to a heading reads: "ID#fragment" → the heading found (text, slug, bookmark). So
 * a heading renamed in one document rebuilds only the pages that link to that heading. */
static void face_heading(tf_depend *dp, tf_buf *t, const char *dep) {
  tf_build *b = dp->b;
  const char *hash = strchr(dep, '#');
  const tf_doc *d = hash ? map_get(&dp->by_id, arena_strndup(b->arena, dep, (size_t)(hash - dep))) : NULL;
  const tf_heading *h = d ? model_find_heading(d, hash + 1) : NULL;
  if (h) buf_printf(t, "%s\t%s\t%d\t%s\n", h->slug, h->text, h->is_title, h->bookmark ? h->bookmark : "");
  else buf_puts(t, "missing\n");
}

/* A local file: its size and change time (an image's size and digest go into the tree). */
static void face_file(tf_buf *t, tf_build *b, const char *rel) {
  struct stat st;
  const char *full = path_join(b->arena, b->content_dir, rel);
  if (stat(full, &st) != 0 || !S_ISREG(st.st_mode) || !path_within_real(full, b->content_real, 0)) buf_puts(t, "missing\n");
  else
    buf_printf(t, "%lld %lld.%09ld %llu\n", (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
               (unsigned long long)st.st_ino);
}

const char *depend_key(tf_depend *dp, const tf_doc *d, const char *deps) {
  tf_build *b = dp->b;
  tf_buf t = {0}, dep = {0};
  buf_put(&t, dp->common.data, dp->common.len);
  buf_printf(&t, "%s\t%s\t%d\t%s\t%d\n", d->sha, d->path, d->ordinal, d->process ? d->process : "", d->process_order);
  for (size_t i = 0; i < d->claims.n; i++) {
    const tf_claim *c = d->claims.items[i];
    buf_printf(&t, "claim %s\t%d\t%s\t%zu\n", c->clause, (int)c->status, c->anchor ? c->anchor : "", c->reasons.n);
    for (size_t r = 0; r < c->reasons.n; r++) { /* tens per claim on a large file: no printf */
      buf_puts(&t, c->reasons.items[r]);
      buf_putc(&t, '\n');
    }
  }
  int rc;
  while ((rc = next_dep(&deps, &dep)) == 1) {
    buf_puts(&t, dep.data);
    buf_puts(&t, " = ");
    if (!strncmp(dep.data, "path:", 5)) face_doc(dp, &t, map_get(&dp->by_path, dep.data + 5));
    else if (!strncmp(dep.data, "id:", 3)) face_doc(dp, &t, map_get(&dp->by_id, dep.data + 3));
    else if (!strncmp(dep.data, "head:", 5)) face_heading(dp, &t, dep.data + 5);
    else if (!strncmp(dep.data, "file:", 5)) face_file(&t, b, dep.data + 5);
    else rc = -1;
    if (rc < 0) break;
  }
  char hex[65];
  pack_sha256_hex(t.data, t.len, hex);
  buf_free(&t);
  buf_free(&dep);
  return rc < 0 ? NULL : arena_strdup(b->arena, hex);
}

static void strings(tf_buf *t, const tf_vec *v) {
  buf_printf(t, "[%zu", v->n);
  for (size_t i = 0; i < v->n; i++) buf_field(t, v->items[i]);
  buf_putc(t, ']');
}

/* Everything the index, the compliance matrix and the gap list are made of (pages.c): every
 * field of every document but its text and headings (a superset of what they show: a field
 * added to them later is covered), the text of the headings its claims name, and every
 * clause's result. The records are not (the RACI, training and release pages read them: those
 * pages are built every time). */
static void listing(tf_depend *dp, tf_buf *t) {
  tf_build *b = dp->b;
  for (size_t i = 0; i < b->docs.n; i++) {
    const tf_doc *d = b->docs.items[i];
    buf_printf(t, "\ndoc %d %d %d ", d->ordinal, d->process_order, d->broken);
    const char *f[] = {d->path, d->id, d->title, d->version, d->type, d->status, d->owner, d->approval_date, d->process};
    for (size_t j = 0; j < sizeof f / sizeof *f; j++) buf_field(t, f[j]);
    for (size_t j = 0; j < d->approvals.n; j++) {
      const tf_approval *x = d->approvals.items[j];
      buf_puts(t, "\napproval ");
      buf_field(t, x->name), buf_field(t, x->role), buf_field(t, x->date);
    }
    for (size_t j = 0; j < d->history.n; j++) {
      const tf_revision *x = d->history.items[j];
      buf_puts(t, "\nrevision ");
      buf_field(t, x->version), buf_field(t, x->date), buf_field(t, x->author), buf_field(t, x->change);
    }
    for (size_t j = 0; j < d->claims.n; j++) {
      const tf_claim *c = d->claims.items[j];
      buf_printf(t, "\nclaim %d %d ", c->implicit, (int)c->status);
      buf_field(t, c->clause), buf_field(t, c->section), buf_field(t, c->anchor);
      strings(t, &c->reasons);
      /* the headings the claim names (an audit defense quotes the section's text); other
       * headings are not listed: renaming one rebuilds no generated page */
      for (size_t h = 0; c->anchor && h < d->headings.n; h++) {
        const tf_heading *x = d->headings.items[h];
        if (strcmp(x->slug, c->anchor)) continue;
        buf_printf(t, "\nsection %zu ", h);
        buf_field(t, x->text);
      }
    }
  }
  for (size_t i = 0; i < b->results.n; i++) {
    const tf_result *r = b->results.items[i];
    buf_printf(t, "\nresult %d ", (int)r->status);
    buf_field(t, r->clause->clause);
    buf_field(t, r->tailoring_decision), buf_field(t, r->tailoring_justification), buf_field(t, r->tailoring_approver);
    strings(t, &r->reasons);
    const tf_vec *docs[] = {&r->evidence, &r->claimed_by};
    for (int k = 0; k < 2; k++) {
      buf_printf(t, "[%zu", docs[k]->n);
      for (size_t j = 0; j < docs[k]->n; j++) buf_field(t, ((const tf_doc *)docs[k]->items[j])->id);
      buf_putc(t, ']');
    }
  }
}

const char *depend_generated_key(tf_depend *dp, const char *stem) {
  if (strcmp(stem, "index") && strcmp(stem, "compliance-matrix") && strcmp(stem, "gaps")) return NULL;
  if (!dp->listed[0]) {
    tf_buf t = {0};
    buf_put(&t, dp->common.data, dp->common.len);
    listing(dp, &t);
    pack_sha256_hex(t.data, t.len, dp->listed);
    buf_free(&t);
  }
  const char *k = arena_printf(dp->b->arena, "generated %s\n%s\n", stem, dp->listed);
  char hex[65];
  pack_sha256_hex(k, strlen(k), hex);
  return arena_strdup(dp->b->arena, hex);
}

void depend_replay(tf_depend *dp, const char *deps) {
  tf_buf dep = {0};
  while (next_dep(&deps, &dep) == 1)
    if (!strncmp(dep.data, "file:", 5)) decorate_asset(dp->b, arena_strdup(dp->b->arena, dep.data + 5));
  buf_free(&dep);
}
