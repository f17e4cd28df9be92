/* yval.c: libyaml event stream → yval tree. See yval.h. */
#include "yval.h"

#include <string.h>
#include <yaml.h>

typedef struct {
  yval *node;
  tf_vec items, keys;
  int want_value; /* map: next scalar/node is a value */
} frame;

static void add_child(tf_arena *a, frame *f, yval *v) {
  if (f->node->kind == YV_SEQ) {
    vec_push(a, &f->items, v);
  } else if (!f->want_value) {
    vec_push(a, &f->keys, v);
    f->want_value = 1;
  } else {
    vec_push(a, &f->items, v);
    f->want_value = 0;
  }
}

static void close_frame(frame *f) {
  f->node->items = (yval **)f->items.items;
  f->node->keys = (yval **)f->keys.items;
  f->node->n = f->items.n;
}

int yv_parse(tf_arena *a, const char *text, size_t len, yval **root, int *err_line, char *err, size_t errlen) {
  yaml_parser_t p;
  yaml_event_t ev;
  frame stack[YV_MAX_DEPTH + 1];
  int depth = 0, rc = 0, done = 0;
  *root = NULL;
  *err_line = 0;
  if (!yaml_parser_initialize(&p)) tf_fatal("libyaml: cannot initialise parser");
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  while (!done) {
    if (!yaml_parser_parse(&p, &ev)) {
      *err_line = (int)p.problem_mark.line + 1;
      snprintf(err, errlen, "YAML: %s", p.problem ? p.problem : "syntax error");
      rc = -1;
      break;
    }
    int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
    yval *v = NULL;
    switch (ev.type) {
    case YAML_STREAM_END_EVENT: done = 1; break;
    case YAML_DOCUMENT_START_EVENT:
      if (*root) {
        *err_line = line;
        snprintf(err, errlen, "YAML: only one document is allowed here");
        rc = -1;
      }
      break;
    case YAML_ALIAS_EVENT:
      *err_line = line;
      snprintf(err, errlen, "YAML aliases (*name) are not supported");
      rc = -1;
      break;
    case YAML_SCALAR_EVENT:
      if (ev.data.scalar.anchor) goto anchor;
      v = arena_alloc(a, sizeof *v);
      v->kind = YV_SCALAR;
      v->str = arena_strndup(a, (const char *)ev.data.scalar.value, ev.data.scalar.length);
      break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
      if ((ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor : ev.data.mapping_start.anchor))
        goto anchor;
      if (depth >= YV_MAX_DEPTH) {
        *err_line = line;
        snprintf(err, errlen, "YAML nested deeper than %d levels", YV_MAX_DEPTH);
        rc = -1;
        break;
      }
      v = arena_alloc(a, sizeof *v);
      v->kind = ev.type == YAML_SEQUENCE_START_EVENT ? YV_SEQ : YV_MAP;
      break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
      close_frame(&stack[--depth]);
      break;
    default: break;
    }
    if (v) {
      v->line = line;
      v->col = col;
      if (depth > 0) add_child(a, &stack[depth - 1], v);
      else *root = v;
      if (v->kind != YV_SCALAR) {
        memset(&stack[depth], 0, sizeof stack[depth]);
        stack[depth++].node = v;
      }
    }
    yaml_event_delete(&ev);
    if (rc) break;
    continue;
  anchor:
    *err_line = line;
    snprintf(err, errlen, "YAML anchors (&name) are not supported");
    yaml_event_delete(&ev);
    rc = -1;
    break;
  }
  yaml_parser_delete(&p);
  if (rc) *root = NULL;
  return rc;
}

yval *yv_get(const yval *map, const char *key) {
  if (!map || map->kind != YV_MAP) return NULL;
  for (size_t i = 0; i < map->n; i++)
    if (map->keys[i]->kind == YV_SCALAR && !strcmp(map->keys[i]->str, key)) return map->items[i];
  return NULL;
}

const char *yv_str(const yval *v) { return v && v->kind == YV_SCALAR ? v->str : NULL; }
const char *yv_get_str(const yval *map, const char *key) { return yv_str(yv_get(map, key)); }
