"""The whole pipeline once under valgrind memcheck: no errors, no definite or indirect leaks."""
import os, subprocess
from lib import *

PLAIN = os.path.join(ROOT, "gen", "techfile")
# The release binary's malloc is jemalloc's: name it, so that memcheck replaces it whatever
# its default list of allocator libraries holds.
VG = ["valgrind", "--soname-synonyms=somalloc=*jemalloc*", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
      "--error-exitcode=9", "-q"]
for name, src, extra in (("mini fixture", os.path.join(ROOT, "tests", "fixtures", "mini"), ["-j", "2"]),
                         ("examples/release-blocked, --release", os.path.join(ROOT, "examples", "release-blocked"), ["--release"])):
    out = tmpdir()
    p = subprocess.run(VG + [PLAIN, "build", src, "-o", out, "-q"] + extra, capture_output=True, text=True, timeout=900)
    report = "\n".join(l for l in p.stderr.splitlines() if l.startswith("=="))
    check(f"valgrind memcheck, {name}: no errors, no leaks", p.returncode in (0, 1) and not report, report[-2000:])
p = subprocess.run(VG + [PLAIN, "catalog", "--json"], capture_output=True, text=True, timeout=300)
check("valgrind memcheck, catalog --json: clean", p.returncode == 0 and "==" not in p.stderr, p.stderr[-1000:])
done()
