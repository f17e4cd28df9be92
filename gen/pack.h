/*
 * pack.h: deterministic ZIP archives (libzip), the raw deflate inside them (zlib), and
 * SHA-256 (libcrypto).
 *
 * Every entry gets the same fixed DOS timestamp and permissions, entries are written in the
 * order given (the caller sorts), so the same input gives the same bytes in any time zone.
 * Entries named *.docx, *.png, *.jpg or *.jpeg are stored (they are compressed already); every
 * other entry is deflated by pack_deflate, whoever calls it: pack_zip for bytes given raw, or
 * the caller beforehand (on any thread, in chunks as pigz does). An entry given raw and the
 * same entry given pre-deflated by pack_deflate(data, len, 1, ...) give byte-identical
 * archives.
 *
 * Ownership: pack_zip returns the archive in a tf_buf the caller frees; pack_zip_file writes
 * a file and keeps nothing; pack_deflate appends to a tf_buf the caller owns. Entries (and
 * the strings and bytes they point to) are only read, and only during the call. No function
 * keeps state between calls: every one may run on any thread, one archive per call.
 */
#ifndef TF_PACK_H
#define TF_PACK_H

#include <stdint.h>

#include "model.h"

/* Zero every field you do not set ({0}, xcalloc, designated initialisers): the fields after
 * len change how an entry is read, so leftover heap bytes in them would corrupt it. */
typedef struct {
  const char *name;   /* path inside the archive */
  const void *data;   /* the bytes; NULL with len 0 is an empty entry */
  size_t len;
  /* With data NULL: a file read while the archive is written, so big outputs need not be in
   * memory. Stored names go through libzip's zip_source_file; any other file is read in
   * 64 KiB pieces and deflated as it is read (the same pieces and zlib calls as
   * pack_deflate, so the same bytes as giving them in data), one file at a time. Its size is
   * taken when pack_zip starts; a file that changes size before it is read is an error. */
  const char *path;
  /* Set: data/len is a raw deflate stream (pack_deflate's, or chunks of it concatenated)
   * of raw_len bytes whose CRC-32 is crc. The compressed bytes go into the archive as they
   * are; nothing checks them, so a wrong crc makes a corrupt archive. A stored name given
   * deflated is inflated (its length and crc checked: -1 if wrong) and stored. */
  int deflated;
  size_t raw_len;
  uint32_t crc;
  /* Set (with deflated, data NULL, a name that is not stored): the deflated bytes are the len
   * bytes at offset in the open file fd, read only while the entry is written. For callers
   * that park many entries in one scratch file rather than in memory; fd stays theirs. */
  int from_fd;
  int fd;
  uint64_t offset;
  /* Set (data and path NULL): the entry of the same name in that archive, copied as it is
   * stored there, compressed bytes, CRC and all, without reading it through. The caller has
   * made sure it is the right one (by its checksum); -1 if the archive has no such entry. */
  struct pack_reader *from;
} pack_entry;

/* The archive of e[0..n) into out (its old contents replaced). 0, or -1 with a message in
 * err that names the entry or file at fault. n must be at least 1: libzip writes no empty
 * archive. */
int pack_zip(const pack_entry *e, size_t n, tf_buf *out, char *err, size_t errlen);
/* The same archive, byte for byte, written to path through a temporary file in the same
 * folder (libzip's) that is renamed over path at the end: the archive is never in memory,
 * and on failure (-1, err names the file at fault) path is left as it was, so no partial
 * archive is ever seen there. n must be at least 1 (libzip would delete path otherwise).
 * The file gets the umask's mode, or keeps the mode of the file it replaces.
 * spare (or NULL): a file of the caller's the archive may be written over instead (then renamed
 * to path): replacing a large file costs the kernel more than writing it (freeing the old
 * file's blocks and cached pages, allocating new ones); overwriting a spare's blocks costs
 * neither. It is used only when it is a regular file with no other link that nobody else has
 * open; otherwise it is left as it is and a new file is made. */
int pack_zip_file(const pack_entry *e, size_t n, const char *path, const char *spare, char *err, size_t errlen);

/* Appends to out the raw deflate (no zlib or gzip header) of data[0..len) at level 1, and
 * sets *crc to the CRC-32 of data. last: ends the stream (Z_FINISH). !last: ends with a
 * Z_SYNC_FLUSH, byte-aligned and without a final block, so chunks compressed independently
 * (on any threads) and concatenated in order, all but the last with last == 0, are one valid
 * stream; combine their CRCs with pack_crc32_combine. Chunks do not share a dictionary, so
 * chunked output is a little larger than one call's. 0, or -1 if zlib fails (no memory). */
int pack_deflate(const void *data, size_t len, int last, tf_buf *out, uint32_t *crc);
/* Frees the calling thread's deflate stream (pack_deflate keeps one per thread): a thread that
 * called pack_deflate calls this before it ends. */
void pack_thread_end(void);
/* The CRC-32 of A followed by B, from crc(A), crc(B) and B's length (zlib's crc32_combine). */
uint32_t pack_crc32_combine(uint32_t crc1, uint32_t crc2, size_t len2);

/* Reading back an archive pack_zip wrote (the last build's bundle): an unchanged page's
 * entry is copied from it as it is stored there (pack_entry.from) instead of being read and
 * deflated again. */
typedef struct pack_reader pack_reader;
pack_reader *pack_reader_open(const char *path); /* NULL if missing or not a ZIP */
void pack_reader_close(pack_reader *r);
/* Whether the archive has an entry of that name. */
int pack_reader_has(pack_reader *r, const char *name);
/* Entry name's bytes, at most max of them, into out (replaced): 0 or -1. */
int pack_reader_read(pack_reader *r, const char *name, size_t max, tf_buf *out);
/* pack_zip_file's archive, written from the reader's: when r's entries are e's names in e's
 * order (a build after an edit), libzip writes the archive anew from r's, with each entry that
 * is copied from r (from == r) as it is there, without reading it through and computing its
 * CRC again (stored DOCX files: tens of megabytes), and every other entry replaced. The same
 * bytes as pack_zip_file's. 1: r's names are not e's (nothing done: call pack_zip_file); 0;
 * or -1 with err set. After 0 or -1, r reads nothing more: only pack_reader_close it. */
int pack_zip_update(pack_reader *r, const pack_entry *e, size_t n, const char *path, const char *spare, char *err,
                    size_t errlen);

void pack_sha256_hex(const void *data, size_t len, char out[65]);
/* The SHA-256 of a file's bytes, read in pieces: 0, or -1 (errno set) if it cannot be read. */
int pack_sha256_file(const char *path, char out[65]);
int pack_entry_cmp(const void *a, const void *b); /* qsort by name */

#endif
