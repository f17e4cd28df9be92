/*
 * replay.c: a libFuzzer target's entry point run once over each file named on the command line.
 *
 * make check builds every target with gcc (no libFuzzer needed) against the sanitizer build of
 * gen/ and replays a sample of its seeds: a target that no longer compiles against the stages,
 * or an input that once passed and now trips ASan or UBSan, fails the suite. Fuzzing itself
 * (make fuzz, clang) stays separate: it takes minutes, not seconds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  int n = 0;
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
      fprintf(stderr, "replay: cannot open %s\n", argv[i]);
      return 2;
    }
    size_t cap = 1 << 16, len = 0, got;
    uint8_t *data = malloc(cap);
    while (data && (got = fread(data + len, 1, cap - len, f)) > 0)
      if ((len += got) == cap) data = realloc(data, cap *= 2);
    fclose(f);
    if (!data) return 2;
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    n++;
  }
  printf("replayed %d inputs\n", n);
  return 0;
}
