#!/usr/bin/python3
"""tests/fuzz/seeds.py OUT_DIR: writes the seed corpora of the three fuzz targets.

OUT_DIR/frontmatter, OUT_DIR/pipeline, OUT_DIR/records. Sources: content/**/*.md,
tests/fixtures (Markdown, catalogs), ../shared/corpora (the openregulatory templates and any
other Markdown there), and a few hand-written hostile inputs per target. Seeds longer than the
target's -max_len are cut (run.sh passes the same limits)."""
import glob, hashlib, os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "corpora")
MAX = {"frontmatter": 16384, "pipeline": 65536, "records": 32768}
TYPES = ["roster", "raci", "training-profiles", "training-records", "tailoring", "release-checklist", "findings"]


def sources():
    pats = [os.path.join(ROOT, "content", "**", "*.md"), os.path.join(ROOT, "tests", "fixtures", "**", "*.md"),
            os.path.join(SHARED, "**", "*.md")]
    for p in pats:
        for f in sorted(glob.glob(p, recursive=True)):
            with open(f, "rb") as fh:
                yield f, fh.read()


def body(text):
    m = re.match(rb"---[ \t]*\r?\n.*?^(---|\.\.\.)[ \t]*\r?$\n?", text, re.S | re.M)
    return text[m.end():] if m else text


def front(text):
    m = re.match(rb"---[ \t]*\r?\n(.*?)^(---|\.\.\.)[ \t]*\r?$", text, re.S | re.M)
    return m.group(1) if m else None


def first_table(text):
    m = re.search(rb"(^\|?[^\n]*\|[^\n]*\n\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*\n(?:[^\n]*\|[^\n]*\n)*)", text, re.M)
    return m.group(1) if m else None


def main(out):
    seeds = {k: set() for k in MAX}
    for path, text in sources():
        seeds["frontmatter"].add(text)
        fm = front(text)
        if fm:
            seeds["frontmatter"].add(fm)
        b = body(text)
        seeds["pipeline"].add(b)
        t = None
        tm = re.search(rb"^type:\s*([a-z-]+)", fm or b"", re.M)
        if tm and tm.group(1).decode() in TYPES:
            t = TYPES.index(tm.group(1).decode())
            seeds["records"].add(bytes([t]) + b)
        tab = first_table(b)
        if tab:
            for k in range(7):
                if k == t:
                    continue
                seeds["records"].add(bytes([k]) + b"# Records\n\n" + tab)
    for f in sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "*.yaml"))):
        seeds["frontmatter"].add(open(f, "rb").read())
    seeds["frontmatter"].add(open(os.path.join(ROOT, "catalog", "iec-81001-5-1.yaml"), "rb").read()[:MAX["frontmatter"]])
    # Hostile hand-written seeds.
    seeds["frontmatter"] |= {
        b"---\nid: A\na: &x [1,2]\nb: [*x,*x,*x]\n---\n",
        b"---\n" + b"[" * 100 + b"]" * 100 + b"\n---\n",
        b"\xef\xbb\xbf---\r\nid: DOC-A\r\ntitle: A\r\nversion: '1'\r\n---\r\nbody\r\n",
        b"---\nid: DOC-\x00A\ntitle: \xff\nversion: 1\n---\n",
        b"---\n- a\n- b\n---\n",
        b"---\nid: DOC-A\ntitle: t\n",
        b"standard: x\nclauses:\n  - {clause: '1', title: t, process: p, content: ['(a+)+$'], hints: ['(?:a|aa)*c']}\n",
        b"---\nid: DOC-A\ntitle: T\nversion: '1'\nstatus: approved\napprovals: [{name: n, date: 2026-02-30}]\n"
        b"history: [{version: 1, date: x}]\nevidence: [4.1.1, {clause: 5.8.2, section: S}, {}, [x]]\n---\n# S\n",
    }
    seeds["pipeline"] |= {
        b"![[]()" * 200, b"*a_" * 500, b"<" * 3000, b"[" * 3000, b">" * 300 + b" x\n",
        b"".join(b"  " * i + b"- x\n" for i in range(300)),
        b"|" + b"a|" * 300 + b"\n|" + b"-|" * 300 + b"\n|" + b"b|" * 300 + b"\n",
        b"[x](javascript:alert(1)) [y](JaVaScRiPt:x) [z](vbscript:x) [d](data:text/html,<script>) <script>alert(1)</script>\n"
        b"<iframe src=x></iframe> <img src=x onerror=alert(1)> ![i](DATA:image/svg+xml,x) [f](file:///etc/passwd)\n",
        b"![a](../../etc/passwd) ![b](/etc/passwd) [c](~/x) [d](img/outside.png) [e](etc/hostname) ![f](img/flow.png)\n"
        b"[g](%2e%2e/%2e%2e/etc/passwd) [h](other.md#release) [i](DOC-OTHER#security-activities) [j](clause:5.8.2) []()\n",
        b"# Release\n\n## coding-standard\n\ntext[^1]\n\n[^1]: note\n\n- [x] task\n\n~~del~~ www.example.com <b>x</b><br>\n",
    }
    for t in range(7):
        seeds["records"].add(bytes([t]) + b"| a | b |\n|---|---|\n| \xc3\xa9 | <script> |\n")
    for name, items in seeds.items():
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        for s in items:
            s = s[:MAX[name]]
            if not s:
                continue
            with open(os.path.join(d, hashlib.sha1(s).hexdigest()), "wb") as f:
                f.write(s)
        print(f"seeds.py: {len(os.listdir(d))} seeds for {name}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
