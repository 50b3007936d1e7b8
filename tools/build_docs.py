"""Build the docs without quarto: `README.md` from `nbs/index.ipynb`, and a static site in `_docs/`.

    python tools/build_docs.py readme      # README.md from nbs/index.ipynb
    python tools/build_docs.py site        # _docs/: every notebook, processed by nbdev, rendered by nbconvert
    python tools/build_docs.py             # both

`nbdev_docs` builds the full quarto site for users who have quarto (no package registry carries it). This
script is the build tool for everyone else: it runs nbdev's own processing step (the one that runs before
quarto: directives such as `#| hide` and `#| export` are honoured, `show_doc` tables are made), then
renders every notebook with nbconvert into one page each, with an index page and a navigation bar. It is
not part of the library, so the runtime never needs nbconvert.
"""
from __future__ import annotations
import html, json, re, shutil, sys
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

def _page(nb_path, html_in: str, pages: list[tuple[str, str]], current: str) -> str:
    links = "\n".join(f'<a href="{href}"{" class=current" if href == current else ""}>{html.escape(t)}</a>' for t, href in pages)
    nav = f'<nav class="sc-nav"><h3><a href="index.html">Sleepy Coder</a></h3>\n{links}\n</nav>'
    out = html_in.replace("</head>", _STYLE + "\n</head>", 1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + nav, out, count=1)

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
    pages = [(_title(p), "index.html" if p.name == "index.ipynb" else p.relative_to(root/"nbs").with_suffix(".html").as_posix().replace("/", "__"))
             for p in nbs]
    from traitlets.config import Config
    exporter = HTMLExporter(template_name="lab", extra_loaders=[jinja2.DictLoader({"sc_page.html.j2": _TEMPLATE})],
                            template_file="sc_page.html.j2",
                            config=Config(TagRemovePreprocessor=dict(enabled=True, remove_input_tags={"remove_input"})))
    links = {p.resolve(): href for (_, href), p in zip(pages, nbs)}
    def link(p, target):   # a notebook's link is relative to its folder; the index's, which is also the README, to the repository's root
        for base in (p.parent, root) if p.name == "index.ipynb" else (p.parent,):
            if (base/target).resolve() in links: return links[(base/target).resolve()]
        return target
    tmp = out/".proc"; tmp.mkdir()
    for (title, href), p in zip(pages, nbs):
        proc = NBProcessor(p, FilterDefaults().procs(), rm_directives=True); proc.process()   # nbdev's step before quarto
        write_nb(proc.nb, tmp/p.name)
        nb = nbformat.read(tmp/p.name, as_version=4)
        _title_from_front_matter(nb); _quarto_bits(nb)
        # nbdev's step keeps the notebook's saved widget state (and adds the widgets its doc cells made); without any, no widget scripts
        if not nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state"): nb.metadata.pop("widgets", None)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}, "sc_math": _has_math(nb)})
        body = re.sub(r'href="([^":#?]+\.ipynb)(#[^"]*)?"', lambda m: f'href="{link(p, m[1])}{m[2] or ""}"', body)  # links to notebooks
        (out/href).write_text(_page(p, body, pages, href))
    shutil.rmtree(tmp)
    for f in (root/"nbs").rglob("*.png"):   # pictures notebooks link to
        if not any(x.startswith(("_", ".")) for x in f.relative_to(root/"nbs").parts): shutil.copy(f, out/f.name)
    return out

if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    if what in ("readme", "all"): write_readme(); print("wrote README.md")
    if what in ("site", "all"): print(f"wrote {build_site()}/")
