"""Fitting the ecosystem: install/uninstall, the man page, init, import, check, and the HTML
file as a reviewer browses it in headless Chromium."""
import os, re, shutil, subprocess
from lib import *

# ---- make install / uninstall with DESTDIR and PREFIX -------------------------------------
stage = tmpdir("techfile-stage-")
p = subprocess.run(["make", "-s", "install", f"DESTDIR={stage}", "PREFIX=/opt/tf"], cwd=ROOT, capture_output=True, text=True)
exe = os.path.join(stage, "opt/tf/bin/techfile")
check("make install honours DESTDIR and PREFIX", p.returncode == 0 and os.access(exe, os.X_OK)
      and os.path.exists(os.path.join(stage, "opt/tf/share/man/man1/techfile.1"))
      and os.path.exists(os.path.join(stage, "opt/tf/share/techfile/catalog/iec-81001-5-1.yaml")), p.stderr[-500:])
moved = tmpdir("techfile-moved-")
shutil.copytree(os.path.join(stage, "opt"), os.path.join(moved, "opt"))
exe2 = os.path.join(moved, "opt/tf/bin/techfile")
o = tmpdir()
p = subprocess.run([exe2, "build", os.path.join(ROOT, "content"), "-o", o, "-q"], capture_output=True, text=True)
check("the installed binary finds its templates and catalog without the source tree", p.returncode == 0 and os.path.exists(os.path.join(o, "report.json")), p.stderr[-500:])
p = subprocess.run(["make", "-s", "uninstall", f"DESTDIR={stage}", "PREFIX=/opt/tf"], cwd=ROOT, capture_output=True, text=True)
left = [os.path.join(d, f) for d, _, fs in os.walk(stage) for f in fs]
check("make uninstall removes every installed file", p.returncode == 0 and not left, left[:5])

# ---- the man page agrees with --help ---------------------------------------------------------
man = os.path.join(ROOT, "doc", "techfile.1")
p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", man], capture_output=True, text=True)
check("the man page renders without warnings", p.returncode == 0 and not p.stderr.strip(), p.stderr[:500])
rc, so, se = run(["--help"])
opts = set(re.findall(r"(--[a-z][a-z-]+)", so))
mantext = re.sub(".\x08", "", p.stdout).replace("\u2010", "-").replace("\u2212", "-")
missing = sorted(o for o in opts if o not in mantext)
check("every option of --help is in the man page", rc == 0 and opts and not missing, missing)
cmds = {"build", "check", "catalog", "init", "import"}
check("every command is in the man page", all(re.search(rf"\b{c}\b", mantext) for c in cmds))
for c in ("build", "check", "catalog", "init", "import"):
    rc, so, se = run([c, "--help"])
    check(f"techfile {c} --help exits 0 and shows the usage", rc == 0 and "usage:" in so)

# ---- init -----------------------------------------------------------------------------------------
d = os.path.join(tmpdir(), "newfile")
rc, so, se = run(["init", d])
check("init scaffolds a technical file", rc == 0 and os.path.exists(os.path.join(d, "techfile.yaml")) and os.path.exists(os.path.join(d, "techfile.mk")))
rc, _, se2, _ = build(d, extra=["--strict"])
check("the scaffold builds clean under --strict", rc == 0, se2[-500:])
h = tree_hash(d)
rc, so, se = run(["init", d])
check("init refuses to overwrite and writes nothing", rc == 1 and "never overwrites" in se and tree_hash(d) == h)
rc, so, se = run(["init"])
check("init without a folder is a usage error", rc == 2)

# ---- import ----------------------------------------------------------------------------------------
CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpora", "openregulatory-templates")
if os.path.isdir(CORPUS):
    before = tree_hash(CORPUS)
    d = os.path.join(tmpdir(), "imported")
    rc, so, se = run(["import", CORPUS, d])
    check("import turns the openregulatory templates into a content folder", rc == 0 and "imported 91 documents" in so, so + se)
    check("import never modifies its source", tree_hash(CORPUS) == before)
    first = open(os.path.join(d, "templates/qms/sops/sop-corrective-and-preventive-action.md"), encoding="utf-8").read() \
        if os.path.exists(os.path.join(d, "templates/qms/sops/sop-corrective-and-preventive-action.md")) else ""
    rc, err, o, rep = build(d)
    errors = [l for l in err.splitlines() if ": error: " in l]
    # The corpus has one link to a file it does not ship (LICENSE.md → templates/copyright-notice.md).
    check("the imported corpus builds with only the corpus's own broken link as an error",
          errors and all("copyright-notice.md" in l for l in errors), errors[:5])
    os.remove(os.path.join(d, "LICENSE.md"))
    rc, err, o, rep = build(d)
    check("without that file the imported corpus builds (exit 0)", rc == 0, err[-800:])
    if rc == 0:
        rc2, msg = tool([PY, f"{TOOLS}/check_html.py", os.path.join(o, "html")])
        check("imported corpus: relative links between documents keep working in HTML", rc2 == 0, msg[-800:])
    rc, so, se = run(["import", CORPUS, d])
    check("import refuses a non-empty target folder", rc == 1 and "not empty" in se)

# ---- the HTML file in headless Chromium ------------------------------------------------------------
rc, err, o, rep = build(os.path.join(ROOT, "content"))
for page in ("index.html", "compliance-matrix.html"):
    shot = os.path.join(tmpdir(), page + ".png")
    rc, msg = tool(["bash", f"{TOOLS}/screenshot.sh", "file://" + os.path.join(o, "html", page), shot, "1280x900"])
    check(f"Chromium renders {page} (screenshot)", rc == 0 and os.path.getsize(shot) > 20000, msg[-500:])
    rc, msg = tool(["bash", f"{TOOLS}/screenshot.sh", "--console", "file://" + os.path.join(o, "html", page)])
    check(f"{page}: no JavaScript console errors", rc == 0, msg[-800:])
html = open(os.path.join(o, "html", "compliance-matrix.html"), encoding="utf-8").read()
refs = re.findall(r'<(?:script|link|img)\b[^>]*(?:src|href)="([^"]+)"', html)
check("pages load nothing from the network (scripts, styles, images are local)", refs and not [r for r in refs if re.match(r"[a-z]+:", r)], refs)
check("pages have landmarks and a print stylesheet",
      all(t in html for t in ("<header", "<nav", "<main", "<footer")) and "@media print" in open(os.path.join(o, "html", "style.css")).read())
check("search index lists headings for offline search", "Threats per element" in open(os.path.join(o, "html", "search-index.js"), encoding="utf-8").read())
done()
