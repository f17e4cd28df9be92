"""The real corpus (../shared/corpora/openregulatory-templates, 89 documents written elsewhere)
builds once front matter is added in a temporary copy (techfile import), with no word of text
lost in HTML or DOCX."""
import glob, html, os, re, zipfile
from lib import *

CORPUS = os.path.join(os.path.dirname(ROOT), "shared", "corpora", "openregulatory-templates")
if not os.path.isdir(CORPUS):
    print("# the corpus is not here; nothing to test")
    done()
before = tree_hash(CORPUS)
d = os.path.join(tmpdir(), "imported")
rc, so, se = run(["import", CORPUS, d])
check("the corpus imports", rc == 0, se)
# LICENSE.md links to templates/copyright-notice.md, a file the corpus does not ship.
os.remove(os.path.join(d, "LICENSE.md"))
rc, err, out, rep = build(d)
check("the imported corpus builds with exit 0", rc == 0, "\n".join(l for l in err.splitlines() if ": error: " in l)[:2000])
check("the corpus itself is unchanged", tree_hash(CORPUS) == before)


def words(text):
    return set(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z0-9]{2,}", text))


def source_words(md):
    md = re.sub(r"<!--.*?-->", " ", md, flags=re.S)          # comments are dropped on purpose
    md = re.sub(r"\]\([^)]*\)", "] ", md)                   # link destinations are not text
    md = re.sub(r"(?m)^ {0,3}\[[^\]]+\]:\s*\S+.*$", " ", md)   # nor link reference definitions
    md = re.sub(r"\]\[[^\]]*\]", "] ", md)                   # nor reference labels
    md = re.sub(r"<[^>\n]+>", " ", md)                      # tags (shown as text, but not words)
    md = re.sub(r"https?://\S+", " ", md)
    return words(md)


def page_text(path):
    t = open(path, encoding="utf-8").read()
    t = re.sub(r"<script.*?</script>", " ", t, flags=re.S)
    return words(html.unescape(re.sub(r"<[^>]+>", " ", t)))


def docx_text(path):
    x = zipfile.ZipFile(path).read("word/document.xml").decode()
    return words(html.unescape(" ".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", x))))


if rc == 0:
    lost_html, lost_docx = {}, {}
    ids = {}
    for p in glob.glob(os.path.join(d, "**", "*.md"), recursive=True):
        text = open(p, encoding="utf-8").read()
        m = re.search(r"^id: (\S+)$", text, re.M)
        if not m:
            continue
        body = text.split("\n---\n", 1)[1]
        want = source_words(body)
        h = page_text(os.path.join(out, "html", m.group(1) + ".html"))
        x = docx_text(os.path.join(out, "docx", m.group(1) + ".docx"))
        if want - h:
            lost_html[os.path.relpath(p, d)] = sorted(want - h)[:10]
        if want - x:
            lost_docx[os.path.relpath(p, d)] = sorted(want - x)[:10]
    check("no word of the corpus is lost in HTML", not lost_html, list(lost_html.items())[:5])
    check("no word of the corpus is lost in DOCX", not lost_docx, list(lost_docx.items())[:5])
    # <br> inside table cells is a line break in both formats, not words run together.
    brdoc = next((p for p in glob.glob(os.path.join(d, "**", "*.md"), recursive=True)
                  if re.search(r"^\|.*<br>.*\|", open(p, encoding="utf-8").read(), re.M)), None)
    if brdoc:
        bid = re.search(r"^id: (\S+)$", open(brdoc, encoding="utf-8").read(), re.M).group(1)
        xml = zipfile.ZipFile(os.path.join(out, "docx", bid + ".docx")).read("word/document.xml").decode()
        page = open(os.path.join(out, "html", bid + ".html"), encoding="utf-8").read()
        check("<br> in a table cell is a line break in DOCX and HTML",
              re.search(r"<w:tc>(?:(?!</w:tc>).)*<w:br/>", xml, re.S) is not None and re.search(r"<td[^>]*>(?:(?!</td>).)*<br", page, re.S) is not None, bid)
    rc2, msg = tool([PY, f"{TOOLS}/check_html.py", os.path.join(out, "html")])
    check("the corpus's HTML: every link resolves, nothing active", rc2 == 0, msg[-1500:])
    docx = sorted(glob.glob(os.path.join(out, "docx", "*.docx")))
    rc2, msg = tool([PY, f"{TOOLS}/check_docx.py", "--quick"] + docx)
    check("the corpus's DOCX: every part schema-valid", rc2 == 0, msg[-1500:])
done()
