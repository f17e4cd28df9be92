"""Make-style builds: incremental outputs equal clean builds byte for byte; -j N equals -j 1;
--depfile lists every input."""
import filecmp, os, re, shutil
from lib import *

CONTENT = os.path.join(ROOT, "content")


def same_tree(a, b):
    """Every output file (not the .techfile state) equal in both folders."""
    def files(root):
        out = set()
        for d, dirs, fs in os.walk(root):
            dirs[:] = [x for x in dirs if x != ".techfile"]
            out |= {os.path.relpath(os.path.join(d, f), root) for f in fs}
        return out
    fa, fb = files(a), files(b)
    if fa != fb:
        return False, sorted(fa ^ fb)[:10]
    diff = [f for f in sorted(fa) if not filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False)]
    return not diff, diff[:10]


def clean_build(src):
    o = tmpdir("techfile-clean-")
    rc, err, _, _ = build(src, o)
    return rc, o


src = tmpdir()
shutil.copytree(CONTENT, src, dirs_exist_ok=True)
inc = tmpdir("techfile-inc-")
rc, err, _, _ = build(src, inc)
check("first build of a copy of content/", rc == 0, err[-800:])
rc, err, _, _ = build(src, inc)
ok, diff = same_tree(inc, clean_build(src)[1])
check("no-op rebuild equals a clean build", rc == 0 and ok, diff)


def step(name, edit):
    edit()
    rc, err, _, _ = build(src, inc)
    rc2, clean = clean_build(src)
    ok, diff = same_tree(inc, clean)
    check(f"incremental after {name} equals a clean build, byte for byte", rc == rc2 and ok, (rc, rc2, diff, err[-500:]))


def edit_file(rel, old, new):
    def f():
        p = os.path.join(src, rel)
        t = open(p, encoding="utf-8").read()
        assert old in t, (rel, old)
        open(p, "w", encoding="utf-8").write(t.replace(old, new, 1))
    return f


step("editing one document's body", edit_file("risk/threat-model.md", "STRIDE", "STRIDE (spoofing, tampering and the rest)"))
step("changing a title other documents link to", edit_file("risk/threat-model.md", "title: Threat model of Pulsewise Monitor", "title: Threat model of the Pulsewise system"))
step("changing techfile.yaml", edit_file("techfile.yaml", "version: 3.2.0", "version: 3.2.1"))
step("breaking a record that decides a clause", edit_file("qms/raci.md", "| A |", "| R |"))
step("adding a document", lambda: write_tree(src, {"notes/new.md": front("NOTE-001", "A new note", "# Scope\n\nSee [](TM-001).\n")}))
step("deleting a document", lambda: os.remove(os.path.join(src, "notes/new.md")))
# The index, compliance matrix and gap list are kept by an input key of the documents' fields
# and the clauses' results (depend_generated_key): each field they show, changed alone.
RPT = "verification/security-requirements-test-report.md"
step("changing a document's version (index, audit defense)", edit_file(RPT, 'version: "1.0"', 'version: "1.1"'))
step("changing an approval date (audit defense)", edit_file(RPT, "date: 2026-10-21}", "date: 2026-10-22}"))
step("renaming the heading a claim names, in other letter case (audit defense)",
     edit_file(RPT, "## Results per security requirement", "## Results Per Security Requirement"))
step("changing a document's status (index)", edit_file(RPT, "status: approved", "status: in-review"))


def damage_bundle(kind):
    """The last bundle is where unchanged pages' files are copied from: one that lacks their
    entries, or is no archive at all, is not trusted (plus an edit, so that the build is no
    no-op)."""
    def f():
        import zipfile
        path = [os.path.join(inc, p) for p in os.listdir(inc) if p.endswith("-technical-file.zip")][0]
        if kind == "garbage":
            open(path, "wb").write(b"not an archive")
        else:  # renamed in place (local headers and directory), the rest byte for byte
            data = open(path, "rb").read()
            for name in (b"html/QM-001.html", b"docx/QM-001.docx"):
                assert data.count(name) == 2, name
                data = data.replace(name, name.replace(b"QM-001", b"QM-00X"))
            open(path, "wb").write(data)
            names = zipfile.ZipFile(path).namelist()
            assert "html/QM-00X.html" in names and "html/QM-001.html" not in names
        with open(os.path.join(src, "risk/threat-model.md"), "a", encoding="utf-8") as t:
            t.write(f"\nOne more line ({kind}).\n")
    return f


step("a last bundle lacking two unchanged pages' entries", damage_bundle("lacking"))
step("a last bundle that is no archive", damage_bundle("garbage"))


def tamper_bundle():
    """A byte changed inside an unchanged page's stored DOCX, names and SHA256SUMS as they were:
    a bundle touched since the last build is not trusted (else that entry would be copied as it
    is, bad byte and all)."""
    import zipfile
    path = [os.path.join(inc, p) for p in os.listdir(inc) if p.endswith("-technical-file.zip")][0]
    zi = zipfile.ZipFile(path).getinfo("docx/QM-001.docx")
    data = bytearray(open(path, "rb").read())
    h = zi.header_offset  # the local header's own name and extra lengths
    at = h + 30 + int.from_bytes(data[h + 26:h + 28], "little") + int.from_bytes(data[h + 28:h + 30], "little") + 100
    data[at] ^= 0xFF
    open(path, "wb").write(data)
    with open(os.path.join(src, "risk/threat-model.md"), "a", encoding="utf-8") as t:
        t.write("\nOne more line (tampered bundle).\n")


step("a last bundle with a byte changed inside an unchanged entry", tamper_bundle)
step("renaming a document's file", lambda: os.rename(os.path.join(src, "records/periodic-review-2026.md"), os.path.join(src, "records/review-2026.md")))

# Only what changed is rendered anew, and untouched files keep their bytes and times.
t_other = os.path.getmtime(os.path.join(inc, "html", "QM-001.html"))
edit_file("risk/threat-model.md", "Method", "Method of analysis")()
rc, so, se = run(["build", src, "-o", inc])
check("a one-document edit renders only that page and the combined file", rc == 0 and "rendered 2 of 51 pages" in se, se[-300:])
check("unchanged pages are not rewritten", os.path.getmtime(os.path.join(inc, "html", "QM-001.html")) == t_other)
rc, so, se = run(["build", src, "-o", inc])
check("a no-op rebuild renders nothing and says so", rc == 0 and "rendered 0 of 51 pages; nothing changed" in se, se[-300:])
os.remove(os.path.join(inc, "html", "QM-001.html"))
rc, so, se = run(["build", src, "-o", inc])
check("a deleted output is written again (the no-op path checks the outputs too)",
      rc == 0 and os.path.exists(os.path.join(inc, "html", "QM-001.html")), se[-300:])

# The combined file's chapters are cached in .techfile/chapters.store, one record each, where
# the state file (.techfile/pages) says: an edit re-renders one chapter, and a record that does
# not belong to the chapter's key (damaged, or another chapter's) is never trusted.
STORE = os.path.join(inc, ".techfile", "chapters.store")
STATE = os.path.join(inc, ".techfile", "pages")


def chapter_places():
    """chapter name -> (offset, length) of its record, from the state file."""
    out = {}
    for line in open(STATE, encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if f[0].startswith("chapter:") and len(f) >= 4:
            out[f[0][len("chapter:"):]] = (int(f[2]), int(f[3]))
    return out


def chapter_records():
    """chapter name -> its record's bytes."""
    store = open(STORE, "rb").read()
    return {n: store[at:at + n_] for n, (at, n_) in chapter_places().items()}


records = chapter_records()
names = sorted(records)
check("every chapter of technical-file.docx is cached", "TM-001" in names and "compliance-matrix" in names and "gaps" in names
      and not os.path.exists(os.path.join(inc, ".techfile", "chapters")), names[:5])
before, size_before = records, os.path.getsize(STORE)
edit_file("risk/threat-model.md", "Method of analysis", "Method of the analysis")()
rc, so, se = run(["build", src, "-o", inc])
after = chapter_records()
changed = sorted(n for n in names if after.get(n) != before[n])
check("a one-document edit re-renders only that document's chapter", rc == 0 and changed == ["TM-001"], changed)
check("...and appends its record to the store, leaving the others where they were",
      os.path.getsize(STORE) == size_before + len(after["TM-001"])
      and all(chapter_places()[n] == p for n, p in chapter_places().items() if n != "TM-001"), os.path.getsize(STORE) - size_before)
ok, diff = same_tree(inc, clean_build(src)[1])
check("the combined file after that edit equals a clean build", ok, diff)
# QM-001's record damaged in place; the gap list's line pointing at the matrix's record (valid
# for that chapter's key, not this one's)
places = chapter_places()
at, n = places["QM-001"]
with open(STORE, "r+b") as f:
    f.seek(at + 65)
    f.write(b"techfile-chapter 1\ngarbage"[:n - 65])
lines = open(STATE, encoding="utf-8").read().splitlines(True)
m_at, m_n = places["compliance-matrix"]
lines = [re.sub(r"\t\d+\t\d+\n$", f"\t{m_at}\t{m_n}\n", l) if l.startswith("chapter:gaps\t") else l for l in lines]
open(STATE, "w", encoding="utf-8").write("".join(lines))
edit_file("risk/threat-model.md", "Method of the analysis", "Method of analysis")()
rc, so, se = run(["build", src, "-o", inc])
ok, diff = same_tree(inc, clean_build(src)[1])
check("damaged or foreign chapter records are rendered again, never trusted", rc == 0 and ok, (diff, se[-300:]))
# dead records (here: junk past the last one) are dropped when they outweigh the live ones
with open(STORE, "ab") as f:
    f.write(b"x" * (2 * os.path.getsize(STORE) + (1 << 20)))
edit_file("risk/threat-model.md", "Method of analysis", "Method of the analysis")()
rc, so, se = run(["build", src, "-o", inc])
ok, diff = same_tree(inc, clean_build(src)[1])
live = sum(n for _, n in chapter_places().values())
check("a store mostly of dead records is rewritten with the live ones only, and the build still equals a clean one",
      rc == 0 and ok and os.path.getsize(STORE) == live and "rendered 2 of" in se, (os.path.getsize(STORE), live, diff, se[-200:]))
# a build that fails leaves the last good build's records usable
edit_file("risk/threat-model.md", "Method of the analysis", "Method of analysis [broken](nowhere.md)")()
store_before = open(STORE, "rb").read()
rc, so, se = run(["build", src, "-o", inc])
check("a build with a broken link fails, and cuts what it appended to the store off again",
      rc != 0 and open(STORE, "rb").read() == store_before, se[-300:])
edit_file("risk/threat-model.md", "Method of analysis [broken](nowhere.md)", "Method of analysis")()
rc, so, se = run(["build", src, "-o", inc])
ok, diff = same_tree(inc, clean_build(src)[1])
check("...and the next build, from the records of the last good one, equals a clean build", rc == 0 and ok, (diff, se[-300:]))
# chapter caches of an older techfile (a file per chapter) are removed
old_dir = os.path.join(inc, ".techfile", "chapters")
os.makedirs(old_dir)
open(os.path.join(old_dir, "QM-001"), "w").write("old")
edit_file("risk/threat-model.md", "Method of analysis", "Method of the analysis")()
rc, so, se = run(["build", src, "-o", inc])
check("an older techfile's chapter cache folder is removed", rc == 0 and not os.path.exists(old_dir), se[-300:])
edit_file("risk/threat-model.md", "Method of the analysis", "Method of analysis")()
run(["build", src, "-o", inc])

# Byte checks (NUL, UTF-8, pathological markup) are skipped only for files the memo knows by
# checksum: a document edited into something pathological is still refused after good builds.
tm = os.path.join(src, "risk", "threat-model.md")
tm_text = open(tm, encoding="utf-8").read()
open(tm, "w", encoding="utf-8").write(tm_text + "\n" + "|" * 2500 + "\n")
rc, so, se = run(["build", src, "-o", inc])
check("a document made pathological after good builds is refused (the memo does not vouch for new bytes)",
      rc != 0 and "load-pathological" in se, se[-300:])
open(tm, "w", encoding="utf-8").write(tm_text)
rc, so, se = run(["build", src, "-o", inc])
ok, diff = same_tree(inc, clean_build(src)[1])
check("...and put back, the build equals a clean build", rc == 0 and ok, diff)

# The combined file's shell (cover, contents, a placeholder per chapter) is kept in
# .techfile/shell and rendered again only when its tree changes (a title or heading).
SHELL = os.path.join(inc, ".techfile", "shell")
shell_before = open(SHELL, "rb").read() if os.path.exists(SHELL) else b""
edit_file("risk/threat-model.md", "workshops on 2026-04-28", "workshops held on 2026-04-28")()
rc, so, se = run(["build", src, "-o", inc])
ok, diff = same_tree(inc, clean_build(src)[1])
check("an edit to a document's text keeps the combined file's shell, and equals a clean build",
      rc == 0 and ok and shell_before.startswith(b"techfile-shell 1\n") and open(SHELL, "rb").read() == shell_before, diff)
edit_file("risk/threat-model.md", "title: Threat model of the Pulsewise system", "title: Threat model of Pulsewise")()
rc, so, se = run(["build", src, "-o", inc])
ok, diff = same_tree(inc, clean_build(src)[1])
check("a changed title renders the shell again, and equals a clean build", rc == 0 and ok and open(SHELL, "rb").read() != shell_before, diff)
good = open(SHELL, "rb").read()
for name, bad in [("cut short", good[:len(good) // 2]), ("garbage", b"techfile-shell 1\n" + b"x" * 200),
                  ("another tree's", good.replace(good[17:81], b"0" * 64, 1))]:
    open(SHELL, "wb").write(bad)
    edit_file("risk/threat-model.md", "workshops held on 2026-04-28", "workshops on 2026-04-28")()
    rc, so, se = run(["build", src, "-o", inc])
    ok, diff = same_tree(inc, clean_build(src)[1])
    check(f"a shell cache {name} is rendered again, never trusted, and written anew",
          rc == 0 and ok and open(SHELL, "rb").read() == good, (diff, se[-300:]))
    edit_file("risk/threat-model.md", "workshops on 2026-04-28", "workshops held on 2026-04-28")()
    run(["build", src, "-o", inc])
edit_file("risk/threat-model.md", "title: Threat model of Pulsewise", "title: Threat model of the Pulsewise system")()
edit_file("risk/threat-model.md", "workshops held on 2026-04-28", "workshops on 2026-04-28")()
run(["build", src, "-o", inc])

# Input keys: an unchanged document is not even parsed or decorated again, and what a page
# reads of other files (a heading it links to, an image it shows) still rebuilds it.
def built(se):
    """(documents parsed, page trees built, documents) from TECHFILE_PROFILE's line."""
    m = re.search(r"documents parsed (\d+), built (\d+) of (\d+)", se)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


env = dict(os.environ, TECHFILE_PROFILE="1")
edit_file("risk/threat-model.md", "Method of analysis", "Method of the analysis")()
rc, so, se = run(["build", src, "-o", inc], env=env)
n_docs = built(se)[2] if built(se) else 0
check("a one-document edit parses that document and builds its page tree only", rc == 0 and built(se) == (1, 1, n_docs) and n_docs > 40, built(se))
ok, diff = same_tree(inc, clean_build(src)[1])
check("...and equals a clean build", ok, diff)
step("changing the text of a heading another document links to (same anchor)",
     edit_file("sdlc/sdlc-plan.md", "## Release gate", "## Release Gate"))
html = open(os.path.join(inc, "html", "QM-001.html"), encoding="utf-8").read()
check("the linking page shows the new heading text", "Release Gate" in html, re.findall(r"PLAN-SDLC-001[^<]{0,40}", html)[:3])
def step_fails(name, edit, where):
    """An edit that breaks a link: the unchanged pages must not hide the error."""
    edit()
    rc, err, _, _ = build(src, inc)
    check(f"incremental after {name} reports the broken link", rc == 1 and where in err and "link-unresolved" in err, err[-400:])


step_fails("removing a heading another document links to", edit_file("sdlc/sdlc-plan.md", "## Release Gate", "## Shipping"),
           "quality-manual.md:80:")
step("putting the heading back", edit_file("sdlc/sdlc-plan.md", "## Shipping", "## Release gate"))


def png(w, h, pixel=b"\xff\x00\x00"):
    import struct, zlib
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = b"".join(b"\0" + pixel * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


write_tree(src, {"notes/figure.md": front("NOTE-FIG", "A figure", "# Figure\n\n![The data flow](flow.png)\n")})
open(os.path.join(src, "notes", "flow.png"), "wb").write(png(4, 3))
rc, err, _, _ = build(src, inc)
check("a page with a local image builds", rc == 0, err[-300:])
step("replacing the image a page shows (another size)", lambda: open(os.path.join(src, "notes", "flow.png"), "wb").write(png(40, 30)))
step("replacing the image a page shows (same size, other pixels)",
     lambda: open(os.path.join(src, "notes", "flow.png"), "wb").write(png(40, 30, b"\x00\x00\xff")))
step_fails("removing the image", lambda: os.remove(os.path.join(src, "notes", "flow.png")), "figure.md:8:")
step("removing the page with the image", lambda: os.remove(os.path.join(src, "notes", "figure.md")))

# The memo (.techfile/memo): unchanged documents are not parsed again; a damaged memo (its last
# line is the checksum of the rest) and a memo from another version or catalog are ignored.
memo = os.path.join(inc, ".techfile", "memo")
check("the memo of headings and rule results is kept", os.path.exists(memo) and open(memo, "rb").read().startswith(b"techfile-memo 3\n"))
m = open(memo, "rb").read()
open(memo, "wb").write(m[: len(m) // 2] + b"garbage\n" + m[len(m) // 2:])
edit_file("risk/threat-model.md", "Method of the analysis", "Method of analysis")()
rc, so, se = run(["build", src, "-o", inc])
ok, diff = same_tree(inc, clean_build(src)[1])
check("a damaged memo: the build equals a clean build", rc == 0 and ok, (diff, se[-300:]))
head = m.split(b"\n", 3)  # "techfile-memo 3", versions, the catalog's SHA-256, the entries
other = bytes([head[2][0] ^ 1]) + head[2][1:]  # another catalog's checksum, of the same length
body = b"\n".join([head[0], head[1], other, head[3]])[:-69]  # its checksum made again: only the catalog differs
import hashlib
open(memo, "wb").write(body + b"end " + hashlib.sha256(body).hexdigest().encode() + b"\n")
edit_file("risk/threat-model.md", "Method of analysis", "Method of the analysis")()  # else nothing changed: no build
rc, so, se = run(["build", src, "-o", inc], env=env)
check("a memo of another techfile or catalog is ignored (every document parsed)", rc == 0 and built(se) and built(se)[0] == built(se)[2], built(se))
ok, diff = same_tree(inc, clean_build(src)[1])
check("...and the build equals a clean build", ok, diff)

# Footnote, list and bookmark numbers of a chapter do not move when an earlier chapter grows:
# a paragraph added to the first document re-renders its chapter only.
rc, err, _, _ = build(src, inc)
first = sorted(n for n in chapter_records() if n not in ("compliance-matrix", "gaps"))[0]
before = {n: r[130:] for n, r in chapter_records().items()}
first_src = [os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs if f.endswith(".md")
             and re.search(rf"^id: {first}$", open(os.path.join(d, f), encoding="utf-8").read(), re.M)][0]
with open(first_src, "a", encoding="utf-8") as f:
    f.write("\nOne more paragraph, with a list:\n\n- one\n- two\n")
rc, so, se = run(["build", src, "-o", inc])
after = chapter_records()
changed = sorted(n for n in before if after.get(n, b"")[130:] != before[n])
check("a paragraph and a list added to the first document re-render its chapter only", rc == 0 and changed == [first], (first, changed[:5]))
ok, diff = same_tree(inc, clean_build(src)[1])
check("...and the combined file equals a clean build", ok, diff)

# A changed template re-renders everything.
tpl = tmpdir("techfile-tpl-")
shutil.copytree(os.path.join(ROOT, "templates"), tpl, dirs_exist_ok=True)
o1 = tmpdir()
build(src, o1, extra=["--templates", tpl])
with open(os.path.join(tpl, "html", "page.xsl"), encoding="utf-8") as f:
    x = f.read()
with open(os.path.join(tpl, "html", "page.xsl"), "w", encoding="utf-8") as f:
    f.write(x.replace("</body>", "<p class='tpl-marker'>changed</p></body>", 1))
rc, err, _, _ = build(src, o1, extra=["--templates", tpl])
o2 = tmpdir()
build(src, o2, extra=["--templates", tpl])
ok, diff = same_tree(o1, o2)
check("incremental after a template change equals a clean build", rc == 0 and ok and "tpl-marker" in open(os.path.join(o1, "html", "TM-001.html")).read(), diff)

# A file saved while a build runs, after the build read it: the build used the old text, so the
# next build must build again rather than replay "nothing changed" (the no-op check keeps the
# inputs' times from before the build read them, not from after it).
import subprocess, time
race = os.path.join(tmpdir("techfile-race-"), "content")
subprocess.run([PY, os.path.join(ROOT, "bench", "gen_corpus.py"), race, "300"], check=True, stdout=subprocess.DEVNULL)
victim = os.path.join(race, "part000", "doc00000.md")


def stage_ends(err):
    """Each stage's end, in ms from the start, from TECHFILE_PROFILE's lines."""
    t, ends = 0.0, {}
    for m in re.finditer(r"profile: (\w+) +([0-9.]+) ms", err):
        t += float(m.group(2))
        ends[m.group(1)] = t
    return ends


ends = stage_ends(run(["build", race, "-o", tmpdir(), "-q"], env={"TECHFILE_PROFILE": "1"})[2])
raced = None
for attempt in range(3):
    out = tmpdir()
    when = (ends.get("load", 0) + ends.get("render", 0)) / 2000.0  # mid-way through rendering
    p = subprocess.Popen([TECHFILE, "build", race, "-o", out, "-q"], stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, TECHFILE_PROFILE="1"))
    time.sleep(when)
    with open(victim, "a", encoding="utf-8") as f:
        f.write("\nA sentence saved while the build ran.\n")
    saved = when * 1000
    err = p.communicate(timeout=600)[1]
    e = stage_ends(err)
    if p.returncode == 0 and e.get("load", 1e9) < saved < e.get("render", 0):
        raced = out
        break
    ends = e or ends  # the machine's pace now; try again
if raced:
    rc, so, se = run(["build", race, "-o", raced])
    html = open(os.path.join(raced, "html", "GEN-00000.html"), encoding="utf-8").read()
    check("a file saved during a build, after it was read, builds again next time (no stale no-op)",
          rc == 0 and "nothing changed" not in se and "A sentence saved while the build ran." in html, se[-300:])
else:
    check("a file saved during a build: the edit landed while the build ran (three tries)", False, ends)

# Front matter trees come from the memo for unchanged files: what is read from them (titles,
# evidence, approvals) and the lines and columns diagnostics give must be those of a parse.
fm_src = tmpdir()
shutil.copytree(CONTENT, fm_src, dirs_exist_ok=True)
with open(os.path.join(fm_src, "risk", "extra-notes.md"), "w", encoding="utf-8") as f:
    f.write("---\nid: TM-900\ntitle: Extra notes\nversion: \"1\"\nstatus: draft\nowner: Product Security Officer\n"
            "evidence:\n  - {clause: \"7.2\", section: \"No such section\"}\n  -   clause: \"7.3\"\n      section: \"Nor this one\"\n"
            "tags: [a, {b: [c, \"d e\"]}, '']\nempty: {}\nnone: []\n---\n\n# Extra notes\n\nText.\n")
fm_out = tmpdir("techfile-fm-")
build(fm_src, fm_out)
p = os.path.join(fm_src, "risk", "threat-model.md")  # an edit elsewhere: extra-notes.md comes from the memo
t = open(p, encoding="utf-8").read()
open(p, "w", encoding="utf-8").write(t.replace("STRIDE per element", "STRIDE, per element", 1))
rc, so, se = run(["build", fm_src, "-o", fm_out])
rc2, so2, se2 = run(["build", fm_src, "-o", tmpdir("techfile-fm-clean-")])
warned = [l for l in se.splitlines() if "extra-notes.md" in l]
diags = lambda e: [l for l in e.splitlines() if not l.startswith("techfile: ")]  # the summary counts rendered pages
check("front matter from the memo: the same diagnostics, lines and columns as a parse, and a clean build's outputs",
      rc == rc2 and diags(se) == diags(se2) and len(warned) >= 2 and same_tree(fm_out, clean_build(fm_src)[1])[0], (warned, se[-400:], se2[-400:]))

# Files as the memo's "files" section knows them (size, times, inode) are not read at all; a
# file changed since then is read, however its times were set back; a document whose page must
# be built again (a title it links to changed) has its body read then.
import time
st_src = tmpdir()
shutil.copytree(CONTENT, st_src, dirs_exist_ok=True)
st_out = tmpdir("techfile-stat-")
time.sleep(2.5)  # files changed in the last two seconds are never trusted by their times
build(st_src, st_out)
p = os.path.join(st_src, "risk", "threat-model.md")
t = open(p, encoding="utf-8").read()
old_times = os.stat(p)
assert "STRIDE" in t
open(p, "w", encoding="utf-8").write(t.replace("STRIDE", "stride", 1))  # the same size
os.utime(p, ns=(old_times.st_atime_ns, old_times.st_mtime_ns))       # and the same modification time
rc, so, se = run(["build", st_src, "-o", st_out])
ok, diff = same_tree(st_out, clean_build(st_src)[1])
check("a file changed to the same size with its modification time set back is read again, and equals a clean build",
      rc == 0 and ok and "stride" in open(os.path.join(st_out, "html", "TM-001.html"), encoding="utf-8").read(), (diff, se[-300:]))
time.sleep(2.5)
build(st_src, st_out)
edit_title = open(p, encoding="utf-8").read().replace("title: Threat model of Pulsewise Monitor", "title: Threat model, Pulsewise Monitor", 1)
open(p, "w", encoding="utf-8").write(edit_title)
rc, so, se = run(["build", st_src, "-o", st_out])
ok, diff = same_tree(st_out, clean_build(st_src)[1])
check("a changed title rebuilds the unread documents that link to it from their files, and equals a clean build",
      rc == 0 and ok and re.search(r"rendered ([3-9]|\d\d+) of", se), (diff, se[-300:]))

# The bundle and the combined file a build replaces are kept as spares (.techfile/spare.zip and
# spare.docx) and the next build writes over them instead of making new files: but never over a
# file that has another name (a writer's hard link to the bundle they handed over) or that a
# reader still has open.
spare_src = tmpdir()
shutil.copytree(CONTENT, spare_src, dirs_exist_ok=True)
spare_out = tmpdir("techfile-spare-")
BUNDLE = os.path.join(spare_out, "Pulsewise-Monitor-3.2.0-technical-file.zip")
SPARE = os.path.join(spare_out, ".techfile", "spare.zip")
n_edit = [0]


def spare_edit():
    n_edit[0] += 1
    with open(os.path.join(spare_src, "risk", "threat-model.md"), "a", encoding="utf-8") as f:
        f.write(f"\nOne more sentence, number {n_edit[0]}.\n")
    rc, err, _, _ = build(spare_src, spare_out)
    return rc, err


def leases_work(folder):
    """Whether this file system grants a write lease (techfile writes over a spare only then)."""
    import fcntl
    p = os.path.join(folder, "lease-probe")
    with open(p, "w") as f:
        try:
            fcntl.fcntl(f, fcntl.F_SETLEASE, fcntl.F_WRLCK)
            fcntl.fcntl(f, fcntl.F_SETLEASE, fcntl.F_UNLCK)
            return True
        except OSError:
            return False
        finally:
            os.remove(p)


def fallocate_works(folder):
    """Whether this file system allocates blocks without writing them (fallocate(2))."""
    import subprocess
    p = os.path.join(folder, "fallocate-probe")
    ok = subprocess.run(["fallocate", "-l", "65536", p], capture_output=True).returncode == 0
    if os.path.exists(p):
        os.remove(p)
    return ok


build(spare_src, spare_out)
first = os.stat(BUNDLE).st_ino
made = os.stat(SPARE) if os.path.exists(SPARE) else None
check("a first build leaves a spare the bundle's size, its blocks allocated, not written (where fallocate works)",
      (made is not None and made.st_size == os.path.getsize(BUNDLE) and made.st_blocks * 512 >= made.st_size)
      or (made is None and not fallocate_works(spare_out)), made)
rc, err = spare_edit()
check("an edit keeps the replaced bundle as the spare", rc == 0 and os.path.exists(SPARE) and os.stat(SPARE).st_ino == first,
      (rc, err[-300:]))
check("...and the first edit wrote the bundle over the first build's spare (where leases work)",
      made is None or os.stat(BUNDLE).st_ino == made.st_ino or not leases_work(spare_out))
second = os.stat(BUNDLE).st_ino
rc, err = spare_edit()
ok, diff = same_tree(spare_out, clean_build(spare_src)[1])


reused = os.stat(BUNDLE).st_ino == first and os.stat(SPARE).st_ino == second
check("the next edit writes the bundle over the spare, and equals a clean build",
      rc == 0 and ok and (reused or not leases_work(spare_out)), (rc, diff, err[-300:]))
reader = open(BUNDLE, "rb")  # a reader of this bundle, which the next build makes the spare
read_kept = open(BUNDLE, "rb").read()
for _ in range(2):
    rc, err = spare_edit()
check("a reader holding a bundle open keeps its bytes through later builds", rc == 0 and reader.read() == read_kept, err[-300:])
reader.close()
handed = os.path.join(tmpdir(), "handed-over.zip")
os.link(BUNDLE, handed)  # a writer's hard link to the bundle they handed over
kept = open(handed, "rb").read()
for _ in range(2):
    rc, err = spare_edit()
check("a hard link to a bundle keeps its bytes through later builds", rc == 0 and open(handed, "rb").read() == kept, err[-300:])
ok, diff = same_tree(spare_out, clean_build(spare_src)[1])
check("...and the builds beside them equal a clean build", ok, diff)

# -j N gives the same bytes as -j 1.
a, b = tmpdir(), tmpdir()
rc1, _, _, _ = build(CONTENT, a, extra=["-j", "1"])
rc2, _, _, _ = build(CONTENT, b, extra=["-j", "4"])
ok, diff = same_tree(a, b)
check("-j 4 output is byte-identical to -j 1", rc1 == 0 and rc2 == 0 and ok, diff)

# --depfile
dep = os.path.join(tmpdir(), "out.d")
rc, err, o, _ = build(CONTENT, extra=["--depfile", dep])
text = open(dep).read() if os.path.exists(dep) else ""
check("--depfile names every document, the config, the catalog and the templates",
      rc == 0 and "risk/threat-model.md" in text and "techfile.yaml" in text and "iec-81001-5-1.yaml" in text and "page.xsl" in text
      and text.split(":", 1)[0].endswith("report.json " + os.path.join(o, "Pulsewise-Monitor-3.2.0-technical-file.zip")), text[:300])
done()
