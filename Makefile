# techfile: `make` builds the tool and the example technical file; `make check` runs every test.
# See README.md. Dependencies come from Debian's packages and are found with pkg-config.

CC      ?= cc
PKGS     = libcmark-gfm libxml-2.0 libxslt libexslt libzip libpcre2-8 yaml-0.1 libcrypto zlib
DEB_BUILD = gcc make pkg-config libcmark-gfm-dev libcmark-gfm-extensions-dev libxml2-dev \
            libxslt1-dev libzip-dev libpcre2-dev libyaml-dev libssl-dev zlib1g-dev libjemalloc-dev
DEB_TEST  = libxml2-utils python3 python3-docx python3-yaml libreoffice-writer-nogui \
            poppler-utils chromium unzip fonts-dejavu-core valgrind groff-base
CFLAGS  ?= -O2 -g
# -Wno-missing-field-initializers: pack_entry grew optional fields after {name, data, len};
# entries written positionally with those three alone mean "the rest zero", as C says.
WARN     = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-missing-field-initializers
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcmark-gfm-extensions -lpthread
# The release binary's allocator (gen/util.c says why); the sanitizer builds keep glibc's.
ALLOC_CFLAGS = -DTF_JEMALLOC $(shell pkg-config --cflags jemalloc 2>/dev/null)
ALLOC_LIBS   = $(shell pkg-config --libs jemalloc 2>/dev/null)
PREFIX  ?= /usr/local
CONTENT ?= content
OUT     ?= out

SRC  = util yval diag load model catalog records check decorate pages combine store depend memo render pack report build scaffold
OBJ  = $(SRC:%=gen/%.o)
HDR  = $(wildcard gen/*.h)
SAN_OBJ = $(SRC:%=gen/san/%.o)
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

.PHONY: all deps test-deps site check clean bench install uninstall fuzz

all: deps gen/techfile site

# Installs missing build packages when run as root; otherwise says the one command to run.
deps:
	@missing=""; for p in $(DEB_BUILD); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "techfile: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing >/dev/null || exit 1; \
	  else \
	    echo "techfile: missing build packages. Run:"; echo "  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

test-deps:
	@missing=""; for p in $(DEB_BUILD) $(DEB_TEST); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "techfile: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$$missing >/dev/null || exit 1; \
	  else \
	    echo "techfile: missing test packages. Run:"; echo "  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

gen/%.o: gen/%.c $(HDR)
	$(CC) $(WARN) $(CFLAGS) $(ALLOC_CFLAGS) $(PKG_CFLAGS) -c $< -o $@

gen/techfile: $(OBJ) gen/main.o
	$(CC) $(CFLAGS) -o $@ $^ $(ALLOC_LIBS) $(PKG_LIBS)

gen/san/%.o: gen/%.c $(HDR)
	@mkdir -p gen/san
	$(CC) $(WARN) $(SAN_FLAGS) $(PKG_CFLAGS) -c $< -o $@

gen/techfile-san: $(SAN_OBJ) gen/san/main.o
	$(CC) $(SAN_FLAGS) -o $@ $^ $(PKG_LIBS)

gen/unit-san: tests/unit.c $(SAN_OBJ) $(HDR)
	$(CC) $(WARN) $(SAN_FLAGS) $(PKG_CFLAGS) -Igen -o $@ tests/unit.c $(SAN_OBJ) $(PKG_LIBS)

# The fuzz targets built with gcc against the sanitizer objects, each with a driver that runs
# it once per input file (tests/fuzz/replay.c): make check replays a sample of their seeds.
FUZZ_TARGETS = frontmatter records pipeline
FUZZ_REPLAY  = $(FUZZ_TARGETS:%=gen/fuzz-replay-%)
gen/fuzz-replay-%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz_common.h $(SAN_OBJ) $(HDR)
	$(CC) $(WARN) $(SAN_FLAGS) $(PKG_CFLAGS) -Igen -o $@ tests/fuzz/replay.c tests/fuzz/fuzz_$*.c $(SAN_OBJ) $(PKG_LIBS)

# Speed and memory: techfile against pandoc and the cmark-gfm floor (BENCH_N documents).
BENCH_N ?= 1000
bench: gen/techfile
	@dpkg -s pandoc cmark-gfm >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then \
	  apt-get install -y -qq --no-install-recommends pandoc cmark-gfm >/dev/null; \
	  else echo "techfile: for the comparison run: sudo apt-get install -y pandoc cmark-gfm"; fi; }
	/usr/bin/python3 bench/run.py $(BENCH_N)

# libFuzzer targets (front matter, pipeline, records), seeded from content/ and the corpora;
# FUZZ_SECONDS per target. Needs clang (tests/fuzz/build.sh installs it as root).
FUZZ_SECONDS ?= 600
fuzz:
	bash tests/fuzz/run.sh $(FUZZ_SECONDS)

# The example technical file: content/ → out/ (a build with gaps still exits 0).
site: gen/techfile
	gen/techfile build $(CONTENT) -o $(OUT)

check: test-deps gen/techfile gen/techfile-san gen/unit-san $(FUZZ_REPLAY)
	@bash tests/run

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary finds its data in ../share/techfile.
install: gen/techfile
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/techfile $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 gen/techfile $(DESTDIR)$(PREFIX)/bin/techfile
	cp -R templates catalog $(DESTDIR)$(PREFIX)/share/techfile/
	cp -R content $(DESTDIR)$(PREFIX)/share/techfile/content
	install -m 644 doc/techfile.1 $(DESTDIR)$(PREFIX)/share/man/man1/techfile.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/techfile $(DESTDIR)$(PREFIX)/share/man/man1/techfile.1
	rm -rf $(DESTDIR)$(PREFIX)/share/techfile

clean:
	rm -rf gen/*.o gen/san gen/techfile gen/techfile-san gen/unit-san gen/fuzz-replay-* $(OUT) tests/out
