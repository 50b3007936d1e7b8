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

@pytest.fixture
def jupyterlab(tmp_path):
    "JupyterLab on a free localhost port with a token, serving a folder with a copy of the explore notebook and an empty home"
    work, home = tmp_path/"lab", tmp_path/"home"
    work.mkdir(); home.mkdir()
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
        yield base, token, tmp_path
    finally:
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):   # the server, then its kernels (one process group)
            try: os.killpg(proc.pid, sig)
            except ProcessLookupError: break
            try: proc.wait(wait); break
            except subprocess.TimeoutExpired: pass
        try: os.killpg(proc.pid, signal.SIGKILL)    # kernels the server left behind
        except ProcessLookupError: pass
        log.close()

def test_explorer_in_jupyterlab(browser, jupyterlab):
    "Open the explore notebook, run it, click 'next failure' and see another koan"
    base, token, tmp = jupyterlab
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

def test_docs_site_in_browser(browser, tmp_path):
    "Build the site; every page loads with its title and navigation, its pictures and links, and no uncaught exception"
    site = build_site(ROOT, tmp_path/"site")
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
        problems += [f"{f.name}: {e}" for e in errors] + [f"{f.name}: picture {b} does not load" for b in broken]
        problems += [f"{f.name}: link to {d}, which is not in the site" for d in dead]
        page.close()
    assert not problems, "\n".join(problems)
