"""The docs: README is the index notebook, and every notebook processes with nbdev and renders to HTML."""
import json, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/"tools"))
from build_docs import readme_text, build_site
NBS = sorted(p for p in (ROOT/"nbs").rglob("*.ipynb") if not p.name.startswith("_") and "_proc" not in p.parts)

def test_readme_comes_from_index():
    assert (ROOT/"README.md").read_text() == readme_text(ROOT/"nbs"/"index.ipynb"), "run: python tools/build_docs.py readme"

def test_library_matches_notebooks(tmp_path):
    "nbdev_export in a scratch copy changes nothing: the .py files are what the notebooks say"
    import shutil
    for p in ("nbs", "settings.ini", "sleepy_coder"): (shutil.copytree if (ROOT/p).is_dir() else shutil.copy)(ROOT/p, tmp_path/p)
    subprocess.run([sys.executable, "-c", "from nbdev.doclinks import nbdev_export; nbdev_export()"], cwd=tmp_path, check=True)
    for f in (ROOT/"sleepy_coder").glob("*.py"):
        assert (tmp_path/"sleepy_coder"/f.name).read_text() == f.read_text(), f"{f.name} differs from its notebook"

def test_notebooks_process_and_render(tmp_path):
    from nbdev.process import NBProcessor
    from nbdev.processors import FilterDefaults
    from nbconvert import HTMLExporter
    import nbformat
    for nb in NBS:
        out = tmp_path/nb.name
        NBProcessor(nb, FilterDefaults().procs(), rm_directives=True).process()  # nbdev's own processing step
        proc = NBProcessor(nb, FilterDefaults().procs()); proc.process()
        from execnb.nbio import write_nb
        write_nb(proc.nb, out)
        html, _ = HTMLExporter().from_notebook_node(nbformat.read(out, as_version=4))
        title = json.loads(nb.read_text())["cells"][0]["source"]
        title = (title if isinstance(title, str) else "".join(title)).splitlines()[0].lstrip("# ").strip()
        assert len(html) > 1000 and title.split("`")[0][:20] in html, nb.name
