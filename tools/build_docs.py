"""Build the docs without quarto: `README.md` from `nbs/index.ipynb`, and a static site in `_docs/`.

    python tools/build_docs.py readme      # README.md from nbs/index.ipynb
    python tools/build_docs.py site        # _docs/: every notebook, processed by nbdev, rendered by nbconvert
    python tools/build_docs.py             # both

`nbdev_docs` builds the full quarto site for users who have quarto (no package registry carries it). This
script is the build tool for everyone else: it runs nbdev's own processing step (the one that runs before
quarto: directives such as `#| hide` and `#| export` are honoured, `show_doc` tables are made), then
renders every notebook with nbconvert into one page each (without the `In [ ]:` prompts), with an index
page, a navigation bar grouped by the tens of the notebooks' numbers, and a search box. The search runs in
the page: the build writes an index of every section's words (`search-index.js`, JSON assigned to a
variable, so it loads from a `file:` URL where `fetch` can't) and a small script (`search.js`); nothing is
fetched from elsewhere. It is not part of the library, so the runtime never needs nbconvert.
"""
from __future__ import annotations
import html, json, math, re, shutil, sys
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def readme_text(index_nb) -> str:
    "The Markdown of `index_nb` without `#| hide` cells and directive lines"
    import nbformat
    from nbconvert import MarkdownExporter
    nb = nbformat.read(str(index_nb), as_version=4)
    cells = []
    for c in nb.cells:
        lines = c.source.splitlines()
        if c.cell_type == "code":
            if any(l.strip() in ("#| hide", "#|hide") for l in lines): continue
            c.source = "\n".join(l for l in lines if not l.startswith("#|"))
        cells.append(c)
    nb.cells = cells
    md, _ = MarkdownExporter(exclude_input_prompt=True, exclude_output_prompt=True).from_notebook_node(nb)
    return md.strip() + "\n"

def write_readme(root=ROOT):
    "Write `README.md` from `nbs/index.ipynb` under `root`"
    root = Path(root); (root/"README.md").write_text(readme_text(root/"nbs"/"index.ipynb"))

def notebooks(root=ROOT) -> list[Path]:
    "Every notebook of the docs, in reading order: index first, then the numbered ones, then the experiments"
    nbs = Path(root)/"nbs"
    found = [p for p in nbs.rglob("*.ipynb") if not any(x.startswith(("_", ".")) for x in p.relative_to(nbs).parts)]
    return sorted(found, key=lambda p: (p.name != "index.ipynb", len(p.relative_to(nbs).parts) > 1, str(p.relative_to(nbs))))

GROUPS = [   # (first tens digit, last, the group's name): the notebooks' numbers group the subsystems
    (0, 0, "Koans"), (1, 1, "The judge"), (2, 2, "Models"), (3, 3, "The day"), (4, 5, "Episodes and evaluation"),
    (6, 7, "The night"), (8, 8, "The cycle"), (9, 9, "Tools")]

def group_of(nb_rel: str) -> str:
    "The sidebar group of a notebook, by its path under `nbs/`: its number's tens, `Experiments` for that folder, `Tools` otherwise"
    if nb_rel == "index.ipynb": return ""
    if nb_rel.startswith("experiments/"): return "Experiments"
    if m := re.match(r"(\d)\d", nb_rel):
        return next(name for lo, hi, name in GROUPS if lo <= int(m[1]) <= hi)
    return "Tools"   # unnumbered notebooks at the top (the explore notebook)

def _title(nb_path) -> str:
    src = json.loads(Path(nb_path).read_text())["cells"][0]["source"]
    src = src if isinstance(src, str) else "".join(src)
    return src.splitlines()[0].lstrip("# ").strip() if src.startswith("#") else Path(nb_path).stem

_STYLE = """<style>
.sc-nav { position: fixed; top: 0; left: 0; bottom: 0; width: 230px; overflow-y: auto; padding: 12px;
          background: #f6f6f8; border-right: 1px solid #ddd; font: 14px/1.5 system-ui, sans-serif; z-index: 10; }
.sc-nav a { display: block; color: #333; text-decoration: none; padding: 2px 4px; border-radius: 3px; }
.sc-nav a.current { background: #dde3f0; font-weight: 600; }
.sc-nav h3 { margin: 4px 0 10px; font-size: 16px; }
.sc-nav h4 { margin: 10px 0 2px; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #777; }
.sc-nav input.sc-search { width: 100%; box-sizing: border-box; margin: 0 0 6px; padding: 4px 6px; font: inherit; }
.sc-nav .sc-results:not(:empty) { border-bottom: 1px solid #ddd; margin-bottom: 6px; padding-bottom: 6px; }
.sc-nav .sc-results a { font-size: 13px; }
.sc-nav .sc-results small { display: block; color: #777; }
.sc-nav .sc-results .sc-none { color: #777; font-size: 13px; }
body { margin-left: 250px !important; }
</style>"""

# nbconvert's lab page loads require.js, MathJax and the widget manager from CDNs on every page; these pages load
# require.js and the widget manager only with saved widget state, MathJax only with math, so the site works offline.
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- if nb.metadata.get("widgets") -%}{{ super() }}{%- endif -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- if resources.get("sc_math") -%}{{ super() }}{%- endif -%}{%- endblock html_head_js_mathjax -%}
"""

def _has_math(nb) -> bool:
    "Does a Markdown cell hold TeX math (outside code), or an output LaTeX?"
    for c in nb.cells:
        if c.cell_type == "markdown":
            s = re.sub(r"`[^`]*`", "", re.sub(r"```.*?```", "", c.source, flags=re.S))
            if re.search(r"\$\$|\\\(|\\\[|(?<![\w\\])\$[^\s$][^$\n]*\$", s): return True
        elif any("text/latex" in o.get("data", {}) for o in c.get("outputs", [])): return True
    return False

def _title_from_front_matter(nb):
    "nbdev's step turns the H1 and the `> subtitle` into front matter for quarto; show them as a heading again"
    import yaml
    from nbformat.v4 import new_markdown_cell
    if nb.cells and nb.cells[0].cell_type == "raw" and nb.cells[0].source.startswith("---"):
        fm = yaml.safe_load(nb.cells[0].source.strip().strip("-")) or {}
        head = [f"# {fm['title']}"] if fm.get("title") else []
        nb.cells[0] = new_markdown_cell("\n\n".join(head + ([f"> {fm['description']}"] if fm.get("description") else [])))

def _quarto_bits(nb):
    "What quarto would act on: hide the input of `echo: false` cells (nbdev's `show_doc`), drop `{target=...}` link attributes"
    for c in nb.cells:
        if c.cell_type != "code": continue
        if re.search(r"^#\| *echo: *false", c.source, re.M): c.metadata.setdefault("tags", []).append("remove_input")
        for o in c.get("outputs", []):
            if "text/markdown" in o.get("data", {}): o.data["text/markdown"] = re.sub(r"\{target=[^}\n]*\}", "", o.data["text/markdown"])

def _nav(pages: list[tuple[str, str, str]], current: str) -> str:
    "The sidebar: the search box, then the pages under their groups' headings, in reading order"
    out, last = [], None
    for t, href, group in pages:
        if group != last and group: out.append(f'<h4 class="sc-group">{html.escape(group)}</h4>')
        last = group
        out.append(f'<a href="{href}"{" class=current" if href == current else ""}>{html.escape(t)}</a>')
    search = ('<input type="search" class="sc-search" placeholder="Search the docs" aria-label="Search the docs" autocomplete="off">'
              '<div class="sc-results" role="list"></div>')
    return f'<nav class="sc-nav"><h3><a href="index.html">Sleepy Coder</a></h3>\n{search}\n' + "\n".join(out) + "\n</nav>"

def _page(nb_path, html_in: str, pages: list[tuple[str, str, str]], current: str) -> str:
    out = html_in.replace("</head>", _STYLE + '\n<script src="search-index.js" defer></script><script src="search.js" defer></script>\n</head>', 1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + _nav(pages, current), out, count=1)

# ---- search: an inverted index of each page's sections, built here, searched in the page by search.js
_STOP = set("a an and are as at be but by for from has have in is it its of on or that the this to was were will with not no".split())

def words(text: str) -> list[str]:
    "The words of `text` the index keeps: lowercase letters and digits (`E0382` stays whole), two characters or more, no stop words"
    return [w for w in re.findall(r"[a-z0-9_]+", text.lower()) if len(w) > 1 and w not in _STOP]

class _Sections(HTMLParser):
    "The text of a rendered page by section: a heading with an id starts one; scripts, styles and the sidebar are skipped"
    def __init__(self):
        super().__init__(); self.sections, self._skip, self._head = [["", "", []]], 0, None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style") or (tag == "nav" and "sc-nav" in (a.get("class") or "")): self._skip += 1
        elif re.fullmatch(r"h[1-4]", tag) and a.get("id") and not self._skip: self.sections.append([a["id"], "", []]); self._head = tag
    def handle_endtag(self, tag):
        if tag in ("script", "style", "nav") and self._skip: self._skip -= 1
        elif tag == self._head: self._head = None
    def handle_data(self, data):
        if self._skip: return
        if self._head: self.sections[-1][1] += data.replace("¶", "")
        self.sections[-1][2].append(data)

def page_sections(html_text: str) -> list[tuple[str, str, str]]:
    "(heading id, heading, text) of each section of a rendered page; the first has no id"
    p = _Sections(); p.feed(html_text)
    return [(i, h.strip(), " ".join(t)) for i, h, t in p.sections if i or "".join(t).strip()]

def search_index(docs: list[dict]) -> dict:
    "A Lunr-style index of `docs` ({href, title, group, heading, text}): each word's documents with a tf-idf weight, titles and headings counting more"
    terms = defaultdict(list)
    for d_i, d in enumerate(docs):
        tf = Counter(words(d["text"]))
        for w in words(d["title"]): tf[w] += 10
        for w in words(d["heading"]): tf[w] += 5
        for w, n in tf.items(): terms[w].append([d_i, n])
    N = len(docs)
    for w, post in terms.items():
        idf = math.log(1 + N / len(post))
        for p in post: p[1] = round((1 + math.log(p[1])) * idf, 3)
    return {"docs": [{k: d[k] for k in ("href", "title", "group", "heading")} for d in docs], "terms": dict(sorted(terms.items()))}

_SEARCH_JS = r"""// The docs' search: the words of the query (the last one may be a prefix) in search-index.js, every word in each result
(function () {
  function words(q) { return (q.toLowerCase().match(/[a-z0-9_]+/g) || []).filter(function (w) { return w.length > 1; }); }
  function search(q) {
    var idx = window.scSearchIndex, ws = words(q), scores = null;
    if (!idx || !ws.length) return [];
    ws.forEach(function (w, i) {
      var hit = {}, keys = idx.terms[w] ? [w] : [];
      if (i === ws.length - 1) keys = Object.keys(idx.terms).filter(function (t) { return t.indexOf(w) === 0; });
      keys.forEach(function (t) { idx.terms[t].forEach(function (p) { hit[p[0]] = (hit[p[0]] || 0) + p[1] * (t === w ? 1 : 0.5); }); });
      if (scores === null) scores = hit;
      else { var both = {}; Object.keys(scores).forEach(function (d) { if (d in hit) both[d] = scores[d] + hit[d]; }); scores = both; }
    });
    return Object.keys(scores || {}).map(function (d) { return [idx.docs[d], scores[d]]; })
      .sort(function (a, b) { return b[1] - a[1]; }).slice(0, 12).map(function (x) { return x[0]; });
  }
  window.scSearch = search;
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector(".sc-nav .sc-search"), out = document.querySelector(".sc-nav .sc-results");
    if (!box || !out) return;
    box.addEventListener("input", function () {
      out.textContent = "";
      if (!box.value.trim()) return;
      var found = search(box.value);
      if (!found.length) { var n = document.createElement("div"); n.className = "sc-none"; n.textContent = "no page has all of these words"; out.appendChild(n); return; }
      found.forEach(function (d) {
        var a = document.createElement("a"); a.href = d.href; a.className = "sc-result"; a.setAttribute("role", "listitem");
        a.textContent = d.title;
        if (d.heading && d.heading !== d.title) { var s = document.createElement("small"); s.textContent = d.heading; a.appendChild(s); }
        out.appendChild(a);
      });
    });
  });
})();
"""

def build_site(root=ROOT, out=None) -> Path:
    "Render every notebook to `out` (default `_docs/`), processed by nbdev first; the folder's path"
    import nbformat, jinja2
    from nbconvert import HTMLExporter
    from nbdev.process import NBProcessor
    from nbdev.processors import FilterDefaults
    from execnb.nbio import write_nb
    root = Path(root); out = Path(out or root/"_docs")
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    nbs = notebooks(root)
    pages = [(_title(p), "index.html" if p.name == "index.ipynb" else p.relative_to(root/"nbs").with_suffix(".html").as_posix().replace("/", "__"),
              group_of(p.relative_to(root/"nbs").as_posix())) for p in nbs]
    from traitlets.config import Config
    exporter = HTMLExporter(template_name="lab", extra_loaders=[jinja2.DictLoader({"sc_page.html.j2": _TEMPLATE})],
                            template_file="sc_page.html.j2", exclude_input_prompt=True, exclude_output_prompt=True,
                            config=Config(TagRemovePreprocessor=dict(enabled=True, remove_input_tags={"remove_input"})))
    links = {p.resolve(): href for (_, href, _), p in zip(pages, nbs)}
    def link(p, target):   # a notebook's link is relative to its folder; the index's, which is also the README, to the repository's root
        for base in (p.parent, root) if p.name == "index.ipynb" else (p.parent,):
            if (base/target).resolve() in links: return links[(base/target).resolve()]
        return target
    tmp = out/".proc"; tmp.mkdir()
    docs = []
    for (title, href, group), p in zip(pages, nbs):
        proc = NBProcessor(p, FilterDefaults().procs(), rm_directives=True); proc.process()   # nbdev's step before quarto
        write_nb(proc.nb, tmp/p.name)
        nb = nbformat.read(tmp/p.name, as_version=4)
        _title_from_front_matter(nb); _quarto_bits(nb)
        # nbdev's step keeps the notebook's saved widget state (and adds the widgets its doc cells made); without any, no widget scripts
        if not nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state"): nb.metadata.pop("widgets", None)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}, "sc_math": _has_math(nb)})
        body = re.sub(r'href="([^":#?]+\.ipynb)(#[^"]*)?"', lambda m: f'href="{link(p, m[1])}{m[2] or ""}"', body)  # links to notebooks
        (out/href).write_text(_page(p, body, pages, href))
        docs += [dict(href=href + (f"#{i}" if i else ""), title=title, group=group, heading=h, text=text) for i, h, text in page_sections(body)]
    shutil.rmtree(tmp)
    (out/"search-index.js").write_text("window.scSearchIndex = " + json.dumps(search_index(docs), separators=(",", ":")) + ";\n")
    (out/"search.js").write_text(_SEARCH_JS)
    for f in (root/"nbs").rglob("*.png"):   # pictures notebooks link to
        if not any(x.startswith(("_", ".")) for x in f.relative_to(root/"nbs").parts): shutil.copy(f, out/f.name)
    return out

if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    if what in ("readme", "all"): write_readme(); print("wrote README.md")
    if what in ("site", "all"): print(f"wrote {build_site()}/")
