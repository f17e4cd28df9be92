/* pack.c: deterministic ZIP and SHA-256. See pack.h. */
#include "pack.h"

#include <openssl/evp.h>
#include <string.h>
#include <zip.h>

/* 1980-01-01 00:00:00, the DOS epoch: a fixed time that no time zone can shift. */
#define DOS_TIME 0
#define DOS_DATE ((0 << 9) | (1 << 5) | 1)

int pack_entry_cmp(const void *a, const void *b) {
  return strcmp(((const pack_entry *)a)->name, ((const pack_entry *)b)->name);
}

int pack_zip(const pack_entry *e, size_t n, tf_buf *out, char *err, size_t errlen) {
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
  zip_t *z = mem ? zip_open_from_source(mem, ZIP_TRUNCATE, &ze) : NULL;
  if (!z) {
    snprintf(err, errlen, "libzip: %s", zip_error_strerror(&ze));
    if (mem) zip_source_free(mem);
    zip_error_fini(&ze);
    return -1;
  }
  zip_source_keep(mem); /* read the archive back after zip_close */
  for (size_t i = 0; i < n; i++) {
    zip_source_t *s = zip_source_buffer(z, e[i].data, e[i].len, 0);
    zip_int64_t idx = s ? zip_file_add(z, e[i].name, s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) : -1;
    if (idx < 0) {
      snprintf(err, errlen, "libzip: cannot add %s: %s", e[i].name, zip_strerror(z));
      if (s) zip_source_free(s);
      zip_discard(z);
      zip_source_free(mem);
      return -1;
    }
    zip_file_set_dostime(z, (zip_uint64_t)idx, DOS_TIME, DOS_DATE, 0);
    zip_file_set_external_attributes(z, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX, 0100644u << 16);
    /* DOCX and images are compressed already: deflating them again costs time for nothing. */
    size_t nl = strlen(e[i].name);
    int packed = (nl > 5 && !strcmp(e[i].name + nl - 5, ".docx")) || (nl > 4 && !strcmp(e[i].name + nl - 4, ".png")) ||
                 (nl > 4 && !strcmp(e[i].name + nl - 4, ".jpg")) || (nl > 5 && !strcmp(e[i].name + nl - 5, ".jpeg"));
    zip_set_file_compression(z, (zip_uint64_t)idx, packed ? ZIP_CM_STORE : ZIP_CM_DEFLATE, packed ? 0 : 6);
  }
  if (zip_close(z) != 0) {
    snprintf(err, errlen, "libzip: %s", zip_strerror(z));
    zip_discard(z);
    zip_source_free(mem);
    return -1;
  }
  zip_stat_t st;
  int rc = -1;
  if (zip_source_stat(mem, &st) == 0 && zip_source_open(mem) == 0) {
    out->len = 0;
    buf_grow(out, (size_t)st.size);
    zip_int64_t got = zip_source_read(mem, out->data, st.size);
    if (got == (zip_int64_t)st.size) out->len = (size_t)got, rc = 0;
    zip_source_close(mem);
  }
  if (rc) snprintf(err, errlen, "libzip: cannot read the archive back");
  zip_source_free(mem);
  return rc;
}

void pack_sha256_hex(const void *data, size_t len, char out[65]) {
  unsigned char md[32];
  unsigned int mdlen = 0;
  if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL)) tf_fatal("libcrypto: SHA-256 failed");
  for (unsigned i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}
