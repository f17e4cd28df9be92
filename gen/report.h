/*
 * report.h: the machine-readable results: report.json (content format, "Outputs") and
 * report.junit.xml (one testcase per clause: gaps fail, tailored clauses are skipped).
 * Both are returned in caller-owned buffers.
 */
#ifndef TF_REPORT_H
#define TF_REPORT_H

#include "model.h"

void report_json(const tf_build *b, tf_buf *out);
void report_junit(const tf_build *b, tf_buf *out);
void catalog_json(const tf_build *b, tf_buf *out);   /* techfile catalog --json */

#endif
