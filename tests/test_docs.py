"""The docs: README is the index notebook, and every notebook processes with nbdev and renders to HTML."""
import json, os, re, subprocess, sys
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

def _readme_sections() -> list[str]:
    return re.findall(r"(?m)^## (.+)$", (ROOT/"README.md").read_text())

def test_readme_starts_with_the_quick_start():
    "A newcomer reads how to try it first: quick start, the main job, what it is, then where the results live"
    heads = _readme_sections()
    assert heads[:4] == ["Quick start", "The main job", "What this is", "Measured so far"], heads
    text = (ROOT/"README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "sleepy-coder eval --model tiny-random --limit 3" in quick and "```text\nrun 'tiny-random-frozen30-l3-" in quick
    assert re.search(r"It took \d+ s of wall time on a 2-core CPU .*load average", quick, re.S)
    main = text.split("## The main job", 1)[1].split("\n## ", 1)[0]
    assert "sleepy-coder eval --model qwen2.5-coder-0.5b" in main and "50 minutes, and 11 of 30" in main and "under heavy load" in main
    assert "The sandbox" in heads   # its content is another issue's

def test_campaign_history_lives_in_gpu_results():
    "The README summarises the GPU campaigns and links to them; the campaign tables are in experiments/gpu_results"
    text = (ROOT/"README.md").read_text()
    gpu = "\n".join("".join(c["source"]) for c in json.loads((ROOT/"nbs"/"experiments"/"gpu_results.ipynb").read_text())["cells"])
    for c in ("third", "fourth", "fifth", "sixth", "seventh", "eighth"):
        assert f"**The {c} campaign**" not in text and f"**The {c} campaign**" in gpu, c
    assert "[Results on the GPU](nbs/experiments/gpu_results.ipynb)" in text
    assert len(text.splitlines()) < 360   # a page to read, not the campaigns (they were about 180 lines)

def test_readme_weights_match_the_code():
    "The weights section names each alias's chunk packages, versions, sizes and sha256 as `models.ALIASES` has them"
    from sleepy_coder.models import ALIASES, disk_size
    text = (ROOT/"README.md").read_text()
    sec = text.split("## The weights", 1)[1].split("\n## ", 1)[0]
    for name, spec in ALIASES.items():
        first, last = spec.dist.format(i=1), spec.dist.format(i=spec.parts)
        row = next(l for l in sec.splitlines() if l.startswith(f"| `{name}` |"))
        assert f"`{first}` … `{last}`, version {spec.version}" in row and f"{spec.size:,} bytes" in row, row
        assert spec.sha256 in sec, name
    assert "never imports" in sec and "importlib.metadata" in sec and "sha256" in sec
    assert f"the chunk packages take {disk_size(sum(s.size for s in ALIASES.values()))}" in sec

@pytest.mark.slow
def test_readme_smoke_output(tmp_path):
    "The smoke test prints what the README shows, timings and paths aside (about a minute: `pytest -m slow`)"
    text = (ROOT/"README.md").read_text()
    shown = text.split("## Quick start", 1)[1].split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    env = {**os.environ, "SLEEPY_CODER_HOME": str(tmp_path/"home")}
    out = subprocess.run([sys.executable, "-m", "sleepy_coder.cli", "eval", "--model", "tiny-random", "--limit", "3"], env=env,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    out = [l for l in out if l.strip()]
    norm = lambda l: re.sub(r"\d+(\.\d+)? s\b", "N s", re.sub(r"(results|episodes): \S+", r"\1: PATH", l)).rstrip()
    assert [norm(l) for l in out] == [norm(l) for l in shown], "\n".join(out)
