/*
 * model.h: the in-memory technical file that every stage reads and adds to.
 *
 * One tf_build per run. Its arena owns every string and array below; the cmark trees hang off
 * the documents and are freed by model_free, as are the compiled catalog patterns (catalog.c).
 * Stages fill the build in order: load → model → records → check → decorate → render → pack.
 */
#ifndef TF_MODEL_H
#define TF_MODEL_H

#include <cmark-gfm.h>
#include <sys/stat.h>

#include "diag.h"
#include "util.h"
#include "yval.h"

#define TF_VERSION "0.1.0"
#define TF_MAX_DOC_BYTES (16u * 1024 * 1024) /* a larger document is refused, see README */
#define TF_MAX_IMAGES 5000                  /* "![" in one document, see load.c */
#define TF_MAX_INLINE_WORK 2e8              /* emphasis marks × link brackets in a paragraph */
#define TF_MAX_PIPES 2000                   /* '|' on one line */
#define TF_MAX_TABLE_COLUMNS 200            /* columns of one table, see decorate.c */

/* ---- front matter ----------------------------------------------------------- */
typedef struct { const char *name, *role, *date; int line; } tf_approval;
typedef struct { const char *version, *date, *author, *change; int line; } tf_revision;

typedef enum { ST_BACKED, ST_GAP, ST_TAILORED } tf_status;

typedef struct {
  const char *clause;      /* "5.8.1" */
  const char *section;     /* heading text named by the claim, or NULL */
  const char *anchor;      /* that heading's slug once found */
  int line, col;
  int implicit;            /* claimed by the record type, not written in front matter */
  tf_status status;        /* this document's evidence for the clause */
  char *hits;              /* per content rule of the clause, '1' matched or '0' (memo.h) */
  tf_vec reasons;          /* const char*: why this claim does not back the clause */
} tf_claim;

typedef struct {
  const char *text, *slug, *bookmark;
  int level, line;
  int is_title;            /* a first "# Title" that repeats the front matter title: not rendered */
} tf_heading;

/* ---- records: the first GFM table of a typed document ----------------------- */
typedef struct {
  int line;
  const char **cells;      /* one per column, trimmed plain text */
} tf_row;

typedef struct {
  int line;
  size_t ncols;
  const char **head;       /* header cells */
  tf_vec rows;             /* tf_row* */
} tf_table;

typedef struct tf_doc {
  const char *path;        /* relative to the content folder, '/'-separated */
  char sha[65];            /* SHA-256 of the file's bytes (incremental builds, depend.c) */
  const char *shown;       /* path shown in diagnostics (content folder joined) */
  const char *id, *title, *version, *type, *status, *owner;
  const char *approval_date;   /* latest approval date or NULL */
  yval *fm;                    /* the front matter tree */
  int body_line0;              /* file line number of the body's first line, minus one */
  tf_vec approvals, history, claims, headings;
  cmark_node *ast;             /* owned; model_free releases it. Only ever one at a time:
                                  model_build, records and decorating each parse body and
                                  release the tree (14 times the Markdown in memory) */
  const char *body;            /* the Markdown body (heap), body_len bytes; NULL once its
                                  page is built, or until load_body reads it (lazy) */
  size_t body_len;
  int lazy;                    /* unread: the file is as the memo knows it (load.c) */
  struct stat st;              /* the file as load found it (st_taken), for the memo */
  int st_taken;
  const char *plain;           /* plain text of title and body, for content rules (heap;
                                  NULL after the checks) */
  int plain_utf8;              /* plain is valid UTF-8 (checked once, for catalog_match) */
  const char *memo;            /* content-rule results from the last build (memo.h), or NULL */
  const void *memo_entry;      /* its memo entry, copied into the next memo as it is */
  int memo_bad;                /* a rule hit PCRE2's limits: keep it out of the memo */
  tf_table *table;             /* first table (records), or NULL */
  int ordinal;                 /* position in the ID-sorted list */
  const char *process;         /* catalog process of the first clause it backs, or NULL */
  int process_order;           /* that process's position in the catalog, from 1 */
  int broken;                  /* front matter unusable: skip in later stages */
} tf_doc;

/* ---- the catalog ------------------------------------------------------------ */
typedef struct { const char *standard, *ref, *confidence; } tf_xwalk;
typedef struct { const char *pattern, *expect; void *code; int line; } tf_rule; /* code: pcre2_code* */

typedef struct {
  const char *clause, *title, *process, *severity, *audit_focus, *defense;
  int release;
  tf_vec crosswalk;        /* tf_xwalk* */
  tf_vec records;          /* const char* record types */
  tf_vec content;          /* tf_rule* */
  tf_vec hints;            /* tf_rule* */
} tf_clause;

typedef struct {
  const char *path, *standard, *title;
  char sha[65];            /* SHA-256 of the catalog file (incremental builds: memo, depend) */
  tf_vec processes;        /* const char* */
  tf_vec clauses;          /* tf_clause* */
} tf_catalog;

/* ---- results of the checks -------------------------------------------------- */
typedef struct {
  tf_clause *clause;
  tf_status status;
  tf_vec evidence;         /* tf_doc* whose claim backs the clause */
  tf_vec claimed_by;       /* tf_doc* that claim it at all */
  tf_vec reasons;          /* const char* */
  const char *tailoring_decision, *tailoring_justification, *tailoring_approver;
} tf_result;

typedef struct {
  const char *clause;      /* the clause the broken record backs */
  const char *reason;
} tf_record_gap;

typedef struct {
  const char *what;        /* one line: what blocks a release */
  const char *file;
  int line;
} tf_blocker;

/* ---- the build --------------------------------------------------------------- */
typedef struct {
  /* options */
  const char *content_dir, *out_dir, *templates_dir, *catalog_path, *reference_docx, *depfile;
  const char *content_real;    /* content_dir through realpath (load_content), for path_within_real */
  int pdf;                     /* --pdf: also convert every DOCX with LibreOffice */
  int strict, release, jobs, quiet;
  size_t pages, rendered;      /* pages of the build, and how many were rendered anew */
  size_t built;                /* document pages whose tree was built (the rest: depend.h) */
  size_t parsed;               /* documents model_build parsed (the rest: memo.h) */
  const char *manifest;        /* inputs' sizes and times before the build, for the no-op fast path (build.c) */
  /* techfile.yaml */
  const char *product, *product_version, *manufacturer, *standard, *build_date;
  long today;                  /* build date as a day number */
  const char *config_shown;    /* techfile.yaml path as shown */
  /* content */
  tf_vec docs;                 /* tf_doc*, sorted by ID once modelled */
  tf_catalog catalog;
  tf_vec results;              /* tf_result*, catalog order */
  tf_vec blockers;             /* tf_blocker*: what --release refuses */
  tf_vec record_gaps;          /* tf_record_gap*: record checks that broke, per clause */
  void *records;               /* records.c's private state, for the generated pages */
  struct tf_memo *memo;        /* the last build's per-document results, or NULL (memo.h) */
  tf_vec assets;               /* tf_asset*: local images and files the pages link to */
  diag_list diags;
  tf_arena *arena;
  /* The build's own arena. While build.c decorates a document, arena is a scratch arena of
   * that page's (its link targets, attribute strings, deps: megabytes per thousand documents
   * otherwise kept to the end); what must outlive the page is allocated here. */
  tf_arena *lasting;
} tf_build;

typedef struct {
  const char *source;          /* path on disk (inside the content folder) */
  const char *target;          /* path inside the bundle: media/<content-relative path> */
} tf_asset;

void model_init(tf_build *b);
void model_free(tf_build *b);
/* Frees a document's Markdown body and/or plain text (heap, not arena: build.c drops them
 * as soon as they are no longer needed, to keep memory flat on large technical files). */
void model_release_text(tf_doc *d, int body, int plain);

/* model.c: front matter → document fields, IDs, headings, plain text (documents found in
 * b->memo: headings only, no parse). */
void model_build(tf_build *b);
/* d->plain made from d->body if it is not there (a memo document whose rule results are
 * missing after all): 0, or -1 when the body is gone. */
int model_plain_text(tf_build *b, tf_doc *d);
tf_doc *model_find(const tf_build *b, const char *id);           /* by ID, exact */
tf_doc *model_find_path(const tf_build *b, const char *relpath); /* by content-relative path */
tf_heading *model_find_heading(const tf_doc *d, const char *slug_or_text);
/* Links a fresh parse of d->body to d->headings again (the same Markdown gives the same
 * headings in the same order): each heading node's user data is its tf_heading. */
void model_attach_headings(tf_doc *d);
int model_id_valid(const char *id);
const char *model_slug(tf_arena *a, const char *text);
/* The GFM extension node types are not in the installed headers: compare type names. */
int model_is(cmark_node *n, const char *type_name);
/* Plain text of a cmark subtree (text, code, breaks as spaces), appended to out. */
void model_plain(cmark_node *n, tf_buf *out);

/* load.c: techfile.yaml and every *.md under the content folder. */
int load_config(tf_build *b);
void load_content(tf_build *b);
cmark_node *load_markdown(const char *text, size_t len);
/* The body of a document load left unread (d->lazy), read now: 0, or -1 after an error
 * diagnostic (the file changed since the build began). A no-op for every other document. */
int load_body(tf_build *b, tf_doc *d);

/* catalog.c */
int catalog_load(tf_build *b, const char *path);
tf_clause *catalog_find(const tf_catalog *c, const char *clause);
/* Runs a compiled rule over subject; 1 match, 0 none, -1 limit hit (sets diag). Pass
 * utf8_checked when subject is known to be valid UTF-8 (utf8_valid): PCRE2 otherwise checks
 * the whole subject on every call, which dominated the checks of long documents. */
int catalog_match(tf_build *b, tf_rule *r, const char *subject, int utf8_checked);
void catalog_free(tf_catalog *c);

/* records.c: the typed documents' tables. */
void records_check(tf_build *b);

/* check.c: catalog × evidence → tf_result per clause. */
void check_clauses(tf_build *b);
const char *check_status_name(tf_status s);

#endif
