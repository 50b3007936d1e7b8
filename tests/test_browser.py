"""In a real browser: the explorer notebook run in JupyterLab, and every page of the docs site.

Debian's Chromium (`apt-get install -y chromium`) driven by Playwright for Python (`pip install playwright`;
no browser download: it is launched from /usr/bin/chromium). Screenshots go to the test's tmp folder; with
`SLEEPY_CODER_SCREENSHOT=1` (or when it is missing) the explorer's also replaces `nbs/explorer.png`, the
picture the docs show.
"""
import json, os, re, secrets, shutil, signal, socket, subprocess, sys, time, urllib.parse, urllib.request
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]   # --no-sandbox: CI runs as root
if not Path(CHROMIUM).exists(): pytest.skip(f"no {CHROMIUM}: apt-get install -y chromium", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install playwright")
sys.path.insert(0, str(ROOT/"tools"))
from build_docs import build_site, notebooks, _title

@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()

def _free_port() -> int:
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

def _fill_home(home: Path):
    "An episode database of ordinary runs (not cycles) of three corpus koans: `base`, then `tuned`, both finished, then `stopped`, interrupted"
    from sleepy_coder.episodes import EpisodeStore
    from sleepy_coder.eval import evaluate
    from sleepy_coder.koans import load_koans
    from sleepy_coder.testing import ScriptedPolicy, quick_harness
    ks = load_koans()[0]; bc, mt, nm = ks["bc_001"], ks["mt_001"], ks["nm_001"]
    fence = lambda code: "```rust\n" + code + "```"
    replies = {"base": {bc.id: fence(bc.buggy), mt.id: "I am not sure.", nm.id: fence(nm.buggy)},
               "tuned": {bc.id: fence(bc.fixed), mt.id: "```rust\n// add `mut` to the Vec\n```", nm.id: fence(nm.buggy)}}
    store, harness = EpisodeStore(home/"episodes.sqlite"), quick_harness()
    for run, by_koan in replies.items():
        def reply(prompt, by_koan=by_koan):   # the koan whose program the prompt shows
            return next(r for k, r in by_koan.items() if ks[k].buggy.strip() in prompt)
        evaluate([bc, mt, nm], ScriptedPolicy(reply=reply), harness, store, run, attempts=1, progress=False)
    store.start_run("stopped", {}, "tiny-random")   # created last, never ended
    return {"koans": (bc, mt, nm)}

def _lab(tmp_path, fill=None):
    "JupyterLab on a free localhost port with a token, serving a folder with a copy of the explore notebook and a home (empty, or `fill`ed)"
    work, home = tmp_path/"lab", tmp_path/"home"
    work.mkdir(); home.mkdir()
    info = fill(home) if fill else {}
    shutil.copy(ROOT/"nbs"/"explore.ipynb", work)
    if (ROOT/"nbs"/"explorer.png").exists(): shutil.copy(ROOT/"nbs"/"explorer.png", work)   # the picture it shows
    (tmp_path/"jcfg"/"labconfig").mkdir(parents=True)   # no "news" pop-up over the page
    (tmp_path/"jcfg"/"labconfig"/"page_config.json").write_text(json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    port, token = _free_port(), secrets.token_hex(16)
    # Jupyter's own folders in tmp too: no user settings, workspaces or kernelspecs (a user's `python3` could be another Python)
    env = {**os.environ, "SLEEPY_CODER_HOME": str(home), "JUPYTER_CONFIG_DIR": str(tmp_path/"jcfg"), "JUPYTER_DATA_DIR": str(tmp_path/"jdata"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path/"jrun"), "JUPYTERLAB_SETTINGS_DIR": str(tmp_path/"jset"), "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path/"jws"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    log = open(tmp_path/"jupyterlab.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}", "--ServerApp.ip=127.0.0.1",
                             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}", "--LabApp.expose_app_in_browser=True",
                             "--ServerApp.port_retries=0"], env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            if proc.poll() is not None: pytest.fail(f"JupyterLab exited ({proc.returncode}): {(tmp_path/'jupyterlab.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200: break
            except OSError: pass
            if time.time() > deadline: pytest.fail("JupyterLab did not answer within 90 s")
            time.sleep(0.5)
        yield base, token, tmp_path, info
    finally:
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):   # the server, then its kernels (one process group)
            try: os.killpg(proc.pid, sig)
            except ProcessLookupError: break
            try: proc.wait(wait); break
            except subprocess.TimeoutExpired: pass
        try: os.killpg(proc.pid, signal.SIGKILL)    # kernels the server left behind
        except ProcessLookupError: pass
        log.close()

@pytest.fixture
def jupyterlab(tmp_path):
    "JupyterLab on the explore notebook with an empty home: it opens the demo database"
    yield from _lab(tmp_path)

@pytest.fixture
def jupyterlab_runs(tmp_path):
    "JupyterLab on the explore notebook with a home holding ordinary runs"
    yield from _lab(tmp_path, _fill_home)

def _open_explore(browser, base, token, tmp):
    "Open and run the explore notebook; the page, once the explorer shows its position or a cell failed"
    page = browser.new_page(viewport={"width": 1280, "height": 2000})
    page.set_default_timeout(60_000)
    page.goto(f"{base}/lab/tree/explore.ipynb?token={token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget && "
                           "window.jupyterapp.shell.currentWidget.sessionContext && "
                           "window.jupyterapp.shell.currentWidget.sessionContext.session && "
                           "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel", timeout=90_000)
    page.evaluate("() => { window.jupyterapp.shell.collapseLeft(); window.jupyterapp.shell.collapseRight(); "
                  "return window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    where = page.locator(".sc-explorer .sc-where")
    # the explorer shows its position ("1 of 2"), or a cell fails with a traceback
    try: page.wait_for_function("""() => { const w = document.querySelector('.sc-explorer .sc-where');
        return (w && w.innerText.includes(' of ')) || [...document.querySelectorAll('.jp-OutputArea-output')].some(o => o.innerText.includes('Traceback')); }""",
                                timeout=120_000)
    finally: page.screenshot(path=str(tmp/"explore-notebook.png"), full_page=True)
    tb = [t for t in page.locator(".jp-OutputArea-output").all_inner_texts() if "Traceback" in t]
    assert not tb, f"the explore notebook failed:\n{tb[0][-3000:]}"
    return page

def test_explorer_in_jupyterlab(browser, jupyterlab):
    "Open the explore notebook, run it, click 'next failure' and see another koan"
    base, token, tmp, _ = jupyterlab
    page = _open_explore(browser, base, token, tmp)
    where = page.locator(".sc-explorer .sc-where")
    before, program = where.inner_text(), page.locator(".sc-explorer .sc-program").inner_text()
    assert re.search(r"\d+ of \d+", before) and "fn main" in program, (before, program)
    page.locator(".sc-explorer").screenshot(path=str(tmp/"explorer-first.png"))
    page.get_by_role("button", name="next failure").click()
    page.wait_for_function("b => document.querySelector('.sc-explorer .sc-where').innerText !== b", arg=before, timeout=30_000)
    page.wait_for_function("p => document.querySelector('.sc-explorer .sc-program').innerText !== p", arg=program, timeout=10_000)
    after = where.inner_text()
    assert after != before and after.split()[0] != before.split()[0], (before, after)
    assert page.locator(".sc-explorer .sc-program").inner_text() != program
    shot = tmp/"explorer-next.png"
    page.locator(".sc-explorer").screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    docs_png = ROOT/"nbs"/"explorer.png"
    if os.environ.get("SLEEPY_CODER_SCREENSHOT") == "1" or not docs_png.exists(): shutil.copy(shot, docs_png)
    page.close()

def _changed(page, selector, before, timeout=30_000):
    "Wait until the text of `selector` is no longer `before`; the new text"
    page.wait_for_function("([s, b]) => { const e = document.querySelector(s); return e && e.innerText !== b; }", arg=[selector, before], timeout=timeout)
    return page.locator(selector).inner_text()

def test_explorer_on_ordinary_runs(browser, jupyterlab_runs):
    "Ordinary runs: it opens on the last finished run; the reply beside the program, the reason explained; filters by code and family;"
    " a per-family chart; a run beside it; 'fix with model' with tiny-random on the CPU; the plot below is not empty and warns of nothing"
    base, token, tmp, info = jupyterlab_runs
    bc, mt, nm = info["koans"]
    page = _open_explore(browser, base, token, tmp)
    ex = ".sc-explorer"
    # every cell has run: no prompt is left at [*]
    page.wait_for_function("() => [...document.querySelectorAll('.jp-InputPrompt')].every(p => !p.innerText.includes('*'))", timeout=120_000)
    run = page.locator(f"{ex} .sc-run select")
    assert run.input_value() == "tuned" or run.locator("option:checked").inner_text() == "tuned", run.locator("option:checked").inner_text()
    assert "stopped (unfinished)" in [o.replace("\xa0", " ") for o in run.locator("option").all_inner_texts()]   # ipywidgets writes no-break spaces
    where = f"{ex} .sc-where"
    assert "1 of 2" in page.locator(where).inner_text()
    # the reply, beside the program taken from it, and what "no Rust code block (found rust)" means
    page.locator(f"{ex} .sc-koan select").select_option(label=mt.id)
    text = page.wait_for_function(f"() => document.querySelector('{where}').innerText.includes('{mt.id}')")
    attempts = page.locator(f"{ex} .sc-attempts")
    assert "// add `mut` to the Vec" in attempts.locator(".sc-reply").first.inner_text()
    assert "no candidate: no Rust code block (found rust)" in attempts.locator(".sc-candidate").first.inner_text()
    why = page.locator(f"{ex} .sc-failure-why").inner_text()
    assert "the reply has a `rust` block, but none holds a function (`fn name`), so no program was taken from it" in why, why
    # filters: by error code, then by family
    before = page.locator(where).inner_text()
    page.locator(f"{ex} .sc-code-filter select").select_option(label=nm.error_codes[0])
    after = _changed(page, where, before)
    assert nm.id in after and "1 of 1" in after, after
    page.locator(f"{ex} .sc-code-filter select").select_option(label="all")
    before = _changed(page, where, after)
    page.locator(f"{ex} .sc-family-filter select").select_option(label=mt.family)
    after = _changed(page, where, before)
    assert mt.id in after and "1 of 1" in after, after
    page.locator(f"{ex} .sc-family-filter select").select_option(label="all")
    _changed(page, where, after)
    # the per-family chart, then the same with a second run beside this one
    bars = page.locator(f"{ex} .sc-family .sc-bar")
    assert bars.count() == 3 and {bars.nth(i).get_attribute("title") for i in range(3)} == {"tuned: 1/1", "tuned: 0/1"}
    page.locator(f"{ex} .sc-other select").select_option(label="base")
    page.wait_for_function(f"() => document.querySelectorAll('{ex} .sc-family .sc-bar').length === 6 && "
                           f"document.querySelector('{ex} .sc-compare').innerText.includes('gained') && "
                           f"document.querySelector('{ex} .sc-attempts .sc-side')")
    assert "gained 1, lost 0" in page.locator(f"{ex} .sc-compare").inner_text()
    side = page.locator(f"{ex} .sc-attempts .sc-side")
    assert side.locator(".sc-left b").first.inner_text() == "tuned" and side.locator(".sc-right b").first.inner_text() == "base"
    page.locator(ex).screenshot(path=str(tmp/"explorer-beside.png"))
    # fix with model: nothing was passed to explore(); the button loads tiny-random here, on the CPU
    fix = page.get_by_role("button", name="fix with model")
    assert fix.is_enabled() and page.locator(f"{ex} .sc-model select").input_value() is not None
    assert "tiny-random" in page.locator(f"{ex} .sc-model option").all_inner_texts()
    page.locator(f"{ex} .sc-model select").select_option(label="tiny-random")
    fix.click()
    page.wait_for_function(f"() => document.querySelector('{ex} .sc-result').innerText.includes(\"the model's attempts\") || "
                           f"document.querySelector('{ex} .sc-model-info').innerText.includes('rror')", timeout=180_000)
    info_text = page.locator(f"{ex} .sc-model-info").inner_text()
    assert re.search(r"tiny-random loaded on (cpu|cuda)", info_text), info_text
    assert "Attempt 1" in page.locator(f"{ex} .sc-result").inner_text()
    # below the explorer: a picture (the per-family rates, as these runs are not cycles), and no warning
    outs = page.locator(".jp-OutputArea-output")
    assert not [t for t in outs.all_inner_texts() if "Warning" in t or "No artists" in t]
    assert page.locator(".jp-OutputArea-output img").count() >= 1
    page.close()

PROMPT = re.compile(r"\b(In|Out)\s*\[\s*\d*\s*\]:")   # nbconvert's execution prompts, "In [ ]:" and "Out[0]:"
GROUP_ORDER = ["Koans", "The judge", "Models", "The day", "Episodes and evaluation", "The night", "The cycle", "Tools", "Experiments"]
GROUPED = {"00_koans.html": "Koans", "10_sandbox.html": "The judge", "15_synth.html": "The judge", "20_models.html": "Models",
           "32_agent.html": "The day", "40_episodes.html": "Episodes and evaluation", "50_eval.html": "Episodes and evaluation",
           "61_lora.html": "The night", "76_night.html": "The night", "80_cycle.html": "The cycle", "85_distributed.html": "The cycle",
           "90_explorer.html": "Tools", "99_cli.html": "Tools", "experiments__gpu_results.html": "Experiments"}

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    "The docs site, built once for the tests that read it"
    return build_site(ROOT, tmp_path_factory.mktemp("docs")/"site")

def test_docs_site_in_browser(browser, site):
    "Build the site; every page loads with its title and navigation, its pictures and links, and no uncaught exception"
    nbs = notebooks(ROOT)
    pages = sorted(site.glob("*.html"))
    assert len(pages) == len(nbs) and (site/"explorer.png").exists()
    titles = {("index.html" if p.name == "index.ipynb" else p.relative_to(ROOT/"nbs").with_suffix(".html").as_posix().replace("/", "__")): _title(p)
              for p in nbs}
    problems = []
    for f in pages:
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
        # this machine may be offline: a CDN script (MathJax on a page with math) that can't load is not the page's fault
        page.on("console", lambda m: m.type == "error" and not (m.text.startswith("Failed to load resource")
                                                                and m.location.get("url", "").startswith("http")) and errors.append(f"console: {m.text}"))
        page.goto(f.as_uri(), wait_until="load")
        page.wait_for_timeout(100)
        broken = page.evaluate("() => [...document.images].filter(i => i.src.startsWith('file:') && !(i.complete && i.naturalWidth)).map(i => i.src)")
        dead = [h for h in page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href).filter(h => h.startsWith('file:'))")
                if not Path(urllib.request.url2pathname(urllib.parse.urlparse(h).path)).exists()]
        title, links = page.title(), page.locator("nav.sc-nav a").count()
        if title != titles[f.name]: problems.append(f"{f.name}: title {title!r}, expected {titles[f.name]!r}")
        if links != len(nbs) + 1: problems.append(f"{f.name}: {links} navigation links")
        if m := PROMPT.search(page.inner_text("body")): problems.append(f"{f.name}: an execution prompt {m[0]!r}")
        groups = page.evaluate("""() => { let g = null; const out = {};
            for (const e of document.querySelectorAll('nav.sc-nav h4, nav.sc-nav > a')) { if (e.tagName === 'H4') g = e.innerText; else out[e.getAttribute('href')] = g; }
            return out; }""")
        heads = page.locator("nav.sc-nav h4").all_inner_texts()
        if [h.lower() for h in heads] != [h.lower() for h in GROUP_ORDER]: problems.append(f"{f.name}: sidebar groups {heads}")
        problems += [f"{f.name}: {href} is under {groups.get(href)!r}, not {g!r}" for href, g in GROUPED.items()
                     if href in titles and (groups.get(href) or "").lower() != g.lower()]
        problems += [f"{f.name}: {e}" for e in errors] + [f"{f.name}: picture {b} does not load" for b in broken]
        problems += [f"{f.name}: link to {d}, which is not in the site" for d in dead]
        page.close()
    assert not problems, "\n".join(problems)

def test_docs_search(browser, site):
    "The search box finds the pages that hold every word of a query (the last may be cut short), and its results lead there; all offline"
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: r.url.startswith("http") and errors.append(f"fetched {r.url}"))
    page.goto((site/"index.html").as_uri(), wait_until="load")
    box, results = page.locator("nav.sc-nav input.sc-search"), page.locator("nav.sc-nav .sc-results a.sc-result")
    box.fill("backward transfer")
    page.wait_for_function("() => document.querySelectorAll('nav.sc-nav .sc-results a.sc-result').length > 0", timeout=10_000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any(h.startswith(("50_eval.html", "90_explorer.html")) for h in hrefs), hrefs
    target = next(h for h in hrefs if h.startswith(("50_eval.html", "90_explorer.html")))
    page.locator(f'nav.sc-nav .sc-results a[href="{target}"]').click()
    page.wait_for_url(re.compile(re.escape(target.split("#")[0])))
    assert "backward transfer" in page.inner_text("body").lower()
    box = page.locator("nav.sc-nav input.sc-search")   # the new page's box; a prefix of the last word is enough
    box.fill("koan synthes")
    page.wait_for_function("() => document.querySelectorAll('nav.sc-nav .sc-results a.sc-result').length > 0", timeout=10_000)
    assert any(h.startswith("15_synth.html") for h in page.locator("nav.sc-nav .sc-results a.sc-result").evaluate_all("as => as.map(a => a.getAttribute('href'))"))
    box.fill("zzqx nothingmatches")
    page.wait_for_function("() => (document.querySelector('nav.sc-nav .sc-results').innerText || '').includes('no page has all')", timeout=10_000)
    assert not errors, errors
    page.close()
