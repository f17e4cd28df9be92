/* unit.c: unit tests of the stages' pure functions. Prints "ok - name" / "not ok - name". */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "pack.h"
#include "store.h"

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

/* ---- pack: pre-deflated entries, entries from files, archives written to files ---------- */

static char pack_dir[64]; /* a fresh folder per run */

/* Text that deflates well but not trivially, larger than one 64 KiB piece and not a multiple
 * of it, so the piece boundaries inside pack.c are crossed. */
static void sample(tf_buf *b, size_t len, unsigned seed) {
  b->len = 0;
  while (b->len < len) buf_printf(b, "line %u: clause %u evidence %u\n", seed, (seed * 2654435761u) % 977, seed % 13), seed++;
  b->len = len;
}

static int same(const tf_buf *a, const tf_buf *b) { return a->len == b->len && !memcmp(a->data, b->data, a->len); }

/* A path in pack_dir; the last 32 stay valid. */
static const char *tmp_path(const char *name) {
  static char p[32][128];
  static int k;
  k = (k + 1) % 32;
  snprintf(p[k], sizeof p[k], "%s/%s", pack_dir, name);
  return p[k];
}

static int write_file(const char *path, const void *data, size_t len, mode_t mode) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  int ok = fwrite(data, 1, len, f) == len;
  ok &= fclose(f) == 0;
  return ok && chmod(path, mode) == 0 ? 0 : -1;
}

/* Names in pack_dir, sorted and joined by spaces: shows leftover temporary files. */
static void dir_names(char *out, size_t outlen) {
  struct dirent **list;
  int n = scandir(pack_dir, &list, NULL, alphasort);
  out[0] = 0;
  for (int i = 0; i < n; i++) {
    if (strcmp(list[i]->d_name, ".") && strcmp(list[i]->d_name, ".."))
      snprintf(out + strlen(out), outlen - strlen(out), "%s ", list[i]->d_name);
    free(list[i]);
  }
  if (n >= 0) free(list);
}

/* Whether memmem finds needle in the archive: the caller's compressed bytes went in as they are. */
static int contains(const tf_buf *zip, const tf_buf *needle) {
  return needle->len && zip->len >= needle->len && memmem(zip->data, zip->len, needle->data, needle->len);
}

static void test_pack_deflate(void) {
  tf_buf txt = {0}, png = {0}, dtxt = {0}, dpng = {0}, z1 = {0}, z2 = {0}, z3 = {0};
  char err[256];
  uint32_t ctxt = 0, cpng = 0;
  sample(&txt, 200000, 1);
  sample(&png, 5000, 7);
  int rc = pack_deflate(txt.data, txt.len, 1, &dtxt, &ctxt) | pack_deflate(png.data, png.len, 1, &dpng, &cpng);
  CHECK("pack_deflate compresses text", rc == 0 && dtxt.len > 0 && dtxt.len < txt.len / 4);
  pack_entry raw[3] = {{"a.txt", txt.data, txt.len}, {"b.png", png.data, png.len}, {"empty.txt", NULL, 0}};
  tf_buf dempty = {0};
  uint32_t cempty = 1;
  pack_deflate("", 0, 1, &dempty, &cempty);
  pack_entry pre[3] = {{.name = "a.txt", .data = dtxt.data, .len = dtxt.len, .deflated = 1, .raw_len = txt.len, .crc = ctxt},
                       {.name = "b.png", .data = dpng.data, .len = dpng.len, .deflated = 1, .raw_len = png.len, .crc = cpng},
                       {.name = "empty.txt", .data = dempty.data, .len = dempty.len, .deflated = 1, .raw_len = 0, .crc = cempty}};
  rc = pack_zip(raw, 3, &z1, err, sizeof err);
  CHECK("zip of raw entries", rc == 0);
  rc = pack_zip(raw, 3, &z2, err, sizeof err);
  CHECK("zip of raw entries is byte-identical across runs", rc == 0 && same(&z1, &z2));
  rc = pack_zip(pre, 3, &z3, err, sizeof err);
  CHECK("zip of pre-deflated entries is byte-identical to the raw ones' (a stored name inflated)", rc == 0 && same(&z1, &z3));
  CHECK("a deflated entry holds pack_deflate's bytes as they are", contains(&z3, &dtxt));
  CHECK("a stored name is stored, not deflated", contains(&z3, &png) && !contains(&z3, &dpng));
  /* With a wrong CRC the bytes still go in as they are: proof that libzip copied rather than
   * recompressed (it would have computed the right CRC), and that nothing checks them. */
  pack_entry bad = pre[0];
  bad.crc ^= 1;
  z2.len = 0;
  rc = pack_zip(&bad, 1, &z2, err, sizeof err);
  uint32_t le = bad.crc;
  unsigned char crcle[4] = {le & 255, (le >> 8) & 255, (le >> 16) & 255, le >> 24};
  CHECK("a pre-deflated entry's CRC is the caller's, not recomputed", rc == 0 && memmem(z2.data, z2.len, crcle, 4));
  /* A stored name is inflated first, so its CRC can be and is checked. */
  bad = pre[1];
  bad.crc ^= 1;
  rc = pack_zip(&bad, 1, &z2, err, sizeof err);
  CHECK("a stored name given deflated with a wrong CRC is refused, naming it", rc == -1 && strstr(err, "b.png"));
  buf_free(&txt), buf_free(&png), buf_free(&dtxt), buf_free(&dpng), buf_free(&dempty);
  buf_free(&z1), buf_free(&z2), buf_free(&z3);
}

/* pigz's way: chunks deflated separately (here in order, but nothing is shared), joined, with
 * the CRC-32s combined, read back by Python's zipfile and by Info-ZIP unzip. */
static void test_pack_chunks(void) {
  tf_buf part[3] = {{0}}, comp = {0}, all = {0}, one = {0}, zip = {0};
  uint32_t crc[3], whole = 0, c;
  int rc = 0, marked = 1;
  for (int i = 0; i < 3; i++) {
    sample(&part[i], i == 1 ? 70000 : 30000 + 1000 * (size_t)i, 100u * (unsigned)i);
    tf_buf d = {0};
    rc |= pack_deflate(part[i].data, part[i].len, i == 2, &d, &crc[i]);
    if (i < 2) marked &= d.len > 4 && !memcmp(d.data + d.len - 4, "\0\0\377\377", 4);
    buf_put(&comp, d.data, d.len);
    buf_put(&all, part[i].data, part[i].len);
    buf_free(&d);
  }
  CHECK("chunks with last=0 end with a sync flush marker", rc == 0 && marked);
  c = pack_crc32_combine(pack_crc32_combine(crc[0], crc[1], part[1].len), crc[2], part[2].len);
  rc |= pack_deflate(all.data, all.len, 1, &one, &whole);
  CHECK("pack_crc32_combine of the chunks is the CRC of the whole", rc == 0 && c == whole && c != (crc[0] ^ crc[1] ^ crc[2]));
  pack_entry e[2] = {{.name = "joined.txt", .data = comp.data, .len = comp.len, .deflated = 1, .raw_len = all.len, .crc = c},
                     {.name = "plain.txt", .data = "plain", .len = 5}};
  const char *zpath = tmp_path("chunks.zip"), *want = tmp_path("chunks.txt");
  char err[256];
  rc = pack_zip_file(e, 2, zpath, NULL, err, sizeof err) | write_file(want, all.data, all.len, 0644) |
       file_read(zpath, 1u << 24, &zip, err, sizeof err);
  CHECK("the joined chunks go into the archive as they are", rc == 0 && contains(&zip, &comp) && !contains(&zip, &one));
  char cmd[512];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 -c 'import sys, zipfile\n"
           "z = zipfile.ZipFile(sys.argv[1])\n"
           "ok = z.testzip() is None and z.read(\"joined.txt\") == open(sys.argv[2], \"rb\").read() and z.read(\"plain.txt\") == b\"plain\"\n"
           "sys.exit(0 if ok else 1)' %s %s",
           zpath, want);
  CHECK("python zipfile: testzip() clean, the joined entry is the chunks' concatenation", system(cmd) == 0);
  snprintf(cmd, sizeof cmd, "unzip -tqq %s >/dev/null 2>&1 && unzip -p %s joined.txt | cmp -s - %s", zpath, zpath, want);
  CHECK("unzip -t: no errors, and unzip -p gives the concatenation", system(cmd) == 0);
  /* The same reader must fail when the CRC does not match: the checks above can fail. */
  e[0].crc ^= 0x80;
  rc = pack_zip_file(e, 2, zpath, NULL, err, sizeof err);
  snprintf(cmd, sizeof cmd, "unzip -tqq %s >/dev/null 2>&1", zpath);
  CHECK("unzip -t fails on a wrong CRC", rc == 0 && system(cmd) != 0);
  unlink(zpath), unlink(want);
  for (int i = 0; i < 3; i++) buf_free(&part[i]);
  buf_free(&comp), buf_free(&all), buf_free(&one), buf_free(&zip);
}

/* Entries parked in one scratch file (build.c's spill): read back by descriptor at any
 * offset, the same archive as from memory; refused when not a deflated, unstored entry. */
static void test_pack_fd(void) {
  tf_buf a = {0}, b = {0}, da = {0}, db = {0}, zm = {0}, zf = {0};
  uint32_t ca, cb;
  char err[256];
  sample(&a, 50000, 3);
  sample(&b, 20000, 9);
  int rc = pack_deflate(a.data, a.len, 1, &da, &ca) | pack_deflate(b.data, b.len, 1, &db, &cb);
  const char *spill = tmp_path("spill");
  int fd = open(spill, O_RDWR | O_CREAT | O_TRUNC, 0600);
  /* b first, then a, after some junk: offsets are not in entry order */
  rc |= fd < 0 || write(fd, "junk", 4) != 4 || write(fd, db.data, db.len) != (ssize_t)db.len ||
        write(fd, da.data, da.len) != (ssize_t)da.len;
  pack_entry mem[2] = {{.name = "a.html", .data = da.data, .len = da.len, .deflated = 1, .raw_len = a.len, .crc = ca},
                       {.name = "b.html", .data = db.data, .len = db.len, .deflated = 1, .raw_len = b.len, .crc = cb}};
  pack_entry onfd[2] = {
      {.name = "a.html", .len = da.len, .deflated = 1, .raw_len = a.len, .crc = ca, .from_fd = 1, .fd = fd, .offset = 4 + db.len},
      {.name = "b.html", .len = db.len, .deflated = 1, .raw_len = b.len, .crc = cb, .from_fd = 1, .fd = fd, .offset = 4}};
  rc |= pack_zip(mem, 2, &zm, err, sizeof err) | pack_zip(onfd, 2, &zf, err, sizeof err);
  CHECK("entries read from a descriptor at their offsets: the same archive as from memory", rc == 0 && zm.len && same(&zm, &zf));
  pack_entry shortf = onfd[0];
  shortf.offset = 4 + db.len + 1; /* runs past the end of the file */
  zf.len = 0;
  rc = pack_zip(&shortf, 1, &zf, err, sizeof err);
  CHECK("a descriptor entry past the end of its file fails, naming it", rc == -1 && strstr(err, "a.html"));
  pack_entry stored = onfd[0];
  stored.name = "a.png";
  rc = pack_zip(&stored, 1, &zf, err, sizeof err);
  CHECK("a descriptor entry with a stored name is refused, naming it", rc == -1 && strstr(err, "a.png"));
  char h1[65], h2[65];
  pack_sha256_hex(zm.data, zm.len, h1);
  const char *zpath = tmp_path("fd.zip");
  rc = write_file(zpath, zm.data, zm.len, 0644) | pack_sha256_file(zpath, h2);
  CHECK("pack_sha256_file is the SHA-256 of the file's bytes", rc == 0 && !strcmp(h1, h2));
  CHECK("pack_sha256_file of a missing file is -1", pack_sha256_file(tmp_path("missing"), h2) == -1);
  if (fd >= 0) close(fd);
  unlink(spill), unlink(zpath);
  buf_free(&a), buf_free(&b), buf_free(&da), buf_free(&db), buf_free(&zm), buf_free(&zf);
}

static void test_pack_files(void) {
  tf_buf big = {0}, exact = {0}, img = {0}, zm = {0}, zp = {0}, zf = {0}, before = {0};
  char err[256];
  sample(&big, 300001, 3);
  sample(&exact, 128u << 10, 5); /* a multiple of the 64 KiB piece: the file ends on a piece */
  sample(&img, 10000, 9);
  /* 0600, not 0644: the file's mode must not reach the archive. */
  int rc = write_file(tmp_path("big.html"), big.data, big.len, 0600) |
           write_file(tmp_path("exact.xml"), exact.data, exact.len, 0600) |
           write_file(tmp_path("pic.png"), img.data, img.len, 0600) | write_file(tmp_path("none.txt"), "", 0, 0600);
  CHECK("pack test files written", rc == 0);
  pack_entry mem[4] = {{"big.html", big.data, big.len}, {"exact.xml", exact.data, exact.len},
                       {"none.txt", "", 0}, {"x/pic.png", img.data, img.len}};
  pack_entry onpath[4] = {{.name = "big.html", .path = tmp_path("big.html")},
                          {.name = "exact.xml", .path = tmp_path("exact.xml")},
                          {.name = "none.txt", .path = tmp_path("none.txt")},
                          {.name = "x/pic.png", .path = tmp_path("pic.png")}};
  rc = pack_zip(mem, 4, &zm, err, sizeof err);
  int rp = pack_zip(onpath, 4, &zp, err, sizeof err);
  CHECK("entries read from files give the same bytes as in memory (deflated and stored)", rc == 0 && rp == 0 && same(&zm, &zp));
  CHECK("a stored name read from a file is stored", contains(&zp, &img));
  const char *out = tmp_path("out.zip");
  rc = pack_zip_file(onpath, 4, out, NULL, err, sizeof err) | file_read(out, 1u << 24, &zf, err, sizeof err);
  CHECK("pack_zip_file writes pack_zip's archive byte for byte", rc == 0 && same(&zf, &zm));
  struct stat sb;
  mode_t mask = umask(0);
  umask(mask);
  CHECK("pack_zip_file's file has the umask's mode (not a temporary file's 0600)",
        stat(out, &sb) == 0 && (sb.st_mode & 0777) == (0666 & ~mask));
  /* Over a spare: a longer file's blocks written over and its tail cut, the same bytes; a
   * spare with a second name is left alone (a new file is made). */
  {
    const char *spare = tmp_path("spare.zip"), *other = tmp_path("spare-link.zip"), *out2 = tmp_path("out2.zip");
    tf_buf junk = {0}, got = {0};
    for (int i = 0; i < 200000; i++) buf_putc(&junk, (char)('a' + i % 26));
    struct stat sp, so2;
    int w = write_file(spare, junk.data, junk.len, 0644);
    stat(spare, &sp);
    rc = w | pack_zip_file(onpath, 4, out2, spare, err, sizeof err) | file_read(out2, 1u << 24, &got, err, sizeof err);
    CHECK("pack_zip_file over a longer spare: the spare's file, cut to pack_zip's bytes, renamed to path",
          rc == 0 && same(&got, &zm) && stat(out2, &so2) == 0 && so2.st_ino == sp.st_ino && access(spare, F_OK) != 0);
    w = write_file(spare, junk.data, junk.len, 0644) | link(spare, other);
    rc = w | pack_zip_file(onpath, 4, out2, spare, err, sizeof err) | file_read(out2, 1u << 24, &got, err, sizeof err);
    tf_buf still = {0};
    CHECK("a spare with another name is not written over",
          rc == 0 && same(&got, &zm) && file_read(other, 1u << 24, &still, err, sizeof err) == 0 && same(&still, &junk));
    buf_free(&junk), buf_free(&got), buf_free(&still);
  }

  /* Reading it back; entries copied from it into a new archive, as they are stored (deflated
   * and stored ones, among new ones), give the archive made from scratch; a missing one is
   * refused; a missing archive or entry is refused. */
  pack_reader *pr = pack_reader_open(out);
  tf_buf raw = {0}, want = {0}, text = {0};
  CHECK("pack_reader opens an archive pack_zip_file wrote", pr != NULL);
  CHECK("pack_reader_has finds an entry and not a missing one", pr && pack_reader_has(pr, "x/pic.png") && !pack_reader_has(pr, "nope"));
  pack_entry copied[4] = {{.name = "big.html", .from = pr}, mem[1], {.name = "none.txt", .from = pr}, {.name = "x/pic.png", .from = pr}};
  rc = pr ? pack_zip(copied, 4, &raw, err, sizeof err) : -1;
  CHECK("entries copied from an archive give the same archive as their bytes", rc == 0 && same(&raw, &zm));
  copied[1] = (pack_entry){.name = "nope.txt", .from = pr};
  rc = pr ? pack_zip(copied, 4, &want, err, sizeof err) : 0;
  CHECK("an entry to copy that the archive lacks is refused, naming it", rc == -1 && strstr(err, "nope.txt"));
  CHECK("pack_reader_read gives an entry's bytes, NUL-terminated, within a limit",
        pr && pack_reader_read(pr, "exact.xml", 1u << 24, &text) == 0 && same(&text, &exact) && text.data[text.len] == 0 &&
            pack_reader_read(pr, "exact.xml", 100, &text) == -1);
  pack_reader_close(pr);
  /* Written anew from the last archive (pack_zip_update): entries copied from it stay as they
   * are, the others replace theirs (a stored one that deflates well among them: libzip must
   * not deflate it), the same bytes as the archive made from scratch; other names: 1, and the
   * reader is as it was. */
  {
    tf_buf exact2 = {0}, img2 = {0}, scratch = {0}, upd = {0};
    sample(&exact2, 5000, 7);
    for (int i = 0; i < 20000; i++) buf_putc(&img2, (char)('A' + i % 3));
    pack_entry fresh[4] = {mem[0], {"exact.xml", exact2.data, exact2.len}, mem[2], {"x/pic.png", img2.data, img2.len}};
    const char *out3 = tmp_path("out3.zip");
    pack_reader *ur = pack_reader_open(out);
    pack_entry kept[4] = {{.name = "big.html", .from = ur}, fresh[1], {.name = "none.txt", .from = ur}, fresh[3]};
    rc = pack_zip(fresh, 4, &scratch, err, sizeof err);
    int ru = ur ? pack_zip_update(ur, kept, 3, out3, NULL, err, sizeof err) : -1;
    CHECK("pack_zip_update with other names than the archive's does nothing (1)",
          ru == 1 && access(out3, F_OK) != 0 && pack_reader_has(ur, "big.html"));
    ru = ur ? pack_zip_update(ur, kept, 4, out3, NULL, err, sizeof err) : -1;
    pack_reader_close(ur);
    CHECK("pack_zip_update: kept and replaced entries give the archive made from scratch, byte for byte",
          rc == 0 && ru == 0 && file_read(out3, 1u << 24, &upd, err, sizeof err) == 0 && same(&upd, &scratch));
    buf_free(&exact2), buf_free(&img2), buf_free(&scratch), buf_free(&upd);
  }
  CHECK("pack_reader_open refuses a missing file and a file that is no archive",
        !pack_reader_open(tmp_path("missing.zip")) && !pack_reader_open(tmp_path("big.html")));
  buf_free(&raw), buf_free(&want), buf_free(&text);

  /* Failures: err names the file, nothing is left at the output path or next to it. */
  char names_before[512], names_after[512];
  const char *fresh = tmp_path("fresh.zip"), *missing = tmp_path("missing.css");
  pack_entry broken[3] = {mem[0], {.name = "style.css", .path = missing}, mem[3]};
  dir_names(names_before, sizeof names_before);
  rc = pack_zip_file(broken, 3, fresh, NULL, err, sizeof err);
  dir_names(names_after, sizeof names_after);
  CHECK("an unreadable path fails and names the file", rc == -1 && strstr(err, missing));
  CHECK("a failed pack_zip_file leaves no file and no temporary file", access(fresh, F_OK) != 0 && !strcmp(names_before, names_after));
  broken[1] = (pack_entry){.name = "pic.jpg", .path = missing};
  rc = pack_zip_file(broken, 3, fresh, NULL, err, sizeof err);
  CHECK("an unreadable path with a stored name fails and names the file", rc == -1 && strstr(err, missing) && access(fresh, F_OK) != 0);
  broken[1] = (pack_entry){.name = "dir.txt", .path = pack_dir};
  rc = pack_zip(broken, 3, &zf, err, sizeof err);
  CHECK("a folder as path fails and names it", rc == -1 && strstr(err, pack_dir));
  /* Found only while the archive is written: /proc files say size 0 but have bytes. */
  broken[1] = (pack_entry){.name = "status.txt", .path = "/proc/self/status"};
  rc = pack_zip_file(broken, 3, fresh, NULL, err, sizeof err);
  dir_names(names_after, sizeof names_after);
  CHECK("a file that changes size while written fails, naming it, and leaves no file",
        rc == -1 && strstr(err, "/proc/self/status") && access(fresh, F_OK) != 0 && !strcmp(names_before, names_after));
  file_read(out, 1u << 24, &before, err, sizeof err);
  broken[1] = (pack_entry){.name = "style.css", .path = missing};
  rc = pack_zip_file(broken, 3, out, NULL, err, sizeof err);
  zf.len = 0;
  file_read(out, 1u << 24, &zf, err, sizeof err);
  CHECK("a failed pack_zip_file leaves the previous file at path whole", rc == -1 && before.len && same(&before, &zf));
  rc = pack_zip_file(mem, 0, out, NULL, err, sizeof err);
  CHECK("pack_zip_file refuses no entries and keeps the previous file", rc == -1 && access(out, F_OK) == 0);
  zf.len = 0;
  rc = pack_zip(mem, 0, &zf, err, sizeof err);
  CHECK("pack_zip refuses no entries", rc == -1 && strstr(err, "at least one entry"));
  unlink(out);
  unlink(tmp_path("big.html")), unlink(tmp_path("exact.xml")), unlink(tmp_path("pic.png")), unlink(tmp_path("none.txt"));
  buf_free(&big), buf_free(&exact), buf_free(&img), buf_free(&zm), buf_free(&zp), buf_free(&zf), buf_free(&before);
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

/* pack_zip_file keeps the last megabyte in memory and patches local headers there: entries
 * larger than that (stored and deflated), and many small ones across its edges, give the bytes
 * pack_zip gives. */
static void test_pack_file_buffer(void) {
  enum { SMALL = 300 };
  tf_buf noise = {0}, text = {0}, zm = {0}, zf = {0};
  char err[256];
  unsigned x = 12345;
  buf_grow(&noise, 2600000);
  for (size_t i = 0; i < 2600000; i++) x = x * 1103515245u + 12345u, noise.data[i] = (char)(x >> 16);
  noise.len = 2600000;
  sample(&text, 3u << 20, 11);
  pack_entry *e = calloc(SMALL + 2, sizeof *e);
  char (*names)[32] = calloc(SMALL, 32);
  tf_buf *bodies = calloc(SMALL, sizeof *bodies);
  for (int i = 0; i < SMALL; i++) {
    snprintf(names[i], 32, "p/%03d.html", i);
    sample(&bodies[i], 2000 + (size_t)i * 97, (unsigned)i);
    e[i].name = names[i], e[i].data = bodies[i].data, e[i].len = bodies[i].len;
  }
  e[SMALL].name = "q/noise.png", e[SMALL].data = noise.data, e[SMALL].len = noise.len;      /* stored, 2.6 MB */
  e[SMALL + 1].name = "q/text.xml", e[SMALL + 1].data = text.data, e[SMALL + 1].len = text.len; /* deflated, 3 MB */
  const char *out = tmp_path("buffered.zip");
  int rc = pack_zip(e, SMALL + 2, &zm, err, sizeof err) | pack_zip_file(e, SMALL + 2, out, NULL, err, sizeof err) |
           file_read(out, 1u << 26, &zf, err, sizeof err);
  CHECK("pack_zip_file: entries larger than its buffer and many small ones, the bytes pack_zip gives",
        rc == 0 && zm.len > (3u << 20) && same(&zm, &zf));
  unlink(out);
  for (int i = 0; i < SMALL; i++) buf_free(&bodies[i]);
  free(bodies), free(names), free(e);
  buf_free(&noise), buf_free(&text), buf_free(&zm), buf_free(&zf);
}

/* The chapter store: records appended and read back where they were put; a store mostly of
 * dead records is rewritten with the kept ones, and replaces the old file only on commit. */
static void test_store(void) {
  const char *path = tmp_path("chapters.store");
  tf_buf r = {0};
  uint64_t a1 = 9, a2 = 9, now = 9;
  tf_store *s = store_open(path, 0);
  int rc = store_append(s, "first record", 12, &a1) | store_append(s, "second", 6, &a2);
  CHECK("store: appends go one after the other", rc == 0 && a1 == 0 && a2 == 12);
  CHECK("store: nothing of this build is read as the last build's", store_read(s, a1, 12, &r) == -1);
  store_close(s, 0);
  struct stat st;
  CHECK("store: a new file is dropped unless committed", stat(path, &st) != 0);
  s = store_open(path, 0);
  rc = store_append(s, "first record", 12, &a1) | store_append(s, "second", 6, &a2);
  store_close(s, 1);
  s = store_open(path, 18); /* both live: appended to */
  rc |= store_read(s, a2, 6, &r);
  CHECK("store: a record of the last build reads back", rc == 0 && r.len == 6 && !memcmp(r.data, "second", 6));
  CHECK("store: a record past the end of the file is refused", store_read(s, 12, 7, &r) == -1 && store_read(s, 19, 0, &r) == -1);
  rc = store_keep(s, a2, "second", 6, &now) | store_append(s, "third", 5, &a1);
  CHECK("store: a kept record stays where it is; new ones go after the last build's", rc == 0 && now == 12 && a1 == 18);
  store_close(s, 0);
  CHECK("store: a failed build's appends are cut off again", stat(path, &st) == 0 && st.st_size == 18);
  /* 18 bytes of which 6 live: below the slack, appended to (above); with a slack's worth of
   * junk after it, rewritten */
  int fd = open(path, O_WRONLY | O_APPEND);
  tf_buf junk = {0};
  buf_grow(&junk, 2u << 20);
  memset(junk.data, 'x', 2u << 20);
  rc = fd < 0 || write(fd, junk.data, 2u << 20) != (ssize_t)(2u << 20);
  if (fd >= 0) close(fd);
  s = store_open(path, 6);
  rc |= store_read(s, 12, 6, &r) | store_keep(s, 12, r.data, r.len, &now);
  CHECK("store: mostly dead, a kept record is copied to the start of a new file", rc == 0 && now == 0);
  rc = store_append(s, "fourth", 6, &a1);
  tf_buf back = {0};
  int fd2 = store_fd(s);
  buf_grow(&back, 12);
  CHECK("store: this build's records read back through store_fd",
        rc == 0 && a1 == 6 && pread(fd2, back.data, 12, 0) == 12 && !memcmp(back.data, "secondfourth", 12));
  store_close(s, 1);
  CHECK("store: the rewritten file replaces the old on commit", stat(path, &st) == 0 && st.st_size == 12);
  unlink(path);
  buf_free(&r), buf_free(&junk), buf_free(&back);
}

int main(void) {
  test_dates();
  test_slugs();
  test_yaml();
  test_utf8();
  test_pack();
  snprintf(pack_dir, sizeof pack_dir, "%s/tf-unit-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (mkdtemp(pack_dir)) {
    test_pack_deflate();
    test_pack_chunks();
    test_pack_fd();
    test_pack_files();
    test_pack_file_buffer();
    test_store();
    /* Whatever a failed check left behind goes too. */
    struct dirent **list;
    int k = scandir(pack_dir, &list, NULL, NULL);
    for (int i = 0; i < k; i++) {
      if (strcmp(list[i]->d_name, ".") && strcmp(list[i]->d_name, "..")) unlink(tmp_path(list[i]->d_name));
      free(list[i]);
    }
    if (k >= 0) free(list);
    CHECK("pack test folder removed", rmdir(pack_dir) == 0);
  } else {
    CHECK("pack test folder created", 0);
  }
  test_markdown();
  return failed ? 1 : 0;
}
