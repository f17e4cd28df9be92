/* report.c: report.json, report.junit.xml and the catalog as JSON. See report.h. */
#include "report.h"

#include <libxml/tree.h>
#include <string.h>

static void json_strings(tf_buf *o, const tf_vec *v) {
  buf_putc(o, '[');
  for (size_t i = 0; i < v->n; i++) {
    if (i) buf_puts(o, ", ");
    buf_json_str(o, v->items[i]);
  }
  buf_putc(o, ']');
}

void report_json(const tf_build *b, tf_buf *o) {
  int n[3] = {0, 0, 0};
  for (size_t i = 0; i < b->results.n; i++) n[((tf_result *)b->results.items[i])->status]++;
  buf_puts(o, "{\n  \"product\": {\"name\": ");
  buf_json_str(o, b->product);
  buf_puts(o, ", \"version\": ");
  buf_json_str(o, b->product_version);
  buf_puts(o, ", \"manufacturer\": ");
  buf_json_str(o, b->manufacturer);
  buf_puts(o, "},\n  \"standard\": ");
  buf_json_str(o, b->standard);
  buf_puts(o, ",\n  \"build_date\": ");
  buf_json_str(o, b->build_date);
  buf_printf(o, ",\n  \"generator\": \"techfile %s\",\n", TF_VERSION);
  buf_printf(o, "  \"summary\": {\"clauses\": %zu, \"backed\": %d, \"gap\": %d, \"tailored\": %d, \"errors\": %zu, \"warnings\": %zu, \"release_blockers\": %zu},\n",
             b->results.n, n[ST_BACKED], n[ST_GAP], n[ST_TAILORED], b->diags.errors, b->diags.warnings, b->blockers.n);
  buf_puts(o, "  \"clauses\": [");
  for (size_t i = 0; i < b->results.n; i++) {
    tf_result *r = b->results.items[i];
    buf_puts(o, i ? ",\n    {" : "\n    {");
    buf_puts(o, "\"clause\": ");
    buf_json_str(o, r->clause->clause);
    buf_puts(o, ", \"title\": ");
    buf_json_str(o, r->clause->title);
    buf_puts(o, ", \"process\": ");
    buf_json_str(o, r->clause->process);
    buf_puts(o, ", \"severity\": ");
    buf_json_str(o, r->clause->severity);
    buf_puts(o, ", \"status\": ");
    buf_json_str(o, check_status_name(r->status));
    buf_puts(o, ", \"evidence\": [");
    const tf_vec *docs = r->evidence.n ? &r->evidence : &r->claimed_by;
    for (size_t j = 0; j < docs->n; j++) {
      if (j) buf_puts(o, ", ");
      buf_json_str(o, ((tf_doc *)docs->items[j])->id);
    }
    buf_puts(o, "], \"reasons\": ");
    json_strings(o, &r->reasons);
    if (r->status == ST_TAILORED) {
      buf_puts(o, ", \"tailoring\": {\"decision\": ");
      buf_json_str(o, r->tailoring_decision);
      buf_puts(o, ", \"justification\": ");
      buf_json_str(o, r->tailoring_justification);
      buf_puts(o, ", \"approved_by\": ");
      buf_json_str(o, r->tailoring_approver);
      buf_putc(o, '}');
    }
    buf_putc(o, '}');
  }
  buf_puts(o, "\n  ],\n  \"release_blockers\": [");
  for (size_t i = 0; i < b->blockers.n; i++) {
    tf_blocker *x = b->blockers.items[i];
    buf_puts(o, i ? ",\n    {\"file\": " : "\n    {\"file\": ");
    buf_json_str(o, x->file);
    buf_printf(o, ", \"line\": %d, \"message\": ", x->line);
    buf_json_str(o, x->what);
    buf_putc(o, '}');
  }
  buf_puts(o, b->blockers.n ? "\n  ],\n  \"diagnostics\": [" : "],\n  \"diagnostics\": [");
  for (size_t i = 0; i < b->diags.n; i++) {
    const diag *g = &b->diags.items[i];
    buf_puts(o, i ? ",\n    {\"file\": " : "\n    {\"file\": ");
    buf_json_str(o, g->file);
    buf_printf(o, ", \"line\": %d, \"column\": %d, \"severity\": \"%s\", \"rule\": ", g->line, g->col, diag_sev_name(g->sev));
    buf_json_str(o, g->rule);
    buf_puts(o, ", \"message\": ");
    buf_json_str(o, g->msg);
    buf_putc(o, '}');
  }
  buf_puts(o, b->diags.n ? "\n  ]\n}\n" : "]\n}\n");
}

/* XML 1.0 has no place for most control characters: they become U+FFFD. */
static xmlChar *xml_clean(const char *v) {
  tf_buf o = {0};
  for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p; p++) {
    if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') buf_puts(&o, "\xEF\xBF\xBD");
    else if (p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)) buf_puts(&o, "\xEF\xBF\xBD"), p += 2; /* U+FFFE/F */
    else buf_putc(&o, (char)*p);
  }
  xmlChar *r = xmlStrdup(BAD_CAST buf_cstr(&o));
  buf_free(&o);
  return r;
}

static void set(xmlNodePtr n, const char *k, const char *v) {
  xmlChar *c = xml_clean(v);
  xmlSetProp(n, BAD_CAST k, c);
  xmlFree(c);
}

void report_junit(const tf_build *b, tf_buf *out) {
  int n[3] = {0, 0, 0};
  for (size_t i = 0; i < b->results.n; i++) n[((tf_result *)b->results.items[i])->status]++;
  xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
  xmlNodePtr suites = xmlNewDocNode(doc, NULL, BAD_CAST "testsuites", NULL);
  xmlDocSetRootElement(doc, suites);
  char num[32];
  set(suites, "name", "techfile");
  snprintf(num, sizeof num, "%zu", b->results.n);
  set(suites, "tests", num);
  snprintf(num, sizeof num, "%d", n[ST_GAP]);
  set(suites, "failures", num);
  xmlNodePtr suite = xmlNewChild(suites, NULL, BAD_CAST "testsuite", NULL);
  char *name = NULL;
  if (asprintf(&name, "%s %s: %s", b->product, b->product_version, b->catalog.title) < 0) tf_fatal("out of memory");
  set(suite, "name", name);
  free(name);
  snprintf(num, sizeof num, "%zu", b->results.n);
  set(suite, "tests", num);
  snprintf(num, sizeof num, "%d", n[ST_GAP]);
  set(suite, "failures", num);
  set(suite, "errors", "0");
  snprintf(num, sizeof num, "%d", n[ST_TAILORED]);
  set(suite, "skipped", num);
  set(suite, "timestamp", b->build_date);
  for (size_t i = 0; i < b->results.n; i++) {
    tf_result *r = b->results.items[i];
    xmlNodePtr tc = xmlNewChild(suite, NULL, BAD_CAST "testcase", NULL);
    char *tn = NULL;
    if (asprintf(&tn, "%s %s", r->clause->clause, r->clause->title) < 0) tf_fatal("out of memory");
    set(tc, "name", tn);
    free(tn);
    set(tc, "classname", arena_printf(b->arena, "%s.%s", b->standard, r->clause->process));
    set(tc, "time", "0");
    if (r->status == ST_GAP) {
      tf_buf why = {0};
      for (size_t j = 0; j < r->reasons.n; j++) buf_printf(&why, "%s%s", j ? "\n" : "", (char *)r->reasons.items[j]);
      xmlNodePtr f = xmlNewChild(tc, NULL, BAD_CAST "failure", NULL);
      set(f, "message", arena_printf(b->arena, "%s gap: %s", r->clause->severity, r->reasons.n ? (char *)r->reasons.items[0] : ""));
      set(f, "type", r->clause->severity);
      xmlChar *c = xml_clean(buf_cstr(&why));
      xmlNodeAddContent(f, c);
      xmlFree(c);
      buf_free(&why);
    } else if (r->status == ST_TAILORED) {
      xmlNodePtr s = xmlNewChild(tc, NULL, BAD_CAST "skipped", NULL);
      set(s, "message", arena_printf(b->arena, "tailored (%s): %s", r->tailoring_decision, r->tailoring_justification));
    }
  }
  xmlChar *mem = NULL;
  int len = 0;
  xmlDocDumpFormatMemoryEnc(doc, &mem, &len, "UTF-8", 1);
  buf_put(out, mem, (size_t)len);
  xmlFree(mem);
  xmlFreeDoc(doc);
}

void catalog_json(const tf_build *b, tf_buf *o) {
  buf_puts(o, "[");
  for (size_t i = 0; i < b->catalog.clauses.n; i++) {
    tf_clause *k = b->catalog.clauses.items[i];
    buf_puts(o, i ? ",\n  {\"clause\": " : "\n  {\"clause\": ");
    buf_json_str(o, k->clause);
    buf_puts(o, ", \"title\": ");
    buf_json_str(o, k->title);
    buf_puts(o, ", \"process\": ");
    buf_json_str(o, k->process);
    buf_puts(o, ", \"severity\": ");
    buf_json_str(o, k->severity);
    buf_printf(o, ", \"release\": %s, \"crosswalk\": [", k->release ? "true" : "false");
    for (size_t j = 0; j < k->crosswalk.n; j++) {
      tf_xwalk *x = k->crosswalk.items[j];
      buf_puts(o, j ? ", {\"standard\": " : "{\"standard\": ");
      buf_json_str(o, x->standard);
      buf_puts(o, ", \"ref\": ");
      buf_json_str(o, x->ref);
      buf_puts(o, ", \"confidence\": ");
      buf_json_str(o, x->confidence);
      buf_putc(o, '}');
    }
    buf_puts(o, "], \"records\": ");
    json_strings(o, &k->records);
    buf_puts(o, ", \"content\": [");
    for (size_t j = 0; j < k->content.n; j++) {
      tf_rule *r = k->content.items[j];
      buf_puts(o, j ? ", {\"pattern\": " : "{\"pattern\": ");
      buf_json_str(o, r->pattern);
      buf_puts(o, ", \"expect\": ");
      buf_json_str(o, r->expect);
      buf_putc(o, '}');
    }
    buf_puts(o, "], \"hints\": [");
    for (size_t j = 0; j < k->hints.n; j++) {
      if (j) buf_puts(o, ", ");
      buf_json_str(o, ((tf_rule *)k->hints.items[j])->pattern);
    }
    buf_puts(o, "], \"audit_focus\": ");
    buf_json_str(o, k->audit_focus);
    buf_puts(o, ", \"audit_defense\": ");
    buf_json_str(o, k->defense);
    buf_putc(o, '}');
  }
  buf_puts(o, "\n]\n");
}
