#!/usr/bin/python3
"""Check the generated HTML pages: links, anchors, structure and the absence of active content.

Usage:
    check_html.py OUT_HTML_DIR

Parses every *.html below OUT_HTML_DIR with Python's html.parser and checks, for each page:
  - every <a href>, <img src>, <link href> and <script src> that is not an http:, https: or
    mailto: URL resolves to an existing file under OUT_HTML_DIR (query and fragment
    removed, %-escapes decoded, never outside the directory); with a #fragment, the target
    page has an element with that id ('#x' alone: this page);
  - no <script> other than <script src="script.js"> or "search-index.js" (empty), no <iframe>, <object>, <embed>,
    <base>, nor <meta http-equiv="refresh">;
  - no attribute whose name starts with "on" (event handlers);
  - no URL attribute (href, src, action, formaction, xlink:href, poster, data, cite,
    background, srcset) starting with javascript:, vbscript:, data: or file:, once
    whitespace and control characters are stripped and case is ignored;
  - exactly one <h1> and exactly one <main>; no id used twice.

Output: one line per problem, `page: problem` (page relative to OUT_HTML_DIR), and exit
status 1; else `ok N pages, M links` (M counts every href/src checked) and exit status 0.
Exit status 2: wrong usage or OUT_HTML_DIR is not a directory.
"""

import os
import posixpath
import re
import sys
import urllib.parse
from html.parser import HTMLParser

# The scripts techfile itself writes next to the pages.
ALLOWED_SCRIPTS = ("script.js", "search-index.js")

RESOLVED = {("a", "href"), ("img", "src"), ("link", "href"), ("script", "src")}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "cite",
             "background", "srcset"}
UNSAFE = ("javascript:", "vbscript:", "data:", "file:")
EXTERNAL = ("http:", "https:", "mailto:")
FORBIDDEN = {"iframe", "object", "embed", "base"}
SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.-]*):")


def usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


def squash(url):
    """The URL as a browser reads its scheme: C0 controls and spaces around it dropped, tabs
    and newlines inside dropped, lower case."""
    url = url.strip("".join(chr(c) for c in range(0x21)) + "\x7f")
    url = re.sub(r"[\t\n\r]", "", url)
    return url.lower()


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = {}          # id -> first line
        self.dup_ids = []
        self.refs = []         # (line, tag, attr, value)
        self.problems = []     # (line, message)
        self.h1 = 0
        self.main = 0
        self.in_script = None  # line of the open <script>, when its content is not allowed

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs)
        if tag == "script":
            self.in_script = None

    def _tag(self, tag, attrs):
        line = self.getpos()[0]
        tag = tag.lower()
        a = {}
        for name, value in attrs:
            name = name.lower()
            value = "" if value is None else value
            a.setdefault(name, value)
            if name.startswith("on"):
                self.problems.append((line, "<%s> has event handler attribute %s=%r"
                                      % (tag, name, value[:60])))
            if name in URL_ATTRS:
                values = [v.strip().split()[0] for v in value.split(",") if v.strip()] \
                    if name == "srcset" else [value]
                for v in values:
                    if squash(v).startswith(UNSAFE):
                        self.problems.append((line, "<%s %s=%r>: unsafe URL scheme"
                                              % (tag, name, v[:60])))
            if (tag, name) in RESOLVED:
                self.refs.append((line, tag, name, value))
        if "id" in a:
            if a["id"] in self.ids:
                self.dup_ids.append((line, a["id"]))
            else:
                self.ids[a["id"]] = line
        if tag == "h1":
            self.h1 += 1
        elif tag == "main":
            self.main += 1
        elif tag in FORBIDDEN:
            self.problems.append((line, "<%s> element" % tag))
        elif tag == "meta" and a.get("http-equiv", "").strip().lower() == "refresh":
            self.problems.append((line, '<meta http-equiv="refresh">'))
        elif tag == "script":
            src = a.get("src")
            if src is None:
                self.problems.append((line, "inline <script> (only <script src=\"script.js\"> "
                                      "is allowed)"))
            elif src.strip() not in ALLOWED_SCRIPTS:
                self.problems.append((line, "<script src=%r> (only script.js is allowed)" % src))
            if src is not None:
                self.in_script = line

    def handle_endtag(self, tag):
        if tag.lower() == "script":
            self.in_script = None

    def handle_data(self, data):
        if self.in_script is not None and data.strip():
            self.problems.append((self.in_script, "<script src> element with inline content"))
            self.in_script = None


def html_files(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in sorted(filenames):
            if fn.lower().endswith((".html", ".htm")):
                out.append(os.path.relpath(os.path.join(dirpath, fn), root).replace(os.sep, "/"))
    return out


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        usage()
    root = argv[1]
    if not os.path.isdir(root):
        sys.stderr.write("check_html: %s is not a directory\n" % root)
        sys.exit(2)
    pages = {}
    problems = []
    for name in html_files(root):
        p = Page()
        try:
            with open(os.path.join(root, name), encoding="utf-8") as f:
                p.feed(f.read())
            p.close()
        except UnicodeDecodeError as e:
            problems.append("%s: not UTF-8: %s" % (name, e))
            continue
        except Exception as e:  # html.parser is lenient; anything here is worth a look
            problems.append("%s: cannot parse: %s" % (name, e))
            continue
        pages[name] = p

    nrefs = 0
    for name, p in pages.items():
        out = [(line, msg) for line, msg in p.problems]
        for line, ident in p.dup_ids:
            out.append((line, "id %r used more than once (first on line %d)"
                        % (ident, p.ids[ident])))
        if p.h1 != 1:
            out.append((0, "%d <h1> elements, expected exactly one" % p.h1))
        if p.main != 1:
            out.append((0, "%d <main> elements, expected exactly one" % p.main))
        for line, tag, attr, value in p.refs:
            nrefs += 1
            where = "<%s %s=%r>" % (tag, attr, value)
            v = squash(value)
            if v.startswith(EXTERNAL):
                continue
            if v.startswith(UNSAFE):
                continue  # reported above
            m = SCHEME_RE.match(v)
            if m:
                out.append((line, "%s: scheme %s: is neither http(s) nor mailto"
                            % (where, m.group(1))))
                continue
            if v.startswith("//") or value.strip().startswith("\\"):
                out.append((line, "%s: network-path reference" % where))
                continue
            url = value.strip()
            path, _, frag = url.partition("#")
            path = path.split("?", 1)[0]
            path = urllib.parse.unquote(path)
            if path == "":
                target = name
            elif path.startswith("/"):
                out.append((line, "%s: absolute path (the site must work from any folder)"
                            % where))
                continue
            else:
                target = posixpath.normpath(posixpath.join(posixpath.dirname(name), path))
                if target == ".." or target.startswith("../"):
                    out.append((line, "%s: points outside the output directory" % where))
                    continue
                if not os.path.isfile(os.path.join(root, *target.split("/"))):
                    out.append((line, "%s: %s does not exist" % (where, target)))
                    continue
            if tag == "script" and target not in ALLOWED_SCRIPTS:
                out.append((line, "%s: resolves to %s, not script.js" % (where, target)))
            if frag:
                frag = urllib.parse.unquote(frag)
                tp = pages.get(target)
                if tp is None:
                    if target.lower().endswith((".html", ".htm")):
                        out.append((line, "%s: cannot check #%s: %s was not parsed"
                                    % (where, frag, target)))
                    else:
                        out.append((line, "%s: fragment on a file that is not a page" % where))
                elif frag not in tp.ids:
                    out.append((line, "%s: no element with id %r in %s" % (where, frag, target)))
        for line, msg in sorted(out, key=lambda x: x[0]):
            problems.append("%s: %s%s" % (name, "line %d: " % line if line else "", msg))

    if problems:
        sys.stdout.write("\n".join(problems) + "\n")
        return 1
    if not pages:
        print("check_html: no *.html in %s" % root)
        return 1
    print("ok %d pages, %d links" % (len(pages), nrefs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
