/*
 * records.c: reads and checks the structured records (see records.h and the records section
 * of the content format). Each check has its own rule id; every diagnostic points at the
 * line of the row it is about.
 */
#include "records.h"

#include <cmark-gfm-core-extensions.h>
#include <stdlib.h>
#include <string.h>

static const char *const REC_TYPES[] = {"roster", "raci", "training-profiles", "training-records",
                                        "tailoring", "release-checklist", "findings"};
/* The clauses each record type backs (content format, "Which clauses each record backs"). */
static const char *const REC_CLAUSES[][3] = {{"4.1.2"}, {"4.1.2"}, {"4.1.4"}, {"4.1.4"}, {"5.1.1"}, {"5.8.6"}, {"5.8.1", "5.8.5"}};

int rec_type_index(const char *type) {
  for (int i = 0; i < 7; i++)
    if (!strcmp(type, REC_TYPES[i])) return i;
  return -1;
}

const char *tr_state_name(tr_state s) {
  static const char *const n[] = {"current", "expiring", "expired", "missing", "failed"};
  return n[s];
}

/* ---- reading the first table ------------------------------------------------- */
static tf_table *read_table_of(tf_build *b, tf_doc *d, cmark_node *ast);

/* model_build released the parse tree: parse the document again for its table. */
static tf_table *read_table(tf_build *b, tf_doc *d) {
  if (!d->ast) load_body(b, d);
  cmark_node *ast = d->ast ? d->ast : load_markdown(d->body ? d->body : "", d->body_len);
  tf_table *t = read_table_of(b, d, ast);
  if (ast != d->ast) cmark_node_free(ast);
  return t;
}

static tf_table *read_table_of(tf_build *b, tf_doc *d, cmark_node *ast) {
  tf_arena *a = b->arena;
  cmark_iter *it = cmark_iter_new(ast);
  cmark_node *table = NULL;
  cmark_event_type ev;
  while (!table && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *n = cmark_iter_get_node(it);
    if (ev == CMARK_EVENT_ENTER && model_is(n, "table")) table = n;
  }
  cmark_iter_free(it);
  if (!table) return NULL;
  tf_table *t = arena_alloc(a, sizeof *t);
  t->line = cmark_node_get_start_line(table) + d->body_line0;
  t->ncols = cmark_gfm_extensions_get_table_columns(table);
  tf_buf cell = {0};
  int first = 1;
  for (cmark_node *row = cmark_node_first_child(table); row; row = cmark_node_next(row)) {
    const char **cells = arena_alloc(a, (t->ncols + 1) * sizeof(char *));
    size_t i = 0;
    for (cmark_node *c = cmark_node_first_child(row); c && i < t->ncols; c = cmark_node_next(c), i++) {
      cell.len = 0;
      model_plain(c, &cell);
      cells[i] = str_trim(a, buf_cstr(&cell), cell.len);
    }
    for (; i < t->ncols; i++) cells[i] = "";
    if (first) {
      t->head = cells;
      first = 0;
      continue;
    }
    tf_row *r = arena_alloc(a, sizeof *r);
    r->line = cmark_node_get_start_line(row) + d->body_line0;
    r->cells = cells;
    vec_push(a, &t->rows, r);
  }
  buf_free(&cell);
  return t;
}

/* A comparison key for names of roles, people and columns: lower case, single spaces, and a
 * column's "(...)" description dropped, so "Refresh (months)" matches "refresh". */
static const char *key_of(tf_arena *a, const char *s, int drop_parens) {
  size_t n = strlen(s);
  char *k = arena_alloc(a, n + 1), *o = k;
  int space = 0;
  for (const char *p = s; *p; p++) {
    if (drop_parens && *p == '(') break;
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '_') {
      space = o != k;
      continue;
    }
    if (space) *o++ = ' ', space = 0;
    *o++ = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
  }
  *o = 0;
  return k;
}

static int col_of(tf_build *b, tf_doc *d, const char *name, int required) {
  const char *want = key_of(b->arena, name, 1);
  for (size_t i = 0; i < d->table->ncols; i++)
    if (!strcmp(key_of(b->arena, d->table->head[i], 1), want)) return (int)i;
  if (required)
    diag_add(&b->diags, d->shown, d->table->line, 1, DIAG_ERROR, "records-column-missing",
             "the %s table has no column '%s'", d->type, name);
  return -1;
}

static const char *cell(tf_row *r, int col) { return col >= 0 ? r->cells[col] : ""; }

/* ---- shared helpers -------------------------------------------------------------- */
static void gap(tf_build *b, int type, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void gap(tf_build *b, int type, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = NULL;
  if (vasprintf(&msg, fmt, ap) < 0) tf_fatal("out of memory");
  va_end(ap);
  for (int i = 0; i < 3 && REC_CLAUSES[type][i]; i++) {
    tf_record_gap *g = arena_alloc(b->arena, sizeof *g);
    g->clause = REC_CLAUSES[type][i];
    g->reason = arena_strdup(b->arena, msg);
    vec_push(b->arena, &b->record_gaps, g);
  }
  free(msg);
}

static void blocker(tf_build *b, const char *file, int line, const char *what) {
  tf_blocker *x = arena_alloc(b->arena, sizeof *x);
  x->file = file;
  x->line = line;
  x->what = what;
  vec_push(b->arena, &b->blockers, x);
}

static rec_person *find_person(tf_records *r, tf_arena *a, const char *name) {
  return map_get(&r->person_by_key, key_of(a, name, 0));
}

static int has_role(tf_records *r, const char *role_key) {
  for (size_t i = 0; i < r->people.n; i++) {
    rec_person *p = r->people.items[i];
    for (size_t j = 0; j < p->roles.n; j++)
      if (!strcmp(p->roles.items[j], role_key)) return 1;
  }
  return 0;
}

/* Splits a comma/semicolon/slash separated cell into trimmed parts. */
static void split_list(tf_arena *a, const char *s, const char *seps, tf_vec *out) {
  const char *start = s;
  for (const char *p = s;; p++) {
    if (!*p || strchr(seps, *p)) {
      char *part = str_trim(a, start, (size_t)(p - start));
      if (*part) vec_push(a, out, part);
      if (!*p) break;
      start = p + 1;
    }
  }
}

static int parse_date_cell(tf_build *b, tf_doc *d, tf_row *row, const char *what, const char *s, long *out) {
  if (date_parse(s, out) == 0) return 0;
  diag_add(&b->diags, d->shown, row->line, 1, DIAG_ERROR, "records-date", "%s '%s' is not a date YYYY-MM-DD", what, s);
  return -1;
}

/* ---- per record type ------------------------------------------------------------- */
static void read_roster(tf_build *b, tf_records *r, tf_doc *d) {
  int cp = col_of(b, d, "Person", 1), cr = col_of(b, d, "Roles", 1);
  if (cp < 0 || cr < 0) return;
  for (size_t i = 0; i < d->table->rows.n; i++) {
    tf_row *row = d->table->rows.items[i];
    if (!*cell(row, cp)) {
      diag_add(&b->diags, d->shown, row->line, 1, DIAG_ERROR, "roster-person-empty", "a roster row has no person");
      continue;
    }
    rec_person *p = arena_alloc(b->arena, sizeof *p);
    p->name = cell(row, cp);
    p->key = key_of(b->arena, p->name, 0);
    p->doc = d;
    p->line = row->line;
    tf_vec roles = {0};
    split_list(b->arena, cell(row, cr), ",;", &roles);
    for (size_t j = 0; j < roles.n; j++) vec_push(b->arena, &p->roles, (void *)key_of(b->arena, roles.items[j], 0));
    if (find_person(r, b->arena, p->name))
      diag_add(&b->diags, d->shown, row->line, 1, DIAG_ERROR, "roster-person-duplicate", "person '%s' is listed twice", p->name);
    else vec_push(b->arena, &r->people, p), map_put(b->arena, &r->person_by_key, p->key, p);
  }
}

static void read_raci(tf_build *b, tf_records *r, tf_doc *d) {
  tf_arena *a = b->arena;
  int cp = col_of(b, d, "Process", 1);
  if (cp < 0) return;
  r->raci_doc = d;
  for (size_t c = 0; c < d->table->ncols; c++)
    if ((int)c != cp) vec_push(a, &r->raci_roles, (void *)d->table->head[c]);
  size_t nroles = r->raci_roles.n;
  for (size_t i = 0; i < d->table->rows.n; i++) {
    tf_row *row = d->table->rows.items[i];
    rec_raci_row *x = arena_alloc(a, sizeof *x);
    x->process = cell(row, cp);
    x->line = row->line;
    x->doc = d;
    x->cells = arena_alloc(a, (nroles + 1) * sizeof(unsigned));
    x->problems = arena_alloc(a, 4 * sizeof(char *));
    size_t k = 0;
    for (size_t c = 0; c < d->table->ncols; c++) {
      if ((int)c == cp) continue;
      for (const char *p = row->cells[c]; *p; p++) {
        int bad = 0;
        switch (*p) {
        case 'R': case 'r': x->cells[k] |= RACI_R; break;
        case 'A': case 'a': x->cells[k] |= RACI_A; break;
        case 'C': case 'c': x->cells[k] |= RACI_C; break;
        case 'I': case 'i': x->cells[k] |= RACI_I; break;
        case ' ': case ',': case '/': case ';': case '+': case '-': case '\t': break; /* "A, R", "R/A", "-" */
        default: bad = 1;
        }
        if (bad) { /* report a cell once */
          diag_add(&b->diags, d->shown, row->line, 1, DIAG_ERROR, "raci-letter",
                   "RACI cell '%s' (process '%s', role '%s') holds a letter other than R, A, C, I", row->cells[c],
                   x->process, d->table->head[c]);
          break;
        }
      }
      k++;
    }
    vec_push(a, &r->raci_rows, x);
  }
}

static void read_profiles(tf_build *b, tf_records *r, tf_doc *d) {
  int cr = col_of(b, d, "Role", 1), cc = col_of(b, d, "Competency", 1), cf = col_of(b, d, "Refresh", 1),
      ce = col_of(b, d, "Security expertise", 0);
  if (cr < 0 || cc < 0 || cf < 0) return;
  for (size_t i = 0; i < d->table->rows.n; i++) {
    tf_row *row = d->table->rows.items[i];
    rec_profile *p = arena_alloc(b->arena, sizeof *p);
    p->role = cell(row, cr);
    p->role_key = key_of(b->arena, p->role, 0);
    p->competency = cell(row, cc);
    p->doc = d;
    p->line = row->line;
    char *end;
    long m = strtol(cell(row, cf), &end, 10);
    if (!*cell(row, cf) || *end || m <= 0 || m > 1200) {
      diag_add(&b->diags, d->shown, row->line, 1, DIAG_ERROR, "training-refresh-invalid",
               "Refresh '%s' is not a whole number of months", cell(row, cf));
      continue;
    }
    p->refresh = (int)m;
    const char *e = cell(row, ce);
    if (!*e || str_ieq(e, "no")) p->expertise = 0;
    else if (str_ieq(e, "yes")) p->expertise = 1;
    else {
      diag_add(&b->diags, d->shown, row->line, 1, DIAG_ERROR, "training-expertise-invalid",
               "Security expertise '%s' must be yes or no", e);
      continue;
    }
    if (!*p->role || !*p->competency) {
      diag_add(&b->diags, d->shown, row->line, 1, DIAG_ERROR, "training-profile-empty", "a profile needs a role and a competency");
      continue;
    }
    p->comp_key = key_of(b->arena, p->competency, 0);
    if (!map_get(&r->refresh_by_comp, p->comp_key)) map_put(b->arena, &r->refresh_by_comp, p->comp_key, (void *)(size_t)p->refresh);
    vec_push(b->arena, &r->profiles, p);
  }
}

static int refresh_of(tf_records *r, const char *comp_key) { return (int)(size_t)map_get(&r->refresh_by_comp, comp_key); }

static void read_training(tf_build *b, tf_records *r, tf_doc *d) {
  int cp = col_of(b, d, "Person", 1), cc = col_of(b, d, "Competency", 1), cd = col_of(b, d, "Completed", 1),
      ca = col_of(b, d, "Assessment", 1), ce = col_of(b, d, "Expires", 0);
  if (cp < 0 || cc < 0 || cd < 0 || ca < 0) return;
  r->training_doc = d;
  for (size_t i = 0; i < d->table->rows.n; i++) {
    tf_row *row = d->table->rows.items[i];
    rec_training *t = arena_alloc(b->arena, sizeof *t);
    t->person = cell(row, cp);
    t->competency = cell(row, cc);
    t->completed_s = cell(row, cd);
    t->expires_s = cell(row, ce);
    t->assessment = cell(row, ca);
    t->doc = d;
    t->line = row->line;
    t->expires = -1;
    if (!find_person(r, b->arena, t->person)) {
      diag_add(&b->diags, d->shown, row->line, 1, DIAG_ERROR, "records-person-unknown",
               "person '%s' is not in the roster", t->person);
      continue;
    }
    if (parse_date_cell(b, d, row, "Completed", t->completed_s, &t->completed) != 0) continue;
    if (*t->expires_s && parse_date_cell(b, d, row, "Expires", t->expires_s, &t->expires) != 0) continue;
    const char *s = t->assessment;
    if (str_ieq(s, "passed") || str_ieq(s, "pass")) t->passed = 1;
    else if (str_ieq(s, "failed") || str_ieq(s, "fail") || str_ieq(s, "pending")) t->passed = 0;
    else {
      diag_add(&b->diags, d->shown, row->line, 1, DIAG_ERROR, "training-assessment-invalid",
               "Assessment '%s' must be passed, failed or pending", s);
      continue;
    }
    t->person_key = key_of(b->arena, t->person, 0);
    t->comp_key = key_of(b->arena, t->competency, 0);
    vec_push(b->arena, &r->training, t);
  }
}

/* Training records sorted by person, so that a person's records are one run. */
static int cmp_training(const void *x, const void *y) {
  const rec_training *a = *(rec_training *const *)x, *b = *(rec_training *const *)y;
  int c = strcmp(a->person_key, b->person_key);
  return c ? c : (a->line > b->line) - (a->line < b->line);
}

static void read_tailoring(tf_build *b, tf_records *r, tf_doc *d) {
  int cc = col_of(b, d, "Clause", 1), cd = col_of(b, d, "Decision", 1), cj = col_of(b, d, "Justification", 1),
      ca = col_of(b, d, "Approved by", 1);
  if (cc < 0 || cd < 0 || cj < 0 || ca < 0) return;
  for (size_t i = 0; i < d->table->rows.n; i++) {
    tf_row *row = d->table->rows.items[i];
    rec_tailoring *t = arena_alloc(b->arena, sizeof *t);
    t->clause = cell(row, cc);
    t->decision = cell(row, cd);
    t->justification = cell(row, cj);
    t->approver = cell(row, ca);
    t->doc = d;
    t->line = row->line;
    if (!catalog_find(&b->catalog, t->clause)) {
      diag_add(&b->diags, d->shown, row->line, 1, DIAG_ERROR, "tailoring-clause-unknown", "clause '%s' is not in the catalog", t->clause);
      continue;
    }
    if (strcmp(t->decision, "not-applicable") && strcmp(t->decision, "alternative")) {
      diag_add(&b->diags, d->shown, row->line, 1, DIAG_ERROR, "tailoring-decision-invalid",
               "Decision '%s' must be not-applicable or alternative", t->decision);
      continue;
    }
    if (*t->approver && !find_person(r, b->arena, t->approver)) {
      diag_add(&b->diags, d->shown, row->line, 1, DIAG_ERROR, "records-person-unknown", "approver '%s' is not in the roster", t->approver);
      continue;
    }
    vec_push(b->arena, &r->tailoring, t);
  }
}

static void read_checklist(tf_build *b, tf_records *r, tf_doc *d) {
  int cc = col_of(b, d, "Clause", 1), ca = col_of(b, d, "Activity", 1), cr = col_of(b, d, "Record", 1),
      cs = col_of(b, d, "Status", 1);
  if (cc < 0 || ca < 0 || cr < 0 || cs < 0) return;
  for (size_t i = 0; i < d->table->rows.n; i++) {
    tf_row *row = d->table->rows.items[i];
    rec_check_item *x = arena_alloc(b->arena, sizeof *x);
    x->clause = cell(row, cc);
    x->activity = cell(row, ca);
    x->record = cell(row, cr);
    x->status = cell(row, cs);
    x->doc = d;
    x->line = row->line;
    if (strcmp(x->status, "done") && strcmp(x->status, "open")) {
      diag_add(&b->diags, d->shown, row->line, 1, DIAG_ERROR, "checklist-status-invalid", "Status '%s' must be done or open", x->status);
      continue;
    }
    if (*x->record && !model_find(b, x->record)) {
      diag_add(&b->diags, d->shown, row->line, 1, DIAG_ERROR, "checklist-record-unknown",
               "Record '%s' is not the ID of a document in the technical file", x->record);
      continue;
    }
    vec_push(b->arena, &r->checklist, x);
  }
}

static void read_findings(tf_build *b, tf_records *r, tf_doc *d) {
  int ci = col_of(b, d, "ID", 1), cs = col_of(b, d, "Source", 1), cv = col_of(b, d, "Severity", 1),
      ct = col_of(b, d, "Status", 1), cr = col_of(b, d, "Record", 1);
  if (ci < 0 || cs < 0 || cv < 0 || ct < 0 || cr < 0) return;
  for (size_t i = 0; i < d->table->rows.n; i++) {
    tf_row *row = d->table->rows.items[i];
    rec_finding *f = arena_alloc(b->arena, sizeof *f);
    f->id = cell(row, ci);
    f->source = cell(row, cs);
    f->severity = cell(row, cv);
    f->status = cell(row, ct);
    f->record = cell(row, cr);
    f->doc = d;
    f->line = row->line;
    if (strcmp(f->status, "open") && strcmp(f->status, "closed") && strcmp(f->status, "accepted")) {
      diag_add(&b->diags, d->shown, row->line, 1, DIAG_ERROR, "findings-status-invalid",
               "Status '%s' must be open, closed or accepted", f->status);
      continue;
    }
    if (*f->record && !model_find(b, f->record)) {
      diag_add(&b->diags, d->shown, row->line, 1, DIAG_ERROR, "findings-record-unknown",
               "Record '%s' is not the ID of a document in the technical file", f->record);
      continue;
    }
    vec_push(b->arena, &r->findings, f);
  }
}

/* ---- the checks ----------------------------------------------------------------- */
static int raci_role_known(tf_records *r, tf_arena *a, const char *role) { return has_role(r, key_of(a, role, 0)); }

static void check_raci(tf_build *b, tf_records *r) {
  tf_arena *a = b->arena;
  tf_doc *d = r->raci_doc;
  for (size_t k = 0; k < r->raci_roles.n; k++) {
    const char *role = r->raci_roles.items[k];
    if (!raci_role_known(r, a, role)) {
      diag_add(&b->diags, d->shown, d->table->line, 1, DIAG_WARNING, "raci-role-unknown",
               "RACI role '%s' is held by nobody in the roster", role);
      gap(b, 1, "RACI role '%s' is held by nobody in the roster", role);
    }
  }
  for (size_t p = 0; p < b->catalog.processes.n; p++) {
    const char *proc = b->catalog.processes.items[p];
    int found = 0;
    for (size_t i = 0; i < r->raci_rows.n; i++) found |= str_ieq(((rec_raci_row *)r->raci_rows.items[i])->process, proc);
    if (!found) {
      diag_add(&b->diags, d->shown, d->table->line, 1, DIAG_WARNING, "raci-process-missing",
               "the RACI has no row for the process '%s'", proc);
      gap(b, 1, "the RACI has no row for the process '%s'", proc);
    }
  }
  for (size_t i = 0; i < r->raci_rows.n; i++) {
    rec_raci_row *x = r->raci_rows.items[i];
    int known = 0, na = 0, nr = 0, np = 0;
    for (size_t p = 0; p < b->catalog.processes.n; p++) known |= str_ieq(x->process, b->catalog.processes.items[p]);
    if (!known) {
      diag_add(&b->diags, d->shown, x->line, 1, DIAG_WARNING, "raci-process-unknown",
               "'%s' is not a process of the catalog", x->process);
      x->problems[np++] = "not a catalog process";
      gap(b, 1, "the RACI row '%s' is not a process of the catalog", x->process);
    }
    for (size_t k = 0; k < r->raci_roles.n; k++) {
      na += !!(x->cells[k] & RACI_A);
      nr += !!(x->cells[k] & RACI_R);
    }
    if (na != 1) {
      diag_add(&b->diags, d->shown, x->line, 1, DIAG_WARNING, "raci-one-accountable",
               "process '%s' has %d Accountable roles; it needs exactly one", x->process, na);
      x->problems[np++] = na ? "more than one Accountable" : "no Accountable";
      gap(b, 1, "the RACI gives process '%s' %d Accountable roles instead of one", x->process, na);
    }
    if (nr < 1) {
      diag_add(&b->diags, d->shown, x->line, 1, DIAG_WARNING, "raci-responsible-missing",
               "process '%s' has no Responsible role", x->process);
      x->problems[np++] = "no Responsible";
      gap(b, 1, "the RACI gives process '%s' no Responsible role", x->process);
    }
  }
}

static int profile_for(tf_records *r, const char *role_key) {
  for (size_t i = 0; i < r->profiles.n; i++)
    if (!strcmp(((rec_profile *)r->profiles.items[i])->role_key, role_key)) return 1;
  return 0;
}

/* The best record of a person for a competency, and its state on the build date. */
static tr_state standing(tf_build *b, tf_records *r, rec_person *p, const char *competency, rec_training **best) {
  tf_arena *a = b->arena;
  const char *ck = key_of(a, competency, 0);
  tr_state st = TR_MISSING;
  *best = NULL;
  size_t lo = 0, hi = r->training.n; /* the first record of this person */
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (strcmp(((rec_training *)r->training.items[mid])->person_key, p->key) < 0) lo = mid + 1;
    else hi = mid;
  }
  for (size_t i = lo; i < r->training.n; i++) {
    rec_training *t = r->training.items[i];
    if (strcmp(t->person_key, p->key)) break;
    if (strcmp(t->comp_key, ck)) continue;
    long exp = t->expires;
    if (exp < 0) {
      int m = refresh_of(r, ck);
      exp = m ? date_add_months(t->completed, m) : t->completed;
      t->expires = exp;
    }
    tr_state s;
    if (!t->passed) s = TR_FAILED;
    else if (t->completed > b->today) s = TR_MISSING; /* completed after the build date */
    else if (b->today > exp) s = TR_EXPIRED;
    else if (exp - b->today < 60) s = TR_EXPIRING;
    else s = TR_CURRENT;
    /* current beats expiring beats expired beats failed beats missing; ties: later expiry */
    static const int rank[] = {4, 3, 2, 0, 1};
    if (!*best || rank[s] > rank[st] || (rank[s] == rank[st] && exp > (*best)->expires)) *best = t, st = s;
  }
  return st;
}

static void check_training(tf_build *b, tf_records *r) {
  tf_arena *a = b->arena;
  if (r->raci_doc)
    for (size_t k = 0; k < r->raci_roles.n; k++) {
      const char *role = r->raci_roles.items[k];
      if (!profile_for(r, key_of(a, role, 0)) && r->have[2]) {
        diag_add(&b->diags, r->raci_doc->shown, r->raci_doc->table->line, 1, DIAG_WARNING, "training-profile-missing",
                 "RACI role '%s' has no training profile", role);
        gap(b, 2, "RACI role '%s' has no training profile", role);
      }
    }
  for (size_t i = 0; i < r->people.n; i++) {
    rec_person *p = r->people.items[i];
    tf_vec seen = {0};
    for (size_t j = 0; j < p->roles.n; j++)
      for (size_t k = 0; k < r->profiles.n; k++) {
        rec_profile *pr = r->profiles.items[k];
        if (strcmp(pr->role_key, p->roles.items[j])) continue;
        const char *ck = key_of(a, pr->competency, 0);
        int dup = 0;
        for (size_t s = 0; s < seen.n && !dup; s++) dup = !strcmp(seen.items[s], ck);
        if (dup) continue;
        vec_push(a, &seen, (void *)ck);
        rec_standing *sd = arena_alloc(a, sizeof *sd);
        sd->person = p;
        sd->competency = pr->competency;
        sd->state = standing(b, r, p, pr->competency, &sd->best);
        vec_push(a, &r->standings, sd);
        if (sd->state == TR_CURRENT || sd->state == TR_EXPIRING) continue;
        const char *file = sd->best ? sd->best->doc->shown : (r->training_doc ? r->training_doc->shown : p->doc->shown);
        int line = sd->best ? sd->best->line : p->line;
        char exp[11] = "";
        if (sd->best) date_format(sd->best->expires, exp);
        const char *why = sd->state == TR_EXPIRED ? arena_printf(a, "expired on %s", exp)
                        : sd->state == TR_FAILED  ? "not passed"
                                                  : "no record completed on or before the build date";
        diag_add(&b->diags, file, line, 1, DIAG_WARNING, sd->state == TR_EXPIRED ? "training-expired" : sd->state == TR_FAILED ? "training-failed" : "training-missing",
                 "%s has no current, passed record for '%s' (role %s): %s", p->name, pr->competency, pr->role, why);
        gap(b, 3, "%s has no current, passed training record for '%s': %s", p->name, pr->competency, why);
      }
  }
}

static int has_expertise(tf_build *b, tf_records *r, rec_person *p) {
  for (size_t k = 0; k < r->profiles.n; k++) {
    rec_profile *pr = r->profiles.items[k];
    if (!pr->expertise) continue;
    rec_training *best;
    tr_state s = standing(b, r, p, pr->competency, &best);
    if (s == TR_CURRENT || s == TR_EXPIRING) return 1;
  }
  return 0;
}

static void check_tailoring(tf_build *b, tf_records *r) {
  for (size_t i = 0; i < r->tailoring.n; i++) {
    rec_tailoring *t = r->tailoring.items[i];
    t->valid = 1;
    if (!*t->justification) {
      diag_add(&b->diags, t->doc->shown, t->line, 1, DIAG_WARNING, "tailoring-justification", "tailoring of %s has no justification", t->clause);
      gap(b, 4, "the tailoring of %s has no justification", t->clause);
      t->valid = 0;
    }
    rec_person *p = *t->approver ? find_person(r, b->arena, t->approver) : NULL;
    if (!p) {
      diag_add(&b->diags, t->doc->shown, t->line, 1, DIAG_WARNING, "tailoring-approver", "tailoring of %s names no approver", t->clause);
      gap(b, 4, "the tailoring of %s names no approver", t->clause);
      t->valid = 0;
    } else if (!has_expertise(b, r, p)) {
      diag_add(&b->diags, t->doc->shown, t->line, 1, DIAG_WARNING, "tailoring-approver-expertise",
               "%s, who approved the tailoring of %s, holds no current, passed record of a security-expertise competency",
               p->name, t->clause);
      gap(b, 4, "the approver of the tailoring of %s (%s) has no current security-expertise training", t->clause, p->name);
      t->valid = 0;
    }
  }
}

static void check_release(tf_build *b, tf_records *r) {
  tf_arena *a = b->arena;
  if (r->have[5]) {
    for (size_t i = 0; i < b->catalog.clauses.n; i++) {
      tf_clause *k = b->catalog.clauses.items[i];
      if (!k->release) continue;
      int listed = 0;
      for (size_t j = 0; j < r->checklist.n; j++) listed |= !strcmp(((rec_check_item *)r->checklist.items[j])->clause, k->clause);
      if (!listed) {
        tf_doc *d = NULL;
        for (size_t j = 0; j < b->docs.n && !d; j++)
          if (!strcmp(((tf_doc *)b->docs.items[j])->type, "release-checklist")) d = b->docs.items[j];
        diag_add(&b->diags, d->shown, d->table ? d->table->line : 1, 1, DIAG_WARNING, "checklist-clause-missing",
                 "the release checklist does not list release clause %s (%s)", k->clause, k->title);
        gap(b, 5, "the release checklist does not list clause %s", k->clause);
      }
    }
  }
  for (size_t j = 0; j < r->checklist.n; j++) {
    rec_check_item *x = r->checklist.items[j];
    if (!*x->record) {
      diag_add(&b->diags, x->doc->shown, x->line, 1, DIAG_WARNING, "checklist-record-missing",
               "checklist item for %s names no record", x->clause);
      gap(b, 5, "the checklist item for %s names no record", x->clause);
    }
    if (!strcmp(x->status, "open"))
      blocker(b, x->doc->shown, x->line, arena_printf(a, "release checklist item %s (%s) is open", x->clause, x->activity));
  }
  for (size_t j = 0; j < r->findings.n; j++) {
    rec_finding *f = r->findings.items[j];
    if (!strcmp(f->status, "closed") && !*f->record) {
      diag_add(&b->diags, f->doc->shown, f->line, 1, DIAG_WARNING, "findings-closed-no-record",
               "finding %s is closed but names no record", f->id);
      gap(b, 6, "finding %s is closed but names no record", f->id);
    }
    if (!strcmp(f->status, "open"))
      blocker(b, f->doc->shown, f->line, arena_printf(a, "finding %s (%s, %s) is open", f->id, f->severity, f->source));
  }
}

void records_check(tf_build *b) {
  tf_records *r = arena_alloc(b->arena, sizeof *r);
  b->records = r;
  /* Read the roster first: the other tables name its people. */
  for (int pass = 0; pass < 7; pass++)
    for (size_t i = 0; i < b->docs.n; i++) {
      tf_doc *d = b->docs.items[i];
      int t = rec_type_index(d->type);
      if (t != pass) continue;
      r->have[t] = 1;
      d->table = read_table(b, d);
      if (!d->table) {
        diag_add(&b->diags, d->shown, d->body_line0 + 1, 1, DIAG_ERROR, "records-table-missing",
                 "a '%s' document needs a table as its records", d->type);
        continue;
      }
      switch (t) {
      case 0: read_roster(b, r, d); break;
      case 1: read_raci(b, r, d); break;
      case 2: read_profiles(b, r, d); break;
      case 3: read_training(b, r, d); break;
      case 4: read_tailoring(b, r, d); break;
      case 5: read_checklist(b, r, d); break;
      case 6: read_findings(b, r, d); break;
      }
    }
  if (r->training.n) qsort(r->training.items, r->training.n, sizeof(void *), cmp_training);
  if (r->raci_doc) check_raci(b, r);
  check_training(b, r);
  check_tailoring(b, r);
  check_release(b, r);
  /* Owners are roles of the roster. */
  if (r->have[0])
    for (size_t i = 0; i < b->docs.n; i++) {
      tf_doc *d = b->docs.items[i];
      if (d->owner && !has_role(r, key_of(b->arena, d->owner, 0))) {
        yval *v = yv_get(d->fm, "owner");
        diag_add(&b->diags, d->shown, v ? v->line + 1 : 1, v ? v->col : 1, DIAG_WARNING, "owner-role-unknown",
                 "owner '%s' is not a role of anyone in the roster", d->owner);
      }
    }
  /* A release build needs approved records. */
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    if ((rec_type_index(d->type) >= 0 || d->claims.n) && strcmp(d->status, "approved"))
      blocker(b, d->shown, 1, arena_printf(b->arena, "%s \"%s\" is %s, not approved", d->id, d->title, d->status));
  }
}

rec_tailoring *records_tailoring_for(const tf_build *b, const char *clause) {
  tf_records *r = b->records;
  for (size_t i = 0; r && i < r->tailoring.n; i++)
    if (!strcmp(((rec_tailoring *)r->tailoring.items[i])->clause, clause)) return r->tailoring.items[i];
  return NULL;
}
