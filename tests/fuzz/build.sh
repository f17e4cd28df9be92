#!/usr/bin/env bash
# tests/fuzz/build.sh: builds the libFuzzer targets of techfile into tests/fuzz/build/.
#
#   fuzz_frontmatter  YAML front matter, techfile.yaml, user catalogs (yval, load, model, catalog)
#   fuzz_pipeline     one document body → load → model → check → decorate → HTML/DOCX render
#   fuzz_records      the first table of each typed record document → build_run(b, 0)
#
# clang with -fsanitize=fuzzer,address,undefined over gen/*.c but gen/main.c, with the
# Makefile's pkg-config flags. Needs clang and libclang-rt-14-dev (Debian 12):
#   apt-get install -y clang libclang-rt-14-dev
# Objects are rebuilt when a gen/ source or header is newer than the target.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CC=${FUZZ_CC:-clang}
OUT=tests/fuzz/build
PKGS="libcmark-gfm libxml-2.0 libxslt libexslt libzip libpcre2-8 yaml-0.1 libcrypto zlib"
command -v "$CC" >/dev/null || { echo "build.sh: $CC not found; apt-get install -y clang libclang-rt-14-dev" >&2; exit 2; }
PKG_CFLAGS=$(pkg-config --cflags $PKGS)
PKG_LIBS="$(pkg-config --libs $PKGS) -lcmark-gfm-extensions"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CFLAGS="-std=c11 -D_GNU_SOURCE -O1 -g $SAN -DTF_ROOT=\"$ROOT\""
mkdir -p "$OUT/obj"
SRC=$(cd gen && ls *.c | sed -n '/^main\.c$/!s/\.c$//p')   # every stage but main.c
objs=()
for s in $SRC; do
  o="$OUT/obj/$s.o"
  objs+=("$o")
  if [ ! -e "$o" ] || [ "gen/$s.c" -nt "$o" ] || [ -n "$(find gen -maxdepth 1 -name '*.h' -newer "$o" | head -1)" ]; then
    echo "  CC  gen/$s.c"
    $CC $CFLAGS -fsanitize=fuzzer-no-link $PKG_CFLAGS -c "gen/$s.c" -o "$o"
  fi
done
for t in fuzz_frontmatter fuzz_pipeline fuzz_records; do
  bin="$OUT/$t"
  newer=0
  [ -e "$bin" ] || newer=1
  for f in "tests/fuzz/$t.c" tests/fuzz/fuzz_common.h "${objs[@]}"; do [ "$f" -nt "$bin" ] 2>/dev/null && newer=1; done
  if [ $newer = 1 ]; then
    echo "  LD  $bin"
    $CC $CFLAGS -fsanitize=fuzzer $PKG_CFLAGS -Igen -o "$bin" "tests/fuzz/$t.c" "${objs[@]}" $PKG_LIBS
  fi
done
echo "build.sh: targets in $OUT/"
