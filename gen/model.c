/*
 * model.c: front matter → document fields; the ID rule and duplicate IDs; headings with
 * their GitHub-style slugs; plain text for content rules; lookup by ID and by path.
 *
 * Owns: nothing new; it fills the tf_doc fields (arena) created by load.c and drops documents
 * whose front matter cannot be used, after saying why.
 */
#include "model.h"
#include "memo.h"

#include <cmark-gfm-core-extensions.h>
#include <stdlib.h>
#include <string.h>

void model_init(tf_build *b) {
  memset(b, 0, sizeof *b);
  b->arena = b->lasting = arena_new();
  b->jobs = 1;
}

void model_release_text(tf_doc *d, int body, int plain) {
  if (body) free((char *)d->body), d->body = NULL, d->lazy = 0; /* not needed any more */
  if (plain) free((char *)d->plain), d->plain = NULL;
}

void model_free(tf_build *b) {
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    if (d->ast) cmark_node_free(d->ast);
    model_release_text(d, 1, 1);
  }
  catalog_free(&b->catalog);
  diag_list_free(&b->diags);
  arena_free(b->arena);
}

int model_id_valid(const char *id) {
  size_t n = strlen(id);
  if (n == 0 || n > 64 || id[0] == '-' || id[n - 1] == '-') return 0;
  for (const char *p = id; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-')) return 0;
  return 1;
}

/* GitHub's rule: lower-case; drop punctuation but '-' and '_'; spaces become '-'. Bytes of
 * non-ASCII characters are kept as they are. */
const char *model_slug(tf_arena *a, const char *text) {
  size_t n = strlen(text);
  char *s = arena_alloc(a, n + 1), *o = s;
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    unsigned c = *p;
    if (c >= 'A' && c <= 'Z') *o++ = (char)(c + 32);
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c >= 0x80) *o++ = (char)c;
    else if (c == ' ') *o++ = '-';
  }
  *o = 0;
  /* Ids the pages use themselves (tf-*, fn-N, fnref-N, clause-*, defense-*, gap-*) stay theirs:
   * a heading slug that would take one gets an "h-" prefix. */
  static const char *const own[] = {"tf-", "fn-", "fnref-", "clause-", "defense-", "gap-", NULL};
  for (int i = 0; own[i]; i++)
    if (!strncmp(s, own[i], strlen(own[i]))) return arena_printf(a, "h-%s", s);
  return s;
}

int model_is(cmark_node *n, const char *type_name) {
  const char *t = cmark_node_get_type_string(n);
  return t && !strcmp(t, type_name);
}

void model_plain(cmark_node *root, tf_buf *out) {
  cmark_iter *it = cmark_iter_new(root);
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *n = cmark_iter_get_node(it);
    cmark_node_type t = cmark_node_get_type(n);
    if (ev == CMARK_EVENT_ENTER) {
      switch (t) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_CODE:
      case CMARK_NODE_CODE_BLOCK:
      case CMARK_NODE_HTML_INLINE:
      case CMARK_NODE_HTML_BLOCK: {
        const char *s = cmark_node_get_literal(n);
        if (s) buf_puts(out, s);
        break;
      }
      case CMARK_NODE_SOFTBREAK:
      case CMARK_NODE_LINEBREAK: buf_putc(out, ' '); break;
      default: break;
      }
    } else if ((t & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_BLOCK) {
      if (out->len && out->data[out->len - 1] != '\n') buf_putc(out, t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING ? '\n' : ' ');
    }
  }
  cmark_iter_free(it);
}

static const char *const TYPES[] = {"document", "roster", "raci", "training-profiles", "training-records",
                                    "tailoring", "release-checklist", "findings", NULL};
static const char *const STATUSES[] = {"draft", "in-review", "approved", "obsolete", NULL};

static int in_list(const char *const *list, const char *s) {
  for (; *list; list++)
    if (!strcmp(*list, s)) return 1;
  return 0;
}

/* front matter line (relative to the YAML) → file line */
#define FL(v) ((v) ? (v)->line + 1 : 1)

static const char *req_str(tf_build *b, tf_doc *d, const char *key) {
  yval *v = yv_get(d->fm, key);
  if (!v) {
    diag_add(&b->diags, d->shown, 1, 1, DIAG_ERROR, "front-matter-required", "front matter has no '%s'", key);
    return NULL;
  }
  if (v->kind != YV_SCALAR || !*v->str) {
    diag_add(&b->diags, d->shown, FL(v), v->col, DIAG_ERROR, "front-matter-type", "'%s' must be a non-empty text", key);
    return NULL;
  }
  return v->str;
}

static const char *opt_str(tf_build *b, tf_doc *d, const yval *map, const char *key) {
  yval *v = yv_get(map, key);
  if (!v) return NULL;
  if (v->kind != YV_SCALAR) {
    diag_add(&b->diags, d->shown, FL(v), v->col, DIAG_ERROR, "front-matter-type", "'%s' must be a text", key);
    return NULL;
  }
  return v->str;
}

static void check_date(tf_build *b, tf_doc *d, const yval *map, const char *key, const char *val) {
  long days;
  if (val && date_parse(val, &days) != 0) {
    yval *v = yv_get(map, key);
    diag_add(&b->diags, d->shown, FL(v), v ? v->col : 1, DIAG_ERROR, "date-invalid", "'%s' is not a date YYYY-MM-DD: '%s'", key, val);
  }
}

/* A key written with no value ("evidence:" once its last item is removed) is an empty list. */
static yval *list_at(tf_doc *d, const char *key) {
  yval *v = yv_get(d->fm, key);
  if (v && v->kind == YV_SCALAR && (!*v->str || !strcmp(v->str, "~") || !strcmp(v->str, "null"))) return NULL;
  return v;
}

static void model_lists(tf_build *b, tf_doc *d) {
  tf_arena *a = b->arena;
  yval *ap = list_at(d, "approvals");
  if (ap && ap->kind != YV_SEQ) diag_add(&b->diags, d->shown, FL(ap), ap->col, DIAG_ERROR, "front-matter-type", "'approvals' must be a list");
  for (size_t i = 0; ap && ap->kind == YV_SEQ && i < ap->n; i++) {
    yval *m = ap->items[i];
    if (m->kind != YV_MAP) {
      diag_add(&b->diags, d->shown, FL(m), m->col, DIAG_ERROR, "front-matter-type", "an approval is {name, role, date}");
      continue;
    }
    tf_approval *x = arena_alloc(a, sizeof *x);
    x->name = opt_str(b, d, m, "name");
    x->role = opt_str(b, d, m, "role");
    x->date = opt_str(b, d, m, "date");
    x->line = FL(m);
    if (!x->name || !x->date)
      diag_add(&b->diags, d->shown, x->line, m->col, DIAG_ERROR, "approval-incomplete", "an approval needs a name and a date");
    check_date(b, d, m, "date", x->date);
    if (x->date && (!d->approval_date || strcmp(x->date, d->approval_date) > 0)) d->approval_date = x->date;
    vec_push(a, &d->approvals, x);
  }
  yval *hi = list_at(d, "history");
  if (hi && hi->kind != YV_SEQ) diag_add(&b->diags, d->shown, FL(hi), hi->col, DIAG_ERROR, "front-matter-type", "'history' must be a list");
  for (size_t i = 0; hi && hi->kind == YV_SEQ && i < hi->n; i++) {
    yval *m = hi->items[i];
    if (m->kind != YV_MAP) {
      diag_add(&b->diags, d->shown, FL(m), m->col, DIAG_ERROR, "front-matter-type", "a history entry is {version, date, author, change}");
      continue;
    }
    tf_revision *r = arena_alloc(a, sizeof *r);
    r->version = opt_str(b, d, m, "version");
    r->date = opt_str(b, d, m, "date");
    r->author = opt_str(b, d, m, "author");
    r->change = opt_str(b, d, m, "change");
    r->line = FL(m);
    check_date(b, d, m, "date", r->date);
    vec_push(a, &d->history, r);
  }
  yval *ev = list_at(d, "evidence");
  tf_map claimed = {0};
  if (ev && ev->kind != YV_SEQ) diag_add(&b->diags, d->shown, FL(ev), ev->col, DIAG_ERROR, "front-matter-type", "'evidence' must be a list");
  for (size_t i = 0; ev && ev->kind == YV_SEQ && i < ev->n; i++) {
    yval *m = ev->items[i];
    tf_claim *c = arena_alloc(a, sizeof *c);
    c->line = FL(m);
    c->col = m->col;
    if (m->kind == YV_SCALAR) {
      c->clause = m->str;
    } else if (m->kind == YV_MAP) {
      c->clause = opt_str(b, d, m, "clause");
      c->section = opt_str(b, d, m, "section");
    }
    if (!c->clause || !*c->clause) {
      diag_add(&b->diags, d->shown, c->line, c->col, DIAG_ERROR, "evidence-invalid", "an evidence item is a clause number or {clause, section}");
      continue;
    }
    if (map_get(&claimed, c->clause)) {
      diag_add(&b->diags, d->shown, c->line, c->col, DIAG_WARNING, "evidence-duplicate",
               "clause %s is already in this document's evidence; this entry is ignored", c->clause);
      continue;
    }
    map_put(a, &claimed, c->clause, c);
    vec_push(a, &d->claims, c);
  }
}

static void model_headings(tf_build *b, tf_doc *d) {
  tf_arena *a = b->arena;
  cmark_iter *it = cmark_iter_new(d->ast);
  cmark_event_type ev;
  tf_buf text = {0};
  tf_map seen = {0}, tries = {0}; /* slugs in use; per base slug, the last number tried */
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *n = cmark_iter_get_node(it);
    if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(n) != CMARK_NODE_HEADING) continue;
    text.len = 0;
    model_plain(n, &text);
    tf_heading *h = arena_alloc(a, sizeof *h);
    h->text = str_trim(a, buf_cstr(&text), text.len);
    h->level = cmark_node_get_heading_level(n);
    h->line = cmark_node_get_start_line(n) + d->body_line0;
    const char *base = model_slug(a, h->text), *slug = base;
    /* GitHub numbers repeated slugs: x, x-1, x-2. `tries` remembers the last number a base
     * took, so that n equal headings cost n look-ups, not n squared. */
    size_t k = (size_t)map_get(&tries, base);
    while (map_get(&seen, slug)) slug = arena_printf(a, "%s-%zu", base, ++k);
    map_put(a, &tries, base, (void *)k);
    map_put(a, &seen, slug, (void *)(size_t)1);
    h->slug = slug;
    /* Writers often open with "# <title>"; the title block shows it already. */
    h->is_title = h->level == 1 && n == cmark_node_first_child(d->ast) && str_ieq(h->text, d->title);
    cmark_node_set_user_data(n, h);
    vec_push(a, &d->headings, h);
  }
  cmark_iter_free(it);
  buf_free(&text);
}

void model_attach_headings(tf_doc *d) {
  cmark_iter *it = cmark_iter_new(d->ast);
  cmark_event_type ev;
  size_t k = 0;
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *n = cmark_iter_get_node(it);
    if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(n) == CMARK_NODE_HEADING)
      cmark_node_set_user_data(n, k < d->headings.n ? d->headings.items[k++] : NULL);
  }
  cmark_iter_free(it);
}

/* d->plain from d->ast: the title, then the body's text. */
static void plain_text(tf_doc *d) {
  tf_buf plain = {0};
  buf_puts(&plain, d->title);
  buf_putc(&plain, '\n');
  model_plain(d->ast, &plain);
  d->plain = xstrdup(buf_cstr(&plain)); /* heap: released once the checks are done */
  d->plain_utf8 = utf8_valid(plain.data, plain.len);
  buf_free(&plain);
}

int model_plain_text(tf_build *b, tf_doc *d) {
  if (d->plain) return 0;
  if (load_body(b, d) != 0 || !d->body) return -1;
  int parsed = !d->ast;
  if (parsed) d->ast = load_markdown(d->body, d->body_len);
  plain_text(d);
  if (parsed) cmark_node_free(d->ast), d->ast = NULL;
  return 0;
}

static int cmp_doc_id(const void *x, const void *y) {
  const tf_doc *a = *(tf_doc *const *)x, *b = *(tf_doc *const *)y;
  return strcmp(a->id, b->id);
}

void model_build(tf_build *b) {
  tf_arena *a = b->arena;
  tf_vec kept = {0};
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    if (d->broken) {
      if (d->ast) cmark_node_free(d->ast), d->ast = NULL;
      model_release_text(d, 1, 1);
      continue;
    }
    d->id = req_str(b, d, "id");
    d->title = req_str(b, d, "title");
    d->version = req_str(b, d, "version");
    d->type = opt_str(b, d, d->fm, "type");
    d->status = opt_str(b, d, d->fm, "status");
    d->owner = opt_str(b, d, d->fm, "owner");
    if (!d->type) d->type = "document";
    if (!d->status) d->status = "draft";
    int ok = d->id && d->title && d->version;
    yval *idv = yv_get(d->fm, "id");
    if (d->id && !model_id_valid(d->id)) {
      diag_add(&b->diags, d->shown, FL(idv), idv->col, DIAG_ERROR, "id-invalid",
               "document ID '%s' breaks the ID rule: upper-case letters, digits and '-', at most 64", d->id);
      ok = 0;
    }
    /* Generated pages share the output folders: an ID may not take their names, in any case
     * (case-insensitive file systems would mix INDEX.html and index.html). */
    static const char *const RESERVED[] = {"index", "compliance-matrix", "gaps", "raci", "training", "release",
                                           "technical-file", "search-index", NULL};
    for (int r = 0; d->id && ok && RESERVED[r]; r++)
      if (str_ieq(d->id, RESERVED[r])) {
        diag_add(&b->diags, d->shown, FL(idv), idv->col, DIAG_ERROR, "id-reserved",
                 "document ID '%s' is the name of a page techfile generates; choose another", d->id);
        ok = 0;
      }
    if (!in_list(TYPES, d->type)) {
      yval *v = yv_get(d->fm, "type");
      diag_add(&b->diags, d->shown, FL(v), v->col, DIAG_ERROR, "type-unknown", "unknown document type '%s'", d->type);
      d->type = "document";
    }
    if (!in_list(STATUSES, d->status)) {
      yval *v = yv_get(d->fm, "status");
      diag_add(&b->diags, d->shown, FL(v), v->col, DIAG_ERROR, "status-unknown",
               "unknown status '%s' (draft, in-review, approved, obsolete)", d->status);
    }
    model_lists(b, d);
    if (!strcmp(d->status, "approved") && d->approvals.n == 0) {
      yval *v = yv_get(d->fm, "status");
      diag_add(&b->diags, d->shown, FL(v), v->col, DIAG_ERROR, "approval-missing", "status 'approved' needs at least one entry in 'approvals'");
    }
    if (!ok) {
      model_release_text(d, 1, 1);
      continue;
    }
    vec_push(a, &kept, d);
    if (memo_get(b->memo, d)) continue; /* unchanged since the last build: no parse */
    /* One parse tree at a time: they cost about 14 times their Markdown. What later stages
     * need of it is kept (headings, plain text); records and pages parse again. */
    load_body(b, d);
    d->ast = load_markdown(d->body ? d->body : "", d->body_len);
    b->parsed++;
    model_headings(b, d);
    plain_text(d);
    cmark_node_free(d->ast), d->ast = NULL;
  }
  b->docs = kept;
  if (b->docs.n) qsort(b->docs.items, b->docs.n, sizeof(void *), cmp_doc_id);
  /* Duplicate IDs: keep the first by path, report both files. */
  tf_vec uniq = {0};
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    if (uniq.n && !strcmp(((tf_doc *)uniq.items[uniq.n - 1])->id, d->id)) {
      tf_doc *first = uniq.items[uniq.n - 1];
      if (strcmp(d->path, first->path) < 0) uniq.items[uniq.n - 1] = d, d = first, first = uniq.items[uniq.n - 1];
      yval *v = yv_get(d->fm, "id");
      diag_add(&b->diags, d->shown, FL(v), v->col, DIAG_ERROR, "id-duplicate", "document ID '%s' is also used by %s", d->id, first->shown);
      model_release_text(d, 1, 1);
      continue;
    }
    vec_push(a, &uniq, d);
  }
  b->docs = uniq;
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    d->ordinal = (int)i;
    /* DOCX bookmarks: unique in the whole build (the combined file), at most 40 characters. */
    for (size_t j = 0; j < d->headings.n; j++)
      ((tf_heading *)d->headings.items[j])->bookmark = arena_printf(a, "H%zu_%zu", i + 1, j + 1);
  }
}

tf_doc *model_find(const tf_build *b, const char *id) {
  size_t lo = 0, hi = b->docs.n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    tf_doc *d = b->docs.items[mid];
    int c = strcmp(id, d->id);
    if (!c) return d;
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return NULL;
}

tf_doc *model_find_path(const tf_build *b, const char *rel) {
  for (size_t i = 0; i < b->docs.n; i++)
    if (!strcmp(((tf_doc *)b->docs.items[i])->path, rel)) return b->docs.items[i];
  return NULL;
}

tf_heading *model_find_heading(const tf_doc *d, const char *s) {
  for (size_t i = 0; i < d->headings.n; i++) {
    tf_heading *h = d->headings.items[i];
    if (!strcmp(h->slug, s)) return h;
  }
  for (size_t i = 0; i < d->headings.n; i++) {
    tf_heading *h = d->headings.items[i];
    if (str_ieq(h->text, s)) return h;
  }
  return NULL;
}
