/*
 * fuzz_pipeline.c: one document body, arbitrary bytes, after a fixed valid front matter,
 * through the whole in-memory pipeline: load → model → records → check → decorate → the
 * generated pages → the combined page → render (HTML and DOCX of the fuzzed page, through the
 * real templates). The catalog is loaded once and shared by every input.
 *
 * The content folder (created once) also holds a second document with headings, a PNG, and
 * two symlinks that lead outside the folder, so links and images have real targets.
 *
 * Oracles besides the sanitizers:
 *   - the stylesheets never fail on a decorated page, and the DOCX always packs;
 *   - the HTML of the page holds no active content (inline script or one that is not a
 *     template's own .js file next to the page, iframe,
 *     object, embed, base, meta refresh, on* attributes, javascript:/vbscript:/data:/file:
 *     URLs), parsed back with libxml2's HTML parser;
 *   - every local asset the page copies resolves inside the content folder.
 *
 * The render context is expensive (two large stylesheets), so one is kept and renewed every
 * RENEW inputs; its arena and diagnostics are per-context, the page's assets are lent to it.
 * FUZZ_RENDER=1 renders HTML only, 2 DOCX only, 0 nothing (faster, for the front of the pipeline).
 */
#include "fuzz_common.h"

#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#include <limits.h>

#include "combine.h"
#include "decorate.h"
#include "pages.h"
#include "render.h"

#define RENEW 200

static char dir[4096], doc_path[4096], real_root[PATH_MAX];
static xmlExternalEntityLoader default_loader;
static tf_build rb;       /* owns the render context's arena */
static tf_render *rr;
static unsigned uses;
static int render_mask = 3; /* FUZZ_RENDER: 1 HTML, 2 DOCX, 3 both (default), 0 neither */

static const char FM[] =
    "---\n"
    "id: DOC-FUZZ\n"
    "title: Fuzzed document\n"
    "version: \"1.0\"\n"
    "status: draft\n"
    "owner: Quality Manager\n"
    "evidence:\n"
    "  - 4.1.1\n"
    "  - {clause: \"5.8.2\", section: \"Release\"}\n"
    "  - {clause: \"5.1.3\", section: \"coding-standard\"}\n"
    "---\n";

static const char OTHER[] =
    "---\nid: DOC-OTHER\ntitle: Other document\nversion: \"2\"\n---\n"
    "# Other\n\n## Security activities\n\nText with a [link](DOC-FUZZ) back.\n\n## Release\n\nMore.\n";

static tf_build cb; /* holds the clause catalog, loaded once */

/* model_free without catalog_free: the catalog (and catalog.c's static match context) belong
 * to cb and outlive every input. */
static void build_free(tf_build *b) {
  for (size_t i = 0; i < b->docs.n; i++) {
    tf_doc *d = b->docs.items[i];
    if (d->ast) cmark_node_free(d->ast);
    model_release_text(d, 1, 1);
  }
  diag_list_free(&b->diags);
  arena_free(b->arena);
}

static void render_renew(void) {
  if (rr) {
    render_close(rr);
    build_free(&rb);
  }
  fz_build_init(&rb, dir);
  xmlSetExternalEntityLoader(default_loader); /* render_open installs a deny-all loader */
  rr = render_open(&rb);
  if (!rr) {
    diag_print(&rb.diags, stderr);
    fprintf(stderr, "fuzz_pipeline: cannot open the templates under %s\n", fz_repo());
    abort();
  }
  uses = 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  const char *t = fz_tmpdir();
  FZ_FMT(dir, "%s/content", t);
  mkdir(dir, 0755);
  char p[4300], src[4300];
  FZ_FMT(p, "%s/techfile.yaml", dir);
  fz_write_str(p, FZ_CONFIG);
  FZ_FMT(p, "%s/other.md", dir);
  fz_write_str(p, OTHER);
  FZ_FMT(p, "%s/img", dir);
  mkdir(p, 0755);
  fz_path(src, sizeof src, "tests/fixtures/media/flow.png");
  size_t n;
  char *png = fz_slurp(src, &n);
  FZ_FMT(p, "%s/img/flow.png", dir);
  if (png) fz_write(p, png, n);
  free(png);
  FZ_FMT(p, "%s/img/outside.png", dir);
  if (symlink("/etc/hostname", p) != 0 && errno != EEXIST) perror("symlink");
  FZ_FMT(p, "%s/etc", dir);
  if (symlink("/etc", p) != 0 && errno != EEXIST) perror("symlink");
  FZ_FMT(doc_path, "%s/fuzz.md", dir);
  if (!realpath(dir, real_root)) abort();
  fz_build_init(&cb, dir);
  if (catalog_load(&cb, cb.catalog_path) != 0) {
    diag_print(&cb.diags, stderr);
    abort();
  }
  default_loader = xmlGetExternalEntityLoader();
  const char *m = getenv("FUZZ_RENDER");
  if (m && *m) render_mask = atoi(m) & 3;
  return 0;
}

/* ---- the active-content oracle ---------------------------------------------------- */
static int bad_url(const xmlChar *v) {
  char s[32];
  size_t n = 0;
  for (const xmlChar *p = v; *p && n < sizeof s - 1; p++) {
    if (*p <= 0x20 || *p == 0x7f) continue; /* browsers drop these around and inside a scheme */
    s[n++] = (char)tolower(*p);
  }
  s[n] = 0;
  return !strncmp(s, "javascript:", 11) || !strncmp(s, "vbscript:", 9) || !strncmp(s, "data:", 5) || !strncmp(s, "file:", 5);
}

static const char *active(xmlNodePtr n) {
  static const char *const url_attrs[] = {"href", "src", "action", "formaction", "poster", "data", "cite",
                                          "background", "srcset", "xlink:href", NULL};
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    const char *name = (const char *)n->name;
    if (!strcasecmp(name, "script")) {
      /* The templates' own scripts: a plain file name next to the page, no inline code. */
      xmlChar *src = xmlGetProp(n, BAD_CAST "src");
      size_t l = src ? strlen((char *)src) : 0;
      int ok = l > 3 && !strcmp((char *)src + l - 3, ".js") && strspn((char *)src, "abcdefghijklmnopqrstuvwxyz0123456789-_.") == l &&
               src[0] != '.' && !n->children;
      xmlFree(src);
      if (!ok) return "a <script> other than the templates' script files";
    }
    if (!strcasecmp(name, "iframe") || !strcasecmp(name, "object") || !strcasecmp(name, "embed") ||
        !strcasecmp(name, "base") || !strcasecmp(name, "frame") || !strcasecmp(name, "frameset"))
      return "an iframe/object/embed/base/frame element";
    if (!strcasecmp(name, "meta")) {
      xmlChar *he = xmlGetProp(n, BAD_CAST "http-equiv");
      int bad = he && !strcasecmp((char *)he, "refresh");
      xmlFree(he);
      if (bad) return "a meta refresh";
    }
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
      const char *an = (const char *)a->name;
      if ((an[0] == 'o' || an[0] == 'O') && (an[1] == 'n' || an[1] == 'N')) return "an on* event handler attribute";
      for (int i = 0; url_attrs[i]; i++)
        if (!strcasecmp(an, url_attrs[i])) {
          xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
          int bad = v && bad_url(v);
          xmlFree(v);
          if (bad) return "a javascript:/vbscript:/data:/file: URL";
        }
    }
    const char *why = active(n->children);
    if (why) return why;
  }
  return NULL;
}

static void check_html(const tf_buf *html) {
  htmlDocPtr h = htmlReadMemory(html->data ? html->data : "", (int)html->len, "page.html", "UTF-8",
                                HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
  if (!h) {
    fprintf(stderr, "fuzz_pipeline: the HTML does not parse back\n");
    abort();
  }
  const char *why = active(xmlDocGetRootElement(h));
  if (why) {
    fprintf(stderr, "fuzz_pipeline: active HTML: %s\n%.*s\n", why, (int)(html->len > 20000 ? 20000 : html->len), html->data);
    abort();
  }
  xmlFreeDoc(h);
}

static void check_assets(tf_build *b) {
  size_t rl = strlen(real_root);
  for (size_t i = 0; i < b->assets.n; i++) {
    tf_asset *as = b->assets.items[i];
    char *real = realpath(as->source, NULL);
    int inside = !real || (!strncmp(real, real_root, rl) && real[rl] == '/');
    if (!inside) {
      fprintf(stderr, "fuzz_pipeline: asset %s resolves outside the content folder: %s\n", as->source, real);
      abort();
    }
    free(real);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!rr || ++uses > RENEW) render_renew();
  size_t fl = sizeof FM - 1;
  char *text = malloc(fl + size + 1);
  memcpy(text, FM, fl);
  memcpy(text + fl, data, size);
  fz_write(doc_path, text, fl + size);
  free(text);

  tf_build b;
  fz_build_init(&b, dir);
  if (load_config(&b) != 0) {
    diag_print(&b.diags, stderr);
    abort();
  }
  b.catalog = cb.catalog; /* shared, read-only; see build_free */
  load_content(&b);
  model_build(&b);
  records_check(&b);
  check_clauses(&b);
  size_t cap = b.docs.n + PAGES_MAX + 1, np = 0;
  xmlDocPtr *pages = calloc(cap, sizeof *pages);
  const char **files = calloc(cap, sizeof *files);
  for (size_t i = 0; i < b.docs.n; i++) {
    tf_doc *d = b.docs.items[i];
    xmlDocPtr page = decorate_document(&b, d, NULL);
    files[np] = d->id;
    pages[np++] = page;
    if (!strcmp(d->id, "DOC-FUZZ")) {
      check_assets(&b);
      tf_buf html = {0}, docx = {0};
      rb.assets = b.assets; /* lent for the DOCX images */
      if ((render_mask & 1 && render_html(rr, page, &html) != 0) || (render_mask & 2 && render_docx(rr, page, &docx) != 0)) {
        diag_print(&rb.diags, stderr);
        fprintf(stderr, "fuzz_pipeline: rendering failed on a decorated page\n");
        abort();
      }
      memset(&rb.assets, 0, sizeof rb.assets);
      if (render_mask & 1) check_html(&html);
      buf_free(&html);
      buf_free(&docx);
    }
  }
  const char *gen[PAGES_MAX];
  size_t ng = pages_list(&b, gen);
  for (size_t i = 0; i < ng; i++) files[np] = gen[i], pages[np++] = pages_build(&b, gen[i]);
  /* The chapters of the combined technical-file.docx, in order; the fuzzed one rendered. */
  tf_combine *cmb = combine_open(&b);
  for (size_t k = 0; k < combine_count(cmb); k++) {
    size_t i = 0;
    while (i < np && strcmp(files[i], combine_file(cmb, k))) i++;
    if (i == np) abort(); /* every chapter is a page */
    xmlDocPtr ch = combine_chapter(cmb, k, pages[i]);
    if (render_mask & 2 && !strcmp(files[i], "DOC-FUZZ")) {
      rb.assets = b.assets;
      if (combine_render(cmb, rr, k, ch) != 0) {
        diag_print(&rb.diags, stderr);
        fprintf(stderr, "fuzz_pipeline: rendering a chapter failed\n");
        abort();
      }
      memset(&rb.assets, 0, sizeof rb.assets);
    }
    xmlFreeDoc(ch);
  }
  combine_free(cmb);
  for (size_t i = 0; i < np; i++) xmlFreeDoc(pages[i]);
  free(pages);
  free(files);
  diag_sort(&b.diags);
  build_free(&b);
  diag_list_free(&rb.diags);
  memset(&rb.diags, 0, sizeof rb.diags);
  return 0;
}
