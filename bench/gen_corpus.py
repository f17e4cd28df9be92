"""Generates a synthetic technical file of N documents in the content format, for make bench.

Each document is ~8 KB: front matter with approvals, history and evidence claims; headings,
paragraphs with emphasis and cross-references (to other documents, their headings and clauses),
lists, a table and a code block. Deterministic for a given N."""
import os, random, sys

CLAUSES = ["4.1.1", "4.1.3", "4.1.5", "4.1.6", "4.1.7", "4.1.8", "4.1.9", "4.2", "4.3", "5.1.2", "5.1.3", "5.2.1",
           "5.2.2", "5.2.3", "5.3.1", "5.3.2", "5.3.3", "5.4.1", "5.4.2", "5.4.3", "5.4.4", "5.5.1", "5.5.2", "5.6",
           "5.7.1", "5.7.2", "5.7.3", "5.7.4", "5.7.5", "5.8.2", "5.8.3", "5.8.4", "5.8.7", "6.1.1", "6.2.1", "6.2.2",
           "6.3.1", "6.3.2", "6.3.3", "7.1.1", "7.1.2", "7.2", "7.3", "7.4", "7.5", "8", "9.2", "9.3", "9.4", "9.5"]
WORDS = ("security risk threat control update release vulnerability software item supplier test review "
         "requirement design interface encryption signing key integrity patient data clinician device "
         "monitoring incident finding record approval procedure analysis mitigation").split()


def para(r, n, ids):
    out = []
    for i in range(n):
        w = r.choice(WORDS)
        if i % 17 == 5:
            out.append(f"**{w}**")
        elif i % 23 == 7:
            out.append(f"*{w}*")
        elif i % 41 == 9:
            out.append(f"[{w}]({r.choice(ids)})")
        elif i % 53 == 11:
            out.append(f"[](clause:{r.choice(CLAUSES)})")
        else:
            out.append(w)
    s = " ".join(out)
    return s[:1].upper() + s[1:] + "."


def doc(r, k, n, ids):
    id_ = ids[k]
    claims = r.sample(CLAUSES, 2)
    fm = [f"---", f"id: {id_}", f"title: Generated document {k} on {r.choice(WORDS)} {r.choice(WORDS)}", 'version: "1.%d"' % (k % 9),
          "status: approved", "owner: Security Lead", "approvals:",
          "  - {name: Ana Ruiz, role: Security Lead, date: 2026-02-01}", "evidence:",
          f'  - {{clause: "{claims[0]}", section: "Scope"}}', f"  - {claims[1]}", "history:",
          "  - {version: \"1.0\", date: 2025-06-01, author: Ana Ruiz, change: First issue}",
          "  - {version: \"1.1\", date: 2026-01-15, author: Ana Ruiz, change: Review}", "---", ""]
    body = [f"# Scope", "", para(r, 120, ids), "", "## Activities", ""]
    for i in range(8):
        body.append(f"{i + 1}. {para(r, 14, ids)}")
    body += ["", "## Records", "", "| Item | Owner | Status | Evidence |", "|---|---|---|--:|"]
    for i in range(12):
        body.append(f"| {r.choice(WORDS)} {i} | {r.choice(WORDS)} | done | {r.randint(1, 99)} |")
    body += ["", "## Details", "", para(r, 200, ids), "", "- " + para(r, 20, ids), "- " + para(r, 20, ids), "",
             "```sh", "sha256sum -c SHA256SUMS", "openssl dgst -sha256 -verify key.pem -signature a.sig a.zip", "```", "",
             f"See [the scope of the next document]({ids[(k + 1) % n]}#scope) and [](clause:{claims[0]}).", "",
             "## Review", "", para(r, 150, ids), ""]
    return "\n".join(fm + body)


def main():
    out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    r = random.Random(n)
    ids = [f"GEN-{k:05d}" for k in range(n)]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "techfile.yaml"), "w") as f:
        f.write("product:\n  name: Bench Product\n  version: 1.0.0\n  manufacturer: Example Health Ltd\n"
                "standard: iec-81001-5-1\nbuild-date: 2026-11-24\n")
    for k in range(n):
        d = os.path.join(out, f"part{k // 100:03d}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"doc{k:05d}.md"), "w") as f:
            f.write(doc(r, k, n, ids))


if __name__ == "__main__":
    main()
