/*
 * catalog.c: loads the clause catalog (YAML, see catalog/README.md) and compiles its PCRE2
 * patterns once per build.
 *
 * Owns: the compiled patterns (tf_rule.code) and the shared match context; catalog_free
 * releases them. Everything else lives in the build's arena. Patterns run in UTF mode with a
 * match limit and a depth limit, so a pattern that backtracks catastrophically is stopped and
 * reported instead of hanging the build.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "model.h"
#include "pack.h"

#define MATCH_LIMIT 1000000u
#define DEPTH_LIMIT 5000u

static pcre2_match_context *match_ctx;

static const char *str_at(tf_build *b, const char *file, yval *m, const char *key, int required) {
  yval *v = yv_get(m, key);
  if (v && v->kind == YV_SCALAR) return v->str;
  if (required || v)
    diag_add(&b->diags, file, v ? v->line : m->line, 1, DIAG_ERROR, "catalog-invalid", "clause entry needs '%s' as text", key);
  return NULL;
}

static tf_rule *compile(tf_build *b, const char *file, int line, const char *pattern, const char *expect) {
  int errcode;
  PCRE2_SIZE erroff;
  pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS,
                                   &errcode, &erroff, NULL);
  if (!code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(errcode, msg, sizeof msg);
    diag_add(&b->diags, file, line, 1, DIAG_ERROR, "catalog-pattern", "pattern '%s' does not compile at offset %zu: %s",
             pattern, (size_t)erroff, (char *)msg);
    return NULL;
  }
  /* Compiled to machine code where PCRE2 can (it cannot on every CPU): the checks run each
   * rule over every claiming document's text, several MB on a large file. The match limit
   * still holds under JIT. */
  (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  tf_rule *r = arena_alloc(b->arena, sizeof *r);
  r->pattern = pattern;
  r->expect = expect;
  r->code = code;
  r->line = line;
  return r;
}

static void rules(tf_build *b, const char *file, yval *m, const char *key, tf_vec *out) {
  yval *v = yv_get(m, key);
  if (!v) return;
  if (v->kind != YV_SEQ) {
    diag_add(&b->diags, file, v->line, 1, DIAG_ERROR, "catalog-invalid", "'%s' must be a list", key);
    return;
  }
  for (size_t i = 0; i < v->n; i++) {
    yval *it = v->items[i];
    const char *pat = yv_str(it), *expect = NULL;
    if (it->kind == YV_MAP) pat = yv_get_str(it, "pattern"), expect = yv_get_str(it, "expect");
    if (!pat) {
      diag_add(&b->diags, file, it->line, 1, DIAG_ERROR, "catalog-invalid", "a rule is a pattern or {pattern, expect}");
      continue;
    }
    tf_rule *r = compile(b, file, it->line, pat, expect ? expect : pat);
    if (r) vec_push(b->arena, out, r);
  }
}

static void strings(tf_build *b, yval *m, const char *key, tf_vec *out) {
  yval *v = yv_get(m, key);
  for (size_t i = 0; v && v->kind == YV_SEQ && i < v->n; i++)
    if (yv_str(v->items[i])) vec_push(b->arena, out, (void *)v->items[i]->str);
}

int catalog_load(tf_build *b, const char *path) {
  tf_arena *a = b->arena;
  tf_catalog *c = &b->catalog;
  c->path = path;
  tf_buf buf = {0};
  char err[256];
  if (file_read(path, 4 << 20, &buf, err, sizeof err) != 0) {
    diag_add(&b->diags, path, 1, 1, DIAG_ERROR, "catalog-missing", "cannot read the clause catalog: %s", err);
    buf_free(&buf);
    return -1;
  }
  pack_sha256_hex(buf.data ? buf.data : "", buf.len, c->sha);
  yval *root;
  int line;
  int rc = yv_parse(a, buf.data, buf.len, &root, &line, err, sizeof err);
  buf_free(&buf);
  if (rc != 0 || !root || root->kind != YV_MAP) {
    diag_add(&b->diags, path, rc ? line : 1, 1, DIAG_ERROR, "catalog-invalid", "%s", rc ? err : "the catalog must be a mapping");
    return -1;
  }
  if (!match_ctx) {
    match_ctx = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(match_ctx, MATCH_LIMIT);
    pcre2_set_depth_limit(match_ctx, DEPTH_LIMIT);
  }
  c->standard = yv_get_str(root, "standard");
  c->title = yv_get_str(root, "title");
  if (!c->title) c->title = c->standard ? c->standard : "the standard";
  strings(b, root, "processes", &c->processes);
  yval *cl = yv_get(root, "clauses");
  if (!cl || cl->kind != YV_SEQ) {
    diag_add(&b->diags, path, root->line, 1, DIAG_ERROR, "catalog-invalid", "the catalog needs a list 'clauses'");
    return -1;
  }
  size_t errors = b->diags.errors;
  for (size_t i = 0; i < cl->n; i++) {
    yval *m = cl->items[i];
    if (m->kind != YV_MAP) {
      diag_add(&b->diags, path, m->line, 1, DIAG_ERROR, "catalog-invalid", "a clause entry must be a mapping");
      continue;
    }
    tf_clause *k = arena_alloc(a, sizeof *k);
    k->clause = str_at(b, path, m, "clause", 1);
    k->title = str_at(b, path, m, "title", 1);
    k->process = str_at(b, path, m, "process", 1);
    k->severity = str_at(b, path, m, "severity", 0);
    k->audit_focus = str_at(b, path, m, "audit_focus", 0);
    k->defense = str_at(b, path, m, "defense", 0);
    const char *rel = yv_get_str(m, "release");
    k->release = rel && (!strcmp(rel, "true") || !strcmp(rel, "yes"));
    if (!k->severity) k->severity = "minor";
    if (!k->audit_focus) k->audit_focus = "";
    if (!k->defense) k->defense = "{product} {product_version} addresses this clause in {doc_id} \"{doc_title}\" (version {doc_version}).";
    if (!k->clause || !k->title || !k->process) continue;
    if (catalog_find(c, k->clause)) {
      diag_add(&b->diags, path, m->line, 1, DIAG_ERROR, "catalog-invalid", "clause %s is listed twice", k->clause);
      continue;
    }
    yval *xw = yv_get(m, "crosswalk");
    for (size_t j = 0; xw && xw->kind == YV_SEQ && j < xw->n; j++) {
      tf_xwalk *x = arena_alloc(a, sizeof *x);
      x->standard = yv_get_str(xw->items[j], "standard");
      x->ref = yv_get_str(xw->items[j], "ref");
      x->confidence = yv_get_str(xw->items[j], "confidence");
      if (!x->confidence) x->confidence = "stated";
      if (x->standard && x->ref) vec_push(a, &k->crosswalk, x);
    }
    strings(b, m, "records", &k->records);
    rules(b, path, m, "content", &k->content);
    rules(b, path, m, "hints", &k->hints);
    vec_push(a, &c->clauses, k);
  }
  return b->diags.errors > errors ? -1 : 0;
}

tf_clause *catalog_find(const tf_catalog *c, const char *clause) {
  for (size_t i = 0; i < c->clauses.n; i++)
    if (!strcmp(((tf_clause *)c->clauses.items[i])->clause, clause)) return c->clauses.items[i];
  return NULL;
}

int catalog_match(tf_build *b, tf_rule *r, const char *subject, int utf8_checked) {
  pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->code, NULL);
  int rc = pcre2_match(r->code, (PCRE2_SPTR)subject, strlen(subject), 0, utf8_checked ? PCRE2_NO_UTF_CHECK : 0, md, match_ctx);
  pcre2_match_data_free(md);
  if (rc >= 0) return 1;
  if (rc == PCRE2_ERROR_NOMATCH) return 0;
  diag_add(&b->diags, b->catalog.path, r->line, 1, DIAG_ERROR, "catalog-pattern-limit",
           "pattern '%s' hit the PCRE2 match or depth limit (error %d): simplify it", r->pattern, rc);
  return -1;
}

static void free_rules(tf_vec *v) {
  for (size_t i = 0; i < v->n; i++) pcre2_code_free(((tf_rule *)v->items[i])->code);
}

void catalog_free(tf_catalog *c) {
  for (size_t i = 0; i < c->clauses.n; i++) {
    tf_clause *k = c->clauses.items[i];
    free_rules(&k->content);
    free_rules(&k->hints);
  }
  if (match_ctx) pcre2_match_context_free(match_ctx), match_ctx = NULL;
}
