#!/usr/bin/python3
"""Check the technical-file bundle (the .zip that techfile writes next to html/ and docx/).

Usage:
    check_bundle.py BUNDLE.zip

Checks:
  - it is a readable zip (CRCs checked), with no duplicate, absolute, '..' or directory
    entries;
  - it holds SHA256SUMS; every other entry is listed in it with its right SHA-256, and every
    line of it names an entry (`<64 hex>  <name>` lines, one per entry, no duplicates);
  - the entries other than SHA256SUMS are sorted by name (byte order), and SHA256SUMS is
    the first or the last entry;
  - every entry has the date_time 1980-01-01 00:00:00;
  - it holds html/index.html, report.json and at least one entry below docx/.

Output: one line per problem and exit status 1, else `ok` and exit status 0.
Exit status 2: wrong usage.
"""

import hashlib
import re
import sys
import zipfile

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
LINE_RE = re.compile(r"^([0-9a-f]{64})  (\S.*)$")


def usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        usage()
    path = argv[1]
    problems = []

    def bad(msg):
        problems.append("%s: %s" % (path, msg))

    try:
        z = zipfile.ZipFile(path)
        infos = z.infolist()
    except (OSError, zipfile.BadZipFile, ValueError) as e:
        print("%s: cannot open as a zip: %s" % (path, e))
        return 1

    data, names = {}, []
    for info in infos:
        n = info.filename
        if n.endswith("/"):
            bad("%s: directory entry" % n)
            continue
        if n.startswith("/") or "\\" in n or ".." in n.split("/"):
            bad("%s: unsafe entry name" % n)
        if n in data:
            bad("%s: duplicate entry" % n)
            continue
        if tuple(info.date_time) != ZIP_TIME:
            bad("%s: date_time %s, expected %s"
                % (n, "%04d-%02d-%02d %02d:%02d:%02d" % tuple(info.date_time),
                   "1980-01-01 00:00:00"))
        try:
            data[n] = z.read(n)
        except Exception as e:  # BadZipFile on a CRC mismatch, zlib errors, ...
            bad("%s: cannot read: %s" % (n, e))
            data[n] = None
        names.append(n)

    others = [n for n in names if n != "SHA256SUMS"]
    if others != sorted(others, key=lambda s: s.encode("utf-8")):
        for a, b in zip(others, others[1:]):
            if a.encode("utf-8") > b.encode("utf-8"):
                bad("entries not sorted: %s comes before %s" % (a, b))
                break
    if "SHA256SUMS" in names and names.index("SHA256SUMS") not in (0, len(names) - 1):
        bad("SHA256SUMS is neither the first nor the last entry")

    sums = data.get("SHA256SUMS")
    if "SHA256SUMS" not in data:
        bad("no SHA256SUMS entry")
    elif sums is not None:
        listed = {}
        try:
            text = sums.decode("utf-8")
        except UnicodeDecodeError:
            bad("SHA256SUMS is not UTF-8")
            text = ""
        if text and not text.endswith("\n"):
            bad("SHA256SUMS does not end with a newline")
        for i, line in enumerate(text.splitlines(), 1):
            m = LINE_RE.match(line)
            if not m:
                bad("SHA256SUMS line %d is not '<sha256>  <name>': %r" % (i, line[:100]))
                continue
            digest, name = m.groups()
            if name in listed:
                bad("SHA256SUMS line %d lists %s again" % (i, name))
                continue
            listed[name] = digest
            if name == "SHA256SUMS":
                bad("SHA256SUMS line %d lists SHA256SUMS itself" % i)
            elif name not in data:
                bad("SHA256SUMS line %d names %s, which is not in the bundle" % (i, name))
            elif data[name] is not None and hashlib.sha256(data[name]).hexdigest() != digest:
                bad("%s: SHA-256 is %s, SHA256SUMS says %s"
                    % (name, hashlib.sha256(data[name]).hexdigest(), digest))
        for n in others:
            if n not in listed:
                bad("%s: not listed in SHA256SUMS" % n)

    for want in ("html/index.html", "report.json"):
        if want not in data:
            bad("no %s" % want)
    if not any(n.startswith("docx/") for n in names):
        bad("no docx/ folder")

    if problems:
        print("\n".join(problems))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
