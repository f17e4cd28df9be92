#!/bin/bash
# Headless Chromium: take a screenshot of a page, or check that a page logs no JavaScript error.
#
# Usage:
#     screenshot.sh URL OUT.png [WIDTHxHEIGHT]
#     screenshot.sh --console URL
#
# URL is a URL, or a path to a local file (made into a file:// URL). WIDTHxHEIGHT is the
# window size, default 1280x900.
#
# Screenshot mode writes OUT.png; exit status 1 if Chromium wrote no PNG (or not a PNG).
#
# --console mode loads the page with --dump-dom and --enable-logging=stderr --v=0 and fails
# (exit status 1, the offending lines printed) if the log has a JavaScript console error:
# a CONSOLE line with "Uncaught" (an uncaught exception or an unhandled promise rejection),
# or a CONSOLE line logged at ERROR level. Other CONSOLE lines are printed as notes on
# stderr. It also fails if the dumped DOM is empty (the page did not load). Note: this
# Chromium logs every console message of a web page at INFO, whatever its level, so a
# console.error() call that throws nothing shows up only as a note.
#
# Each run has a fresh profile (mktemp -d, removed afterwards) and a 60 s timeout
# ($SCREENSHOT_TIMEOUT to change it). Exit status 2: wrong usage or no chromium.
# Needs the chromium package.

set -u

usage() { sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 2; }

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "screenshot: $CHROMIUM not found (apt-get install chromium)" >&2; exit 2; }
limit=${SCREENSHOT_TIMEOUT:-60}

mode=shot
if [ "${1:-}" = "--console" ]; then
  mode=console
  shift
  [ $# -eq 1 ] || usage
  url=$1
  size=1280x900
else
  [ $# -eq 2 ] || [ $# -eq 3 ] || usage
  case "$1" in -*) usage ;; esac
  url=$1
  out=$2
  size=${3:-1280x900}
fi
[[ "$size" =~ ^[0-9]+x[0-9]+$ ]] || { echo "screenshot: bad size '$size', expected WIDTHxHEIGHT" >&2; exit 2; }

# A local path becomes a file:// URL.
if ! [[ "$url" =~ ^[a-zA-Z][a-zA-Z0-9+.-]*: ]]; then
  [ -e "$url" ] || { echo "screenshot: $url: no such file" >&2; exit 2; }
  url="file://$(realpath "$url")"
fi

profile=$(mktemp -d /tmp/techfile-chromium.XXXXXX)
log=$(mktemp /tmp/techfile-chromium-log.XXXXXX)
dom=$(mktemp /tmp/techfile-chromium-dom.XXXXXX)
trap 'rm -rf "$profile" "$log" "$dom"' EXIT

flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$profile" --window-size="${size/x/,}" --hide-scrollbars)

# The Debian launcher script prints a harmless shell warning on some machines; drop it.
show_log() { grep -v '^/usr/bin/chromium: [0-9]*: \[' "$log" | grep -v 'dbus' | tail -n 20 | sed 's/^/  /'; }

if [ $mode = shot ]; then
  outdir=$(dirname "$out")
  mkdir -p "$outdir" || exit 2
  out_abs="$(realpath "$outdir")/$(basename "$out")"
  rm -f "$out_abs"
  timeout -k 5 "$limit" "$CHROMIUM" "${flags[@]}" --screenshot="$out_abs" "$url" >"$log" 2>&1
  rc=$?
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    echo "screenshot: chromium timed out after $limit s on $url"
    show_log
    exit 1
  fi
  if [ ! -s "$out_abs" ]; then
    echo "screenshot: chromium wrote no PNG for $url (exit status $rc)"
    show_log
    exit 1
  fi
  if [ "$(head -c 8 "$out_abs" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then
    echo "screenshot: $out is not a PNG"
    exit 1
  fi
  echo "ok $out ($size)"
  exit 0
fi

timeout -k 5 "$limit" "$CHROMIUM" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "$url" \
  >"$dom" 2>"$log"
rc=$?
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
  echo "screenshot: chromium timed out after $limit s on $url"
  show_log
  exit 1
fi
fail=0
# Console lines look like: [pid:tid:date/time.usec:INFO:CONSOLE:12] "message", source: URL (12)
# (older builds: ...:ERROR:CONSOLE(12)] ...).
console=$(grep -E ':CONSOLE[:(]' "$log")
errors=$(printf '%s\n' "$console" | grep -E 'Uncaught|:ERROR:CONSOLE[:(]|:FATAL:CONSOLE[:(]')
if [ -n "$errors" ]; then
  echo "screenshot: JavaScript errors on $url:"
  printf '%s\n' "$errors" | sed 's/^\[[^]]*\] /  /'
  fail=1
fi
others=$(printf '%s\n' "$console" | grep -v -E 'Uncaught|:ERROR:CONSOLE[:(]|:FATAL:CONSOLE[:(]' | grep .)
if [ -n "$others" ]; then
  printf '%s\n' "$others" | sed 's/^\[[^]]*\] /screenshot: note: console: /' >&2
fi
if [ ! -s "$dom" ] || ! grep -qi '<html' "$dom"; then
  echo "screenshot: chromium dumped no DOM for $url (exit status $rc)"
  show_log
  fail=1
fi
[ $fail -eq 0 ] || exit 1
echo "ok no console errors on $url"
