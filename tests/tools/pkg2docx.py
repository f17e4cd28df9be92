#!/usr/bin/python3
"""Turn the output of templates/docx/page.xsl (a <package> of <part>s) into a .docx.

This does what techfile itself does after running the stylesheet, for tests and for
working on the template without the C tool. Python standard library only.

Usage:
    pkg2docx.py PACKAGE.xml PARTS_DIR BUNDLE_DIR OUT.docx [--validate SCHEMA_DIR] [--extract DIR]

    PACKAGE.xml  the stylesheet output:
                 xsltproc templates/docx/page.xsl page.xml > PACKAGE.xml
    PARTS_DIR    static parts (templates/docx/parts): every file in it is added at the same
                 path unless the package has a part of that name
    BUNDLE_DIR   directory the image relationship targets resolve against: a relationship
                 of type .../image with Target "media/flow.png" in word/_rels/document.xml.rels
                 adds BUNDLE_DIR/media/flow.png as word/media/flow.png
    OUT.docx     the file written

Options:
    --validate SCHEMA_DIR  validate every XML part with xmllint against the ECMA-376 schemas
                           in SCHEMA_DIR (e.g. /work/shared/schemas/ooxml); core.xml is checked
                           with small local stand-ins for the Dublin Core schemas. Exit status 1
                           if a part is invalid.
    --extract DIR          also write every part to DIR (to look at them, or run xmllint).

Each part holds exactly one element; it is written with the declaration
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>, and namespace declarations that the
stylesheet left on <package>/<part> are moved onto the part's root element.

Example:
    xsltproc templates/docx/page.xsl tests/fixtures/page-sample.xml > /tmp/pkg.xml
    /usr/bin/python3 tests/tools/pkg2docx.py /tmp/pkg.xml templates/docx/parts tests/fixtures \\
        /tmp/sample.docx --validate /work/shared/schemas/ooxml
"""

import os
import posixpath
import subprocess
import sys
import tempfile
import xml.dom.minidom
import zipfile

DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def die(msg):
    sys.stderr.write("pkg2docx: %s\n" % msg)
    sys.exit(2)


def serialize_part(part):
    """Bytes of the single element of a <part>, with inherited xmlns declarations."""
    roots = [n for n in part.childNodes if n.nodeType == n.ELEMENT_NODE]
    others = [n for n in part.childNodes
              if n.nodeType == n.TEXT_NODE and n.data.strip()]
    if len(roots) != 1 or others:
        die("part %r must hold exactly one element" % part.getAttribute("name"))
    root = roots[0]
    node = part
    while node is not None and node.nodeType == node.ELEMENT_NODE:
        for i in range(node.attributes.length):
            attr = node.attributes.item(i)
            if (attr.name == "xmlns" or attr.name.startswith("xmlns:")) \
                    and not root.hasAttribute(attr.name):
                root.setAttribute(attr.name, attr.value)
        node = node.parentNode
    return (DECL + root.toxml()).encode("utf-8")


def rels_source_dir(rels_name):
    """'word/_rels/document.xml.rels' -> 'word'; '_rels/.rels' -> ''."""
    d, base = posixpath.split(rels_name)
    return posixpath.dirname(d) if posixpath.basename(d) == "_rels" else d


def image_targets(rels_name, data):
    """(package path, target) of every internal image relationship of a .rels part."""
    doc = xml.dom.minidom.parseString(data)
    out = []
    for rel in doc.getElementsByTagNameNS(REL_NS, "Relationship"):
        if rel.getAttribute("Type") != IMAGE_REL or rel.getAttribute("TargetMode") == "External":
            continue
        target = rel.getAttribute("Target")
        path = posixpath.normpath(posixpath.join(rels_source_dir(rels_name), target))
        out.append((path, target))
    return out


# Minimal stand-ins for the Dublin Core schemas that opc-coreProperties.xsd imports from
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from core_xsd import core_schema  # noqa: E402


def schema_for(name, schema_dir, core_xsd):
    if name == "[Content_Types].xml":
        return os.path.join(schema_dir, "opc-xsd", "opc-contentTypes.xsd")
    if name.endswith(".rels"):
        return os.path.join(schema_dir, "opc-xsd", "opc-relationships.xsd")
    if name == "docProps/core.xml":
        return core_xsd
    if name == "docProps/app.xml":
        return os.path.join(schema_dir, "shared-documentPropertiesExtended.xsd")
    if name == "docProps/custom.xml":
        return os.path.join(schema_dir, "shared-documentPropertiesCustom.xsd")
    if name.startswith("word/theme/"):
        return os.path.join(schema_dir, "dml-main.xsd")
    if name.startswith("word/") and name.endswith(".xml"):
        return os.path.join(schema_dir, "wml.xsd")
    return None


def validate(parts, schema_dir):
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        core_xsd = core_schema(schema_dir, tmp)
        for name, data in parts:
            xsd = schema_for(name, schema_dir, core_xsd)
            if xsd is None:
                continue
            path = os.path.join(tmp, "part.xml")
            with open(path, "wb") as f:
                f.write(data)
            res = subprocess.run(["xmllint", "--nonet", "--noout", "--schema", xsd, path],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 universal_newlines=True)
            if res.returncode != 0:
                ok = False
                sys.stderr.write("INVALID %s:\n%s\n" % (name, res.stdout.replace(path, name)))
            else:
                sys.stderr.write("valid   %s\n" % name)
    return ok


def main(argv):
    args = list(argv[1:])
    opts = {}
    for opt in ("--validate", "--extract"):
        if opt in args:
            i = args.index(opt)
            if i + 1 >= len(args):
                die("%s needs a directory" % opt)
            opts[opt] = args[i + 1]
            del args[i:i + 2]
    if len(args) != 4:
        sys.stderr.write(__doc__)
        return 2
    package_path, parts_dir, bundle_dir, out_path = args

    doc = xml.dom.minidom.parse(package_path)
    pkg = doc.documentElement
    if pkg.tagName != "package":
        die("root element is <%s>, not <package>" % pkg.tagName)

    parts = []            # (name, bytes), in order
    names = set()
    for part in pkg.getElementsByTagName("part"):
        name = part.getAttribute("name")
        if not name or name.startswith("/") or ".." in name.split("/") or name in names:
            die("bad or duplicate part name %r" % name)
        names.add(name)
        parts.append((name, serialize_part(part)))

    # Static parts the stylesheet did not emit.
    for dirpath, dirnames, filenames in os.walk(parts_dir):
        dirnames.sort()
        for fn in sorted(filenames):
            full = os.path.join(dirpath, fn)
            name = os.path.relpath(full, parts_dir).replace(os.sep, "/")
            if name not in names:
                with open(full, "rb") as f:
                    parts.append((name, f.read()))
                names.add(name)

    # Images referenced by relationships.
    media = []
    for name, data in list(parts):
        if not name.endswith(".rels"):
            continue
        for path, target in image_targets(name, data):
            if path in names:
                continue
            src = os.path.join(bundle_dir, *target.split("/"))
            if not os.path.isfile(src):
                die("%s: image %s not found at %s" % (name, target, src))
            with open(src, "rb") as f:
                media.append((path, f.read()))
            names.add(path)

    ok = True
    if "--validate" in opts:
        ok = validate(parts, opts["--validate"])

    # [Content_Types].xml and _rels/.rels first, as Word writes them.
    first = {"[Content_Types].xml": 0, "_rels/.rels": 1}
    entries = sorted(parts, key=lambda p: first.get(p[0], 2)) + media
    with zipfile.ZipFile(out_path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)

    if "--extract" in opts:
        for name, data in entries:
            path = os.path.join(opts["--extract"], *name.split("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)

    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
