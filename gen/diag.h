/*
 * diag.h: diagnostics, the compiler-style messages of a build.
 *
 * Owns: the list of diagnostics (heap; diag_list_free releases it). Messages are kept, sorted
 * by file, line and column for a stable order, printed as `path:line:col: severity: message
 * [rule]` and written into report.json.
 */
#ifndef TF_DIAG_H
#define TF_DIAG_H

#include "util.h"

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_sev;

typedef struct {
  char *file;   /* path as shown to the user */
  int line, col;
  diag_sev sev;
  char *rule;
  char *msg;
  unsigned seq; /* insertion order, the last sort key */
} diag;

typedef struct {
  diag *items;
  size_t n, cap;
  size_t errors, warnings;
} diag_list;

void diag_add(diag_list *d, const char *file, int line, int col, diag_sev sev, const char *rule,
              const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* How many so far (under the lock: worker threads may be adding). */
size_t diag_count(diag_list *d);
void diag_sort(diag_list *d);
void diag_print(const diag_list *d, FILE *out);
const char *diag_sev_name(diag_sev s);
void diag_list_free(diag_list *d);

#endif
