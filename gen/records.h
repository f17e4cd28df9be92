/*
 * records.h: the structured records, read from the first table of each typed document.
 *
 * records_check (model.h) fills a tf_records in the build's arena (b->records): people, RACI,
 * training profiles and records, tailoring, release checklist, findings. Unreadable tables
 * are errors at the row's line; readable records that break a check are warnings that also
 * land in b->record_gaps against the clauses they back. The generated RACI, training and
 * release pages (pages.c) render from this state.
 */
#ifndef TF_RECORDS_H
#define TF_RECORDS_H

#include "model.h"

enum { RACI_R = 1, RACI_A = 2, RACI_C = 4, RACI_I = 8 };

typedef struct { const char *name, *key; tf_vec roles; tf_doc *doc; int line; } rec_person;   /* roles: const char* keys */
typedef struct { const char *role, *role_key, *competency, *comp_key; int refresh, expertise; tf_doc *doc; int line; } rec_profile;
typedef struct {
  const char *person, *competency, *completed_s, *expires_s, *assessment;
  const char *person_key, *comp_key; /* comparison keys (see key_of) */
  long completed, expires; /* expires: from Expires, else Completed + Refresh; -1 unknown */
  int passed;
  tf_doc *doc;
  int line;
} rec_training;
typedef struct { const char *process; unsigned *cells; const char **problems; int line; tf_doc *doc; } rec_raci_row;
typedef struct { const char *clause, *decision, *justification, *approver; int valid, line; tf_doc *doc; } rec_tailoring;
typedef struct { const char *clause, *activity, *record, *status; int line; tf_doc *doc; } rec_check_item;
typedef struct { const char *id, *source, *severity, *status, *record; int line; tf_doc *doc; } rec_finding;

/* One cell of the training matrix: a person's standing for one competency. */
typedef enum { TR_CURRENT, TR_EXPIRING, TR_EXPIRED, TR_MISSING, TR_FAILED } tr_state;
typedef struct { rec_person *person; const char *competency; tr_state state; rec_training *best; } rec_standing;

typedef struct {
  tf_vec people, profiles, training, tailoring, checklist, findings; /* of the types above */
  tf_vec raci_roles;     /* const char*: role column names as written */
  tf_vec raci_rows;      /* rec_raci_row* */
  tf_vec standings;      /* rec_standing*, person order then competency order */
  tf_doc *raci_doc, *training_doc;
  tf_map person_by_key;  /* key → rec_person* */
  tf_map refresh_by_comp; /* competency key → refresh months (first profile naming it) */
  int have[8];           /* which record types exist, by rec_type_index */
} tf_records;

int rec_type_index(const char *type); /* roster 0 .. findings 6, -1 for 'document' */
rec_tailoring *records_tailoring_for(const tf_build *b, const char *clause);
const char *tr_state_name(tr_state s);

#endif
