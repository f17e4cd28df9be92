/*
 * main.c: the command line. Parses options into a tf_build and hands it to build.c; prints
 * the catalog. Exit status: 0 built, 1 content errors (or gaps under --strict, release rules
 * under --release), 2 wrong usage.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxslt/xsltutils.h>
#include <libxslt/transform.h>

#include "build.h"
#include "scaffold.h"
#include "report.h"

static const char USAGE[] =
    "usage: techfile build [CONTENT_DIR] [-o OUT_DIR] [--strict] [--release] [-j N]\n"
    "                      [--templates DIR] [--catalog FILE] [--reference-docx FILE]\n"
    "                      [--pdf] [--depfile FILE] [-q]\n"
    "       techfile check [CONTENT_DIR] [--strict] [--release] [--catalog FILE] [-q]\n"
    "       techfile catalog [--json] [--catalog FILE]\n"
    "       techfile init DIR\n"
    "       techfile import SRC DIR\n"
    "       techfile --help | --version\n";

static const char HELP[] =
    "\n"
    "techfile compiles a cybersecurity technical file (Markdown with YAML front matter) into\n"
    "cross-referenced HTML and DOCX, checks every clause of IEC 81001-5-1 against the evidence\n"
    "the documents declare, and packs a checksummed bundle for a Notified Body.\n"
    "\n"
    "commands:\n"
    "  build      check and render CONTENT_DIR (default: content) into OUT_DIR (default: out)\n"
    "  check      all checks, no output files (for pre-commit hooks and quick CI gates)\n"
    "  catalog    print the clause catalog (--json: as a JSON array)\n"
    "  init       scaffold a new technical file in DIR from the shipped example\n"
    "  import     turn a Markdown tree without front matter (SRC) into a content folder DIR\n"
    "\n"
    "options:\n"
    "  -o, --out DIR       output folder (default: out); never inside CONTENT_DIR\n"
    "  --strict            exit 1 when any clause is a gap\n"
    "  --release           exit 1 on any release blocker: open findings, open checklist\n"
    "                      items, documents not approved, and gaps\n"
    "  -j, --jobs N        render on N threads (default: the number of cores); the output\n"
    "                      is byte-identical whatever N\n"
    "  --depfile FILE      write Make-compatible dependencies of the outputs\n"
    "  --reference-docx FILE  take Word styles, fonts and theme from a writer's template\n"
    "  --pdf               also convert every DOCX to PDF (OUT_DIR/pdf) with LibreOffice\n"
    "  --templates DIR     templates folder (default: the installed templates/)\n"
    "  --catalog FILE      clause catalog (default: the installed iec-81001-5-1.yaml)\n"
    "  -q, --quiet         no summary line\n"
    "\n"
    "exit status: 0 built (warnings allowed); 1 content errors, gaps under --strict, or\n"
    "release rules broken under --release; 2 wrong usage.\n";

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "techfile: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n%s", USAGE);
  return 2;
}

static int cmd_catalog(tf_build *b, int json) {
  if (!b->catalog_path) b->catalog_path = build_find_data(b->arena, "catalog/iec-81001-5-1.yaml");
  if (!b->catalog_path) return usage_error("%s", "cannot find the clause catalog; pass --catalog FILE");
  if (catalog_load(b, b->catalog_path) != 0) {
    diag_print(&b->diags, stderr);
    return 1;
  }
  tf_buf out = {0};
  if (json) {
    catalog_json(b, &out);
  } else {
    for (size_t i = 0; i < b->catalog.clauses.n; i++) {
      tf_clause *k = b->catalog.clauses.items[i];
      buf_printf(&out, "%-6s %-5s %-26s %s\n", k->clause, k->severity, k->process, k->title);
    }
  }
  fwrite(out.data, 1, out.len, stdout);
  buf_free(&out);
  return 0;
}

int main(int argc, char **argv) {
  /* localtime() (libzip calls it twice per archive entry) looks at /etc/localtime again on
   * every call while TZ is unset: thousands of stat calls per build. Naming the same file
   * keeps the same zone and lets glibc see it is unchanged. */
  if (!getenv("TZ")) setenv("TZ", ":/etc/localtime", 0);
  mem_init();
  if (argc < 2) return usage_error("%s", "missing command");
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    printf("%s%s", USAGE, HELP);
    return 0;
  }
  if (!strcmp(cmd, "--version")) {
    printf("techfile %s\n", TF_VERSION);
    return 0;
  }
  if (!strcmp(cmd, "init") || !strcmp(cmd, "import")) {
    int want = !strcmp(cmd, "init") ? 1 : 2;
    if (argc == 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
      printf("%s%s", USAGE, HELP);
      return 0;
    }
    if (argc != 2 + want || argv[2][0] == '-' || argv[argc - 1][0] == '-')
      return usage_error("%s", want == 1 ? "init takes one folder: techfile init DIR" : "import takes two folders: techfile import SRC DIR");
    tf_arena *a = arena_new();
    int rc = want == 1 ? scaffold_init(a, argv[2]) : scaffold_import(a, argv[2], argv[3]);
    arena_free(a);
    return rc;
  }
  if (strcmp(cmd, "build") && strcmp(cmd, "check") && strcmp(cmd, "catalog")) return usage_error("unknown command '%s'", cmd);
  tf_build b;
  model_init(&b);
  b.content_dir = NULL;
  b.out_dir = "out";
  b.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
  int json = 0, rc;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDS_VALUE                                                         \
  do {                                                                      \
    if (!val) { rc = usage_error("option %s needs a value", a); goto out; } \
    i++;                                                                    \
  } while (0)
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      printf("%s%s", USAGE, HELP);
      rc = 0;
      goto out;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
      NEEDS_VALUE;
      b.out_dir = val;
    } else if (!strcmp(a, "--strict")) {
      b.strict = 1;
    } else if (!strcmp(a, "--release")) {
      b.release = 1;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      b.quiet = 1;
    } else if (!strcmp(a, "--json") && !strcmp(cmd, "catalog")) {
      json = 1;
    } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs")) {
      NEEDS_VALUE;
      char *end;
      long j = strtol(val, &end, 10);
      if (*end || j < 1 || j > 256) {
        rc = usage_error("-j takes a number from 1 to 256, not '%s'", val);
        goto out;
      }
      b.jobs = (int)j;
    } else if (!strcmp(a, "--templates")) {
      NEEDS_VALUE;
      b.templates_dir = val;
    } else if (!strcmp(a, "--reference-docx")) {
      NEEDS_VALUE;
      b.reference_docx = val;
    } else if (!strcmp(a, "--pdf")) {
      b.pdf = 1;
    } else if (!strcmp(a, "--depfile")) {
      NEEDS_VALUE;
      b.depfile = val;
    } else if (!strcmp(a, "--catalog")) {
      NEEDS_VALUE;
      b.catalog_path = val;
    } else if (a[0] == '-' && a[1]) {
      rc = usage_error("unknown option '%s'", a);
      goto out;
    } else if (!b.content_dir && strcmp(cmd, "catalog")) {
      b.content_dir = a;
    } else {
      rc = usage_error("unexpected argument '%s'", a);
      goto out;
    }
  }
  if (!b.content_dir) b.content_dir = "content";
  if (!strcmp(cmd, "catalog")) rc = cmd_catalog(&b, json);
  else rc = build_run(&b, !strcmp(cmd, "build"));
out:
  model_free(&b);
  xsltCleanupGlobals();
  xmlCleanupParser();
  return rc;
}
