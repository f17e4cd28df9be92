/* diag.c: collecting, sorting and printing diagnostics. See diag.h. */
#include "diag.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Rendering runs on worker threads (-j), and a failing stylesheet adds a diagnostic. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

size_t diag_count(diag_list *d) {
  pthread_mutex_lock(&lock);
  size_t n = d->n;
  pthread_mutex_unlock(&lock);
  return n;
}

void diag_add(diag_list *d, const char *file, int line, int col, diag_sev sev, const char *rule,
              const char *fmt, ...) {
  pthread_mutex_lock(&lock);
  if (d->n == d->cap) {
    d->cap = d->cap ? d->cap * 2 : 32;
    d->items = xrealloc(d->items, d->cap * sizeof(diag));
  }
  va_list ap;
  va_start(ap, fmt);
  char *msg = NULL;
  if (vasprintf(&msg, fmt, ap) < 0) tf_fatal("out of memory");
  va_end(ap);
  diag *g = &d->items[d->n];
  g->file = xstrdup(file ? file : "");
  /* A file name or message with a newline must not forge a diagnostic line of its own. */
  int bad_utf8 = !utf8_valid(g->file, strlen(g->file)); /* report.json must stay UTF-8 */
  for (char *p = g->file; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f || (bad_utf8 && (unsigned char)*p >= 0x80)) *p = '?';
  for (char *p = msg; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
  g->line = line > 0 ? line : 1;
  g->col = col > 0 ? col : 1;
  g->sev = sev;
  g->rule = xstrdup(rule);
  g->msg = msg;
  g->seq = (unsigned)d->n++;
  if (sev == DIAG_ERROR) d->errors++;
  else if (sev == DIAG_WARNING) d->warnings++;
  pthread_mutex_unlock(&lock);
}

static int cmp(const void *pa, const void *pb) {
  const diag *a = pa, *b = pb;
  int c = strcmp(a->file, b->file);
  if (c) return c;
  if (a->line != b->line) return a->line < b->line ? -1 : 1;
  if (a->col != b->col) return a->col < b->col ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void diag_sort(diag_list *d) {
  if (d->n) qsort(d->items, d->n, sizeof(diag), cmp);
}

const char *diag_sev_name(diag_sev s) {
  return s == DIAG_ERROR ? "error" : s == DIAG_WARNING ? "warning" : "note";
}

void diag_print(const diag_list *d, FILE *out) {
  for (size_t i = 0; i < d->n; i++) {
    const diag *g = &d->items[i];
    fprintf(out, "%s:%d:%d: %s: %s [%s]\n", g->file, g->line, g->col, diag_sev_name(g->sev), g->msg, g->rule);
  }
}

void diag_list_free(diag_list *d) {
  for (size_t i = 0; i < d->n; i++) {
    free(d->items[i].file);
    free(d->items[i].rule);
    free(d->items[i].msg);
  }
  free(d->items);
  memset(d, 0, sizeof *d);
}
