#!/usr/bin/python3
"""Check report.junit.xml against report.json.

Usage:
    check_junit.py REPORT.junit.xml REPORT.json

Checks:
  - the JUnit file is well-formed XML whose root is <testsuites> (holding <testsuite>s) or
    a single <testsuite>;
  - there is exactly one <testcase> per clause of report.json ("clauses"), matched by the
    clause number that starts the testcase name ("5.8.6 Activity completion"), in any order;
  - a testcase has a <failure> exactly when its clause's status is "gap", and a <skipped>
    exactly when it is "tailored"; a "backed" clause has neither (nor an <error>);
  - the count attributes agree with the testcases they hold: tests, failures, skipped (and
    errors, when present) on every <testsuite> and on <testsuites>, where present; a missing
    `skipped` counts as 0 on a <testsuite>.

Output: one line per problem and exit status 1, else `ok` and exit status 0.
Exit status 2: wrong usage.
"""

import json
import sys
import xml.etree.ElementTree as ET


def usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


def counts(cases):
    c = {"tests": 0, "failures": 0, "skipped": 0, "errors": 0}
    for tc in cases:
        c["tests"] += 1
        if tc.find("failure") is not None:
            c["failures"] += 1
        if tc.find("skipped") is not None:
            c["skipped"] += 1
        if tc.find("error") is not None:
            c["errors"] += 1
    return c


def check_counts(el, label, cases, problems, optional=()):
    want = counts(cases)
    for attr in ("tests", "failures", "skipped", "errors"):
        v = el.get(attr)
        if v is None:
            if attr in ("tests", "failures") and attr not in optional:
                problems.append("%s: no %s attribute" % (label, attr))
            elif attr == "skipped" and "skipped" not in optional and want["skipped"]:
                problems.append("%s: no skipped attribute but %d skipped testcases"
                                % (label, want["skipped"]))
            continue
        try:
            n = int(v)
        except ValueError:
            problems.append("%s: %s=%r is not a number" % (label, attr, v))
            continue
        if n != want[attr]:
            problems.append("%s: %s=\"%d\" but it holds %d" % (label, attr, n, want[attr]))


def main(argv):
    if len(argv) != 3 or argv[1].startswith("-") or argv[2].startswith("-"):
        usage()
    junit_path, report_path = argv[1], argv[2]
    problems = []

    try:
        with open(report_path, encoding="utf-8") as f:
            report = json.load(f)
        clauses = report["clauses"]
        if not isinstance(clauses, list):
            raise ValueError("'clauses' is not a list")
    except (OSError, ValueError, KeyError, TypeError) as e:
        print("%s: cannot read clauses: %s" % (report_path, e))
        return 1
    try:
        root = ET.parse(junit_path).getroot()
    except (OSError, ET.ParseError) as e:
        print("%s: not well-formed XML: %s" % (junit_path, e))
        return 1

    if root.tag == "testsuites":
        suites = root.findall("testsuite")
        if not suites:
            problems.append("%s: <testsuites> holds no <testsuite>" % junit_path)
        check_counts(root, "<testsuites>", root.iter("testcase"), problems,
                     optional=("tests", "failures", "skipped", "errors"))
    elif root.tag == "testsuite":
        suites = [root]
    else:
        print("%s: root element is <%s>, not <testsuites> or <testsuite>" % (junit_path, root.tag))
        return 1
    for i, s in enumerate(suites, 1):
        label = "<testsuite name=%r>" % s.get("name", str(i))
        check_counts(s, label, s.iter("testcase"), problems)

    by_clause = {}
    for c in clauses:
        num = str(c.get("clause", ""))
        if num in by_clause:
            problems.append("%s: clause %s listed twice" % (report_path, num))
        by_clause[num] = c

    seen = set()
    for tc in root.iter("testcase"):
        name = tc.get("name", "")
        num = name.split(" ", 1)[0]
        label = "testcase %r" % name
        if num not in by_clause:
            problems.append("%s: no clause %r in %s" % (label, num, report_path))
            continue
        if num in seen:
            problems.append("%s: second testcase for clause %s" % (label, num))
            continue
        seen.add(num)
        status = by_clause[num].get("status")
        has_failure = tc.find("failure") is not None
        has_skipped = tc.find("skipped") is not None
        if tc.find("error") is not None:
            problems.append("%s: has an <error> (status %s)" % (label, status))
        if has_failure != (status == "gap"):
            problems.append("%s: status %s but %s <failure>"
                            % (label, status, "has a" if has_failure else "no"))
        if has_skipped != (status == "tailored"):
            problems.append("%s: status %s but %s <skipped>"
                            % (label, status, "has a" if has_skipped else "no"))
        if status not in ("backed", "gap", "tailored"):
            problems.append("%s: unknown status %r in %s" % (label, status, report_path))
    for num in by_clause:
        if num not in seen:
            problems.append("clause %s (%s): no testcase" % (num, by_clause[num].get("title")))

    if problems:
        print("\n".join(problems))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
