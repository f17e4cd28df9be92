"""The shipped example technical file (content/) and the two variants under examples/."""
import glob, os, re, shutil, subprocess
from lib import *

CONTENT = os.path.join(ROOT, "content")
before = tree_hash(CONTENT)
rc, err, out, rep = build(CONTENT)
check("content/ builds with exit 0", rc == 0, err[-2000:])
check("content/: no errors and no warnings", rep and not rep["diagnostics"], err[-2000:])
check("content/: all 56 clauses backed or validly tailored",
      rep and len(rep["clauses"]) == 56 and all(c["status"] in ("backed", "tailored") for c in rep["clauses"]),
      rep and [(c["clause"], c["reasons"]) for c in rep["clauses"] if c["status"] == "gap"])
check("content/ unchanged by a build", tree_hash(CONTENT) == before)
rc, so, se = run(["build", CONTENT, "-o", tmpdir(), "--strict", "-q"])
check("techfile build content --strict exits 0", rc == 0, se[-1500:])
rc, so, se = run(["build", CONTENT, "-o", tmpdir(), "--release", "-q"])
check("techfile build content --release exits 0", rc == 0, se[-1500:])

# Removing one claim from the complete tree turns exactly that clause into a gap, with its reason.
if rep:
    single = [c for c in rep["clauses"] if c["status"] == "backed" and len(c["evidence"]) == 1]
    target = next((c for c in single if not c["clause"] in ("4.1.2", "4.1.4", "5.1.1", "5.8.1", "5.8.5", "5.8.6")), None)
    if target:
        t = tmpdir()
        shutil.copytree(CONTENT, t, dirs_exist_ok=True)
        doc = target["evidence"][0]
        path = next(p for p in glob.glob(os.path.join(t, "**", "*.md"), recursive=True)
                    if re.search(rf"^id: {re.escape(doc)}\s*$", open(p, encoding="utf-8").read(), re.M))
        text = open(path, encoding="utf-8").read()
        fm_end = text.index("\n---", 3)
        fm, body = text[:fm_end], text[fm_end:]
        q = re.escape(target["clause"])
        fm2 = re.sub(rf'^\s*- \{{\s*clause:\s*["\']?{q}["\']?\s*,[^\n]*\}}\s*\n', "", fm, flags=re.M)
        fm2 = re.sub(rf'^\s*- ["\']?{q}["\']?\s*\n', "", fm2, flags=re.M)
        fm2 = re.sub(rf'(evidence:\s*\[[^\]]*?)["\']?{q}["\']?\s*,?\s*', r"\1", fm2)
        open(path, "w", encoding="utf-8").write(fm2 + body)
        rc, err, _, rep2 = build(t)
        gaps = [c for c in rep2["clauses"] if c["status"] == "gap"] if rep2 else []
        check(f"removing the claim of {target['clause']} from {doc} makes exactly that clause a gap",
              fm2 != fm and [c["clause"] for c in gaps] == [target["clause"]]
              and "no document declares it in its evidence" in gaps[0]["reasons"], (fm2 == fm, [(c["clause"], c["reasons"]) for c in gaps]))

# Independent readers over the whole example.
rc, msg = tool([PY, f"{TOOLS}/check_html.py", os.path.join(out, "html")])
check("content/: every HTML link and anchor resolves", rc == 0, msg[-1500:])
docx = sorted(glob.glob(os.path.join(out, "docx", "*.docx")))
rc, msg = tool([PY, f"{TOOLS}/check_docx.py"] + docx)
check("content/: every DOCX is schema-valid and opens in python-docx", rc == 0, msg[-2500:])
pdfdir = tmpdir("techfile-pdf-")
rc, msg = tool(["bash", f"{TOOLS}/lo_pdf.sh", pdfdir] + docx, timeout=1200)
check("content/: LibreOffice converts every DOCX to PDF", rc == 0, msg[-1500:])
tm = os.path.join(pdfdir, "TM-001.pdf")
if os.path.exists(tm):
    text = subprocess.run(["pdftotext", "-layout", tm, "-"], capture_output=True, text=True).stdout
    check("content/: threat model PDF has title block, TOC entries, header and 'Page 1 of'",
          all(s in text for s in ("Threat model of Pulsewise Monitor", "Contents", "TM-001", "Page 1 of", "Audit defense")), text[:800])
if rep:
    rows = dict(re.findall(r'<tr id="clause-([0-9.]+)" data-status="([a-z]+)"',
                           open(os.path.join(out, "html", "compliance-matrix.html"), encoding="utf-8").read()))
    check("content/: the HTML compliance matrix agrees with report.json clause by clause",
          rows == {c["clause"]: c["status"] for c in rep["clauses"]}, rows)
    rc, msg = tool([PY, f"{TOOLS}/check_junit.py", os.path.join(out, "report.junit.xml"), os.path.join(out, "report.json")])
    check("content/: JUnit agrees with report.json", rc == 0, msg[-800:])
shot = os.path.join(tmpdir(), "matrix.png")
rc, msg = tool(["bash", f"{TOOLS}/screenshot.sh", "file://" + os.path.join(out, "html", "compliance-matrix.html"), shot, "1280x900"])
check("content/: the compliance matrix renders in headless Chromium", rc == 0 and os.path.getsize(shot) > 20000, msg[-800:])

# The two variants, with the results examples/README.md promises.
EX = os.path.join(ROOT, "examples")


def diags(rep):
    return {(os.path.relpath(d["file"], rep_root), d["line"], d["rule"]) for d in rep["diagnostics"]}


rep_root = os.path.join(EX, "gaps")
rc, err, _, rg = build(rep_root)
check("examples/gaps builds with exit 0", rc == 0, err[-1500:])
if rg:
    by = {c["clause"]: c for c in rg["clauses"]}
    check("examples/gaps: exactly 4.1.1, 5.7.1 and 5.8.4 backed, nothing tailored",
          sorted(k for k, c in by.items() if c["status"] == "backed") == ["4.1.1", "5.7.1", "5.8.4"]
          and not [k for k, c in by.items() if c["status"] == "tailored"])
    d = diags(rg)
    check("examples/gaps: RACI without an A at raci.md:31", ("qms/raci.md", 31, "raci-one-accountable") in d, d)
    check("examples/gaps: expired training at training-records.md:34", ("qms/training-records.md", 34, "training-expired") in d, d)
    check("examples/gaps: missing section at signing.md:10", ("release/signing.md", 10, "evidence-section-missing") in d, d)
    check("examples/gaps: 5.7.4 gap names the missing penetration testing", any("penetration" in r for r in by["5.7.4"]["reasons"]), by["5.7.4"])
    check("examples/gaps: 5.1.1 gap names the missing tailoring record", "no 'tailoring' record in the technical file" in by["5.1.1"]["reasons"])
    check("examples/gaps: unclaimed clauses say so", "no document declares it in its evidence" in by["9.5"]["reasons"])
rc, so, se = run(["build", rep_root, "-o", tmpdir(), "--strict", "-q"])
check("examples/gaps fails --strict", rc == 1)

rep_root = os.path.join(EX, "release-blocked")
rc, err, _, rr = build(rep_root)
check("examples/release-blocked builds with exit 0 and lists three blockers", rc == 0 and rr and len(rr["release_blockers"]) == 3, err[-1500:])
rc, so, se = run(["build", rep_root, "-o", tmpdir(), "--release", "-q"])
blockers = sorted(re.findall(r"^(.*?):(\d+):\d+: error: .*\[release-blocker\]$", se, re.M))
want = sorted([(os.path.join(rep_root, "release/findings-log.md"), "25"), (os.path.join(rep_root, "release/release-checklist.md"), "24"),
               (os.path.join(rep_root, "release/release-notes.md"), "1")])
check("examples/release-blocked fails --release naming its three blockers at file:line", rc == 1 and blockers == want, blockers)
done()
