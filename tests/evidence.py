"""The evidence engine and the records (issues: catalog/evidence, records as data).

A complete tree against tests/fixtures/catalog-test.yaml backs every clause; each test breaks
one thing and asserts exactly which clauses change and why, and which rule fires where."""
import copy, json, os
from lib import *

CATALOG = os.path.join(ROOT, "tests", "fixtures", "catalog-test.yaml")
APPROVED = "status: approved\napprovals:\n  - {name: Ana Ruiz, role: Security Lead, date: 2026-02-01}\n"


def base():
    return {
        "techfile.yaml": CONFIG,
        "records/roster.md": front("REC-ROSTER", "Roster", """
| Person | Roles |
|---|---|
| Ana Ruiz | Security Lead, Quality Manager |
| Ben Okafor | Developer |
| Chloé Martin | Release  manager |
""", "type: roster\n" + APPROVED),
        "records/raci.md": front("REC-RACI", "RACI", """
| Process | Security Lead | Quality Manager | Developer | Release Manager |
|---|---|---|---|---|
| quality management | R | A | I | C |
| Release | A, R | C | R/C | R |
""", "type: raci\n" + APPROVED),
        "records/profiles.md": front("REC-PROF", "Training profiles", """
| Role | Competency | Refresh (months) | Security expertise |
|---|---|---|---|
| Security Lead | Threat modelling | 24 | yes |
| Quality Manager | QMS security | 12 | no |
| Developer | Secure coding | 12 | no |
| Release Manager | Release security | 12 | |
""", "type: training-profiles\n" + APPROVED),
        "records/training.md": front("REC-TRAIN", "Training records", """
| Person | Competency | Completed | Assessment | Expires |
|---|---|---|---|---|
| Ana Ruiz | Threat modelling | 2025-06-01 | passed | |
| Ana Ruiz | QMS security | 2026-01-10 | passed | |
| Ben Okafor | Secure coding | 2026-03-01 | Passed | |
| Chloé Martin | Release security | 2025-12-01 | passed | 2026-12-31 |
""", "type: training-records\n" + APPROVED),
        "records/tailoring.md": front("REC-TAIL", "Tailoring", """
| Clause | Decision | Justification | Approved by |
|---|---|---|---|
| 7.2 | alternative | Threats are identified in the supplier's model, reviewed by us. | Ana Ruiz |
""", "type: tailoring\n" + APPROVED),
        "records/checklist.md": front("REC-CHECK", "Pre-release checklist", """
Every security finding is resolved and the release is approved by the Security Lead.

| Clause | Activity | Record | Status |
|---|---|---|---|
| 5.8.1 | Findings resolved | REC-FIND | done |
| 5.8.5 | Issues assessed | REC-FIND | done |
| 5.8.6 | All activities complete | REC-CHECK | done |
""", "type: release-checklist\n" + APPROVED),
        "records/findings.md": front("REC-FIND", "Findings log", """
| ID | Source | Severity | Status | Record |
|---|---|---|---|---|
| F-1 | pen test | high | closed | REC-CHECK |
| F-2 | SAST | low | accepted | |
""", "type: findings\n" + APPROVED),
    }


def go(files, extra=(), name=None):
    t = write_tree(tmpdir(), files)
    rc, err, out, rep = build(t, extra=["--catalog", CATALOG] + list(extra))
    return rc, err, rep, t


def st(rep, clause):
    c = status(rep, clause) if rep else None
    return c["status"] if c else None


def diag_rules(rep):
    return [(os.path.basename(d["file"]), d["line"], d["severity"], d["rule"]) for d in rep["diagnostics"]] if rep else []


rc, err, rep, t = go(base())
ok = rc == 0 and rep is not None
check("complete records tree builds", ok, err)
check("complete tree: every clause backed or tailored", ok and all(c["status"] in ("backed", "tailored") for c in rep["clauses"]),
      rep and [(c["clause"], c["reasons"]) for c in rep["clauses"] if c["status"] == "gap"])
check("complete tree: no warnings", ok and not [d for d in rep["diagnostics"] if d["severity"] != "note"], err)
check("tailored clause is reported tailored with decision and approver", ok and st(rep, "7.2") == "tailored"
      and status(rep, "7.2")["tailoring"]["approved_by"] == "Ana Ruiz")
check("records claim their clauses implicitly", ok and set(status(rep, "4.1.2")["evidence"]) == {"REC-ROSTER", "REC-RACI"})
rc, so, se = run(["build", t, "-o", tmpdir(), "--strict", "-q", "--catalog", CATALOG])
check("--strict exits 0 when nothing is a gap", rc == 0, se)
rc, so, se = run(["build", t, "-o", tmpdir(), "--release", "-q", "--catalog", CATALOG])
check("--release exits 0 when nothing blocks", rc == 0, se)


def variant(name, edit, expect_rc, expect_gaps, rule=None, where=None, reason=None, extra=()):
    files = base()
    edit(files)
    rc, err, rep, _ = go(files, extra)
    gaps = sorted(c["clause"] for c in rep["clauses"] if c["status"] == "gap") if rep else None
    good = rc == expect_rc and (expect_gaps is None or gaps == sorted(expect_gaps))
    if rule:
        rules = diag_rules(rep) if rep else []
        hit = [r for r in rules if r[3] == rule and (where is None or (r[0], r[1]) == where)]
        if not rep:  # errors: no report written; read stderr
            hit = [l for l in err.splitlines() if f"[{rule}]" in l and (where is None or f"{where[0]}:{where[1]}:" in l)]
        good = good and bool(hit)
    if reason and rep:
        good = good and any(reason in r for c in rep["clauses"] for r in c["reasons"])
    check(name, good, f"rc={rc} gaps={gaps}\n{err[-1500:]}")


def sub(path, old, new):
    def edit(files):
        assert old in files[path], (path, old)
        files[path] = files[path].replace(old, new)
    return edit


# ---- RACI ---------------------------------------------------------------------------------
variant("RACI: process without an Accountable -> warning at the row, 4.1.2 gap",
        sub("records/raci.md", "| Release | A, R |", "| Release | R |"), 0, ["4.1.2"], "raci-one-accountable", ("raci.md", 14),
        "Accountable")
variant("RACI: two Accountables -> warning, 4.1.2 gap", sub("records/raci.md", "| R | A | I | C |", "| A | A | I | C |"),
        0, ["4.1.2"], "raci-one-accountable", ("raci.md", 13))
variant("RACI: no Responsible -> warning, 4.1.2 gap", sub("records/raci.md", "| R | A | I | C |", "| C | A | I | C |"),
        0, ["4.1.2"], "raci-responsible-missing", ("raci.md", 13))
variant("RACI: a catalog process missing -> warning, 4.1.2 gap", sub("records/raci.md", "| Release | A, R | C | R/C | R |\n", ""),
        0, ["4.1.2"], "raci-process-missing", None, "release")
variant("RACI: unknown letter -> error at the row, exit 1", sub("records/raci.md", "| R/C | R |", "| X | R |"), 1, None,
        "raci-letter", ("raci.md", 14))
variant("RACI: role column nobody holds -> warning, 4.1.2 gap",
        sub("records/raci.md", "| Release Manager |\n|---|---|---|---|---|", "| Release Manager | Auditor |\n|---|---|---|---|---|---|"),
        0, ["4.1.2", "4.1.4"], "raci-role-unknown")
variant("RACI: role names match whatever the spacing and case ('Release  manager')",
        lambda f: None, 0, [])
# ---- training ----------------------------------------------------------------------------
variant("training: a RACI role without a profile -> warning, 4.1.4 gap",
        sub("records/profiles.md", "| Developer | Secure coding | 12 | no |\n", ""), 0, ["4.1.4"], "training-profile-missing")
variant("training: expired record -> warning at its row, 4.1.4 gap",
        sub("records/training.md", "| Chloé Martin | Release security | 2025-12-01 | passed | 2026-12-31 |",
            "| Chloé Martin | Release security | 2025-01-01 | passed | 2026-11-23 |"), 0, ["4.1.4"], "training-expired",
        ("training.md", 16), "expired on 2026-11-23")
variant("training: expiring exactly on the build date is still current",
        sub("records/training.md", "2025-12-01 | passed | 2026-12-31", "2025-12-01 | passed | 2026-11-24"), 0, [])
variant("training: expiring the day after the build date is current",
        sub("records/training.md", "2025-12-01 | passed | 2026-12-31", "2025-12-01 | passed | 2026-11-25"), 0, [])
variant("training: completed the day after the build date is not yet current",
        sub("records/training.md", "| Ben Okafor | Secure coding | 2026-03-01 |", "| Ben Okafor | Secure coding | 2026-11-25 |"),
        0, ["4.1.4"], "training-missing")
variant("training: refresh period counts from Completed (12 months from 2025-11-23 ended 2026-11-23)",
        sub("records/training.md", "| Ben Okafor | Secure coding | 2026-03-01 |", "| Ben Okafor | Secure coding | 2025-11-23 |"),
        0, ["4.1.4"], "training-expired", None, "expired on 2026-11-23")
variant("training: refresh across a month end (2025-11-30 + 12 months = 2026-11-30, current)",
        sub("records/training.md", "| Ben Okafor | Secure coding | 2026-03-01 |", "| Ben Okafor | Secure coding | 2025-11-30 |"), 0, [])
variant("training: failed assessment -> warning, 4.1.4 gap",
        sub("records/training.md", "2026-03-01 | Passed", "2026-03-01 | failed"), 0, ["4.1.4"], "training-failed")
variant("training: missing record -> warning, 4.1.4 gap",
        sub("records/training.md", "| Ben Okafor | Secure coding | 2026-03-01 | Passed | |\n", ""), 0, ["4.1.4"], "training-missing")
variant("training: bad date -> error at the row, exit 1",
        sub("records/training.md", "2026-03-01 | Passed", "03/01/2026 | Passed"), 1, None, "records-date", ("training.md", 15))
variant("training: unknown person -> error, exit 1",
        sub("records/training.md", "| Ben Okafor | Secure coding", "| Bob Nobody | Secure coding"), 1, None, "records-person-unknown")
variant("training: a missing column -> error naming it, exit 1",
        sub("records/training.md", "| Person | Competency | Completed | Assessment | Expires |\n|---|---|---|---|---|",
            "| Person | Competency | Completed | Expires |\n|---|---|---|---|"), 1, None, "records-column-missing")
variant("training: column names match case-insensitively",
        sub("records/training.md", "| Person | Competency | Completed | Assessment | Expires |", "| PERSON | competency | COMPLETED | assessment | expires |"),
        0, [])
# ---- tailoring ---------------------------------------------------------------------------
variant("tailoring: no justification -> warning, 5.1.1 and the clause become gaps",
        sub("records/tailoring.md", "Threats are identified in the supplier's model, reviewed by us.", ""), 0, ["5.1.1", "7.2"],
        "tailoring-justification")
variant("tailoring: approver without security expertise -> warning, gaps",
        sub("records/tailoring.md", "| Ana Ruiz |", "| Ben Okafor |"), 0, ["5.1.1", "7.2"], "tailoring-approver-expertise")
variant("tailoring: unknown decision -> error", sub("records/tailoring.md", "| alternative |", "| skipped |"), 1, None,
        "tailoring-decision-invalid")
# ---- release checklist and findings -------------------------------------------------------
variant("checklist: a release clause not listed -> warning, 5.8.6 gap",
        sub("records/checklist.md", "| 5.8.5 | Issues assessed | REC-FIND | done |\n", ""), 0, ["5.8.6"], "checklist-clause-missing")
variant("checklist: unknown record ID -> error", sub("records/checklist.md", "| REC-FIND | done |", "| REC-NOPE | done |"), 1, None,
        "checklist-record-unknown")
variant("checklist: content rules apply (no word of findings) -> 5.8.6 gap",
        lambda f: f.__setitem__("records/checklist.md", f["records/checklist.md"].replace("Every security finding is resolved and the", "The")
                                .replace("Findings resolved", "Done").replace("Issues assessed", "Done")),
        0, ["5.8.6"], None, None, "speaks of security findings")
variant("findings: closed without a record -> warning, 5.8.1 and 5.8.5 gaps",
        sub("records/findings.md", "| closed | REC-CHECK |", "| closed | |"), 0, ["5.8.1", "5.8.5"], "findings-closed-no-record")
variant("findings: open finding builds (exit 0) but --release fails",
        sub("records/findings.md", "| closed | REC-CHECK |", "| open | REC-CHECK |"), 0, [])
variant("findings: open finding blocks --release (exit 1, release-blocker)",
        sub("records/findings.md", "| closed | REC-CHECK |", "| open | REC-CHECK |"), 1, [], "release-blocker", ("findings.md", 13),
        extra=["--release"])
variant("checklist: open item blocks --release",
        sub("records/checklist.md", "| REC-CHECK | done |", "| REC-CHECK | open |"), 1, [], "release-blocker", None, extra=["--release"])
variant("a record not approved blocks --release",
        sub("records/roster.md", "status: approved", "status: draft"), 1, [], "release-blocker", None, extra=["--release"])
variant("a missing record type is a gap reason",
        lambda f: f.pop("records/findings.md") and f.__setitem__("records/checklist.md", f["records/checklist.md"].replace("REC-FIND", "REC-CHECK")),
        0, ["5.8.1", "5.8.5"], None, None, "no 'findings' record")

# ---- evidence claims -------------------------------------------------------------------------
files = base()
files["risk/threat-model.md"] = front("RM-TM", "Threat model", "# Method\n\nWe use STRIDE per element.\n", APPROVED)
rc, err, rep, _ = go(files)
check("hint: no evidence-hint warning for a clause that is validly tailored",
      "evidence-hint" not in err, "7.2 is tailored, so no hint expected")
files["records/tailoring.md"] = files["records/tailoring.md"].replace("| 7.2 |", "| 5.8.1 |")
rc, err, rep, _ = go(files)
check("hint: threat-model document not claiming 7.2 gets an evidence-hint warning", "[evidence-hint]" in err and "RM-TM" in err, err[-1000:])
files["risk/threat-model.md"] = front("RM-TM", "Threat model", "# Method\n\nWe use STRIDE per element.\n",
                                      APPROVED + 'evidence:\n  - {clause: "7.2", section: "Method"}\n')
rc, err, rep, _ = go(files)
check("claim with section and matching content is backed", rep and st(rep, "7.2") == "backed", err[-800:])
files["risk/threat-model.md"] = front("RM-TM", "Risk analysis", "# Method\n\nWe brainstorm.\n",
                                      APPROVED + 'evidence:\n  - {clause: "7.2", section: "Method"}\n')
rc, err, rep, _ = go(files)
check("claim whose document lacks the content is a gap naming the expectation",
      rep and st(rep, "7.2") == "gap" and any("threat-modelling method" in r for r in status(rep, "7.2")["reasons"]))
files["risk/threat-model.md"] = front("RM-TM", "Threat model", "# Method\n\nWe use STRIDE.\n",
                                      APPROVED + 'evidence:\n  - {clause: "7.2", section: "Approach"}\n')
rc, err, rep, _ = go(files)
check("claim naming a missing section is a gap with a warning at the claim's line",
      rep and st(rep, "7.2") == "gap" and ("threat-model.md", 9, "warning", "evidence-section-missing") in diag_rules(rep), diag_rules(rep) if rep else err)
files["risk/threat-model.md"] = front("RM-TM", "Threat model", "x\n", APPROVED + "evidence: [9.9.9]\n")
rc, err, rep, _ = go(files)
check("claim of an unknown clause is an error", rc == 1 and "evidence-clause-unknown" in err)

# ---- audit defense placeholders ----------------------------------------------------------------
files = base()
rc, err, rep, t = go(files)
out = tmpdir("techfile-out-")
build(t, out, extra=["--catalog", CATALOG])
html = open(os.path.join(out, "html", "REC-ROSTER.html"), encoding="utf-8").read()
check("audit defense placeholders are all filled",
      'Test Product 2.0.1: roles in REC-ROSTER "Roster" v1.0, approved 2026-02-01; section Roster; 4.1.2 Identification of responsibilities; Example Health Ltd; 2026-11-24.' in html.replace("&quot;", '"'),
      html[:200])
matrix = open(os.path.join(out, "html", "compliance-matrix.html"), encoding="utf-8").read()
check("compliance matrix carries the statement and the tailoring", "roles in REC-RACI" in matrix and "Tailored (alternative)" in matrix)
check("RACI and training pages exist", os.path.exists(os.path.join(out, "html", "raci.html")) and os.path.exists(os.path.join(out, "html", "training.html")))
training = open(os.path.join(out, "html", "training.html"), encoding="utf-8").read()
check("training matrix shows an expiring record", "expiring" in training)
junit = open(os.path.join(out, "report.junit.xml"), encoding="utf-8").read()
check("JUnit: tailored clause is skipped", junit.count("<skipped") == 1)
done()
