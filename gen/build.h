/*
 * build.h: runs the pipeline end to end and writes the outputs.
 *
 * load → model → records → check → decorate → render → pack. Nothing is written until every
 * page has rendered; then each output file is replaced whole (temporary name + rename), stale
 * pages of earlier builds are removed, and the bundle is packed. Returns the exit status.
 */
#ifndef TF_BUILD_H
#define TF_BUILD_H

#include "model.h"

/* render: 0 for `techfile check` (all checks, no output files). */
int build_run(tf_build *b, int render);
/* Default locations of templates/ and the catalog next to the executable. */
const char *build_find_data(tf_arena *a, const char *what);

#endif
