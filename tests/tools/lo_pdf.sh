#!/bin/bash
# Convert .docx files to PDF with LibreOffice, all in one headless soffice run, and check that
# every PDF exists, is not empty and has text.
#
# Usage:
#     lo_pdf.sh OUTDIR FILE.docx [FILE.docx ...]
#
# Writes OUTDIR/<name>.pdf for each FILE.docx (OUTDIR is created). LibreOffice runs with a
# private profile (/tmp/techfile-lo-<pid>, removed afterwards), so it neither uses nor
# disturbs a user's profile or another soffice, and under `timeout` ($LO_TIMEOUT seconds,
# default 300). Then `pdftotext -layout` must give non-blank text for each PDF.
#
# Output: one line per problem, `FILE.docx: problem`, and exit status 1; else
# `ok N pdf` and exit status 0. Exit status 2: wrong usage or missing soffice/pdftotext.
# Needs libreoffice-writer-nogui and poppler-utils.

set -u

usage() { sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 2; }

[ $# -ge 2 ] || usage
case "$1" in -*) usage ;; esac
outdir=$1; shift
declare -A seen=()
for f in "$@"; do
  case "$f" in
    *.docx) ;;
    *) echo "lo_pdf: $f: not a .docx file name" >&2; exit 2 ;;
  esac
  b=$(basename "$f" .docx)
  if [ -n "${seen[$b]:-}" ]; then
    echo "lo_pdf: $f and ${seen[$b]} would both be written as $b.pdf" >&2; exit 2
  fi
  seen[$b]=$f
done
command -v soffice >/dev/null || { echo "lo_pdf: soffice not found (apt-get install libreoffice-writer-nogui)" >&2; exit 2; }
command -v pdftotext >/dev/null || { echo "lo_pdf: pdftotext not found (apt-get install poppler-utils)" >&2; exit 2; }

mkdir -p "$outdir" || exit 2
profile=/tmp/techfile-lo-$$
log=$(mktemp /tmp/techfile-lo-log.XXXXXX)
cleanup() { rm -rf "$profile" "$log"; }
trap cleanup EXIT

fail=0
missing=()
for f in "$@"; do
  if [ ! -f "$f" ]; then
    echo "$f: no such file"
    fail=1
    continue
  fi
  # Remove a PDF from an earlier run, so that a stale one cannot pass for a new one.
  base=$(basename "$f" .docx)
  rm -f "$outdir/$base.pdf"
  missing+=("$f")
done

if [ ${#missing[@]} -gt 0 ]; then
  # HOME too: soffice writes a few things there even with -env:UserInstallation.
  HOME=$profile timeout -k 10 "${LO_TIMEOUT:-300}" \
    soffice -env:UserInstallation=file://$profile --headless --invisible --norestore \
      --nolockcheck --nodefault --nologo --convert-to pdf:writer_pdf_Export \
      --outdir "$outdir" "${missing[@]}" >"$log" 2>&1
  rc=$?
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    echo "lo_pdf: soffice timed out after ${LO_TIMEOUT:-300} s"
    fail=1
  elif [ $rc -ne 0 ]; then
    echo "lo_pdf: soffice exited with status $rc"
    fail=1
  fi
fi

n=0
for f in "${missing[@]}"; do
  pdf="$outdir/$(basename "$f" .docx).pdf"
  if [ ! -e "$pdf" ]; then
    echo "$f: LibreOffice wrote no PDF ($pdf)"
    fail=1
  elif [ ! -s "$pdf" ]; then
    echo "$f: PDF is empty ($pdf)"
    fail=1
  elif ! text=$(pdftotext -layout "$pdf" - 2>&1); then
    echo "$f: pdftotext failed: $(printf '%s' "$text" | head -c 300 | tr '\n' ' ')"
    fail=1
  elif [ -z "$(printf '%s' "$text" | tr -d '[:space:]\f')" ]; then
    echo "$f: the PDF has no text ($pdf)"
    fail=1
  else
    n=$((n + 1))
  fi
done

if [ $fail -ne 0 ]; then
  if [ -s "$log" ]; then
    echo "lo_pdf: soffice said:"
    sed 's/^/  /' "$log" | head -40
  fi
  exit 1
fi
echo "ok $n pdf"
