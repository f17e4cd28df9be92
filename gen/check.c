/*
 * check.c: the evidence engine. Crosses the catalog with what the documents declare and
 * contain, and decides each clause's status: tailored (a valid tailoring entry), backed (a
 * declaring document passes every evidence rule and record check), or gap (every reason).
 *
 * Owns: the tf_result list (arena). Typed records claim the clauses they back without an
 * `evidence` entry (records → clauses, as the content format lists them).
 */
#include <string.h>

#include "memo.h"
#include "records.h"

static const char *const IMPLICIT[][3] = {{"4.1.2"}, {"4.1.2"}, {"4.1.4"}, {"4.1.4"}, {"5.1.1"}, {"5.8.6"}, {"5.8.1", "5.8.5"}};

const char *check_status_name(tf_status s) { return s == ST_BACKED ? "backed" : s == ST_GAP ? "gap" : "tailored"; }

static tf_claim *find_claim(tf_doc *d, const char *clause) {
  for (size_t i = 0; i < d->claims.n; i++)
    if (!strcmp(((tf_claim *)d->claims.items[i])->clause, clause)) return d->claims.items[i];
  return NULL;
}

static void add_implicit_claims(tf_build *b, tf_doc *d) {
  int t = rec_type_index(d->type);
  for (int i = 0; t >= 0 && i < 3 && IMPLICIT[t][i]; i++) {
    if (find_claim(d, IMPLICIT[t][i])) continue;
    tf_claim *c = arena_alloc(b->arena, sizeof *c);
    c->clause = IMPLICIT[t][i];
    c->line = 1;
    c->col = 1;
    c->implicit = 1;
    vec_push(b->arena, &d->claims, c);
  }
}

static int type_present(tf_build *b, const char *type) {
  for (size_t i = 0; i < b->docs.n; i++)
    if (!strcmp(((tf_doc *)b->docs.items[i])->type, type)) return 1;
  return 0;
}

/* Reasons that hold for every claim of a clause: missing record types, broken records. */
static void clause_reasons(tf_build *b, tf_clause *k, tf_vec *out) {
  for (size_t i = 0; i < k->records.n; i++)
    if (!type_present(b, k->records.items[i]))
      vec_push(b->arena, out, arena_printf(b->arena, "no '%s' record in the technical file", (char *)k->records.items[i]));
  for (size_t i = 0; i < b->record_gaps.n; i++) {
    tf_record_gap *g = b->record_gaps.items[i];
    if (!strcmp(g->clause, k->clause)) vec_push(b->arena, out, (void *)g->reason);
  }
}

static void check_claim(tf_build *b, tf_doc *d, tf_claim *c, tf_clause *k, const tf_vec *common) {
  tf_arena *a = b->arena;
  if (c->section) {
    tf_heading *h = model_find_heading(d, c->section);
    if (h) c->anchor = h->slug;
    else {
      diag_add(&b->diags, d->shown, c->line, c->col, DIAG_WARNING, "evidence-section-missing",
               "evidence for %s names the section '%s', which %s does not have", c->clause, c->section, d->id);
      vec_push(a, &c->reasons, arena_printf(a, "%s has no section '%s'", d->id, c->section));
    }
  }
  c->hits = arena_alloc(a, k->content.n + 1);
  for (size_t i = 0; i < k->content.n; i++) {
    tf_rule *r = k->content.items[i];
    int hit = memo_hit(d, k->clause, i);
    if (hit < 0 && model_plain_text(b, d) == 0) hit = catalog_match(b, r, d->plain, d->plain_utf8);
    if (hit < 0) d->memo_bad = 1;
    c->hits[i] = hit == 1 ? '1' : '0';
    if (hit != 1) vec_push(a, &c->reasons, arena_printf(a, "nothing in %s shows that it %s", d->id, r->expect));
  }
  for (size_t i = 0; i < common->n; i++) vec_push(a, &c->reasons, common->items[i]);
  c->status = c->reasons.n ? ST_GAP : ST_BACKED;
}

static void hint(tf_build *b, tf_clause *k) {
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    for (size_t j = 0; j < k->hints.n; j++) {
      tf_rule *r = k->hints.items[j];
      if (catalog_match(b, r, d->path, 0) == 1 || catalog_match(b, r, d->title, 0) == 1) {
        diag_add(&b->diags, d->shown, 1, 1, DIAG_WARNING, "evidence-hint",
                 "%s looks like evidence for %s (%s), which no document declares: add '%s' to its evidence", d->id,
                 k->clause, k->title, k->clause);
        break;
      }
    }
  }
}

void check_clauses(tf_build *b) {
  tf_arena *a = b->arena;
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    add_implicit_claims(b, d);
    for (size_t j = 0; j < d->claims.n; j++) {
      tf_claim *c = d->claims.items[j];
      if (!catalog_find(&b->catalog, c->clause))
        diag_add(&b->diags, d->shown, c->line, c->col, DIAG_ERROR, "evidence-clause-unknown",
                 "evidence names clause '%s', which is not in the %s catalog", c->clause, b->catalog.title);
    }
  }
  for (size_t i = 0; i < b->catalog.clauses.n; i++) {
    tf_clause *k = b->catalog.clauses.items[i];
    tf_result *res = arena_alloc(a, sizeof *res);
    res->clause = k;
    vec_push(a, &b->results, res);
    tf_vec common = {0};
    clause_reasons(b, k, &common);
    for (size_t j = 0; j < b->docs.n; j++) {
      tf_doc *d = b->docs.items[j];
      tf_claim *c = find_claim(d, k->clause);
      if (!c) continue;
      check_claim(b, d, c, k, &common);
      vec_push(a, &res->claimed_by, d);
      if (c->status == ST_BACKED) vec_push(a, &res->evidence, d);
    }
    rec_tailoring *t = records_tailoring_for(b, k->clause);
    if (t) {
      res->tailoring_decision = t->decision;
      res->tailoring_justification = t->justification;
      res->tailoring_approver = t->approver;
    }
    if (t && t->valid) {
      res->status = ST_TAILORED;
    } else if (res->evidence.n) {
      res->status = ST_BACKED;
    } else {
      res->status = ST_GAP;
      if (t) vec_push(a, &res->reasons, arena_printf(a, "the tailoring entry in %s is not valid (see its warnings)", t->doc->id));
      if (!res->claimed_by.n) {
        vec_push(a, &res->reasons, "no document declares it in its evidence");
        for (size_t j = 0; j < common.n; j++) vec_push(a, &res->reasons, common.items[j]);
        hint(b, k);
      }
      for (size_t j = 0; j < res->claimed_by.n; j++) {
        tf_claim *c = find_claim(res->claimed_by.items[j], k->clause);
        for (size_t r = 0; r < c->reasons.n; r++) {
          int dup = 0;
          for (size_t q = 0; q < res->reasons.n && !dup; q++) dup = !strcmp(res->reasons.items[q], c->reasons.items[r]);
          if (!dup) vec_push(a, &res->reasons, c->reasons.items[r]);
        }
      }
    }
    /* Claims of a tailored clause read as tailored. */
    for (size_t j = 0; j < res->claimed_by.n; j++)
      if (res->status == ST_TAILORED) find_claim(res->claimed_by.items[j], k->clause)->status = ST_TAILORED;
    if (res->status == ST_GAP) {
      tf_buf why = {0};
      for (size_t r = 0; r < res->reasons.n; r++) buf_printf(&why, "%s%s", r ? "; " : "", (char *)res->reasons.items[r]);
      tf_doc *d = res->claimed_by.n ? res->claimed_by.items[0] : NULL;
      tf_claim *c = d ? find_claim(d, k->clause) : NULL;
      diag_add(&b->diags, d ? d->shown : b->config_shown, c ? c->line : 1, c ? c->col : 1, DIAG_WARNING, "clause-gap",
               "%s §%s %s is not backed (%s gap): %s", b->catalog.title, k->clause, k->title, k->severity, buf_cstr(&why));
      buf_free(&why);
    }
  }
}
