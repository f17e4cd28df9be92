/*
 * pages.c: the generated pages: index, compliance matrix, gap list, RACI, training matrix and
 * release readiness. Each is built as a page tree in the same vocabulary as the documents, so
 * the same templates render it to HTML and DOCX.
 *
 * Owns: nothing past its return; each page's xmlDoc goes to the caller.
 */
#include "pages.h"

#include <string.h>

#include "records.h"

static const char *status_label(tf_status s) { return s == ST_BACKED ? "Backed" : s == ST_GAP ? "Gap" : "Tailored"; }

static void doc_link(tf_page *p, xmlNodePtr parent, tf_doc *d, int with_title) {
  xb_link_page(p, parent, with_title ? arena_printf(p->b->arena, "%s %s", d->id, d->title) : d->id, d->id, NULL, NULL);
}

static const char *crosswalk_text(tf_build *b, tf_clause *k) {
  tf_buf t = {0};
  for (size_t i = 0; i < k->crosswalk.n; i++) {
    tf_xwalk *x = k->crosswalk.items[i];
    buf_printf(&t, "%s%s %s%s", i ? "; " : "", x->standard, x->ref, strcmp(x->confidence, "stated") ? " (inferred)" : "");
  }
  const char *s = arena_strdup(b->arena, buf_cstr(&t));
  buf_free(&t);
  return s;
}

static void counts(tf_build *b, int n[3]) {
  n[0] = n[1] = n[2] = 0;
  for (size_t i = 0; i < b->results.n; i++) n[((tf_result *)b->results.items[i])->status]++;
}

static xmlDocPtr page_index(tf_build *b) {
  tf_page p;
  page_begin(&p, b, "index", "index", "Technical file", NULL);
  int n[3];
  counts(b, n);
  xb_heading(&p, 1, arena_printf(b->arena, "%s %s", b->product, b->product_version), "overview");
  xb_para(p.body, arena_printf(b->arena,
                               "This technical file shows, clause by clause, how %s %s%s%s meets %s. It was built by techfile "
                               "on %s from %zu documents.",
                               b->product, b->product_version, b->manufacturer ? " by " : "", b->manufacturer ? b->manufacturer : "",
                               b->catalog.title, b->build_date, b->docs.n));
  xmlNodePtr para = xb_para(p.body, NULL);
  xb_badge(para, "backed", arena_printf(b->arena, "%d backed", n[ST_BACKED]));
  xb_text(para, "text", " ");
  xb_badge(para, "gap", arena_printf(b->arena, "%d gaps", n[ST_GAP]));
  xb_text(para, "text", " ");
  xb_badge(para, "tailored", arena_printf(b->arena, "%d tailored", n[ST_TAILORED]));
  xb_text(para, "text", " of the clauses of the ");
  xb_link_page(&p, para, "compliance matrix", "compliance-matrix", NULL, NULL);
  xb_text(para, "text", ".");
  xb_heading(&p, 2, "Documents", "documents");
  static const char *const head[] = {"ID", "Title", "Type", "Version", "Status", "Backs"};
  xmlNodePtr t = xb_table(p.body, 6, head);
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    xmlNodePtr r = xb_row(t);
    doc_link(&p, xb_cell(r, NULL), d, 0);
    xb_cell(r, d->title);
    xb_cell(r, d->type);
    xb_cell(r, d->version);
    xb_badge(xb_cell(r, NULL), !strcmp(d->status, "approved") ? "ok" : "warning", d->status);
    tf_buf cl = {0};
    for (size_t j = 0; j < d->claims.n; j++) buf_printf(&cl, "%s%s", j ? ", " : "", ((tf_claim *)d->claims.items[j])->clause);
    xb_cell(r, buf_cstr(&cl));
    buf_free(&cl);
  }
  return p.xml;
}

static void reasons_cell(xmlNodePtr cell, tf_result *res) {
  for (size_t r = 0; r < res->reasons.n; r++) {
    if (r) xb_el(cell, "linebreak");
    xb_text(cell, "text", res->reasons.items[r]);
  }
}

static xmlDocPtr page_matrix(tf_build *b) {
  tf_page p;
  page_begin(&p, b, "matrix", "compliance-matrix", "Compliance matrix", NULL);
  int n[3];
  counts(b, n);
  xb_heading(&p, 1, arena_printf(b->arena, "Compliance matrix: %s", b->catalog.title), "matrix");
  xb_para(p.body, arena_printf(b->arena, "%zu clauses: %d backed, %d gaps, %d tailored. Build date %s.", b->results.n,
                               n[ST_BACKED], n[ST_GAP], n[ST_TAILORED], b->build_date));
  static const char *const head[] = {"Clause", "Title", "Process", "Crosswalk", "Status", "Evidence", "Audit defense"};
  xmlNodePtr t = xb_table(p.body, 7, head);
  for (size_t i = 0; i < b->results.n; i++) {
    tf_result *res = b->results.items[i];
    tf_clause *k = res->clause;
    xmlNodePtr r = xb_row(t);
    xb_attr(r, "anchor", arena_printf(b->arena, "clause-%s", k->clause));
    xb_attr(r, "bookmark", decorate_clause_bookmark(b->arena, k->clause));
    xb_cell(r, k->clause);
    xb_cell(r, k->title);
    xb_cell(r, k->process);
    xb_cell(r, crosswalk_text(b, k));
    xb_badge(xb_cell(r, NULL), check_status_name(res->status), status_label(res->status));
    xmlNodePtr ev = xb_cell(r, NULL);
    tf_vec *docs = res->evidence.n ? &res->evidence : &res->claimed_by;
    for (size_t j = 0; j < docs->n; j++) {
      if (j) xb_text(ev, "text", ", ");
      doc_link(&p, ev, docs->items[j], 0);
    }
    xmlNodePtr st = xb_cell(r, NULL);
    if (res->status == ST_BACKED) {
      tf_doc *d = res->evidence.items[0];
      tf_claim *c = NULL;
      for (size_t j = 0; j < d->claims.n; j++)
        if (!strcmp(((tf_claim *)d->claims.items[j])->clause, k->clause)) c = d->claims.items[j];
      xb_text(st, "text", decorate_defense(b, k, d, c));
    } else if (res->status == ST_TAILORED) {
      xb_text(st, "text", arena_printf(b->arena, "Tailored (%s): %s Approved by %s.", res->tailoring_decision,
                                       res->tailoring_justification, res->tailoring_approver));
    } else {
      reasons_cell(st, res);
    }
  }
  return p.xml;
}

static xmlDocPtr page_gaps(tf_build *b) {
  tf_page p;
  page_begin(&p, b, "gaps", "gaps", "Gap list", NULL);
  int n[3];
  counts(b, n);
  xb_heading(&p, 1, "Gap list", "gaps");
  if (!n[ST_GAP]) {
    xb_para(p.body, "Every clause is backed by evidence or validly tailored.");
    return p.xml;
  }
  xb_para(p.body, arena_printf(b->arena, "%d clauses have no backing evidence, major gaps first.", n[ST_GAP]));
  static const char *const head[] = {"Clause", "Title", "Severity", "Why", "Declared by"};
  xmlNodePtr t = xb_table(p.body, 5, head);
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < b->results.n; i++) {
      tf_result *res = b->results.items[i];
      if (res->status != ST_GAP || (strcmp(res->clause->severity, "major") == 0) != (pass == 0)) continue;
      xmlNodePtr r = xb_row(t);
      xb_attr(r, "anchor", arena_printf(b->arena, "gap-%s", res->clause->clause));
      xb_link_page(&p, xb_cell(r, NULL), res->clause->clause, "compliance-matrix",
                   arena_printf(b->arena, "clause-%s", res->clause->clause), decorate_clause_bookmark(b->arena, res->clause->clause));
      xb_cell(r, res->clause->title);
      xb_badge(xb_cell(r, NULL), pass == 0 ? "error" : "warning", res->clause->severity);
      reasons_cell(xb_cell(r, NULL), res);
      xmlNodePtr by = xb_cell(r, NULL);
      for (size_t j = 0; j < res->claimed_by.n; j++) {
        if (j) xb_text(by, "text", ", ");
        doc_link(&p, by, res->claimed_by.items[j], 0);
      }
    }
  return p.xml;
}

static xmlDocPtr page_raci(tf_build *b) {
  tf_records *r = b->records;
  tf_page p;
  page_begin(&p, b, "raci", "raci", "RACI matrix", NULL);
  xb_heading(&p, 1, "RACI matrix", "raci");
  xmlNodePtr para = xb_para(p.body, "Responsible, Accountable, Consulted and Informed roles per process, from ");
  doc_link(&p, para, r->raci_doc, 1);
  xb_text(para, "text", ". Every process needs exactly one Accountable and at least one Responsible role.");
  size_t nr = r->raci_roles.n;
  const char **head = arena_alloc(b->arena, (nr + 2) * sizeof(char *));
  head[0] = "Process";
  for (size_t k = 0; k < nr; k++) head[k + 1] = r->raci_roles.items[k];
  head[nr + 1] = "Check";
  xmlNodePtr t = xb_table(p.body, (int)nr + 2, head);
  for (size_t i = 0; i < r->raci_rows.n; i++) {
    rec_raci_row *x = r->raci_rows.items[i];
    xmlNodePtr row = xb_row(t);
    xb_cell(row, x->process);
    for (size_t k = 0; k < nr; k++) {
      char s[12] = "";
      size_t o = 0;
      static const struct { unsigned bit; char c; } L[] = {{RACI_R, 'R'}, {RACI_A, 'A'}, {RACI_C, 'C'}, {RACI_I, 'I'}};
      for (int q = 0; q < 4; q++)
        if (x->cells[k] & L[q].bit) {
          if (o) s[o++] = ',', s[o++] = ' ';
          s[o++] = L[q].c;
        }
      xb_cell(row, s);
    }
    xmlNodePtr chk = xb_cell(row, NULL);
    if (!x->problems[0]) xb_badge(chk, "ok", "ok");
    for (int q = 0; q < 4 && x->problems[q]; q++) {
      if (q) xb_el(chk, "linebreak");
      xb_badge(chk, "error", x->problems[q]);
    }
  }
  for (size_t pi = 0; pi < b->catalog.processes.n; pi++) {
    const char *proc = b->catalog.processes.items[pi];
    int found = 0;
    for (size_t i = 0; i < r->raci_rows.n; i++) found |= str_ieq(((rec_raci_row *)r->raci_rows.items[i])->process, proc);
    if (found) continue;
    xmlNodePtr row = xb_row(t);
    xb_cell(row, proc);
    for (size_t k = 0; k < nr; k++) xb_cell(row, "");
    xb_badge(xb_cell(row, NULL), "error", "process missing");
  }
  return p.xml;
}

static const char *key_lower(tf_arena *a, const char *s) {
  char *k = arena_strdup(a, s);
  for (char *p = k; *p; p++)
    if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
  return k;
}

static xmlDocPtr page_training(tf_build *b) {
  tf_records *r = b->records;
  tf_arena *a = b->arena;
  tf_page p;
  page_begin(&p, b, "training", "training", "Training matrix", NULL);
  xb_heading(&p, 1, "Training matrix", "training");
  xb_para(p.body, arena_printf(a, "Each person's standing on %s for every competency their roles require: current, expiring "
                                  "within 60 days, expired, failed or missing.", b->build_date));
  tf_vec comps = {0};
  for (size_t i = 0; i < r->profiles.n; i++) {
    const char *c = ((rec_profile *)r->profiles.items[i])->competency;
    int dup = 0;
    for (size_t j = 0; j < comps.n && !dup; j++) dup = str_ieq(comps.items[j], c);
    if (!dup) vec_push(a, &comps, (void *)c);
  }
  tf_map by = {0}; /* person and competency → standing */
  for (size_t s = 0; s < r->standings.n; s++) {
    rec_standing *x = r->standings.items[s];
    const char *k = arena_printf(a, "%p|%s", (void *)x->person, key_lower(a, x->competency));
    if (!map_get(&by, k)) map_put(a, &by, k, x);
  }
  const char **head = arena_alloc(a, (comps.n + 2) * sizeof(char *));
  head[0] = "Person";
  head[1] = "Roles";
  for (size_t j = 0; j < comps.n; j++) head[j + 2] = comps.items[j];
  xmlNodePtr t = xb_table(p.body, (int)comps.n + 2, head);
  for (size_t i = 0; i < r->people.n; i++) {
    rec_person *person = r->people.items[i];
    xmlNodePtr row = xb_row(t);
    xb_cell(row, person->name);
    tf_buf roles = {0};
    for (size_t q = 0; q < person->roles.n; q++) buf_printf(&roles, "%s%s", q ? ", " : "", (char *)person->roles.items[q]);
    xb_cell(row, buf_cstr(&roles));
    buf_free(&roles);
    for (size_t j = 0; j < comps.n; j++) {
      rec_standing *sd = map_get(&by, arena_printf(a, "%p|%s", (void *)person, key_lower(a, comps.items[j])));
      xmlNodePtr c = xb_cell(row, sd ? NULL : "—");
      if (!sd) continue;
      static const char *const value[] = {"current", "expiring", "expired", "missing", "missing"};
      xb_badge(c, value[sd->state], tr_state_name(sd->state));
      if (sd->best) {
        char exp[11];
        date_format(sd->best->expires, exp);
        xb_el(c, "linebreak");
        xb_text(c, "text", arena_printf(a, "%s → %s", sd->best->completed_s, exp));
      }
    }
  }
  return p.xml;
}

static xmlDocPtr page_release(tf_build *b) {
  tf_records *r = b->records;
  tf_page p;
  page_begin(&p, b, "release", "release", "Release readiness", NULL);
  xb_heading(&p, 1, "Release readiness", "release");
  if (!b->blockers.n) {
    xmlNodePtr para = xb_para(p.body, NULL);
    xb_badge(para, "ok", "ready");
    xb_text(para, "text", " Nothing blocks a release build (techfile build --release).");
  } else {
    xmlNodePtr para = xb_para(p.body, NULL);
    xb_badge(para, "error", "blocked");
    xb_text(para, "text", arena_printf(b->arena, " %zu items block a release build (techfile build --release):", b->blockers.n));
    static const char *const head[] = {"Blocker", "Where"};
    xmlNodePtr t = xb_table(p.body, 2, head);
    for (size_t i = 0; i < b->blockers.n; i++) {
      tf_blocker *x = b->blockers.items[i];
      xmlNodePtr row = xb_row(t);
      xb_cell(row, x->what);
      xb_cell(row, arena_printf(b->arena, "%s:%d", x->file, x->line));
    }
  }
  if (r && r->checklist.n) {
    xb_heading(&p, 2, "Pre-release checklist", "checklist");
    static const char *const head[] = {"Clause", "Activity", "Record", "Status"};
    xmlNodePtr t = xb_table(p.body, 4, head);
    for (size_t i = 0; i < r->checklist.n; i++) {
      rec_check_item *x = r->checklist.items[i];
      xmlNodePtr row = xb_row(t);
      xb_cell(row, x->clause);
      xb_cell(row, x->activity);
      xmlNodePtr rc = xb_cell(row, NULL);
      tf_doc *d = *x->record ? model_find(b, x->record) : NULL;
      if (d) doc_link(&p, rc, d, 0);
      xb_badge(xb_cell(row, NULL), !strcmp(x->status, "done") ? "done" : "open", x->status);
    }
  }
  if (r && r->findings.n) {
    xb_heading(&p, 2, "Findings", "findings");
    static const char *const head[] = {"ID", "Source", "Severity", "Status", "Record"};
    xmlNodePtr t = xb_table(p.body, 5, head);
    for (size_t i = 0; i < r->findings.n; i++) {
      rec_finding *f = r->findings.items[i];
      xmlNodePtr row = xb_row(t);
      xb_cell(row, f->id);
      xb_cell(row, f->source);
      xb_cell(row, f->severity);
      xb_badge(xb_cell(row, NULL), !strcmp(f->status, "open") ? "open" : "done", f->status);
      xmlNodePtr rc = xb_cell(row, NULL);
      tf_doc *d = *f->record ? model_find(b, f->record) : NULL;
      if (d) doc_link(&p, rc, d, 0);
    }
  }
  return p.xml;
}

size_t pages_list(tf_build *b, const char *out[PAGES_MAX]) {
  tf_genpage g[PAGES_MAX];
  size_t n = decorate_generated(b, g);
  for (size_t i = 0; i < n; i++) out[i] = g[i].file;
  return n;
}

xmlDocPtr pages_build(tf_build *b, const char *stem) {
  static const struct { const char *stem; xmlDocPtr (*build)(tf_build *); } all[] = {
      {"index", page_index}, {"compliance-matrix", page_matrix}, {"gaps", page_gaps},
      {"raci", page_raci},   {"training", page_training},        {"release", page_release},
  };
  for (size_t i = 0; i < sizeof all / sizeof *all; i++)
    if (!strcmp(all[i].stem, stem)) return all[i].build(b);
  return NULL;
}
