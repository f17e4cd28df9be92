"""The fuzz targets, built with gcc (gen/fuzz-replay-*: tests/fuzz/replay.c runs a target once
per input), replay their seed corpora (tests/fuzz/seeds.py) under ASan and UBSan: a target that
no longer builds against the stages fails make check's build, and an input that trips a
sanitizer fails here. Fuzzing proper is make fuzz (clang, minutes per target)."""
import os, subprocess
from lib import *

seeds = tmpdir("techfile-seeds-")
subprocess.run([PY, os.path.join(ROOT, "tests", "fuzz", "seeds.py"), seeds], check=True, stdout=subprocess.DEVNULL)
env = dict(os.environ, TECHFILE_ROOT=ROOT)
for target in ("frontmatter", "records", "pipeline"):
    d = os.path.join(seeds, target)
    inputs = sorted(os.path.join(d, f) for f in os.listdir(d))
    exe = os.path.join(ROOT, "gen", f"fuzz-replay-{target}")
    p = subprocess.run([exe] + inputs, capture_output=True, text=True, errors="replace", env=env, timeout=900)
    said = f"replayed {len(inputs)} inputs"
    check(f"fuzz target {target} replays its {len(inputs)} seeds without a sanitizer report",
          p.returncode == 0 and said in p.stdout and "runtime error" not in p.stderr and "AddressSanitizer" not in p.stderr
          and len(inputs) > 20, (p.returncode, p.stdout[-200:], [l for l in p.stderr.splitlines() if "error" in l.lower()][-5:]))
shutil.rmtree(seeds, ignore_errors=True)
done()
