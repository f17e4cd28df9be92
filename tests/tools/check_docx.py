#!/usr/bin/python3
"""Check generated .docx files: package structure, ECMA-376 schema validity, python-docx view.

Usage:
    check_docx.py [--quick] FILE.docx [FILE.docx ...]

For each file:
  - it is a zip with no duplicate, absolute or '..' entry names;
  - every XML part (*.xml, *.rels) is well-formed and has no DOCTYPE;
  - every XML part with a known schema validates against the ECMA-376 schemas, with
    `xmllint --nonet --noout --schema` (one xmllint run per schema for all the parts of all
    the files given, so checking many files costs a handful of processes):
        word/*.xml (document, styles, numbering, settings, fontTable, header*, footer*,
                    footnotes, ...)          -> wml.xsd
        [Content_Types].xml                   -> opc-xsd/opc-contentTypes.xsd
        *.rels                                -> opc-xsd/opc-relationships.xsd
        docProps/app.xml                      -> shared-documentPropertiesExtended.xsd
        docProps/custom.xml                   -> shared-documentPropertiesCustom.xsd
        docProps/core.xml                     -> opc-xsd/opc-coreProperties.xsd, with local
                                                 stand-ins for the Dublin Core schemas it
                                                 imports from the network (well-formedness
                                                 only if that schema is absent)
        word/theme/*.xml                      -> dml-main.xsd (skipped with a note on stderr
                                                 if that schema does not compile here)
    other XML parts are checked for well-formedness only;
  - _rels/.rels has an officeDocument relationship; every internal relationship target of
    every .rels part exists in the package, and every .rels part belongs to an existing part;
    no external target uses a javascript:, vbscript:, data: or file: URL;
  - [Content_Types].xml covers every part (Default by extension or Override by name), and the
    parts reached through well-known relationship types have the right content type;
  - unless --quick: python-docx opens it; core_properties.title is not empty; the styles
    include Title, Heading 1 and Hyperlink (by name or style id); the first section has a
    header and a footer that hold text.

Schemas: $TECHFILE_SCHEMAS if set, else <repo>/../shared/schemas/ooxml, where <repo> is the
repository this script lives in (tests/tools/ below it).

Output: one line per problem, `FILE: part: problem` (part is `package` for problems of the
file as a whole), and exit status 1; else `ok N docx` and exit status 0. Notes (skipped
checks) go to stderr and do not fail. Exit status 2: wrong usage or no schema directory.
"""

import io
import os
import posixpath
import re
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
OD = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships/"
WML_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml."
REL_CT = "application/vnd.openxmlformats-package.relationships+xml"

# Relationship type -> the content type its target must have (a prefix when it ends in '/').
EXPECTED_CT = {
    OD + "officeDocument": WML_CT + "document.main+xml",
    OD + "styles": WML_CT + "styles+xml",
    OD + "numbering": WML_CT + "numbering+xml",
    OD + "settings": WML_CT + "settings+xml",
    OD + "webSettings": WML_CT + "webSettings+xml",
    OD + "fontTable": WML_CT + "fontTable+xml",
    OD + "header": WML_CT + "header+xml",
    OD + "footer": WML_CT + "footer+xml",
    OD + "footnotes": WML_CT + "footnotes+xml",
    OD + "endnotes": WML_CT + "endnotes+xml",
    OD + "comments": WML_CT + "comments+xml",
    OD + "theme": "application/vnd.openxmlformats-officedocument.theme+xml",
    OD + "extended-properties": "application/vnd.openxmlformats-officedocument.extended-properties+xml",
    OD + "custom-properties": "application/vnd.openxmlformats-officedocument.custom-properties+xml",
    PKG + "metadata/core-properties": "application/vnd.openxmlformats-package.core-properties+xml",
    OD + "image": "image/",
}
UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")
REQUIRED_STYLES = ("Title", "Heading 1", "Hyperlink")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from core_xsd import core_schema  # noqa: E402


def usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


class Problems:
    def __init__(self):
        self.lines = []
        self.lock = threading.Lock()

    def add(self, file, part, msg):
        msg = " ".join(str(msg).split())
        with self.lock:
            self.lines.append("%s: %s: %s" % (file, part, msg))


def note(msg):
    sys.stderr.write("check_docx: note: %s\n" % msg)


def schema_dir():
    d = os.environ.get("TECHFILE_SCHEMAS") or os.path.join(REPO, "..", "shared", "schemas",
                                                           "ooxml")
    d = os.path.abspath(d)
    if not os.path.isfile(os.path.join(d, "wml.xsd")):
        sys.stderr.write("check_docx: no ECMA-376 schemas at %s (set TECHFILE_SCHEMAS)\n" % d)
        sys.exit(2)
    return d


def schema_for(name, sdir, core_xsd):
    """(schema path or None, label) for a part name."""
    if name == "[Content_Types].xml":
        return os.path.join(sdir, "opc-xsd", "opc-contentTypes.xsd")
    if name.endswith(".rels"):
        return os.path.join(sdir, "opc-xsd", "opc-relationships.xsd")
    if name == "docProps/app.xml":
        return os.path.join(sdir, "shared-documentPropertiesExtended.xsd")
    if name == "docProps/custom.xml":
        return os.path.join(sdir, "shared-documentPropertiesCustom.xsd")
    if name == "docProps/core.xml":
        return core_xsd
    if name.startswith("word/theme/") and name.endswith(".xml"):
        return os.path.join(sdir, "dml-main.xsd")
    if name.startswith("word/") and name.endswith(".xml"):
        return os.path.join(sdir, "wml.xsd")
    return None


def is_xml_part(name):
    return name.endswith(".xml") or name.endswith(".rels")


def rels_source(rels_name):
    """'word/_rels/document.xml.rels' -> 'word/document.xml'; '_rels/.rels' -> '' (package)."""
    d, base = posixpath.split(rels_name)
    if posixpath.basename(d) != "_rels" or not base.endswith(".rels"):
        return None
    return posixpath.join(posixpath.dirname(d), base[:-len(".rels")])


def resolve_target(rels_name, target):
    target = urllib.parse.unquote(target.split("#", 1)[0])
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    src = rels_source(rels_name) or ""
    base = posixpath.dirname(src)
    return posixpath.normpath(posixpath.join(base, target))


def check_package(fname, z, names, trees, problems):
    """Relationships and content types."""
    lower = {n.lower(): n for n in names}
    ct_tree = trees.get("[Content_Types].xml")
    defaults, overrides = {}, {}
    if "[Content_Types].xml" not in names:
        problems.add(fname, "package", "no [Content_Types].xml")
    elif ct_tree is not None:
        for el in ct_tree.iter("{%s}Default" % CT_NS):
            defaults[el.get("Extension", "").lower()] = el.get("ContentType", "")
        for el in ct_tree.iter("{%s}Override" % CT_NS):
            overrides[el.get("PartName", "").lstrip("/").lower()] = el.get("ContentType", "")

    def content_type(part):
        if part.lower() in overrides:
            return overrides[part.lower()]
        ext = part.rsplit(".", 1)[-1].lower() if "." in posixpath.basename(part) else ""
        return defaults.get(ext)

    if ct_tree is not None:
        for n in names:
            if n == "[Content_Types].xml":
                continue
            if content_type(n) is None:
                problems.add(fname, n, "no content type for this part in [Content_Types].xml")
            elif n.endswith(".rels") and content_type(n) != REL_CT:
                problems.add(fname, n, "content type is %r, not %r" % (content_type(n), REL_CT))

    if "_rels/.rels" not in names:
        problems.add(fname, "package", "no _rels/.rels")
    for rels in sorted(n for n in names if n.endswith(".rels")):
        src = rels_source(rels)
        if src is None:
            problems.add(fname, rels, "relationship part outside a _rels folder")
            continue
        if src and src not in names:
            problems.add(fname, rels, "relationships of a part that does not exist: %s" % src)
        tree = trees.get(rels)
        if tree is None:
            continue
        types = set()
        for rel in tree.iter("{%s}Relationship" % REL_NS):
            rid, rtype, target = rel.get("Id"), rel.get("Type", ""), rel.get("Target", "")
            types.add(rtype)
            if rel.get("TargetMode") == "External":
                t = "".join(c for c in target if ord(c) > 32).lower()
                if t.startswith(UNSAFE_SCHEMES):
                    problems.add(fname, rels, "relationship %s: unsafe external target %r"
                                 % (rid, target))
                continue
            path = resolve_target(rels, target)
            if path.startswith("../") or path == "..":
                problems.add(fname, rels, "relationship %s: target %r is outside the package"
                             % (rid, target))
                continue
            if path not in names:
                hint = " (a part %r differs in case)" % lower[path.lower()] \
                    if path.lower() in lower else ""
                problems.add(fname, rels, "relationship %s: target %r (%s) does not exist%s"
                             % (rid, target, path, hint))
                continue
            want = EXPECTED_CT.get(rtype)
            have = content_type(path)
            if want and ct_tree is not None and have is not None and not (
                    have.startswith(want) if want.endswith("/") else have == want):
                problems.add(fname, path, "content type is %r, expected %r (target of %s "
                             "relationship %s)" % (have, want, rtype.rsplit("/", 1)[-1], rid))
        if rels == "_rels/.rels" and OD + "officeDocument" not in types:
            problems.add(fname, rels, "no officeDocument relationship")


def w_text(element):
    return "".join(t.text or "" for t in element.iter("{%s}t" % W_NS))


def check_python_docx(fname, data, problems):
    try:
        import docx  # python3-docx
    except ImportError as e:
        problems.add(fname, "package", "python-docx is not installed (%s); use --quick" % e)
        return
    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises many kinds
        msg = re.sub(r"<_io\.BytesIO object at 0x[0-9a-f]+>", "(file)", str(e))
        problems.add(fname, "package", "python-docx cannot open it: %s: %s"
                     % (type(e).__name__, msg))
        return
    try:
        if not (d.core_properties.title or "").strip():
            problems.add(fname, "docProps/core.xml", "core_properties.title is empty")
    except Exception as e:
        problems.add(fname, "docProps/core.xml", "cannot read core properties: %s" % e)
    try:
        have = set()
        for s in d.styles:
            for v in (s.name, s.style_id):
                if v:
                    have.add(v.replace(" ", "").lower())
        for want in REQUIRED_STYLES:
            if want.replace(" ", "").lower() not in have:
                problems.add(fname, "word/styles.xml", "no style %r (by name or style id)" % want)
    except Exception as e:
        problems.add(fname, "word/styles.xml", "cannot read styles: %s" % e)
    try:
        if not d.sections:
            problems.add(fname, "word/document.xml", "no section")
            return
        sec = d.sections[0]
        for what, hf in (("header", sec.header), ("footer", sec.footer)):
            if hf.is_linked_to_previous:
                problems.add(fname, "word/document.xml",
                             "first section has no default %s reference" % what)
            elif not w_text(hf._element).strip():
                problems.add(fname, "word/document.xml",
                             "first section's %s holds no text" % what)
    except Exception as e:
        problems.add(fname, "word/document.xml", "cannot read sections: %s: %s"
                     % (type(e).__name__, e))


def run_xmllint(schema, jobs, problems, notes_only=False):
    """Validate the files of jobs [(path, file, part)] against schema, in chunks."""
    by_path = {p: (f, part) for p, f, part in jobs}
    paths = [p for p, _, _ in jobs]
    for i in range(0, len(paths), 400):
        chunk = paths[i:i + 400]
        try:
            res = subprocess.run(["xmllint", "--nonet", "--noout", "--schema", schema] + chunk,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 universal_newlines=True, errors="replace", timeout=600)
        except FileNotFoundError:
            sys.stderr.write("check_docx: xmllint not found (apt-get install libxml2-utils)\n")
            sys.exit(2)
        except subprocess.TimeoutExpired:
            for p in chunk:
                problems.add(*by_path[p], "xmllint timed out")
            continue
        out = res.stderr.splitlines() + res.stdout.splitlines()
        if any("failed to compile" in l for l in out) or res.returncode == 5:
            if notes_only:
                note("schema %s does not compile here; %s not validated"
                     % (os.path.basename(schema), ", ".join("%s:%s" % by_path[p] for p in chunk)))
                return
            detail = "; ".join(l for l in out if l.strip())[:400]
            for p in chunk:
                problems.add(*by_path[p], "cannot validate: schema %s does not compile: %s"
                             % (os.path.basename(schema), detail))
            continue
        errs = {p: [] for p in chunk}
        failed = set()
        for line in out:
            for p in chunk:
                if line.startswith(p + ":"):
                    rest = line[len(p) + 1:]
                    m = re.match(r"(\d+): (?:element [^:]*: )?(?:Schemas validity error : )?(.*)",
                                 rest)
                    errs[p].append("line %s: %s" % (m.group(1), m.group(2)) if m else rest)
                    break
                if line == p + " fails to validate":
                    failed.add(p)
                    break
        for p in chunk:
            for e in errs[p]:
                problems.add(*by_path[p], "schema %s: %s" % (os.path.basename(schema), e))
            if p in failed and not errs[p]:
                problems.add(*by_path[p], "fails to validate against %s"
                             % os.path.basename(schema))


def main(argv):
    args = argv[1:]
    quick = False
    files = []
    for a in args:
        if a == "--quick":
            quick = True
        elif a in ("-h", "--help"):
            usage()
        elif a.startswith("-") and a != "-":
            sys.stderr.write("check_docx: unknown option %s\n" % a)
            usage()
        else:
            files.append(a)
    if not files:
        usage()
    sdir = schema_dir()
    problems = Problems()

    with tempfile.TemporaryDirectory(prefix="check-docx-") as tmp:
        core_xsd = core_schema(sdir, tmp)
        if core_xsd is None:
            note("no opc-xsd/opc-coreProperties.xsd: docProps/core.xml is checked for "
                 "well-formedness only")
        groups = {}  # schema -> [(path, file, part)]
        for idx, fname in enumerate(files):
            try:
                with open(fname, "rb") as f:
                    data = f.read()
            except OSError as e:
                problems.add(fname, "package", "cannot read: %s" % e.strerror)
                continue
            try:
                z = zipfile.ZipFile(io.BytesIO(data))
                infos = z.infolist()
            except (zipfile.BadZipFile, OSError, ValueError) as e:
                problems.add(fname, "package", "not a zip file: %s" % e)
                continue
            names, seen = [], set()
            for info in infos:
                n = info.filename
                if n.endswith("/"):
                    continue
                if n in seen:
                    problems.add(fname, n, "duplicate zip entry")
                    continue
                if n.startswith("/") or "\\" in n or ".." in n.split("/"):
                    problems.add(fname, n, "bad part name")
                    continue
                seen.add(n)
                names.append(n)
            trees = {}
            for n in names:
                try:
                    body = z.read(n)
                except Exception as e:
                    problems.add(fname, n, "cannot read zip entry: %s" % e)
                    continue
                if not is_xml_part(n):
                    continue
                if re.search(rb"<!DOCTYPE", body[:4096]):
                    problems.add(fname, n, "has a DOCTYPE (not allowed in OOXML)")
                    continue
                try:
                    trees[n] = ET.fromstring(body)
                except ET.ParseError as e:
                    problems.add(fname, n, "not well-formed XML: %s" % e)
                    continue
                xsd = schema_for(n, sdir, core_xsd)
                if xsd is None:
                    continue
                path = os.path.join(tmp, "f%d" % idx, *n.split("/"))
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(body)
                groups.setdefault(xsd, []).append((path, fname, n))
            check_package(fname, z, names, trees, problems)
            if not quick and "word/document.xml" in trees:
                check_python_docx(fname, data, problems)

        threads = []
        for xsd, jobs in sorted(groups.items()):
            lenient = os.path.basename(xsd) == "dml-main.xsd"
            t = threading.Thread(target=run_xmllint, args=(xsd, jobs, problems, lenient))
            t.start()
            threads.append(t)
        for t in threads:
            t.join()

    if problems.lines:
        # Stable order: by file as given, then as found.
        order = {f: i for i, f in enumerate(files)}
        lines = sorted(problems.lines, key=lambda l: (order.get(l.split(": ", 1)[0], 0), l))
        sys.stdout.write("\n".join(lines) + "\n")
        return 1
    print("ok %d docx" % len(files))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
