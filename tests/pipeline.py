"""The build pipeline (issue: content/ -> HTML, DOCX, bundle), checked with independent readers."""
import glob, json, os, shutil, subprocess, zipfile
from lib import *

MINI = os.path.join(ROOT, "tests", "fixtures", "mini")

# ---- a normal build of the mini fixture ---------------------------------------------------
before = tree_hash(MINI)
rc, err, out, report = build(MINI)
check("mini builds with exit 0", rc == 0, err[-2000:])
check("content folder unchanged by a build", tree_hash(MINI) == before)
for f in ["html/index.html", "html/compliance-matrix.html", "html/gaps.html", "html/SOP-REL-001.html", "html/style.css",
          "docx/SOP-REL-001.docx", "docx/compliance-matrix.docx", "report.json", "report.junit.xml", "SHA256SUMS",
          "Mini-Monitor-1.0.0-technical-file.zip"]:
    check(f"output {f} exists", os.path.exists(os.path.join(out, f)))
check("no temporary files left in the output", not glob.glob(os.path.join(out, "**", "*.tmp.*"), recursive=True))
check("report.json names product and standard", report and report["product"]["name"] == "Mini Monitor" and report["standard"] == "iec-81001-5-1")
check("report.json has 56 clauses", report and len(report["clauses"]) == 56)
c = status(report, "5.8.2") if report else None
check("claimed clause with its section is backed", c and c["status"] == "backed" and c["evidence"] == ["SOP-REL-001"], c)
c = status(report, "5.8.7") if report else None
check("claimed clause lacking content is a gap with a reason", c and c["status"] == "gap" and any("SOP-REL-001" in r for r in c["reasons"]), c)
check("unsafe link gives a link-unsafe warning", "[link-unsafe]" in err and "sdlc.md:9:" in err, err[-800:])

html = open(os.path.join(out, "html", "SOP-REL-001.html"), encoding="utf-8").read()
check("empty link text becomes ID and title", "SOP-SEC-001 Secure development procedure" in html)
check("clause link text names the clause", "5.8.2 Release documentation" in html)
check("ID#heading link resolves to the anchor", 'href="SOP-SEC-001.html#security-activities"' in html)
check("relative .md link resolves to the document page", 'href="SOP-SEC-001.html"' in html)
check("audit defense is inserted, filled", "Mini Monitor 1.0.0" in html and "audit-defense" in html)
check("gap flag is inserted", "gap-flag" in html)
check("<br> in a table cell is a line break", "Findings<br>closed" in html.replace("\n", "") or "Findings<br/>closed" in html)
sec = open(os.path.join(out, "html", "SOP-SEC-001.html"), encoding="utf-8").read()
check("raw <script> is inert text", "<script>alert" not in sec and "&lt;script&gt;" in sec)
check("javascript: link is dropped", "javascript:" not in sec.lower())

rc2, msg = tool([PY, f"{TOOLS}/check_html.py", os.path.join(out, "html")])
check("every HTML link and anchor resolves (check_html.py)", rc2 == 0, msg[-1500:])
docx = sorted(glob.glob(os.path.join(out, "docx", "*.docx")))
rc2, msg = tool([PY, f"{TOOLS}/check_docx.py"] + docx)
check("every DOCX part is schema-valid and opens in python-docx (check_docx.py)", rc2 == 0, msg[-2500:])
pdfdir = tmpdir("techfile-pdf-")
rc2, msg = tool(["bash", f"{TOOLS}/lo_pdf.sh", pdfdir] + docx, timeout=900)
check("LibreOffice converts every DOCX to PDF", rc2 == 0, msg[-1500:])
pdf = os.path.join(pdfdir, "SOP-REL-001.pdf")
if os.path.exists(pdf):
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True).stdout
    check("PDF shows title block and 'Page 1 of'", "Release procedure" in text and "Page 1 of" in text, text[:500])
rc2, msg = tool([PY, f"{TOOLS}/check_bundle.py", os.path.join(out, "Mini-Monitor-1.0.0-technical-file.zip")])
check("bundle entries match SHA256SUMS, sorted, fixed times (check_bundle.py)", rc2 == 0, msg[-1500:])
rc2, msg = tool([PY, f"{TOOLS}/check_junit.py", os.path.join(out, "report.junit.xml"), os.path.join(out, "report.json")])
check("JUnit agrees with report.json (check_junit.py)", rc2 == 0, msg[-1500:])
rc2, msg = tool(["xmllint", "--noout", os.path.join(out, "report.junit.xml")])
check("JUnit report is well-formed XML", rc2 == 0, msg)

# ---- reproducibility ----------------------------------------------------------------------
out2 = tmpdir("techfile-out-")
rc, err2, _, _ = build(MINI, out2, env={"TZ": "Asia/Tokyo", "LC_ALL": "C"})
out3 = tmpdir("techfile-out-")
rc3, _, _, _ = build(MINI, out3, env={"TZ": "America/Los_Angeles"})
z = "Mini-Monitor-1.0.0-technical-file.zip"
same = all(open(os.path.join(o, z), "rb").read() == open(os.path.join(out, z), "rb").read() for o in (out2, out3))
check("bundle is byte-identical across runs and time zones", rc == 0 and rc3 == 0 and same)

# ---- build date from SOURCE_DATE_EPOCH when techfile.yaml has none --------------------------
t = tmpdir()
shutil.copytree(MINI, t, dirs_exist_ok=True)
cfg = open(os.path.join(t, "techfile.yaml")).read().replace("build-date: 2026-11-24\n", "")
write_tree(t, {"techfile.yaml": cfg})
rc, err, o, rep = build(t, env={"SOURCE_DATE_EPOCH": "1767225600"})
check("SOURCE_DATE_EPOCH gives the build date", rc == 0 and rep and rep["build_date"] == "2026-01-01", rep and rep["build_date"])

# ---- errors: file and line, exit status, nothing half-written -------------------------------
def tree(files):
    return write_tree(tmpdir(), dict({"techfile.yaml": CONFIG}, **files))

t = tree({"a.md": front("DOC-A", "A", "# A\n\nSee [x](DOC-B) and\n[y](DOC-A#nowhere).\n")})
rc, err, o, _ = build(t)
check("unknown document ID is an error at file:line:col", rc == 1 and f"{t}/a.md:8:5: error: no document has the ID 'DOC-B' [link-unresolved]" in err, err)
check("unknown heading is an error at its line", f"{t}/a.md:9:1: error: DOC-A has no heading 'nowhere'" in err, err)
check("a failed build writes no output", not os.path.exists(os.path.join(o, "report.json")))

t = tree({"a.md": front("DOC-A", "A", "[x](clause:99.9)\n")})
rc, err, _, _ = build(t)
check("unknown clause link is an error", rc == 1 and "a.md:6:1: error: clause '99.9'" in err, err)

t = tree({"a.md": front("DOC-A", "A", "x\n"), "sub/b.md": front("DOC-A", "B", "y\n")})
rc, err, _, _ = build(t)
check("duplicate ID names both files", rc == 1 and "id-duplicate" in err and "a.md" in err and "sub/b.md" in err, err)
t = tree({"a.md": front("doc-a", "A", "x\n")})
rc, err, _, _ = build(t)
check("an ID breaking the ID rule is an error at its line", rc == 1 and "a.md:2:5: error: document ID 'doc-a'" in err, err)
t = tree({"a.md": "# No front matter\n"})
rc, err, _, _ = build(t)
check("missing front matter is an error", rc == 1 and "a.md:1:1: error" in err and "front-matter-missing" in err, err)
t = tree({"a.md": "---\nid: A\ntitle: x\n"})
rc, err, _, _ = build(t)
check("unclosed front matter is an error", rc == 1 and "front-matter-unclosed" in err, err)
t = tree({"a.md": "---\n- a list\n---\nx\n"})
rc, err, _, _ = build(t)
check("front matter that is not a mapping is an error", rc == 1 and "must be a YAML mapping" in err, err)
t = tree({"a.md": "---\nid: A-1\ntitle: t\n---\nx\n"})
rc, err, _, _ = build(t)
check("a missing required key is named", rc == 1 and "front matter has no 'version'" in err, err)
t = tree({"a.md": front("DOC-A", "A", "x\n", "status: approved\n")})
rc, err, _, _ = build(t)
check("approved without approvals is an error", rc == 1 and "approval-missing" in err, err)

# A failing rebuild leaves the previous output whole.
t = tree({"a.md": front("DOC-A", "A", "# A\n\nfine\n")})
o = tmpdir("techfile-out-")
rc, err, _, _ = build(t, o)
h1 = tree_hash(o)
write_tree(t, {"a.md": front("DOC-A", "A", "# A\n\n[broken](NOPE)\n")})
rc2, err2, _, _ = build(t, o)
check("a failed rebuild keeps the previous output folder whole", rc == 0 and rc2 == 1 and tree_hash(o) == h1)
# A deleted document's pages go away.
write_tree(t, {"b.md": front("DOC-B", "B", "b\n"), "a.md": front("DOC-A", "A", "a\n")})
build(t, o)
os.remove(os.path.join(t, "b.md"))
rc, _, _, _ = build(t, o)
check("a removed document's outputs are removed", rc == 0 and not os.path.exists(os.path.join(o, "html", "DOC-B.html")) and os.path.exists(os.path.join(o, "html", "DOC-A.html")))

# ---- usage ------------------------------------------------------------------------------------
rc, so, se = run(["--version"])
check("--version", rc == 0 and so.startswith("techfile "))
rc, so, se = run(["--help"])
check("--help lists build, check and catalog", rc == 0 and "techfile build" in so and "techfile check" in so and "catalog" in so)
rc, so, se = run(["build", "--bogus"])
check("unknown option exits 2", rc == 2)
rc, so, se = run(["frobnicate"])
check("unknown command exits 2", rc == 2)
rc, so, se = run(["build", MINI, "-o", os.path.join(MINI, "out")])
check("output folder inside the content folder is refused with exit 2", rc == 2 and not os.path.exists(os.path.join(MINI, "out")))
rc, so, se = run(["build", MINI, "-o", tmpdir(), "--strict", "-q"])
check("--strict exits 1 on gaps", rc == 1)
rc, so, se = run(["check", MINI, "-q"])
check("techfile check runs the checks and exits 0 on warnings", rc == 0 and "[clause-gap]" in se)
rc, so, se = run(["catalog", "--json"])
cat = json.loads(so) if rc == 0 else []
keys = {"clause", "title", "process", "crosswalk", "severity", "audit_focus", "audit_defense"}
check("catalog --json has 56 clauses with the required keys", len(cat) == 56 and all(keys <= set(c) for c in cat))
rc, so, se = run(["catalog"])
check("catalog prints one line per clause", rc == 0 and len(so.strip().splitlines()) == 56)
done()
