"""make bench: techfile against pandoc and the cmark-gfm floor on a generated corpus.

Usage: bench/run.py [N]  (default 1000 documents, about 8 MB). Prints one table and the
ratios, then the full build of a corpus BENCH_SCALE times larger (default 10: 10,000 documents)
for memory and linear growth; BENCH_SCALE=0 skips it. techfile figures are medians of BENCH_RUNS
runs (default 3). pandoc runs one process per document and format, as docs-as-code setups do; on a large
corpus it is measured on a sample of documents and scaled to N (the sample size is printed).
Each full build writes to a folder of its own; one more row times a full build right after
deleting its output folder (see below).
"""
import os, random, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TF = os.path.join(ROOT, "gen", "techfile")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
SAMPLE = int(os.environ.get("BENCH_PANDOC_SAMPLE", "50"))


def timed(cmd, **kw):
    """(seconds, peak RSS in MB) of one command, through /usr/bin/time."""
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True, **kw)
    dt = time.monotonic() - t0
    try:
        rss = int(p.stderr.strip().splitlines()[-1]) / 1024
    except (ValueError, IndexError):
        rss = float("nan")
    if p.returncode not in (0, 1):
        sys.exit(f"bench: {' '.join(cmd[:3])} failed ({p.returncode}): {p.stderr[-500:]}")
    return dt, rss


work = tempfile.mkdtemp(prefix="techfile-bench-")
src = os.path.join(work, "content")
subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "gen_corpus.py"), src, str(N)], check=True)
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs if f.endswith(".md"))
size = sum(os.path.getsize(f) for f in files) / 1e6
print(f"corpus: {N} documents, {size:.1f} MB, in {src}")

# Times on a shared machine vary from run to run: each techfile figure is the median of RUNS
# runs (BENCH_RUNS, default 3), its peak RSS the highest of them.
RUNS = max(1, int(os.environ.get("BENCH_RUNS", "3")))


def median_of(runs):
    ts = sorted(t for t, _ in runs)
    return ts[len(ts) // 2], max(m for _, m in runs)


rows = []
fulls = []
# Each full build writes to a folder no earlier run used, and the folders are deleted at the
# end: a full build is the nightly one, of a fresh clone. Deleting the last run's 2,000 files
# just before measured the file system instead: an ext4 without a journal (as on the machine
# this was written on) passes over every inode freed in the last 30 seconds each time it
# allocates one, up to a second of kernel time here. A row after the edits measures that case.
for k in range(RUNS):
    out = os.path.join(work, f"out{k}")
    fulls.append(timed([TF, "build", src, "-o", out, "-q"]))
full, rss = median_of(fulls)
rows.append((f"techfile full build (HTML + DOCX + checks + bundle), median of {RUNS}", full, rss))
noop, rss2 = median_of([timed([TF, "build", src, "-o", out, "-q"]) for _ in range(RUNS)])
rows.append((f"techfile no-op rebuild, median of {RUNS}", noop, rss2))
edits = []
for k in range(RUNS):  # a different document each time, each edit built on its own
    with open(files[(k + 1) * len(files) // (RUNS + 1)], "a") as f:
        f.write("\nOne more sentence about the release.\n")
    edits.append(timed([TF, "build", src, "-o", out, "-q"]))
edit, rss3 = median_of(edits)
rows.append((f"techfile one-document edit, median of {RUNS}", edit, rss3))
# The case the fresh folders leave out: `rm -rf out` and a full build at once (see above).
first = os.path.join(work, "out0")
shutil.rmtree(first)
rows.append(("techfile full build right after deleting its output folder", *timed([TF, "build", src, "-o", first, "-q"])))

floor = float("nan")
if shutil.which("cmark-gfm"):
    t0 = time.monotonic()
    for f in files:
        subprocess.run(["cmark-gfm", "-e", "table", "-e", "strikethrough", "-e", "autolink", "-e", "tasklist", f],
                       stdout=subprocess.DEVNULL, check=True)
    floor = time.monotonic() - t0
    rows.append(("cmark-gfm CLI, one process per document, HTML only (the floor)", floor, float("nan")))

pandoc = float("nan")
if shutil.which("pandoc"):
    sample = random.Random(1).sample(files, min(SAMPLE, len(files)))
    pout = os.path.join(work, "pandoc")
    os.makedirs(pout, exist_ok=True)
    t0 = time.monotonic()
    for k, f in enumerate(sample):
        subprocess.run(["pandoc", "-f", "gfm", "-s", "--metadata", "title=x", f, "-o", os.path.join(pout, f"{k}.html")], check=True,
                       stderr=subprocess.DEVNULL)
        subprocess.run(["pandoc", "-f", "gfm", f, "-o", os.path.join(pout, f"{k}.docx")], check=True, stderr=subprocess.DEVNULL)
    pandoc = (time.monotonic() - t0) * len(files) / len(sample)
    rows.append((f"pandoc HTML + DOCX, one process per document (sampled {len(sample)}, scaled)", pandoc, float("nan")))
else:
    print("bench: pandoc is not installed (apt-get install pandoc): no comparison")

print()
print(f"{'what':<78} {'seconds':>9} {'peak RSS MB':>12}")
for what, t, m in rows:
    print(f"{what:<78} {t:9.3f} {m:12.0f}")
print()
if pandoc == pandoc:
    print(f"pandoc / techfile full build: {pandoc / full:.1f}x (target: at least 100x)")
if floor == floor:
    print(f"techfile full build / cmark-gfm floor: {full / floor:.1f}x (target: at most 5x)")
print(f"no-op rebuild: {noop * 1000:.0f} ms (target: at most 50 ms); one-document edit: {edit * 1000:.0f} ms (target: at most 100 ms)")
print(f"peak RSS of the full build: {rss:.0f} MB")

# Growth: the same full build on a corpus SCALE times larger (BENCH_SCALE, default 10; 0 skips).
scale = int(os.environ.get("BENCH_SCALE", "10"))
if scale > 1:
    big = os.path.join(work, "big")
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "gen_corpus.py"), os.path.join(big, "content"), str(N * scale)],
                   check=True, stdout=subprocess.DEVNULL)
    t_big, rss_big = timed([TF, "build", os.path.join(big, "content"), "-o", os.path.join(big, "out"), "-q"])
    print(f"{N * scale} documents: full build {t_big:.1f} s, peak RSS {rss_big:.0f} MB (target: at most 512 MB at 10,000); "
          f"time per document {t_big / (N * scale) * 1000:.1f} ms against {full / N * 1000:.1f} ms at {N} "
          f"(ratio {t_big / (N * scale) / (full / N):.2f}; 1.00 is linear)")
shutil.rmtree(work, ignore_errors=True)
