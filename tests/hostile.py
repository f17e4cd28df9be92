"""Hostile input (issue: Hardening). Every case is generated in a temporary folder and asserts
its outcome: a clear diagnostic naming the file (and line) or a safe rendering, the exit status
of the contract, no crash or sanitizer report, bounded time and memory, nothing read from or
written outside the content and output folders, the content folder unchanged, and the previous
output folder whole when a build fails.

Binaries: TECHFILE (default gen/techfile-san, AddressSanitizer + UBSan) for crash detection;
TECHFILE_PLAIN (default gen/techfile) where an address-space limit is needed (ASan cannot run
under one). A run that outlives its time limit is a failure ("hang").

Expected outcomes where README.md and the content format do not say (see the report of the
hardening issue): a file that is not a regular file is an error naming it; techfile.yaml, and the
`catalog:`, `templates:` and `reference-docx:` it names, must stay inside the content folder like
links do; local files of an active type (.html, .svg, ...) are not shipped live; document IDs
may not collide, ignoring case, with the generated pages; a file name that is not UTF-8 is an
error naming it (or every output stays valid UTF-8); when any output cannot be written, the
previous output folder stays whole; pathological inlines, tables and link floods either build
within the bounds or are refused with an error naming the file."""
import concurrent.futures, io, json, os, re, resource, shutil, signal, stat, struct, subprocess, sys, tempfile, time, zipfile, zlib
from html.parser import HTMLParser
from lib import *

PLAIN = os.environ.get("TECHFILE_PLAIN", os.path.join(ROOT, "gen", "techfile"))
HANG = 60          # seconds: a run this long is a hang
WORK = 20          # seconds: the bound for the pathological inputs below (a linear build takes < 5)
RSS_MB = 3072      # peak RSS bound for them, measured on the ASan build (about 1.5x a plain build)
SECRET = "TOPSECRET-" + os.urandom(6).hex()
SAN_MARKS = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|AddressSanitizer:DEADLYSIGNAL|"
                       r"\.(c|h):\d+:\d+: runtime error:")  # the last: UBSan (libxslt says "runtime error" too)
ENV = {"ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0"),
       "UBSAN_OPTIONS": os.environ.get("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")}


# ---- running techfile ----------------------------------------------------------------------
class R:
    def __init__(self, rc, out, err, secs):
        self.rc, self.out, self.err, self.secs = rc, out, err, secs

    @property
    def hang(self):
        return self.rc == "hang"

    def crashed(self):
        """Why this run is not a clean exit 0/1/2, or None."""
        if self.hang:
            return f"hang: no exit after {self.secs:.0f} s"
        m = SAN_MARKS.search(self.err)
        if m:
            return f"sanitizer report: {self.err[max(0, m.start() - 200):m.start() + 1500]}"
        if self.rc not in (0, 1, 2):
            return f"exit status {self.rc} (signal or fatal): {self.err[-800:]}"
        return None


def limits(as_bytes=None, fsize=None):
    def pre():
        os.setsid()
        if as_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (as_bytes, as_bytes))
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() fails with EFBIG instead
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    return pre


def tf(args, binary=None, timeout=HANG, pre=None, env=None, cwd=None, rss=False):
    """Runs techfile in its own process group (killed whole on a hang). rss: also measure the
    peak resident set size (MB) with GNU time, into R.rss_mb."""
    e = dict(os.environ, **ENV)
    if env:
        e.update(env)
    argv = [binary or TECHFILE] + args
    rss_file = None
    if rss:
        fd, rss_file = tempfile.mkstemp(prefix="techfile-rss-")
        os.close(fd)
        argv = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + argv
    t = time.time()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, preexec_fn=pre or os.setsid, cwd=cwd)
    try:
        out, err = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        rc = "hang"
    r = R(rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), time.time() - t)
    r.rss_mb = None
    if rss_file:
        try:
            r.rss_mb = int(open(rss_file).read().split()[-1]) // 1024
        except (ValueError, IndexError):
            pass
        os.remove(rss_file)
    return r


def tf_build(content, out, extra=(), **kw):
    return tf(["build", content, "-o", out, "-q"] + list(extra), **kw)


# ---- trees ------------------------------------------------------------------------------------
BASE = tmpdir("techfile-hostile-")


_places = [0]


def place(name):
    """A new folder under BASE for one case (names are numbered: they never collide)."""
    _places[0] += 1
    d = os.path.join(BASE, f"{_places[0]:03d}-{re.sub(r'[^A-Za-z0-9.-]+', '-', name)[:50]}")
    os.makedirs(d)
    return d


def content(name, files, config=CONFIG):
    """BASE/name/content with techfile.yaml and files ({rel: str|bytes}); also writes the secret
    files next to it (outside the content folder). Returns the content folder."""
    top = place(name)
    write_tree(top, {"secret.txt": SECRET + "\n", "secret.md": front("SEC-1", SECRET, SECRET + "\n"),
                     "secret.yaml": f"product:\n  name: {SECRET}\n  version: 6.6.6\nbuild-date: 2026-11-24\n",
                     "secret.png": PNG + SECRET.encode()})
    c = os.path.join(top, "content")
    os.makedirs(c)
    files = dict(files)
    if config is not None and "techfile.yaml" not in files:
        files["techfile.yaml"] = config
    write_tree(c, files)
    return c


def snap(root):
    """The tree as it stands, never following a symlink: {rel: (kind, bytes or target)}."""
    out = {}
    for d, dirs, files in os.walk(root):
        for n in sorted(dirs + files):
            p = os.path.join(d, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    out[rel] = ("file", f.read())
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", None)
            else:
                out[rel] = ("other", st.st_mode)
    return out


def png(w=4, h=3, rgb=b"\xff\x00\x00"):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    raw = b"".join(b"\0" + rgb * w for _ in range(h))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


PNG = png()


def diag_re(path, rule=None, line=None, sev="error"):
    l = str(line) if line is not None else r"\d+"
    r = re.escape(rule) if rule else r"[a-z0-9-]+"
    return re.compile(rf"^{re.escape(path)}:{l}:\d+: {sev}: .*\[{r}\]$", re.M)


def has_diag(err, path, rule=None, line=None, sev="error"):
    return bool(diag_re(path, rule, line, sev).search(err))


def out_files(out):
    """Every output file's bytes, zip members (and zips inside zips) expanded."""
    found = {}

    def add(name, data, depth=0):
        found[name] = data
        if depth < 2 and data[:2] == b"PK":
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    for m in z.namelist():
                        add(f"{name}!{m}", z.read(m), depth + 1)
            except zipfile.BadZipFile:
                pass

    for d, dirs, files in os.walk(out):
        for n in files:
            p = os.path.join(d, n)
            if os.path.isfile(p):
                with open(p, "rb") as f:
                    add(os.path.relpath(p, out), f.read())
    return found


def leaks(out, r=None):
    """Output files (or stderr) that hold the secret."""
    hits = [n for n, data in out_files(out).items() if SECRET.encode() in data] if os.path.isdir(out) else []
    if r is not None and SECRET in r.err + r.out:
        hits.append("<stderr/stdout>")
    return hits


# ---- active HTML --------------------------------------------------------------------------------
ALLOWED_SCRIPTS = ("script.js", "search-index.js")
ACTIVE_TYPES = (".html", ".htm", ".xhtml", ".shtml", ".svg", ".svgz", ".xml", ".xsl", ".js", ".mjs", ".mht", ".mhtml")


def squash(v):
    return re.sub(r"[\x00-\x20\x7f]", "", v or "").lower()


class Active(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.script = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            if a.get("src", "").strip() not in ALLOWED_SCRIPTS:
                self.problems.append(f"<script src={a.get('src')!r}>")
            self.script = tag
        if tag in ("iframe", "frame", "frameset", "object", "embed", "base", "applet", "portal"):
            self.problems.append(f"<{tag}>")
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        for k, v in attrs:
            if k.startswith("on"):
                self.problems.append(f"<{tag} {k}=...> event handler")
            s = squash(v)
            if s.startswith(("javascript:", "vbscript:", "data:", "file:", "livescript:")):
                self.problems.append(f"<{tag} {k}={v!r}>")
            if k == "style" and ("expression(" in s or "javascript:" in s or "url(" in s):
                self.problems.append(f"<{tag} style={v!r}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self.script = None

    def handle_data(self, data):
        if self.script and data.strip():
            self.problems.append("inline script code")


def active_html(out):
    """Problems: active content in any page, any active file type, the search index not JSON."""
    html = os.path.join(out, "html")
    probs = []
    if not os.path.isdir(html):
        return ["no html/ folder"]
    rc, msg = tool([PY, os.path.join(TOOLS, "check_html.py"), html])
    if rc != 0:
        probs += [l for l in msg.splitlines() if not l.startswith("ok ")][:20]
    for d, dirs, files in os.walk(html):
        for n in files:
            p = os.path.join(d, n)
            rel = os.path.relpath(p, html)
            if n.lower().endswith((".html", ".htm")):
                a = Active()
                a.feed(open(p, encoding="utf-8", errors="replace").read())
                probs += [f"{rel}: {x}" for x in a.problems]
            if rel.startswith("media") and n.lower().endswith(ACTIVE_TYPES):
                probs.append(f"{rel}: an active file type shipped in the bundle")
    idx = os.path.join(html, "search-index.js")
    if os.path.exists(idx):
        t = open(idx, encoding="utf-8").read().strip()
        m = re.fullmatch(r"window\.TECHFILE_SEARCH = (.*);", t, re.S)
        try:
            json.loads(m.group(1)) if m else probs.append("search-index.js: not one assignment of JSON")
        except ValueError as e:
            probs.append(f"search-index.js: not JSON: {e}")
    return probs


def malformed(out):
    """Outputs that do not parse: report.json (strict UTF-8 JSON), report.junit.xml and every XML
    part of every DOCX (XML 1.0)."""
    import xml.etree.ElementTree as ET
    probs = []
    try:
        json.loads(open(os.path.join(out, "report.json"), "rb").read().decode("utf-8"))
    except (OSError, ValueError) as e:
        probs.append(f"report.json: {e}")
    for rel in ["report.junit.xml"] + [os.path.join("docx", f) for f in sorted(os.listdir(os.path.join(out, "docx")))
                                       if f.endswith(".docx")] if os.path.isdir(os.path.join(out, "docx")) else []:
        p = os.path.join(out, rel)
        parts = {}
        try:
            if rel.endswith(".docx"):
                with zipfile.ZipFile(p) as z:
                    parts = {f"{rel}!{m}": z.read(m) for m in z.namelist() if m.endswith((".xml", ".rels"))}
            else:
                parts = {rel: open(p, "rb").read()}
        except (OSError, zipfile.BadZipFile) as e:
            probs.append(f"{rel}: {e}")
        for n, data in parts.items():
            try:
                ET.fromstring(data)
            except ET.ParseError as e:
                probs.append(f"{n}: not well-formed XML: {e}")
    return probs


# ---- the common shape of a case --------------------------------------------------------------------
def sane(name, r):
    why = r.crashed()
    return check(f"{name}: no crash, no hang", why is None, why)


def expect_error(name, files, rel, rule=None, line=None, config=CONFIG, extra=(), timeout=HANG, c=None):
    """A content error: exit 1, a diagnostic at rel[:line] naming the rule, nothing written, the
    content folder unchanged, no secret anywhere."""
    c = c or content(name, files, config)
    before = snap(c)
    out = os.path.join(os.path.dirname(c), "out")
    r = tf_build(c, out, extra, timeout=timeout)
    if sane(name, r):
        path = os.path.join(c, rel) if rel else None
        check(f"{name}: exit 1 with an error naming {rel}{':' + str(line) if line else ''}",
              r.rc == 1 and (path is None or has_diag(r.err, path, rule, line)), (r.rc, r.err[-1500:]))
        check(f"{name}: nothing written", not os.path.exists(out), os.listdir(out) if os.path.isdir(out) else "")
    check(f"{name}: content folder unchanged", snap(c) == before)
    l = leaks(out, r)
    check(f"{name}: the secret outside the folder is never read", not l, l)
    return r, c


def expect_built(name, files, config=CONFIG, extra=(), timeout=HANG, warn=None, c=None, html_safe=True):
    """A build that succeeds: exit 0, the usual outputs, no active HTML, content unchanged."""
    c = c or content(name, files, config)
    before = snap(c)
    out = os.path.join(os.path.dirname(c), "out")
    r = tf_build(c, out, extra, timeout=timeout)
    ok = False
    if sane(name, r):
        ok = check(f"{name}: builds with exit 0", r.rc == 0 and os.path.exists(os.path.join(out, "report.json")), (r.rc, r.err[-1500:]))
        if warn:
            path, rule = warn
            check(f"{name}: a warning names {os.path.relpath(path, c) if path.startswith(c) else path} [{rule}]",
                  has_diag(r.err, path, rule, sev="warning"), r.err[-1500:])
        if ok and html_safe:
            p = active_html(out)
            check(f"{name}: no active HTML in the output", not p, p[:10])
        if ok:
            p = malformed(out)
            check(f"{name}: report.json, report.junit.xml and the DOCX parts parse", not p, p[:5])
    check(f"{name}: content folder unchanged", snap(c) == before)
    l = leaks(out, r)
    check(f"{name}: the secret outside the folder is never read", not l, l)
    return r, c, out


def expect_safe(name, files, rel, line=None, config=CONFIG, timeout=HANG):
    """Either outcome is right: refused (exit 1, an error naming rel[:line], nothing written) or
    built (exit 0) with no active HTML and well-formed outputs. Never a crash, a leak or a change
    to the content folder."""
    c = content(name, files, config)
    before = snap(c)
    out = os.path.join(os.path.dirname(c), "out")
    r = tf_build(c, out, timeout=timeout)
    if sane(name, r):
        if r.rc == 0:
            p = active_html(out) + malformed(out)
            check(f"{name}: built with no active HTML and well-formed outputs", not p, p[:6])
        else:
            check(f"{name}: refused with exit 1, an error naming {rel}, nothing written",
                  r.rc == 1 and has_diag(r.err, os.path.join(c, rel), None, line) and not os.path.exists(out), (r.rc, r.err[-800:]))
    check(f"{name}: content folder unchanged", snap(c) == before)
    l = leaks(out, r)
    check(f"{name}: the secret outside the folder is never read", not l, l)
    return r, c, out


def doc(body, id_="DOC-A", title="A", meta=""):
    return front(id_, title, body, meta)


# Line numbers: front() puts the body on line 6 (---, id, title, version, ---).
BODY = 6

# =================================================================================================
# 1. Encoding: invalid UTF-8, NUL bytes, BOM, CRLF
# =================================================================================================
expect_error("invalid UTF-8 in the body", {"a.md": doc("# A\n\nok\nbad \xff\xfe here\n").encode("latin-1")}, "a.md", "load-utf8", BODY + 3)
expect_error("invalid UTF-8 in the title", {"a.md": b'---\nid: DOC-A\ntitle: caf\xe9\nversion: "1"\n---\nx\n'}, "a.md", "load-utf8", 3)
expect_error("invalid UTF-8 in the ID", {"a.md": b'---\nid: DOC-\xc3\nversion: "1"\ntitle: t\n---\nx\n'}, "a.md", "load-utf8", 2)
expect_error("UTF-8 surrogate and overlong forms", {"a.md": b'---\nid: DOC-A\ntitle: t\nversion: "1"\n---\n\xed\xa0\x80 \xc0\xaf\n'}, "a.md", "load-utf8", BODY)
expect_error("a UTF-16 file (NUL bytes)", {"a.md": ("\ufeff" + doc("x\n")).encode("utf-16-le")}, "a.md", None, 1)
expect_error("a NUL byte in the body", {"a.md": doc("# A\n\nx\0y\n").encode()}, "a.md", "load-nul", BODY + 2)
expect_error("a NUL byte in the title", {"a.md": b'---\nid: DOC-A\ntitle: a\0b\nversion: "1"\n---\nx\n'}, "a.md", "load-nul", 3)
expect_error("a NUL byte in the ID", {"a.md": b'---\nid: DOC\0A\ntitle: t\nversion: "1"\n---\nx\n'}, "a.md", "load-nul", 2)
expect_error("invalid UTF-8 in techfile.yaml", {"a.md": doc("x\n")}, "techfile.yaml", None, None,
             config=CONFIG.replace("Test Product", "Test \xff Product").encode("latin-1"))
expect_error("a NUL byte in techfile.yaml", {"a.md": doc("x\n")}, "techfile.yaml", None, None,
             config=CONFIG.encode().replace(b"Test Product", b"Test\0Product"))

r, c, out = expect_built("a UTF-8 BOM before the front matter", {"a.md": "\ufeff" + doc("# Heading\n\nBody text.\n", title="Bom title")})
if r.rc == 0:
    rep = json.load(open(os.path.join(out, "report.json")))
    check("a UTF-8 BOM: the ID and title are read without it", os.path.exists(os.path.join(out, "html", "DOC-A.html")) and
          "Bom title" in open(os.path.join(out, "html", "DOC-A.html"), encoding="utf-8").read())
crlf = doc("# Scope\n\nSee [the part](#part).\n\n## Part\n\ntext\n", title="Crlf title",
           meta='evidence:\n  - {clause: "4.1.1", section: "Part"}\n').replace("\n", "\r\n")
r, c, out = expect_built("CRLF line endings", {"a.md": crlf}, config=CONFIG.replace("\n", "\r\n"))
if r.rc == 0:
    page = open(os.path.join(out, "html", "DOC-A.html"), encoding="utf-8").read()
    check("CRLF: no carriage return leaks into the title, headings or anchors",
          "\r" not in page and 'id="part"' in page and "<title>" in page and "Crlf title\r" not in page, page[:300])
r, c, out = expect_built("BOM and CRLF together", {"a.md": "\ufeff" + crlf})
c = content("crlf-error-line", {"a.md": doc("# A\n\nline\n[broken](NOPE)\n").replace("\n", "\r\n")})
r = tf_build(c, os.path.join(os.path.dirname(c), "out"))
check("CRLF: an error still names the right line", sane("CRLF error line", r) and has_diag(r.err, os.path.join(c, "a.md"), "link-unresolved", BODY + 3), r.err[-800:])

# =================================================================================================
# 2. Empty files, front matter that is not a mapping or never closes
# =================================================================================================
expect_error("an empty file", {"a.md": ""}, "a.md", "front-matter-missing", 1)
expect_error("a file of blank lines", {"a.md": "\n\n\n"}, "a.md", "front-matter-missing", 1)
expect_error("an empty front matter", {"a.md": "---\n---\nbody\n"}, "a.md", None, None)
expect_error("front matter that is a list", {"a.md": "---\n- id: DOC-A\n- title: A\n---\nx\n"}, "a.md", "front-matter-yaml")
expect_error("front matter that is a scalar", {"a.md": "---\njust text\n---\nx\n"}, "a.md", "front-matter-yaml")
expect_error("front matter that never closes", {"a.md": "---\nid: DOC-A\ntitle: A\nversion: '1'\n\n# Body\n"}, "a.md", "front-matter-unclosed")
expect_error("front matter that is bad YAML", {"a.md": "---\nid: DOC-A\ntitle: [unclosed\nversion: '1'\n---\nx\n"}, "a.md", "front-matter-yaml")
expect_error("an empty techfile.yaml", {"a.md": doc("x\n")}, "techfile.yaml", "config-yaml", config="")
expect_error("techfile.yaml that is a list", {"a.md": doc("x\n")}, "techfile.yaml", "config-yaml", config="- a\n- b\n")
expect_built("a document with an empty body", {"a.md": doc("")})
expect_error("an empty content folder has no techfile.yaml", {}, "techfile.yaml", "config-missing", config=None)

# =================================================================================================
# 3. YAML alias bombs and deep nesting: refused at once, no expansion
# =================================================================================================
BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(9))
r, _ = expect_error("an alias bomb in the front matter", {"a.md": "---\nid: DOC-A\ntitle: A\nversion: '1'\n" + BOMB + "---\nx\n"},
                    "a.md", "front-matter-yaml", 5, timeout=20)
check("an alias bomb is refused in well under a second of work", r.secs < 10, r.secs)
expect_error("an alias bomb in techfile.yaml", {"a.md": doc("x\n")}, "techfile.yaml", "config-yaml", 1 + CONFIG.count("\n"),
             config=CONFIG + BOMB, timeout=20)
expect_error("YAML nested 10,000 deep in the front matter", {"a.md": "---\nid: DOC-A\nx: " + "[" * 10000 + "]" * 10000 + "\n---\nx\n"},
             "a.md", "front-matter-yaml", 3, timeout=20)
expect_error("YAML nested 10,000 deep in techfile.yaml", {"a.md": doc("x\n")}, "techfile.yaml", "config-yaml",
             config=CONFIG + "x: " + "{a: " * 10000 + "}" * 10000 + "\n", timeout=20)

# =================================================================================================
# 4. Size: a 100 MB file, a 3 MB single line
# =================================================================================================
c = content("100mb", {"small.md": doc("# fine\n")})
with open(os.path.join(c, "huge.md"), "wb") as f:
    f.write(doc("").encode())
    chunk = (b"word " * 20 + b"\n") * 1000
    for _ in range(100 * 1024 * 1024 // len(chunk) + 1):
        f.write(chunk)
out = os.path.join(os.path.dirname(c), "out")
r = tf_build(c, out, binary=PLAIN, pre=limits(as_bytes=1 << 30), timeout=HANG)
if sane("a 100 MB file (plain binary, 1 GiB address space)", r):
    check("a 100 MB file: exit 1 with an error naming it", r.rc == 1 and has_diag(r.err, os.path.join(c, "huge.md"), None, 1), r.err[-800:])
    check("a 100 MB file: refused quickly", r.secs < 10, r.secs)
    check("a 100 MB file: nothing written", not os.path.exists(out))
os.remove(os.path.join(c, "huge.md"))

# One 3 MB line (plain binary, 2 GiB address space, 60 s): of words, it must build; dense with
# inline markup, it builds or is refused with an error at its line (a work bound).
LINE = "lorem ipsum *dolor* sit `amet` [x](#a) "
for label, text, limit_ok in (("words", ("lorem ipsum dolor sit amet " * 120000)[:3 * 1024 * 1024], False),
                              ("inline markup", (LINE * 90000)[:3 * 1024 * 1024], True)):
    name = f"a 3 MB single line of {label}"
    c = content(name, {"a.md": doc("# A\n\n" + text + "\n")})
    out = os.path.join(os.path.dirname(c), "out")
    r = tf_build(c, out, binary=PLAIN, pre=limits(as_bytes=2 << 30), timeout=HANG)
    print(f"# {name}: exit {r.rc}, {r.secs:.1f} s (plain binary, 2 GiB)")
    if sane(f"{name} (plain binary, 2 GiB address space)", r):
        check(f"{name}: builds with exit 0 within 60 s and 2 GiB" + (", or an error at its line" if limit_ok else ""),
              r.rc == 0 or (limit_ok and r.rc == 1 and has_diag(r.err, os.path.join(c, "a.md"), None, BODY + 2)),
              (r.rc, f"{r.secs:.0f}s", r.err[-300:]))
    shutil.rmtree(os.path.dirname(c), ignore_errors=True)
HEAVY = []  # (name, files, timeout, limit_ok) run two at a time at the end, on the ASan build


def heavy(name, files, timeout=WORK, limit_ok=False):
    """limit_ok: refusing the input with an error that names the file (a size or work limit,
    as the hardening issue allows for the pathological inlines) passes too; else it must build."""
    HEAVY.append((name, files, timeout, limit_ok))


heavy("a 256 KB single line", {"a.md": doc("# A\n\n" + (LINE * 8000)[:256 * 1024] + "\n")})

# =================================================================================================
# 5. Deep nesting: 20,000-deep block quotes, 3,000-deep lists, deep inlines
# =================================================================================================
heavy("20,000-deep block quotes", {"a.md": doc(">" * 20000 + " deep\n")})
heavy("20,000 block-quote lines, each one deeper", {"a.md": doc("".join(">" * i + " q\n" for i in range(1, 2001)))})
heavy("3,000-deep nested lists (indented)", {"a.md": doc("".join("  " * i + "- item\n" for i in range(3000)))})
heavy("3,000-deep nested lists (one line)", {"a.md": doc("- " * 3000 + "x\n")})
heavy("3,000-deep ordered lists", {"a.md": doc("".join("   " * i + "1. item\n" for i in range(3000)))})
heavy("5,000-deep emphasis", {"a.md": doc("*a " * 5000 + "x" + " b*" * 5000 + "\n")})
heavy("5,000-deep links", {"a.md": doc("[" * 5000 + "x" + "](http://example.com)" * 5000 + "\n")})
heavy("block quotes and lists interleaved 3,000 deep", {"a.md": doc("> - " * 3000 + "x\n")})

# =================================================================================================
# 6. Pathological inlines (cmark-gfm 0.29.0.gfm.6 predates the quadratic-time fixes)
# =================================================================================================
heavy("100,000 unclosed emphasis openers", {"a.md": doc("*a_" * 100000 + "\n")}, limit_ok=True)
heavy("100,000 underscores and stars", {"a.md": doc("_*" * 100000 + "\n")}, limit_ok=True)
heavy("2,000 backtick runs of growing length", {"a.md": doc("".join("`" * i + "a" for i in range(1, 2000)) + "\n")}, limit_ok=True)
heavy("1,000,000 '<'", {"a.md": doc("<" * 1000000 + "\n")}, limit_ok=True)
heavy("1,000,000 '['", {"a.md": doc("[" * 1000000 + "\n")}, limit_ok=True)
heavy("500,000 '<!--' (CVE-2023-22484)", {"a.md": doc("a" + "<!--" * 500000 + "\n")}, limit_ok=True)
heavy("100,000 '![[]()' (quadratic in cmark-gfm)", {"a.md": doc("![[]()" * 100000 + "\n")}, limit_ok=True)
heavy("300,000 '[a](' openers", {"a.md": doc("[a](" * 300000 + "\n")}, limit_ok=True)
heavy("500,000 '!['", {"a.md": doc("![" * 500000 + "\n")}, limit_ok=True)
heavy("a table with 25,000 columns", {"a.md": doc("|" + "a|" * 25000 + "\n|" + "-|" * 25000 + "\n" + ("|" + "b|" * 25000 + "\n") * 8)}, limit_ok=True)
heavy("a table with 60,000 columns", {"a.md": doc("|" + "a|" * 60000 + "\n|" + "-|" * 60000 + "\n" + ("|" + "b|" * 60000 + "\n") * 4)}, limit_ok=True)
heavy("a table with 70,000 columns (over 16 bits)", {"a.md": doc("|" + "a|" * 70000 + "\n|" + "-|" * 70000 + "\n" + ("|" + "b|" * 70000 + "\n") * 2)}, limit_ok=True)
heavy("a table of 50,000 one-cell rows", {"a.md": doc("| a |\n|---|\n" + "| x |\n" * 50000)}, limit_ok=True)
heavy("5,000 identical headings", {"a.md": doc("# Same\n\n" * 5000)})
heavy("20,000 distinct external links", {"a.md": doc(" ".join(f"[l](https://example.com/{i})" for i in range(20000)) + "\n")}, limit_ok=True)
heavy("100,000 links to one undefined reference", {"a.md": doc("[a] " * 100000 + "\n")}, limit_ok=True)
heavy("20,000 footnotes", {"a.md": doc("".join(f"x[^{i}] " for i in range(20000)) + "\n\n" + "".join(f"[^{i}]: n{i}\n" for i in range(20000)))}, limit_ok=True)
heavy("30,000 autolink candidates", {"a.md": doc("www.a.b " * 30000 + "\n")}, limit_ok=True)
heavy("200,000 entities", {"a.md": doc("&amp;&#x41;&#65;" * 200000 + "\n")}, limit_ok=True)
heavy("100,000 evidence entries for one clause", {"a.md": doc("# S\n\nquality management\n", meta="evidence:\n" + "  - 4.1.1\n" * 100000)}, limit_ok=True)

# =================================================================================================
# 7. Active content: raw HTML, scripts, event handlers, unsafe URLs in any case
# =================================================================================================
RAW = """# Raw HTML

<script>alert(1)</script>

<iframe src="https://evil.example/"></iframe>

<div onclick="alert(1)">x</div>

<object data="x.swf"></object><embed src="x.swf">

<svg onload="alert(1)"><script>alert(2)</script></svg>

<meta http-equiv="refresh" content="0;url=javascript:alert(1)">

<base href="javascript:alert(1)//">

<style>body { background: url(javascript:alert(1)) }</style>

Inline <script>alert(3)</script> and <img src=x onerror=alert(4)> and <a href="javascript:alert(5)">a</a>
and <form action="javascript:alert(6)"><button formaction="javascript:alert(7)">b</button></form>
and <math><maction actiontype="statusline" xlink:href="javascript:alert(8)">m</maction></math>.

<details open ontoggle=alert(9)><summary>s</summary></details>
"""
UNSAFE_URLS = ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "JaVaScRiPt:alert(1)", "vbscript:msgbox(1)", "VBScript:msgbox(1)",
               "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "DATA:text/html,<script>alert(1)</script>",
               "Data:image/svg+xml,<svg onload=alert(1)>", "file:///etc/passwd", "FILE:///etc/passwd", "livescript:x"]
LINKS = "# Links\n\n" + "\n".join(f"[l{i}]({u}) ![i{i}]({u})" if " " not in u else f"[l{i}](<{u}>) ![i{i}](<{u}>)" for i, u in enumerate(UNSAFE_URLS)) + \
    "\n\n" + "\n".join(f"<{u}>" for u in UNSAFE_URLS if " " not in u and "<" not in u) + \
    "\n\n[ref][r1] [ref2][r2] ![img][r3]\n\n[r1]: javascript:alert(1)\n[r2]: VBSCRIPT:x\n[r3]: data:image/png;base64,AAAA\n" + \
    "\n[ent](&#106;avascript:alert(1)) [colon](javascript&colon;alert(1)) [hex](&#x6A;avascript&#x3A;alert(1))\n" + \
    '\n[title](https://example.com "x\\" onmouseover=\\"alert(1)") [q](https://example.com/?a="><script>alert(1)</script>)\n' + \
    "\n```\"><script>alert(1)</script>\ncode\n```\n"
r, c, out = expect_built("raw HTML with script, iframe and event handlers", {"a.md": doc(RAW)})
if r.rc == 0:
    page = open(os.path.join(out, "html", "DOC-A.html"), encoding="utf-8").read()
    check("raw HTML is shown as text", "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;iframe" in page, page[-2000:])
r, c, out = expect_built("links and images to javascript:, vbscript:, data:, file: in any case",
                         {"a.md": doc(LINKS)}, warn=None)
if r.rc == 0:
    n = len(re.findall(r"\[link-unsafe\]", r.err))
    check("every unsafe link and image gets a link-unsafe warning naming the file", n >= 2 * len(UNSAFE_URLS) and
          has_diag(r.err, os.path.join(c, "a.md"), "link-unsafe", BODY + 2, sev="warning"), (n, r.err[-1500:]))
    page = open(os.path.join(out, "html", "DOC-A.html"), encoding="utf-8").read()
    check("the link text of an unsafe link stays", ">l0<" in page and ">l3<" in page, page[-1500:])
# Obfuscated schemes: either refused (error) or inert; never active.
OBF = "\n".join(["[tab](java&#9;script:alert(1))", "[nl](java&#10;script:alert(1))", "[sp](< javascript:alert(1)>)",
                 "[pct](javascript%3Aalert(1))", "[wide](ｊａｖａｓｃｒｉｐｔ:alert(1))", "[nul](java&#0;script:alert(1))",
                 "[ctl](&#1;javascript:alert(1))"]) + "\n"
c = content("obfuscated-schemes", {"a.md": doc(OBF)})
out = os.path.join(os.path.dirname(c), "out")
r = tf_build(c, out)
if sane("obfuscated javascript: schemes", r):
    check("obfuscated javascript: schemes: an error naming the file, or built with no active HTML",
          (r.rc == 1 and has_diag(r.err, os.path.join(c, "a.md"))) or (r.rc == 0 and not active_html(out)),
          (r.rc, r.err[-800:], active_html(out) if r.rc == 0 else ""))
# Front matter, techfile.yaml and catalog text reach attributes, <title>, the search index and DOCX.
XSS = '<script>alert(1)</script>"\'><img src=x onerror=alert(1)>\\u2028\u2028</script>'
meta = ("owner: '" + XSS.replace("'", "''") + "'\napprovals:\n  - {name: '" + XSS.replace("'", "''") + "', role: r, date: 2026-01-01}\n"
        "history:\n  - {version: '1', date: 2026-01-01, author: a, change: '" + XSS.replace("'", "''") + "'}\n")
r, c, out = expect_built("script in the title, owner, approvals, history and headings",
                         {"a.md": front("DOC-A", "'" + XSS.replace("'", "''") + "'", "# " + XSS + "\n\ntext\n", meta)},
                         config=CONFIG.replace("Test Product", "'Test <script>alert(1)</script> \"Product'"))
if r.rc == 0:
    idx = open(os.path.join(out, "html", "search-index.js"), encoding="utf-8").read()
    check("the search index holds the title as JSON data", "alert(1)" in idx and not active_html(out))
    for n, data in out_files(out).items():
        if n.endswith(".xml") and b"<script>alert" in data:
            check(f"no raw <script> markup in DOCX part {n}", False)
            break
# Control characters are valid UTF-8 but not XML 1.0: every output must still parse.
CTL = "".join(chr(c) for c in (1, 2, 8, 0x0b, 0x0c, 0x1b, 0x1f, 0x7f)) + "\ufffe\uffff"
expect_built("control characters in names, titles, cells and the product", {
    "a.md": front("DOC-A", '"Ti\\x01tle\\x1b"', f"# Head{CTL}ing\n\nText{CTL}.\n\n| Col{CTL} | B |\n|---|---|\n| c{CTL} | d |\n",
                  'owner: "Own\\x02er"\n'),
    "raci.md": front("REC-RACI", "RACI", f"| Process | Dev{CTL} |\n|---|---|\n| release{CTL} | A, R |\n", "type: raci\n"),
    "roster.md": front("REC-ROSTER", "Roster", f"| Person | Roles |\n|---|---|\n| Pers{CTL}on | Dev |\n", "type: roster\n"),
    "tailoring.md": front("REC-TAIL", "Tailoring", f"| Clause | Decision | Justification | Approved by |\n|---|---|---|---|\n"
                          f"| 5.8.7 | not-applicable | Why{CTL} | Pers{CTL}on |\n", "type: tailoring\n")},
    config=CONFIG.replace("Test Product", '"Test\\x01Product\\x1b"'))
# Heading anchors that equal the ids of the page chrome or of footnotes.
expect_built("headings whose anchors equal the page's own ids", {
    "a.md": doc("# tf-main\n\n## tf-top\n\n## fn-1\n\n## fnref-1\n\n## tf-footnotes\n\nNote[^1] and [up](#tf-top).\n\n[^1]: the note\n")})
# A local file of an active type, linked or shown as an image, would be live in html/media/.
expect_safe("a linked local HTML file with a script", {
    "a.md": doc("[the page](files/page.html) ![pic](files/pic.svg) [x](files/x.xhtml)\n"),
    "files/page.html": "<html><body><script>alert(document.cookie)</script></body></html>\n",
    "files/pic.svg": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>\n',
    "files/x.xhtml": '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>\n'}, "a.md", BODY)

# =================================================================================================
# 8. Paths: ../.., absolute, file://, ~, symlinks out of the folder
# =================================================================================================
for i, (label, dest) in enumerate([("../.. out of the folder", "../../secret.txt"), ("../ just out of the folder", "../secret.txt"),
                                   ("%-encoded ../", "%2e%2e/%2E%2E/secret.txt"), ("an absolute path", "/etc/passwd"),
                                   ("an absolute path to the secret", "@SECRET@"), ("~", "~/secret.txt"), ("~user", "~root/x"),
                                   ("a backslash path", "\\\\server\\share\\x"), ("sub/../../..", "sub/../../../secret.txt")]):
    for kind, md in (("link", "[x]({})"), ("image", "![x]({})")):
        name = f"{kind} to {label}"
        top = place(f"path-{i}-{kind}")
        c = os.path.join(top, "content")
        d = dest.replace("@SECRET@", os.path.join(top, "secret.txt"))
        write_tree(top, {"secret.txt": SECRET, "content/techfile.yaml": CONFIG, "content/sub/a.md": doc("# A\n\nsee " + md.format("<" + d + ">") + "\n")})
        expect_error(name, None, "sub/a.md", None, BODY + 2, c=c)
r, c, out = expect_built("file:// links and images are removed with a warning",
                         {"a.md": doc("[f](file:///etc/passwd) ![g](file:///etc/hostname) [h](FILE://localhost/etc/passwd)\n")})
if r.rc == 0:
    check("file:// links: a link-unsafe warning at the line", has_diag(r.err, os.path.join(c, "a.md"), "link-unsafe", BODY, sev="warning"), r.err[-800:])


def fresh_symlink_case(name, files, links, rel, rule=None, line=None):
    t = place(name)
    write_tree(t, {"secret.txt": SECRET, "secret.png": PNG + SECRET.encode(), "secret.md": front("SEC-1", SECRET, SECRET + "\n"),
                   "secret.yaml": f"product:\n  name: {SECRET}\n  version: 6.6.6\nbuild-date: 2026-11-24\n",
                   "outside/x.txt": SECRET, "content/techfile.yaml": CONFIG})
    cc = os.path.join(t, "content")
    write_tree(cc, files)
    for src, target in links.items():
        p = os.path.join(cc, src)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if os.path.lexists(p):
            os.remove(p)
        os.symlink(target.replace("@TOP@", t), p)
    return expect_error(name, None, rel, rule, line, c=cc)


fresh_symlink_case("a .md symlink to a document outside", {"a.md": doc("x\n")}, {"evil.md": "../secret.md"}, "evil.md", "load-outside", 1)
fresh_symlink_case("a .md symlink by absolute path", {"a.md": doc("x\n")}, {"evil.md": "@TOP@/secret.md"}, "evil.md", "load-outside", 1)
fresh_symlink_case("an image through a symlink out of the folder", {"a.md": doc("![x](img/pic.png)\n")}, {"img/pic.png": "../../secret.png"}, "a.md", None, BODY)
fresh_symlink_case("a link through a symlink out of the folder", {"a.md": doc("[x](notes.txt)\n")}, {"notes.txt": "../secret.txt"}, "a.md", None, BODY)
fresh_symlink_case("a link through a symlinked folder", {"a.md": doc("[x](ext/x.txt)\n")}, {"ext": "../outside"}, "a.md", None, BODY)
fresh_symlink_case("a symlink loop", {"a.md": doc("x\n")}, {"loop.md": "loop.md"}, "loop.md", None, 1)
fresh_symlink_case("techfile.yaml as a symlink out of the folder", {"a.md": doc("x\n")}, {"techfile.yaml": "../secret.yaml"}, "techfile.yaml")
# techfile.yaml keys that name files: they must stay inside the content folder too.
t = place("config-keys-outside")
cat = open(os.path.join(ROOT, "catalog", "iec-81001-5-1.yaml"), encoding="utf-8").read()
write_tree(t, {"cat.yaml": cat.replace("title: IEC 81001-5-1:2021", f"title: {SECRET}", 1)})
shutil.copytree(os.path.join(ROOT, "templates"), os.path.join(t, "tpl"))
with open(os.path.join(t, "tpl", "html", "leak.txt"), "w") as f:
    f.write(SECRET)
with zipfile.ZipFile(os.path.join(t, "ref.docx"), "w") as z:
    z.writestr("word/styles.xml", f'<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><!-- {SECRET} --></w:styles>')
for key, val in (("catalog", "../cat.yaml"), ("templates", "../tpl"), ("reference-docx", "../ref.docx")):
    cc = os.path.join(t, f"content-{key}")
    write_tree(cc, {"techfile.yaml": CONFIG + f"{key}: {val}\n", "a.md": doc("x\n")})
    expect_error(f"'{key}: {val}' in techfile.yaml reads outside the content folder", None, "techfile.yaml", None, None, c=cc)
# A templates folder inside the content folder, with a symlink out of it.
cc = os.path.join(t, "content-tpl-symlink")
shutil.copytree(os.path.join(ROOT, "templates"), os.path.join(cc, "tpl"))
write_tree(cc, {"techfile.yaml": CONFIG + "templates: tpl\n", "a.md": doc("x\n")})
os.symlink(os.path.join(t, "tpl", "html", "leak.txt"), os.path.join(cc, "tpl", "html", "leak.txt"))
out = os.path.join(t, "out-tpl-symlink")
r = tf_build(cc, out)
if sane("a symlink out of a templates folder inside the content", r):
    l = leaks(out, r)
    check("a symlink out of a templates folder: the file outside is not read", not l and (r.rc == 1 or r.rc == 0), (r.rc, l, r.err[-600:]))

# Broken templates (`--templates DIR`, the user-editable stylesheets): an error naming the
# stylesheet (and the line of the first XML error), exit 1, and nothing written over the last
# good output; a stylesheet that reaches for files reads and writes none.
def broken_template(name, edit, rel, rule, line=None, first_good=False):
    t = place(name)
    tpl = os.path.join(t, "tpl")
    shutil.copytree(os.path.join(ROOT, "templates"), tpl)
    cc = os.path.join(t, "content")
    write_tree(cc, {"techfile.yaml": CONFIG, "a.md": doc("Text with [a link](#text).\n\n## Text\n")})
    out = os.path.join(t, "out")
    if first_good:
        check(f"{name}: a first build with the shipped templates", tf_build(cc, out).rc == 0)
    before = snap(out) if first_good else None
    path = os.path.join(tpl, rel)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(edit(text))
    r = tf_build(cc, out, ["--templates", tpl])
    if sane(name, r):
        check(f"{name}: exit 1 with an error naming {rel}{':' + str(line) if line else ''} [{rule}]",
              r.rc == 1 and has_diag(r.err, path, rule, line), (r.rc, r.err[-1200:]))
        if first_good:
            check(f"{name}: the last good output is left as it was", snap(out) == before)
        else:
            check(f"{name}: nothing written", not os.path.exists(out), os.listdir(out) if os.path.isdir(out) else "")
    l = leaks(out, r)
    check(f"{name}: the secret outside the folder is never read", not l, l)


def at_line(n, new):
    """Replaces line n (1-based) of a text."""
    return lambda text: "\n".join(new if i == n - 1 else l for i, l in enumerate(text.split("\n")))


def line_of(rel, pred):
    """The first line (1-based) of a shipped template that pred accepts."""
    with open(os.path.join(ROOT, "templates", rel), encoding="utf-8") as f:
        return next(i + 1 for i, l in enumerate(f) if pred(l))


ROOT_TEMPLATE = '<xsl:template match="/">'


def in_root(xsl):
    """Puts xsl at the start of the stylesheet's root template."""
    return lambda text: text.replace(ROOT_TEMPLATE, ROOT_TEMPLATE + xsl, 1)


HTML_ROOT = line_of("html/page.xsl", lambda l: ROOT_TEMPLATE in l)
DOCX_ROOT = line_of("docx/page.xsl", lambda l: ROOT_TEMPLATE in l)
XSL_ROOT = line_of("html/page.xsl", lambda l: l.startswith("<xsl:stylesheet"))
broken_template("an HTML stylesheet that is not well-formed", at_line(HTML_ROOT, '  <xsl:template match="/" <oops'),
                "html/page.xsl", "template-invalid", HTML_ROOT)
broken_template("a DOCX stylesheet that is not well-formed, over a good output",
                at_line(DOCX_ROOT, "  <<<"), "docx/page.xsl", "template-invalid", DOCX_ROOT, first_good=True)
broken_template("a DOCX stylesheet that is XML but not XSLT", lambda text: '<?xml version="1.0"?>\n<not-xslt/>\n',
                "docx/page.xsl", "template-invalid", 1)
broken_template("an HTML stylesheet whose xsl: prefix is not declared",
                lambda text: text.replace(' xmlns:xsl="http://www.w3.org/1999/XSL/Transform"', "", 1),
                "html/page.xsl", "template-invalid", XSL_ROOT)
broken_template("an HTML stylesheet that is an empty file", lambda text: "", "html/page.xsl", "template-invalid", 1)
broken_template("an HTML stylesheet that stops with xsl:message, over a good output",
                in_root('<xsl:message terminate="yes">stop</xsl:message>'), "html/page.xsl", "template-failed", first_good=True)
secret_doc = os.path.join(BASE, "secret-doc.xml")
read_secret = in_root(f'<xsl:copy-of select="document(\'{secret_doc}\')"/>')
broken_template("an HTML stylesheet that reads a missing file with document()", read_secret, "html/page.xsl", "template-failed",
                first_good=True)
with open(secret_doc, "w") as f:  # written after: a refused read never opens it anyway
    f.write(f"<s>{SECRET}</s>")
broken_template("an HTML stylesheet that reads an existing file with document()", read_secret, "html/page.xsl", "template-failed",
                first_good=True)
written = os.path.join(BASE, "written-by-a-template.txt")
exsl = ' xmlns:exsl="http://exslt.org/common" extension-element-prefixes="exsl"'
broken_template("an HTML stylesheet that writes a file with exsl:document",
                lambda text: in_root(f'<exsl:document href="{written}" method="text">x</exsl:document>')(
                    text.replace('<xsl:stylesheet version="1.0"', '<xsl:stylesheet version="1.0"' + exsl, 1)),
                "html/page.xsl", "template-failed", first_good=True)
check("an HTML stylesheet that writes a file with exsl:document: no file written", not os.path.exists(written))

# Special files: a FIFO would block a reader forever.
t = place("fifo")
cc = os.path.join(t, "content")
write_tree(cc, {"techfile.yaml": CONFIG, "a.md": doc("x\n")})
os.mkfifo(os.path.join(cc, "pipe"))
os.symlink("pipe", os.path.join(cc, "pipe.md"))
expect_error("a .md symlink to a FIFO inside the folder", None, "pipe.md", None, 1, c=cc, timeout=10)
t = place("fifo-config")
cc = os.path.join(t, "content")
write_tree(cc, {"a.md": doc("x\n")})
os.mkfifo(os.path.join(cc, "techfile.yaml"))
expect_error("techfile.yaml is a FIFO", None, "techfile.yaml", None, 1, c=cc, timeout=10)
t = place("fifo-plain")
cc = os.path.join(t, "content")
write_tree(cc, {"techfile.yaml": CONFIG, "a.md": doc("![x](img.png)\n")})
os.mkfifo(os.path.join(cc, "img.png"))
expect_error("an image that is a FIFO", None, "a.md", None, BODY, c=cc, timeout=10)

# =================================================================================================
# 9. IDs: duplicates, equal but for case, colliding with generated pages
# =================================================================================================
r, c = expect_error("the same ID in three files", {"a.md": doc("a\n"), "b/b.md": doc("b\n"), "c/c.md": doc("c\n")}, "b/b.md", "id-duplicate", 2)
check("the same ID in three files: each duplicate is named", has_diag(r.err, os.path.join(c, "c/c.md"), "id-duplicate", 2) and os.path.join(c, "a.md") in r.err, r.err[-800:])
r, c = expect_error("the same ID in files whose names differ only in case", {"Doc.md": doc("a\n"), "doc.md": doc("b\n")}, "doc.md", "id-duplicate", 2)
check("names differing only in case: the other file is named too", os.path.join(c, "Doc.md") in r.err, r.err[-600:])
expect_error("IDs equal but for case", {"a.md": doc("a\n", id_="DOC-A"), "b.md": doc("b\n", id_="Doc-A")}, "b.md", "id-invalid", 2)
expect_error("an ID of 65 characters", {"a.md": doc("a\n", id_="A" * 65)}, "a.md", "id-invalid", 2)
for gid in ("INDEX", "GAPS", "RACI", "RELEASE", "TRAINING", "COMPLIANCE-MATRIX", "TECHNICAL-FILE", "SEARCH-INDEX", "STYLE", "SCRIPT"):
    c = content(f"reserved-{gid}", {"a.md": doc("x\n", id_=gid), "r.md": front("ROSTER-1", "Roster", "| Person | Roles |\n|---|---|\n| P | Dev |\n", "type: roster\n"),
                                     "raci.md": front("RACI-1", "RACI", "| Process | Dev |\n|---|---|\n| release | A, R |\n", "type: raci\n")})
    out = os.path.join(os.path.dirname(c), "out")
    r = tf_build(c, out)
    if sane(f"document ID {gid}", r):
        names = []
        zp = [f for f in os.listdir(out) if f.endswith(".zip")] if os.path.isdir(out) else []
        if zp:
            names = zipfile.ZipFile(os.path.join(out, zp[0])).namelist()
        if os.path.isdir(out):
            names += [os.path.relpath(os.path.join(d, f), out) for d, _, fs in os.walk(out) for f in fs]
        low = {}
        clash = sorted({n for n in set(names) if low.setdefault(n.lower(), n) != n})
        check(f"document ID {gid}: an error naming the file, or no two outputs equal but for case",
              (r.rc == 1 and has_diag(r.err, os.path.join(c, "a.md"))) or (r.rc == 0 and not clash), (r.rc, clash[:4], r.err[-400:]))

# =================================================================================================
# 10. File names: spaces, non-ASCII, not UTF-8, newlines
# =================================================================================================
r, c, out = expect_built("file and folder names with spaces and non-ASCII", {
    "my docs/a doc.md": doc("# A\n\nSee [b](<../ünï cødé/文書 b.md>), [b2](../%C3%BCn%C3%AF%20c%C3%B8d%C3%A9/%E6%96%87%E6%9B%B8%20b.md), "
                            "![pic](<img dir/flow pic.png>) and [file](<img dir/ré sumé.txt>).\n"),
    "ünï cødé/文書 b.md": doc("# B\n\nback to [a](<../my docs/a doc.md>)\n", id_="DOC-B", title="Dokument ß"),
    "my docs/img dir/flow pic.png": PNG, "my docs/img dir/ré sumé.txt": "résumé\n"})
if r.rc == 0:
    rep = open(os.path.join(out, "report.json"), "rb").read()
    try:
        json.loads(rep.decode("utf-8"))
        ok = True
    except ValueError as e:
        ok = e
    check("non-ASCII names: report.json is valid UTF-8 JSON", ok is True, ok)
    check("non-ASCII names: the image and the file are in the bundle", os.path.exists(os.path.join(out, "html", "media", "my docs", "img dir", "flow pic.png")) and
          os.path.exists(os.path.join(out, "html", "media", "my docs", "img dir", "ré sumé.txt")),
          [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(out, "html", "media")) for f in fs])
t = place("non-utf8-name")
cc = os.path.join(t, "content")
write_tree(cc, {"techfile.yaml": CONFIG, "a.md": doc("# A\n\nquality management system\n", meta="evidence: [4.1.1]\n")})
with open(os.path.join(cc, "a.md").encode()[:-4] + b"b-\xff\xfe.md", "wb") as f:
    f.write(doc("# B\n\ntext\n", id_="DOC-B").encode())
out = os.path.join(t, "out")
r = tf_build(cc, out)
if sane("a file name that is not UTF-8", r):
    ok = r.rc == 1 and re.search(r"b-.*\.md:\d+:\d+: error: ", r.err)
    if r.rc == 0:
        try:
            json.loads(open(os.path.join(out, "report.json"), "rb").read().decode("utf-8"))
            ok = not active_html(out)
            for n, data in out_files(out).items():
                if n.endswith((".html", ".xml", ".json", ".js")):
                    data.decode("utf-8")
        except (UnicodeDecodeError, ValueError) as e:
            ok = False
            r.err += f"\n(outputs are not valid UTF-8: {e})"
    check("a file name that is not UTF-8: an error naming it, or valid UTF-8 outputs", ok, (r.rc, r.err[-1200:]))
t = place("newline-name")
cc = os.path.join(t, "content")
write_tree(cc, {"techfile.yaml": CONFIG, "a.md": doc("x\n")})
with open(os.path.join(cc, "evil\nfake.md:1:1: error: forged [forged]\nx.md"), "w") as f:
    f.write(doc("[x](NOPE)\n", id_="DOC-B"))
r = tf_build(cc, os.path.join(t, "out"))
if sane("a file name with newlines", r):
    lines = [l for l in r.err.splitlines() if l.strip()]
    bad = [l for l in lines if not l.startswith(cc) and not l.startswith("techfile:")]
    check("a file name with newlines cannot forge a diagnostic line", not bad, bad[:3])

# =================================================================================================
# 11. A user catalog whose pattern backtracks catastrophically
# =================================================================================================
cat = open(os.path.join(ROOT, "catalog", "iec-81001-5-1.yaml"), encoding="utf-8").read()
i = cat.index('clause: "4.1.1"')
j = cat.index("    content:\n", i) + len("    content:\n")
evil = cat[:j] + "      - pattern: '(a+)+$'\n        expect: says a great deal\n" + cat[j:]
evil_line = evil[:j].count("\n") + 1
t = place("redos")
write_tree(t, {"evil.yaml": evil})
cc = os.path.join(t, "content")
write_tree(cc, {"techfile.yaml": CONFIG, "a.md": doc("# QMS\n\nquality management system " + "a" * 5000 + "!\n", meta="evidence: [4.1.1]\n")})
r = tf(["build", cc, "-o", os.path.join(t, "out"), "--catalog", os.path.join(t, "evil.yaml"), "-q"], timeout=20)
if sane("a catalog pattern '(a+)+$' that backtracks", r):
    check("a backtracking catalog pattern: exit 1 with an error naming the catalog file",
          r.rc == 1 and has_diag(r.err, os.path.join(t, "evil.yaml"), "catalog-pattern-limit"), (r.rc, r.err[-800:]))
    check("a backtracking catalog pattern: stopped within seconds", r.secs < 10, r.secs)
    check("a backtracking catalog pattern: the error names the pattern's line", has_diag(r.err, os.path.join(t, "evil.yaml"), "catalog-pattern-limit", evil_line),
          re.findall(r"^.*catalog-pattern-limit.*$", r.err, re.M)[:2])
    check("a backtracking catalog pattern: nothing written", not os.path.exists(os.path.join(t, "out")))
hint_cat = cat.replace("    hints: []\n", "    hints: ['(a|aa)+$']\n", 1)
write_tree(t, {"hint.yaml": hint_cat, "content2/techfile.yaml": CONFIG, "content2/" + "a" * 60 + "!.md": doc("x\n")})
r = tf(["check", os.path.join(t, "content2"), "--catalog", os.path.join(t, "hint.yaml"), "-q"], timeout=20)
if sane("a catalog hint pattern that backtracks on a file name", r):
    check("a backtracking hint pattern: exit 1 naming the catalog file, within seconds",
          r.rc == 1 and has_diag(r.err, os.path.join(t, "hint.yaml"), "catalog-pattern-limit") and r.secs < 10, (r.rc, r.secs, r.err[-600:]))
write_tree(t, {"bomb.yaml": cat.replace("standard: iec-81001-5-1\n", "standard: iec-81001-5-1\n" + BOMB, 1)})
r = tf(["check", cc, "--catalog", os.path.join(t, "bomb.yaml"), "-q"], timeout=20)
if sane("an alias bomb in a user catalog", r):
    check("an alias bomb in a user catalog: exit 1 naming the catalog", r.rc == 1 and has_diag(r.err, os.path.join(t, "bomb.yaml"), "catalog-invalid"), r.err[-600:])
r = tf(["catalog", "--catalog", os.path.join(t, "bomb.yaml")], timeout=20)
sane("techfile catalog with an alias-bomb catalog", r)
check("techfile catalog with an alias-bomb catalog: exit 1", r.rc == 1, r.rc)

# =================================================================================================
# 12. The output folder: never written through, never half-replaced
# =================================================================================================
# The content folder inside the output's html/ folder: stale-page removal must not reach it.
t = place("content-in-out")
out = os.path.join(t, "site")
cc = os.path.join(out, "html", "src")
write_tree(cc, {"techfile.yaml": CONFIG, "a.md": doc("x\n"), "notes/keep.txt": "keep me\n"})
before = snap(cc)
r = tf_build(cc, out)
if sane("a content folder inside the output's html/ folder", r):
    check("a content folder inside the output's html/ folder: the content is untouched", os.path.isdir(cc) and snap(cc) == before,
          sorted(set(before) - set(snap(cc) if os.path.isdir(cc) else {}))[:5])
    check("a content folder inside the output folder is refused with exit 2", r.rc == 2, (r.rc, r.err[-300:]))
def built_with_victim(name, files, victim):
    """A place with a content folder (files), files outside it (victim) and an output folder
    built once from it: (place, content, output)."""
    t = place(name)
    cc = os.path.join(t, "content")
    write_tree(cc, dict({"techfile.yaml": CONFIG}, **files))
    write_tree(t, victim)
    out = os.path.join(t, "out")
    tf_build(cc, out)
    return t, cc, out


# A symlinked folder in a previous output: stale-page removal must not delete through it.
t, cc, out = built_with_victim("out-symlink", {"a.md": doc("x\n")}, {"victim/precious.txt": "do not delete\n"})
os.symlink(os.path.join(t, "victim"), os.path.join(out, "html", "shared"))
r = tf_build(cc, out)
if sane("a symlinked folder inside the previous output", r):
    check("a symlinked folder inside the output: nothing outside the output folder is deleted",
          os.path.exists(os.path.join(t, "victim", "precious.txt")), os.listdir(os.path.join(t, "victim")))
# The incremental state's files as symlinks to files outside the output folder (one in the content
# folder): techfile replaces the links, and never writes, appends to or cuts what they point at.
t, cc, out = built_with_victim("state-symlinks", {"a.md": doc("# A\n\nfirst\n"), "b.md": doc("# B\n\nsecond\n", id_="DOC-B", title="B")},
                              {"victim.txt": "do not touch\n"})
for name, target in [("chapters.store", os.path.join(t, "victim.txt")), ("shell", os.path.join(t, "victim.txt")),
                     ("memo", os.path.join(cc, "b.md")), ("pages", os.path.join(t, "victim.txt")),
                     ("spare.zip", os.path.join(t, "victim.txt")), ("spare.docx", os.path.join(t, "victim.txt"))]:
    p = os.path.join(out, ".techfile", name)
    if os.path.lexists(p):
        os.remove(p)
    os.symlink(target, p)
victim = open(os.path.join(t, "victim.txt"), "rb").read()
write_tree(cc, {"a.md": doc("# A\n\nfirst, edited\n")})
before = snap(cc)
r = tf_build(cc, out)
if sane("the incremental state's files as symlinks out of the output folder", r):
    check("state files symlinked out of the output folder: built, and neither the content nor the file outside changed",
          r.rc == 0 and snap(cc) == before and open(os.path.join(t, "victim.txt"), "rb").read() == victim,
          (r.rc, r.err[-300:]))
# .techfile/chapters (where an older techfile kept a file per chapter, removed by a build) as a
# symlink to a folder outside: nothing in that folder is deleted.
t, cc, out = built_with_victim("old-chapters-symlink", {"a.md": doc("# A\n\nfirst\n")}, {"victim/precious.txt": "do not delete\n"})
os.symlink(os.path.join(t, "victim"), os.path.join(out, ".techfile", "chapters"))
write_tree(cc, {"a.md": doc("# A\n\nfirst, edited\n")})
r = tf_build(cc, out)
if sane("an older chapters folder as a symlink out of the output folder", r):
    check("an older chapters folder as a symlink: nothing it points at is deleted",
          r.rc == 0 and os.path.exists(os.path.join(t, "victim", "precious.txt")), (r.rc, r.err[-300:]))
# The disk fills up midway (RLIMIT_FSIZE): the previous output folder stays whole.
t = place("disk-full")
cc = os.path.join(t, "content")
write_tree(cc, {"techfile.yaml": CONFIG, "a.md": doc("# A\n\nfirst version\n")})
out = os.path.join(t, "out")
r0 = tf_build(cc, out)
prev = snap(out)
sizes = sorted((len(v[1]), k) for k, v in prev.items() if v[0] == "file")
zipname = [k for k in prev if k.endswith(".zip")]
if r0.rc == 0 and zipname:
    zsize = len(prev[zipname[0]][1])
    others = max(s for s, k in sizes if not k.endswith(".zip") and not k.endswith("technical-file.docx"))
    limit = (zsize + others) // 2 if others < zsize else others + 1
    write_tree(cc, {"a.md": doc("# A\n\nsecond version, longer " + "text " * 200 + "\n")})
    r = tf_build(cc, out, pre=limits(fsize=limit))
    if sane("the disk fills up midway through writing", r):
        check("the disk fills up midway: exit 1 with an output-write error", r.rc == 1 and "output-write" in r.err, (r.rc, r.err[-500:]))
        now = snap(out)
        # (but the spares: .techfile/spare.zip and spare.docx are scratch space a build writes
        # over, the first build's allocated and never written)
        changed = sorted(k for k in set(prev) | set(now) if prev.get(k) != now.get(k) and not re.search(r"\.techfile/spare\.", k))
        check("the disk fills up midway: the previous output folder is still whole", not changed, changed[:6])
# A product name too long for a file name: fails when the bundle is written, after the pages.
t = place("long-name")
cc = os.path.join(t, "content")
write_tree(cc, {"techfile.yaml": CONFIG, "a.md": doc("# A\n\nfirst\n")})
out = os.path.join(t, "out")
tf_build(cc, out)
prev = snap(out)
write_tree(cc, {"techfile.yaml": CONFIG.replace("Test Product", "P" * 300), "a.md": doc("# A\n\nsecond\n")})
r = tf_build(cc, out)
if sane("a 300-character product name", r):
    now = snap(out)
    changed = sorted(k for k in set(prev) | set(now) if prev.get(k) != now.get(k))
    check("a 300-character product name: a clean build, or an error and the previous output whole",
          (r.rc == 0 and os.path.exists(os.path.join(out, "report.json")) and any(k.endswith(".zip") and len(os.path.basename(k)) < 256 for k in now)) or
          (r.rc == 1 and not changed and has_diag(r.err, os.path.join(cc, "techfile.yaml"))), (r.rc, changed[:5], r.err[-400:]))
# An image replaced by another of the same pixel size: an incremental rebuild must not keep the
# old bytes inside the DOCX (the page tree is the same, the image is not).
t = place("stale-image")
cc = os.path.join(t, "content")
write_tree(cc, {"techfile.yaml": CONFIG, "a.md": doc("![p](img/p.png)\n"), "img/p.png": png()})
out = os.path.join(t, "out")
tf_build(cc, out)
write_tree(cc, {"img/p.png": png(rgb=b"\x00\x00\xff")})
r = tf_build(cc, out)
if sane("an image replaced by one of the same size", r) and os.path.exists(os.path.join(out, "docx", "DOC-A.docx")):
    with zipfile.ZipFile(os.path.join(out, "docx", "DOC-A.docx")) as z:
        imgs = [z.read(m) for m in z.namelist() if m.endswith(".png")]
    check("an image replaced by one of the same size: the rebuilt DOCX embeds the new image",
          r.rc == 0 and imgs == [png(rgb=b"\x00\x00\xff")], (r.rc, len(imgs)))
# A failed rebuild (content error) keeps the previous output whole.
t = place("failed-rebuild")
cc = os.path.join(t, "content")
write_tree(cc, {"techfile.yaml": CONFIG, "a.md": doc("# A\n\nfine\n"), "b.md": doc("b\n", id_="DOC-B")})
out = os.path.join(t, "out")
tf_build(cc, out)
prev = snap(out)
write_tree(cc, {"a.md": doc("# A\n\n\xff\n").encode("latin-1"), "b.md": doc("changed\n", id_="DOC-B")})
r = tf_build(cc, out)
check("a rebuild with invalid UTF-8 keeps the previous output whole", sane("failed rebuild", r) and r.rc == 1 and snap(out) == prev)

# =================================================================================================
# 13. Many files, deep folders
# =================================================================================================
N = 2000
c = content("many-documents", {f"d/{i:04d}.md": front(f"D-{i}", f"Document {i}", "x\n") for i in range(N)})
r = tf_build(c, os.path.join(os.path.dirname(c), "out"), ["-j", "2"], binary=PLAIN, pre=limits(as_bytes=2 << 30), timeout=HANG)
if sane(f"{N} one-line documents (plain binary, 2 GiB address space)", r):
    check(f"{N} one-line documents: built with exit 0 within {HANG} s and 2 GiB", r.rc == 0, (r.rc, f"{r.secs:.0f}s", r.err[-300:]))
shutil.rmtree(os.path.dirname(c), ignore_errors=True)
deep = "/".join(f"d{i}" for i in range(40))
r, c, out = expect_built("folders nested 40 deep", {"a.md": doc("x\n"), deep + "/deep.md": doc("y\n", id_="DOC-DEEP")})
check("folders nested 40 deep: a warning names the folder that is skipped, or the document is built",
      "[load-depth]" in r.err or os.path.exists(os.path.join(out, "html", "DOC-DEEP.html")), r.err[-500:])

# =================================================================================================
# 14. Records: work and memory bounded by the size of the tables
# =================================================================================================
N = 12000
people = "".join(f"| Person {i} | Developer |\n" for i in range(N))
train = "".join(f"| Person {i} | Secure coding | 2026-01-01 | passed |\n" for i in range(N))
c = content("records-quadratic", {
    "roster.md": front("REC-ROSTER", "Roster", "| Person | Roles |\n|---|---|\n" + people, "type: roster\n"),
    "profiles.md": front("REC-PROF", "Profiles", "| Role | Competency | Refresh (months) | Security expertise |\n|---|---|---|---|\n"
                         "| Developer | Secure coding | 12 | yes |\n", "type: training-profiles\n"),
    "training.md": front("REC-TRAIN", "Training", "| Person | Competency | Completed | Assessment |\n|---|---|---|---|\n" + train,
                         "type: training-records\n")})
r = tf(["check", c, "-q"], binary=PLAIN, pre=limits(as_bytes=2 << 30), timeout=WORK)
if sane(f"a roster and training records of {N} people (plain binary, 2 GiB)", r):
    check(f"{N} people with training records: checked within the memory and time bounds", r.rc in (0, 1) and r.secs < WORK, (r.rc, r.secs, r.err[-300:]))
cols = 20000
c = content("raci-columns", {"raci.md": front("REC-RACI", "RACI", "| Process | " + " | ".join(f"R{i}" for i in range(cols)) + " |\n|" + "---|" * (cols + 1) +
                                              "\n| release | " + " | ".join("A" if i == 0 else "R" for i in range(cols)) + " |\n", "type: raci\n")})
r = tf(["check", c, "-q"], timeout=WORK)
if sane("a RACI table with 20,000 role columns", r):
    check("a RACI table with 20,000 role columns: checked (exit 0), or refused with an error naming raci.md",
          r.rc == 0 or (r.rc == 1 and has_diag(r.err, os.path.join(c, "raci.md"))), (r.rc, r.err[-300:]))


# =================================================================================================
# The heavy cases, two at a time
# =================================================================================================
def run_heavy(item):
    name, files, timeout, limit_ok = item
    c = content("heavy-" + name, files)
    before = snap(c)
    out = os.path.join(os.path.dirname(c), "out")
    r = tf_build(c, out, timeout=timeout, rss=True)
    return name, c, out, before, r, limit_ok


with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    for name, c, out, before, r, limit_ok in pool.map(run_heavy, HEAVY):
        print(f"# {name}: exit {r.rc}, {r.secs:.1f} s, peak RSS {r.rss_mb} MB (ASan build)")
        if sane(f"{name} (within {WORK} s)", r):
            if limit_ok:
                check(f"{name}: builds with exit 0, or exit 1 with an error naming the file",
                      r.rc == 0 or (r.rc == 1 and has_diag(r.err, os.path.join(c, "a.md")) and not os.path.exists(out)),
                      (r.rc, f"{r.secs:.1f}s", r.err[-600:]))
            else:
                check(f"{name}: builds with exit 0", r.rc == 0, (r.rc, f"{r.secs:.1f}s", r.err[-600:]))
            check(f"{name}: peak memory under {RSS_MB} MB (ASan build)", r.rss_mb is not None and r.rss_mb < RSS_MB, r.rss_mb)
            if r.rc == 0:
                p = active_html(out)
                check(f"{name}: no active HTML", not p, p[:5])
        check(f"{name}: content folder unchanged", snap(c) == before)
        shutil.rmtree(os.path.dirname(c), ignore_errors=True)

shutil.rmtree(BASE, ignore_errors=True)
done()
