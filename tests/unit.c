/* unit.c: unit tests of the stages' pure functions. Prints "ok - name" / "not ok - name". */
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "pack.h"

static int failed;

#define CHECK(name, cond)                                              \
  do {                                                                 \
    if (cond) printf("ok - unit: %s\n", name);                         \
    else printf("not ok - unit: %s (%s:%d)\n", name, __FILE__, __LINE__), failed++; \
  } while (0)

static const char *fmt(long d) {
  static char s[11];
  date_format(d, s);
  return s;
}

static void test_dates(void) {
  long d;
  CHECK("date parses ISO", date_parse("2026-11-24", &d) == 0 && !strcmp(fmt(d), "2026-11-24"));
  CHECK("date rejects 2026-02-30", date_parse("2026-02-30", &d) != 0);
  CHECK("date rejects 2026-1-3", date_parse("2026-1-3", &d) != 0);
  CHECK("date accepts leap day 2028-02-29", date_parse("2028-02-29", &d) == 0);
  date_parse("2026-01-31", &d);
  CHECK("refresh crossing a month end clamps (Jan 31 + 1 month)", !strcmp(fmt(date_add_months(d, 1)), "2026-02-28"));
  date_parse("2027-08-31", &d);
  CHECK("refresh of 6 months from Aug 31 ends Feb 29 in a leap year", !strcmp(fmt(date_add_months(d, 6)), "2028-02-29"));
  date_parse("2025-11-24", &d);
  CHECK("refresh of 12 months", !strcmp(fmt(date_add_months(d, 12)), "2026-11-24"));
  date_parse("2026-12-15", &d);
  CHECK("refresh across a year end", !strcmp(fmt(date_add_months(d, 3)), "2027-03-15"));
}

static void test_slugs(void) {
  tf_arena *a = arena_new();
  CHECK("slug of a plain heading", !strcmp(model_slug(a, "Release gate"), "release-gate"));
  CHECK("slug drops punctuation", !strcmp(model_slug(a, "5.8.6: Activity (completion)!"), "586-activity-completion"));
  CHECK("slug keeps - and _", !strcmp(model_slug(a, "a-b_c"), "a-b_c"));
  CHECK("slug keeps non-ASCII letters", !strcmp(model_slug(a, "Prüfung A"), "prüfung-a"));
  CHECK("ID rule accepts SOP-SEC-001", model_id_valid("SOP-SEC-001"));
  CHECK("ID rule rejects lower case", !model_id_valid("sop-sec-001"));
  CHECK("ID rule rejects a dot", !model_id_valid("SOP.1"));
  CHECK("ID rule rejects a trailing dash", !model_id_valid("SOP-"));
  arena_free(a);
}

static void test_yaml(void) {
  tf_arena *a = arena_new();
  yval *root;
  int line;
  char err[256];
  const char *ok = "id: X-1\nversion: 1.10\nlist: [a, b]\nmap: {k: v}\n";
  CHECK("yaml parses a mapping", yv_parse(a, ok, strlen(ok), &root, &line, err, sizeof err) == 0 && root->kind == YV_MAP);
  CHECK("yaml keeps 1.10 as text", !strcmp(yv_get_str(root, "version"), "1.10"));
  CHECK("yaml reads flow lists", yv_get(root, "list")->n == 2);
  const char *bomb = "a: &a [x, x]\nb: [*a, *a]\n";
  CHECK("yaml refuses anchors and aliases", yv_parse(a, bomb, strlen(bomb), &root, &line, err, sizeof err) != 0 && line == 1);
  const char *bad = "a: [1, 2\nb: c\n";
  CHECK("yaml reports a syntax error with a line", yv_parse(a, bad, strlen(bad), &root, &line, err, sizeof err) != 0 && line >= 1);
  tf_buf deep = {0};
  for (int i = 0; i < 200; i++) buf_puts(&deep, "[");
  CHECK("yaml refuses nesting deeper than the limit", yv_parse(a, deep.data, deep.len, &root, &line, err, sizeof err) != 0);
  buf_free(&deep);
  arena_free(a);
}

static void test_utf8(void) {
  CHECK("utf8 accepts text", utf8_valid("h\xC3\xA9llo", 6));
  CHECK("utf8 rejects a lone continuation byte", !utf8_valid("\x80", 1));
  CHECK("utf8 rejects overlong", !utf8_valid("\xC0\xAF", 2));
  CHECK("utf8 rejects surrogates", !utf8_valid("\xED\xA0\x80", 3));
}

static void test_pack(void) {
  char hex[65];
  pack_sha256_hex("abc", 3, hex);
  CHECK("sha256 of abc", !strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  pack_entry e[2] = {{"a.txt", "hello", 5}, {"b/c.txt", "world", 5}};
  tf_buf z1 = {0}, z2 = {0};
  char err[128];
  int rc = pack_zip(e, 2, &z1, err, sizeof err) | pack_zip(e, 2, &z2, err, sizeof err);
  CHECK("zip is byte-identical across runs", rc == 0 && z1.len == z2.len && !memcmp(z1.data, z2.data, z1.len));
  CHECK("zip starts with a local file header", z1.len > 4 && !memcmp(z1.data, "PK\3\4", 4));
  buf_free(&z1);
  buf_free(&z2);
}

static void test_markdown(void) {
  const char *md = "# T\n\ntext[^1]\n\n[^1]: note\n";
  cmark_node *n = load_markdown(md, strlen(md));
  tf_buf plain = {0};
  model_plain(n, &plain);
  CHECK("markdown plain text has heading and footnote", strstr(buf_cstr(&plain), "T") && strstr(buf_cstr(&plain), "note"));
  buf_free(&plain);
  cmark_node_free(n);
}

int main(void) {
  test_dates();
  test_slugs();
  test_yaml();
  test_utf8();
  test_pack();
  test_markdown();
  return failed ? 1 : 0;
}
