/*
 * scaffold.h: `techfile init` (a new technical file from the shipped example) and
 * `techfile import` (an existing Markdown tree without front matter → a content folder).
 *
 * Both write only into the new folder, refuse to overwrite anything, and never touch their
 * source. They return the exit status (0, 1 refused or failed, 2 usage).
 */
#ifndef TF_SCAFFOLD_H
#define TF_SCAFFOLD_H

#include "model.h"

int scaffold_init(tf_arena *a, const char *dir);
int scaffold_import(tf_arena *a, const char *src, const char *dir);

#endif
