"""Shared helpers of the Python test groups: run techfile, make content trees, report.

Every check prints "ok - name" or "not ok - name: why" (tests/run counts them)."""
import hashlib, json, os, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TECHFILE = os.environ.get("TECHFILE", os.path.join(ROOT, "gen", "techfile-san"))
PY = "/usr/bin/python3"
TOOLS = os.path.join(ROOT, "tests", "tools")
failures = 0


def check(name, cond, why=""):
    global failures
    if cond:
        print(f"ok - {name}")
    else:
        failures += 1
        print(f"not ok - {name}: {why}"[:2000])
    sys.stdout.flush()
    return cond


def done():
    sys.exit(1 if failures else 0)


def tmpdir(prefix="techfile-test-"):
    return tempfile.mkdtemp(prefix=prefix)


def write_tree(root, files):
    """files: {relative path: text}. Returns root."""
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(text.encode() if isinstance(text, str) else text)
    return root


def run(args, env=None, timeout=600):
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([TECHFILE] + args, capture_output=True, text=True, env=e, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def build(content, out=None, extra=(), env=None):
    out = out or tmpdir("techfile-out-")
    rc, so, se = run(["build", content, "-o", out, "-q"] + list(extra), env=env)
    report = None
    rp = os.path.join(out, "report.json")
    if os.path.exists(rp):
        with open(rp) as f:
            report = json.load(f)
    return rc, se, out, report


def tree_hash(root):
    h = hashlib.sha256()
    for d, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(files):
            p = os.path.join(d, name)
            h.update(os.path.relpath(p, root).encode())
            with open(p, "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def status(report, clause):
    for c in report["clauses"]:
        if c["clause"] == clause:
            return c
    return None


def tool(args, timeout=900):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    return p.returncode, p.stdout + p.stderr


def front(id_, title, body, meta=""):
    """A document: front matter (id, title, version and the YAML lines in meta), then body."""
    return f'---\nid: {id_}\ntitle: {title}\nversion: "1.0"\n{meta}---\n{body}'


CONFIG = """product:
  name: Test Product
  version: 2.0.1
  manufacturer: Example Health Ltd
standard: iec-81001-5-1
build-date: 2026-11-24
"""
