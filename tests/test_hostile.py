"""Hostile programs against the judge: each is contained, can't game its verdict, and leaves nothing behind.

Every attack runs in each sandbox mode this machine can produce (`harness` is parametrized in conftest),
and the attacks on the judge also run end to end: through `sleepy-coder check` and through the eval
path with a scripted model that replies with the hostile program. Leftover checks look only at what the
test itself made: processes and files carry a marker unique to this test run, and IPC objects are
compared by owner before and after.
"""
import json, os, random, shutil, socket, stat, subprocess, sys, textwrap, time, pytest
from pathlib import Path
from sleepy_coder.koans import Koan, koan_toml
from sleepy_coder.sandbox import _pids, SandboxError, Sandbox
from sleepy_coder.rustc import Harness, Rustc, refusal
from conftest import LIMITS, sandbox_for

MARK = f"sleepyhostile{os.getpid()}r{random.randrange(10**6)}"
ROOT = os.geteuid() == 0

# The koan the attacks pretend to fix: `double` must double, main prints 42, and the tests check double(5).
KOAN = Koan(id="fc_990", family="function_calls", title="double is called with the wrong type", error_codes=["E0308"],
            buggy='fn double(x: i32) -> i32 { x * 2 }\nfn main() { println!("{}", double(21u8)); }\n',
            fixed='fn double(x: i32) -> i32 { x * 2 }\nfn main() { println!("{}", double(21)); }\n',
            expected_stdout="42\n", tests="#[test]\nfn doubles_five() { assert_eq!(double(5), 10); }\n#[test]\nfn doubles_zero() { assert_eq!(double(0), 0); }\n")

@pytest.fixture(scope="module")
def koan_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("koans")
    (d/"function_calls").mkdir(); (d/"function_calls"/"fc_990.toml").write_text(koan_toml(KOAN))
    return d

def mode(h): return h.rustc.sandbox.mode

def contained(h): return mode(h) in ("ns", "userns", "uid")

# ---------- what a test made, and whether any of it is left ----------

def marked_processes():
    out = []
    for p in _pids():
        try: cmd = Path(f"/proc/{p}/cmdline").read_bytes()
        except OSError: continue
        if MARK.encode() in cmd: out.append(p)
    return out

WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
def marked_files(): return [str(p) for d in WRITABLE if os.path.isdir(d) for p in Path(d).iterdir() if MARK in p.name]

def ipc_owners(h):
    sb = h.rustc.sandbox
    return set(sb.uids) if sb.mode in ("ns", "uid") else {os.getuid()}

def ipc_all(h):
    owners = ipc_owners(h); out = set()
    for kind, col in (("shm", 7), ("msg", 7), ("sem", 4)):
        try: lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        except OSError: continue
        for l in lines:
            f = l.split()
            if len(f) > col and int(f[col]) in owners: out.add((kind, int(f[1])))
    return out

@pytest.fixture
def clean(harness):
    "Fails the test if a marked process or file, or a new IPC object of the sandbox's owners, is left"
    before_ipc = ipc_all(harness)
    yield
    if mode(harness) == "none":   # opted out of isolation: leftovers are expected; tidy up what the test made
        for f in marked_files(): os.unlink(f)
        for p in marked_processes(): os.kill(p, 9)
        return
    deadline = time.monotonic() + 2
    while marked_processes() and time.monotonic() < deadline: time.sleep(0.05)
    assert not marked_processes(), f"processes left running: {marked_processes()}"
    assert not marked_files(), f"files left behind: {marked_files()}"
    if contained(harness): assert ipc_all(harness) <= before_ipc, f"IPC objects left: {ipc_all(harness) - before_ipc}"

# ---------- the three ways in: the harness, `sleepy-coder check`, the eval path ----------

def check_cli(h, prog: str, koan_dir, tmp_path):
    "`sleepy-coder check` in a process of its own, in the harness's sandbox mode"
    f = tmp_path/"candidate.rs"; f.write_text(prog)
    env = dict(os.environ, SLEEPY_CODER_HOME=str(tmp_path/"home"))
    if mode(h) not in ("ns", "userns"): env["SLEEPY_CODER_TEST_NO_NAMESPACES"] = "1"
    extra = ["--allow-unsandboxed"] if mode(h) == "none" else []
    r = subprocess.run([sys.executable, "-m", "sleepy_coder.cli", "check", str(f), "--koan", KOAN.id, "--koans", str(koan_dir),
                        "--json", "--no-cache", *extra], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode in (0, 1), r.stderr
    v = json.loads(r.stdout)
    assert (r.returncode == 0) == v["passed"]
    return v

def eval_path(h, prog: str, tmp_path):
    "The eval path: a scripted policy replies with `prog`; the stored episode says whether it passed"
    from sleepy_coder.testing import ScriptedPolicy, FENCE
    from sleepy_coder.eval import evaluate
    from sleepy_coder.episodes import EpisodeStore
    store = EpisodeStore(tmp_path/"e.sqlite")
    rid = evaluate([KOAN], ScriptedPolicy([FENCE + prog + "```"]), h, store, "hostile", attempts=1, progress=False)
    return bool(store.episodes(rid).passed.iloc[0])

def not_passed_anywhere(h, prog, koan_dir, tmp_path):
    "The hostile program fails through the harness, through `check` and through the eval path; the harness's verdict"
    v = h.verdict(prog, KOAN.expected_stdout, KOAN.tests)
    assert not v.passed, v.reason
    assert not check_cli(h, prog, koan_dir, tmp_path)["passed"]
    assert not eval_path(h, prog, tmp_path)
    return v

def unscreened(h):
    "The same sandbox without the judge's screening: containment must hold on its own"
    return Harness(h.rustc, screen=False)

# ---------- sanity: the judge passes a real fix, everywhere ----------

def test_a_real_fix_passes(harness, koan_dir, tmp_path, clean):
    v = harness.verdict(KOAN.fixed, KOAN.expected_stdout, KOAN.tests)
    assert v.passed and v.tests_passed, v.reason
    assert check_cli(harness, KOAN.fixed, koan_dir, tmp_path)["passed"]
    assert eval_path(harness, KOAN.fixed, tmp_path)

def test_failed_tests_are_named(harness, clean):
    prog = 'fn double(x: i32) -> i32 { if x == 5 { 11 } else { x * 2 } }\nfn main() { println!("{}", double(21)); }\n'
    v = harness.verdict(prog, KOAN.expected_stdout, KOAN.tests)
    assert not v.passed and v.reason == "tests failed: doubles_five", v.reason

# ---------- 1. nothing the harness writes or reads can be redirected ----------

PLANT = textwrap.dedent("""
use std::path::PathBuf;
fn double(x: i32) -> i32 { x + 2 }
fn plant(dir: &PathBuf) {
    for name in ["main.rs", "tests.rs", "main", "tests", "libkoan.rmeta"] {
        let p = dir.join(name);
        let _ = std::fs::remove_file(&p);
        let _ = std::os::unix::fs::symlink("TARGET", &p);
        let _ = std::process::Command::new("/usr/bin/mkfifo").arg(dir.join(format!("{}.fifo", name))).status();
        let _ = std::fs::create_dir(dir.join(format!("{}.d", name)));
    }
}
fn main() {
    let exe = std::env::current_exe().unwrap_or_default();
    let mut dirs = vec![std::env::current_dir().unwrap_or_default()];
    let mut d = exe.clone();
    for _ in 0..3 { d.pop(); dirs.push(d.clone()); for s in ["src", "build", "bin"] { dirs.push(d.join(s)); } }
    for d in &dirs { plant(d); }
    println!("{}", double(40));
}
""")

def test_planted_links_fifos_and_folders_redirect_nothing(harness, koan_dir, tmp_path, clean):
    secret = tmp_path/"rootonly"; secret.mkdir(mode=0o700); target = secret/"target"
    target.write_text("original\n"); os.chmod(target, 0o600)
    prog = PLANT.replace("TARGET", str(target))
    t0 = time.monotonic()
    v = not_passed_anywhere(harness, prog, koan_dir, tmp_path)
    assert time.monotonic() - t0 < 120 and v.ran, v.reason        # no FIFO hangs the judge, no folder aborts it
    assert target.read_text() == "original\n" and stat.S_IMODE(target.stat().st_mode) == 0o600

def test_a_run_cannot_replace_the_test_binary(harness, koan_dir, tmp_path, clean):
    prog = textwrap.dedent("""
    fn double(x: i32) -> i32 { x + 2 }
    fn main() {
        let exe = std::env::current_exe().unwrap_or_default();
        let t = exe.with_file_name("tests");
        let fake = "#!/bin/sh\\necho 'test result: ok. 2 passed; 0 failed; 0 ignored;'\\n";
        let _ = std::fs::remove_file(&t);
        let _ = std::fs::write(&t, fake);
        println!("{}", double(40));
    }""")
    v = not_passed_anywhere(harness, prog, koan_dir, tmp_path)
    assert v.tests_passed is False, v.reason

# ---------- 2. every process an attempt starts dies with it ----------

DAEMON = textwrap.dedent("""
use std::os::unix::process::CommandExt;
fn double(x: i32) -> i32 { x + 2 }
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() > 1 && args[1] == "child" {
        std::thread::sleep(std::time::Duration::from_secs(120));
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let _ = std::process::Command::new(&exe).arg0("MARK").arg("child").spawn();
    let _ = std::process::Command::new("/usr/bin/setsid").arg0("MARK").args(["-f", "/usr/bin/sleep", "120"]).spawn();
    println!("{}", double(40));
}
""").replace("MARK", MARK)

def test_orphans_and_new_sessions_die_with_the_attempt(harness, koan_dir, tmp_path, clean):
    not_passed_anywhere(harness, DAEMON, koan_dir, tmp_path)

ZOMBIE_LEADER = textwrap.dedent("""
use std::os::unix::process::CommandExt;
extern "C" { fn syscall(n: i64, ...) -> i64; }
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() > 1 && args[1] == "child" {
        std::thread::spawn(|| loop { std::thread::sleep(std::time::Duration::from_secs(1)); });
        std::thread::sleep(std::time::Duration::from_millis(50));
        unsafe { syscall(60, 0i64); }   // SYS_exit: only the main thread ends, its leader shows as a zombie
    }
    let exe = std::env::current_exe().unwrap();
    let _ = std::process::Command::new(&exe).arg0("MARK").arg("child").spawn();
    std::thread::sleep(std::time::Duration::from_millis(200));
    println!("42");
}
""").replace("MARK", MARK)

def test_a_zombie_leader_with_live_threads_is_reaped(harness, clean):
    assert refusal(ZOMBIE_LEADER), "unsafe code is refused by the judge"
    if not contained(harness): pytest.skip("no reaper without namespaces or a throwaway uid")
    v = unscreened(harness).verdict(ZOMBIE_LEADER, "42\n")
    assert v.ran, v.reason

def test_throwaway_uids_are_not_reused_while_alive(harness):
    sb = harness.rustc.sandbox
    if sb.mode not in ("ns", "uid"): pytest.skip("no throwaway uids in this mode")
    seen = set()
    for _ in range(5):
        with sb.slot() as uid: assert uid not in seen; seen.add(uid)

# ---------- 3. no passing without fixing ----------

def test_the_koan_files_are_out_of_reach(harness, koan_dir, tmp_path, clean):
    "The koan's own file is never readable; the corpus (world-readable on disk) is hidden wherever there is a mount namespace"
    paths = {"koan": koan_dir/"function_calls"/"fc_990.toml", "corpus": Path(__file__).resolve().parents[1]/"data"/"koans"/"borrow_checker"/"bc_001.toml"}
    reads = "".join(f'    if let Ok(s) = std::fs::read_to_string("{p}") {{ if let Some(i) = s.find("expected_stdout") {{ print!("{name}: {{}}", &s[i..]); }} }}\n'
                    for name, p in paths.items())
    prog = "fn double(x: i32) -> i32 { x + 2 }\nfn main() {\n" + reads + '    println!("{}", double(40));\n}\n'
    v = not_passed_anywhere(harness, prog, koan_dir, tmp_path)
    if mode(harness) != "none": assert "koan: " not in v.stdout, v.stdout
    if mode(harness) in ("ns", "userns"): assert "corpus: " not in v.stdout, v.stdout

GAMES = {
    "shadowed assert_eq": "macro_rules! assert_eq { ($($t:tt)*) => {} }\nfn double(x: i32) -> i32 { x + 2 }\nfn main() { println!(\"{}\", double(40)); }\n",
    "exported shadow": "#[macro_export]\nmacro_rules! assert_eq { ($($t:tt)*) => {} }\nfn double(x: i32) -> i32 { x + 2 }\nfn main() { println!(\"{}\", double(40)); }\n",
    "cfg(test) exit": "fn double(x: i32) -> i32 { if cfg!(test) { std::process::exit(0) } x + 2 }\nfn main() { println!(\"{}\", double(40)); }\n",
    "args sniffing exit": "fn double(x: i32) -> i32 { if std::env::args().count() > 1 || x == 5 { std::process::exit(0) } x + 2 }\nfn main() { println!(\"{}\", double(40)); }\n",
    "thread-name exit": "fn double(x: i32) -> i32 { if std::thread::current().name().map_or(false, |n| n.contains(\"doubles\")) { std::process::exit(0) } x + 2 }\nfn main() { println!(\"{}\", double(40)); }\n",
    "forged summary": "use std::io::Write;\nfn double(x: i32) -> i32 { if x != 40 { let _ = std::io::stdout().write_all(b\"\\ntest result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\\n\"); std::process::exit(0) } x + 2 }\nfn main() { println!(\"{}\", double(40)); }\n",
    "panic hook exit": "fn double(x: i32) -> i32 { std::panic::set_hook(Box::new(|_| std::process::exit(0))); x + 2 }\nfn main() { println!(\"{}\", double(40)); }\n",
    "extra test": "fn double(x: i32) -> i32 { x + 2 }\n#[test]\nfn mine() {}\nfn main() { println!(\"{}\", double(40)); }\n",
    "ignore via cfg_attr": "fn double(x: i32) -> i32 { x + 2 }\n#[cfg_attr(test, allow(unused))]\nfn main() { println!(\"{}\", double(40)); }\n",
    "its own koan_tests": "fn double(x: i32) -> i32 { x + 2 }\nmod koan_tests {}\nfn main() { println!(\"{}\", double(40)); }\n",
    "shadowed Some": "fn double(x: i32) -> i32 { x + 2 }\n#[allow(non_snake_case)]\nfn Some(x: i32) -> i32 { x }\nfn main() { println!(\"{}\", double(40)); }\n",
    "crate-level no_std": "#![no_implicit_prelude]\nfn double(x: i32) -> i32 { x + 2 }\nfn main() { ::std::println!(\"{}\", double(40)); }\n",
    "abort in tests": "fn double(x: i32) -> i32 { if x == 5 { std::process::abort() } x + 2 }\nfn main() { println!(\"{}\", double(40)); }\n",
}

@pytest.mark.parametrize("game", GAMES)
def test_tests_cannot_be_switched_off(harness, koan_dir, tmp_path, clean, game):
    "Every way of making the tests pass without fixing `double` fails, with and without the screening"
    prog = GAMES[game]
    not_passed_anywhere(harness, prog, koan_dir, tmp_path)
    v = unscreened(harness).verdict(prog, KOAN.expected_stdout, KOAN.tests)
    assert not v.passed, (game, v.reason)

# ---------- 4. no state left behind ----------

STATE = textwrap.dedent("""
fn double(x: i32) -> i32 { x + 2 }
fn main() {
    for args in [vec!["-M", "629145600"], vec!["-Q"], vec!["-S", "4"]] {
        let _ = std::process::Command::new("/usr/bin/ipcmk").args(&args).status();
    }
    for d in ["/tmp", "/var/tmp", "/dev/shm", "/run/lock"] {
        let _ = std::fs::write(format!("{}/MARK", d), "left behind");
    }
    println!("{}", double(40));
}
""").replace("MARK", MARK)

def test_ipc_objects_and_shared_folders_are_left_clean(harness, koan_dir, tmp_path, clean):
    if not contained(harness): pytest.skip("nothing is cleaned up without namespaces or a throwaway uid")
    not_passed_anywhere(harness, STATE, koan_dir, tmp_path)

def test_state_does_not_reach_the_next_attempt(harness, clean):
    if mode(harness) not in ("ns", "userns"): pytest.skip("shared folders are only private with namespaces")
    w = f'fn main() {{ let _ = std::fs::write("/run/lock/{MARK}", "x"); let _ = std::fs::write("/tmp/{MARK}", "x"); println!("done"); }}'
    r = f'fn main() {{ println!("{{}} {{}}", std::path::Path::new("/run/lock/{MARK}").exists(), std::path::Path::new("/tmp/{MARK}").exists()); }}'
    harness.verdict(w)
    assert harness.verdict(r).stdout.split() == ["false", "false"]

# ---------- 5. the compiler never runs as root, and reads nothing it shouldn't ----------

def test_compile_time_secrets_are_out_of_reach(harness, tmp_path, clean):
    if mode(harness) == "none": pytest.skip("no isolation in the opted-out mode")
    secret = tmp_path/"rootonly2"; secret.mkdir(mode=0o700); (secret/"s").write_text("hunter2"); os.chmod(secret/"s", 0o600)
    for path in [secret/"s", "/etc/shadow"]:
        v = harness.verdict(f'fn main() {{ println!("{{}}", include_str!("{path}")); }}')
        assert not v.compiled and "hunter2" not in json.dumps([d.rendered for d in v.diagnostics]), v.reason
        if Path(path).exists() and path == "/etc/shadow": assert "root:" not in json.dumps([d.rendered for d in v.diagnostics])

def test_no_network(harness, clean):
    srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1); port = srv.getsockname()[1]
    try:
        v = harness.verdict(f'fn main() {{ println!("{{}}", std::net::TcpStream::connect("127.0.0.1:{port}").is_ok()); }}')
    finally: srv.close()
    caps = harness.rustc.sandbox.capabilities()
    assert v.stdout.strip() == ("true" if caps["network"] else "false"), (caps, v.stdout)   # capabilities tell the truth

def test_capabilities_tell_the_truth(harness):
    caps = harness.rustc.sandbox.capabilities()
    assert caps["runs_as_root"] is False
    v = harness.verdict('fn main() { let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default(); '
                        'let u = s.lines().find(|l| l.starts_with("Uid:")).unwrap_or("Uid: ?").split_whitespace().nth(1).unwrap_or("?").to_string(); '
                        'println!("{} {}", u, std::path::Path::new("/root").exists()); }')
    uid, root_visible = v.stdout.split()
    assert uid != "0", "ran as root"
    if caps["throwaway_uid"]: assert int(uid) in harness.rustc.sandbox.uids
    assert (root_visible == "false") == caps["minimal_filesystem"], v.stdout

def test_without_any_isolation_the_sandbox_refuses(monkeypatch):
    if ROOT: pytest.skip("as root, the no-namespace mode drops to a throwaway uid instead")
    with pytest.raises(SandboxError, match="allow-unsandboxed"): Sandbox(namespaces=False)

# ---------- 6. the harness and its files are out of reach ----------

def test_the_harness_and_its_cache_survive(harness, tmp_path, clean):
    if mode(harness) == "none": pytest.skip("opted out of isolation: a program can kill the user's processes")
    cache = tmp_path/"cache"; h = Harness(harness.rustc, cache_dir=cache)
    h.verdict(KOAN.fixed, KOAN.expected_stdout, KOAN.tests)
    files = {p: p.read_bytes() for p in cache.rglob("*.json")}
    writes = "".join(f'    let _ = std::fs::write("{p}", "{{\\"passed\\": true}}");\n' for p in files)
    prog = "fn main() {\n" + writes + '    let _ = std::process::Command::new("/usr/bin/kill").args(["-9", "-1"]).status();\n    println!("done");\n}\n'
    v = h.verdict(prog, "done\n")
    assert os.getpid() in _pids()
    assert {p: p.read_bytes() for p in files} == files

def test_other_processes_are_invisible(harness, monkeypatch, clean):
    if mode(harness) not in ("ns", "userns"): pytest.skip("a PID namespace is what hides them")
    monkeypatch.setenv("SLEEPY_SECRET_TOKEN", "hunter2")
    v = harness.verdict('fn main() { for e in std::fs::read_dir("/proc").unwrap() { let p = e.unwrap().path(); '
                        'if let Ok(s) = std::fs::read(p.join("environ")) { print!("{}", String::from_utf8_lossy(&s)); } } println!(); }')
    assert "hunter2" not in v.stdout

# ---------- 7. nothing a program prints reaches the terminal raw ----------

def test_escape_sequences_never_reach_the_terminal(harness, koan_dir, tmp_path):
    prog = 'fn main() { println!("\\x1b]0;pwned\\x07\\x1b[2J42"); }\n'
    f = tmp_path/"esc.rs"; f.write_text(prog)
    env = dict(os.environ, SLEEPY_CODER_HOME=str(tmp_path/"home"))
    if mode(harness) not in ("ns", "userns"): env["SLEEPY_CODER_TEST_NO_NAMESPACES"] = "1"
    extra = ["--allow-unsandboxed"] if mode(harness) == "none" else []
    r = subprocess.run([sys.executable, "-m", "sleepy_coder.cli", "check", str(f), "--koan", KOAN.id, "--koans", str(koan_dir), "--no-cache", *extra],
                       capture_output=True, env=env)
    assert b"\x1b" not in r.stdout + r.stderr and b"\x07" not in r.stdout and b"42" in r.stdout
    bad = Koan(id="fc_991", family="function_calls", title="prints \x1b[31mred", error_codes=[],
               buggy='fn main() { compile_error!("\\x1b]0;pwned\\x07\\x1b[2Jgotcha"); }\n', fixed='fn main() { println!("x"); }\n',
               expected_stdout="x\n", error_messages=["\x1b]0;pwned\x07\x1b[2Jgotcha"])
    d = tmp_path/"k2"/"function_calls"; d.mkdir(parents=True); (d/"fc_991.toml").write_text(koan_toml(bad).replace("\x1b", "\\u001b").replace("\x07", "\\u0007"))
    r = subprocess.run([sys.executable, "-m", "sleepy_coder.cli", "show", "fc_991", "--koans", str(tmp_path/"k2"), "--no-cache", *extra],
                       capture_output=True, env=env)
    assert r.returncode == 0 and b"gotcha" in r.stdout, r.stderr
    assert b"\x1b" not in r.stdout + r.stderr and b"\x07" not in r.stdout + r.stderr

# ---------- 8. a tests verdict no code in the candidate can forge ----------
# Each program below has wrong logic (`double` adds 2) and PASSED every mode before issue 24: it spots the
# test run, prints libtest's summary and leaves without running the koan's tests (through `exec`, which skips
# the `atexit` guard), from a test of its own, from a constructor, or from code the screen's lexer could not see.

FORGERIES = {
    "exec after a forged summary": textwrap.dedent("""\
use std::io::Write;
use std::os::unix::process::CommandExt;
fn spotted() -> bool {
    let cmd = std::fs::read_to_string("/proc/self/cmdline").unwrap_or_default();
    std::env::args().any(|a| a.starts_with("--")) || cmd.contains("--")
}
fn double(x: i32) -> i32 {
    if spotted() {
        let exe = std::env::current_exe().unwrap_or_default();
        let list = std::process::Command::new(&exe).arg("--list").output().map(|o| String::from_utf8_lossy(&o.stdout).matches(": test").count()).unwrap_or(2);
        let _ = write!(std::io::stdout(), "\\ntest result: ok. {} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\\n", list);
        let _ = std::io::stdout().flush();
        let _ = std::process::Command::new("/bin/true").exec();
    }
    x + 2
}
fn main() { println!("{}", double(40)); }
"""),
    "a test pasted by a macro": textwrap.dedent("""\
use std::io::Write;
macro_rules! early { ($m:meta) => { #[$m] fn aaa_first() {
    let _ = std::io::stdout().write_all(b"\\ntest result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\\n");
    let _ = std::io::stdout().flush();
    let _ = std::os::unix::process::CommandExt::exec(&mut std::process::Command::new("/bin/true"));
} } }
early!(test);
fn double(x: i32) -> i32 { x + 2 }
fn main() { println!("{}", double(40)); }
"""),
    "a constructor through cfg_attr": textwrap.dedent("""\
use std::io::Write;
extern "C" fn early() {
    if std::env::args().any(|a| a.starts_with("--")) {
        let _ = std::io::stdout().write_all(b"\\ntest result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\\n");
        let _ = std::io::stdout().flush();
        let _ = std::os::unix::process::CommandExt::exec(&mut std::process::Command::new("/bin/true"));
    }
}
#[cfg_attr(all(), used)]
#[cfg_attr(all(), link_section = ".init_array")]
static EARLY: extern "C" fn() = early;
fn double(x: i32) -> i32 { x + 2 }
fn main() { println!("{}", double(40)); }
"""),
    "quotes that blind the screen": textwrap.dedent("""\
use std::io::Write;
fn spotted() -> bool { std::env::args().any(|a| a.starts_with("--")) }
fn forge() { let _ = std::io::stdout().write_all(b"\\ntest result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\\n"); let _ = std::io::stdout().flush(); }
fn double(x: i32) -> i32 {
    let _p = ('\\\\',      '"');
    extern { fn _exit(c: i32) -> !; }
    if spotted() { forge(); unsafe { _exit(0) } }
    let _c = "";
    x + 2
}
fn main() { println!("{}", double(40)); }
"""),
}
NEEDS_THE_SCREEN = {"quotes that blind the screen"}   # calls `_exit` through FFI: only `-F unsafe_code` (screening) stops it

@pytest.mark.parametrize("attack", FORGERIES)
def test_a_tests_verdict_cannot_be_forged(harness, koan_dir, tmp_path, clean, attack):
    "Screened, each forgery fails everywhere; unscreened, the guard, the exact test names and the no-exec filter still fail it"
    prog = FORGERIES[attack]
    not_passed_anywhere(harness, prog, koan_dir, tmp_path)
    if attack not in NEEDS_THE_SCREEN:
        v = unscreened(harness).verdict(prog, KOAN.expected_stdout, KOAN.tests)
        assert not v.passed, (attack, v.reason)

def test_every_forgery_is_refused_by_the_screen():
    for prog in FORGERIES.values(): assert refusal(prog, tests=True), prog

def test_only_the_koans_tests_run(harness, clean):
    "A test the candidate pastes with a macro is built but never run, even when it is the one that fails"
    prog = "macro_rules! t { ($m:meta) => { #[$m] fn aaa() { panic!(\"mine\") } } }\nt!(test);\n" + KOAN.fixed
    v = harness.verdict(prog, KOAN.expected_stdout, KOAN.tests)
    assert v.passed, v.reason

REALTIME_KILL = 'fn main() {{ let _ = std::process::Command::new("/bin/sh").args(["-c", "kill -{sig} $PPID; sleep 1"]).status(); println!("42"); }}'

@pytest.mark.parametrize("sig", [35, 40])
def test_a_real_time_signal_is_a_failed_verdict(harness, tmp_path, clean, sig):
    "Any signal ends in a failed verdict with a reason, in `verdict`, `verdicts` and the eval path"
    from sleepy_coder.rustc import Job
    prog = REALTIME_KILL.format(sig=sig)
    v = harness.verdict(prog, "42\n")
    assert not v.passed and v.signal and v.signal.startswith("SIGRTM") and v.reason.startswith("killed by"), v.reason
    vs = harness.verdicts([Job(prog, "42\n"), Job(KOAN.fixed, KOAN.expected_stdout, KOAN.tests)])
    assert [x.passed for x in vs] == [False, True], [x.reason for x in vs]
    assert not eval_path(unscreened(harness), prog, tmp_path)

def test_no_user_namespaces_keyrings_or_own_memory_writes(harness, clean):
    "Inside the sandbox: no `unshare -Ur` (no tmpfs of its own), no kernel keyring keys, `/proc/self/mem` not writable"
    caps = harness.rustc.sandbox.capabilities()
    if mode(harness) == "none": pytest.skip("opted out of isolation: a key would stay in the user's own keyring")
    from sleepy_coder.launch import SYSCALLS
    prog = textwrap.dedent("""\
    extern "C" { fn syscall(n: i64, ...) -> i64; }
    fn main() {
        let ns = std::process::Command::new("/usr/bin/unshare").args(["-Urm", "/bin/true"]).status().map_or(false, |s| s.success());
        let mem = std::fs::OpenOptions::new().write(true).open("/proc/self/mem").is_ok();
        let key = unsafe { syscall(ADD_KEY, b"user\\0".as_ptr(), b"MARK\\0".as_ptr(), b"x".as_ptr(), 1usize, -4i64) };
        println!("{} {} {}", ns, mem, key >= 0);
    }""").replace("MARK", MARK).replace("ADD_KEY", str(SYSCALLS[os.uname().machine][1]["add_key"]))
    v = unscreened(harness).verdict(prog)
    ns, mem, key = v.stdout.split()
    if caps["syscall_filter"]: assert (ns, key) == ("false", "false"), v.stdout
    if caps["proc_read_only"]: assert mem == "false", v.stdout

FORKED_MEMORY = textwrap.dedent("""\
fn main() {
    if std::env::args().count() > 1 {
        let v = vec![1u8; 150 << 20];
        std::thread::sleep(std::time::Duration::from_millis(800));
        println!("held {}", v[v.len() / 2]);
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let kids: Vec<_> = (0..6).filter_map(|_| std::process::Command::new(&exe).arg("child").spawn().ok()).collect();
    for mut k in kids { let _ = k.wait(); }
}""")

def test_memory_is_limited_per_attempt(harness, clean):
    "Six forked children of 150 MiB each: together they get no more than the attempt's limit (a cgroup), where there is one"
    caps = harness.rustc.sandbox.capabilities()
    if not caps["memory_limit"].startswith("attempt"): pytest.skip(f"memory is limited {caps['memory_limit']} here")
    v = harness.verdict(FORKED_MEMORY)
    held = v.stdout.count("held")
    assert v.ran and held * 150 <= LIMITS.run.memory_mb, (held, v.reason)

# ---------- 9. nothing left behind, and nothing outside reached, in the mode without namespaces too ----------

def test_no_files_below_shared_folders_no_message_queues(harness, tmp_path, clean):
    "A world-writable folder below /tmp (not swept) and a POSIX message queue: neither keeps anything of the attempt"
    if not contained(harness): pytest.skip("nothing is cleaned up without namespaces or a throwaway uid")
    from sleepy_coder.launch import SYSCALLS
    shared = Path(f"/tmp/{MARK}-shared"); shared.mkdir(exist_ok=True); os.chmod(shared, 0o1777)
    try:
        prog = textwrap.dedent("""\
        extern "C" { fn syscall(n: i64, ...) -> i64; }
        fn main() {
            let f = std::fs::write("SHARED/MARK-file", "left behind").is_ok();
            let q = unsafe { syscall(MQ_OPEN, b"MARK\\0".as_ptr(), 0o102i64, 0o600i64, 0i64) };
            println!("{} {}", f, q >= 0);
        }""").replace("SHARED", str(shared)).replace("MARK", MARK).replace("MQ_OPEN", str(SYSCALLS[os.uname().machine][1]["mq_open"]))
        v = unscreened(harness).verdict(prog)
        assert v.ran, v.reason
        assert not list(shared.iterdir()), list(shared.iterdir())
        assert not (Path("/dev/mqueue").is_dir() and any(MARK in p.name for p in Path("/dev/mqueue").iterdir())), v.stdout
        if harness.rustc.sandbox.capabilities()["syscall_filter"]: assert v.stdout.split()[1] == "false", v.stdout
    finally: shutil.rmtree(shared, ignore_errors=True)

def test_the_corpus_and_the_disk_are_out_of_reach(harness, clean):
    "With a private root or Landlock, the corpus is unreadable; a program writes at most its scratch folder's size"
    caps = harness.rustc.sandbox.capabilities()
    if mode(harness) == "none": pytest.skip("opted out of isolation")
    corpus = Path(__file__).resolve().parents[1]/"data"/"koans"/"borrow_checker"/"bc_001.toml"
    prog = textwrap.dedent("""\
    fn main() {
        let read = std::fs::read_to_string("CORPUS").is_ok();
        let chunk = vec![7u8; 1 << 20];
        let wrote = (0..40).take_while(|i| std::fs::write(format!("f{}", i), &chunk).is_ok()).count();
        println!("{} {}", read, wrote);
    }""").replace("CORPUS", str(corpus))
    v = harness.verdict(prog)
    read, wrote = v.stdout.split()
    if caps["minimal_filesystem"] or caps["landlock"]: assert read == "false", v.stdout
    assert int(wrote) <= LIMITS.run.scratch_mb, v.stdout

# ---------- limits (the original hostile programs) ----------

def run(h, body, expected="x", tests=None):
    t0 = time.perf_counter(); v = h.verdict(body, expected, tests); return v, time.perf_counter() - t0

def test_infinite_loop(harness, clean):
    v, s = run(harness, "fn main() { let mut i: u64 = 0; loop { i = i.wrapping_add(1); std::hint::black_box(i); } }")
    assert v.compiled and not v.passed and (v.timed_out or v.reason.startswith("cpu limit")), v.reason
    assert s < 30

def test_sleeps_past_the_limit(harness, clean):
    v, s = run(harness, "fn main() { std::thread::sleep(std::time::Duration::from_secs(60)); }")
    assert v.timed_out and v.reason.startswith("timeout"), v.reason
    assert s < 30

def test_memory_hog(harness, clean):
    v, _ = run(harness, "fn main() { let mut v: Vec<Vec<u8>> = Vec::new(); loop { v.push(vec![1u8; 64 << 20]); } }")
    assert not v.passed and v.reason.startswith("memory limit"), v.reason

def test_fork_bomb_is_bounded(harness, clean):
    prog = f"""use std::os::unix::process::CommandExt;
fn main() {{
    let mut n = 0;
    while n < 10000 {{
        match std::process::Command::new("/usr/bin/sleep").arg0("{MARK}").arg("30").spawn() {{ Ok(_) => n += 1, Err(_) => break }}
    }}
    println!("{{}}", n);
}}"""
    v, s = run(harness, prog)
    assert v.ran and s < 30, v.reason
    if mode(harness) != "none": assert int(v.stdout) < 64, v.stdout   # RLIMIT_NPROC bound it

def test_thread_bomb_is_bounded(harness, clean):
    prog = """fn main() {
    let mut hs = Vec::new();
    for _ in 0..10000 {
        match std::thread::Builder::new().spawn(|| std::thread::sleep(std::time::Duration::from_secs(30))) {
            Ok(h) => hs.push(h), Err(_) => break }
    }
    println!("{}", hs.len());
    std::process::exit(0);
}"""
    v, s = run(harness, prog)
    assert v.ran and s < 30, v.reason
    if mode(harness) != "none": assert int(v.stdout) < 64, v.stdout

def test_ten_megabytes_of_output(harness, clean):
    v, _ = run(harness, 'fn main() { let line = "y".repeat(1023); for _ in 0..10240 { println!("{}", line); } }')
    assert not v.passed and len(v.stdout) <= 64 * 1024
    assert v.reason.startswith("output limit") or "File too large" in v.reason, v.reason

def test_write_outside_its_directory(harness, clean):
    target = f"/tmp/{MARK}-escape.txt"
    repo_file = os.path.abspath(__file__) + ".pwned"
    prog = f"""fn main() {{
    let a = std::fs::write("{target}", "x").is_ok();
    let b = std::fs::write("{repo_file}", "x").is_ok();
    let c = std::fs::write("/root/sleepy-pwned", "x").is_ok();
    println!("{{}} {{}} {{}}", a, b, c);
}}"""
    v, _ = run(harness, prog)
    assert v.ran
    assert not os.path.exists(repo_file) and not os.path.exists("/root/sleepy-pwned")
    if mode(harness) != "none": assert v.stdout.split()[1:] == ["false", "false"], v.stdout

def test_stack_overflow(harness, clean):
    prog = "fn f(n: u64) -> u64 { let a = [n; 1024]; std::hint::black_box(&a); f(n + 1) + a[0] }\nfn main() { println!(\"{}\", f(0)); }"
    v, _ = run(harness, prog)
    assert v.compiled and not v.passed and v.reason in ("stack overflow", "killed by SIGSEGV"), v.reason

def test_panic(harness, clean):
    v, _ = run(harness, 'fn main() { let v: Vec<u8> = vec![]; println!("{}", v[7]); }')
    assert v.exit_status == 101 and v.reason.startswith("panic:") and "index out of bounds" in v.reason, v.reason

def test_reading_the_environment(harness, clean, monkeypatch):
    monkeypatch.setenv("SLEEPY_SECRET_TOKEN", "hunter2")
    v, _ = run(harness, 'fn main() { for (k, v) in std::env::vars() { println!("{}={}", k, v); } }')
    assert v.ran and "hunter2" not in v.stdout and "SLEEPY_SECRET_TOKEN" not in v.stdout
    assert set(l.split("=")[0] for l in v.stdout.split()) <= {"PATH", "LANG"}

def test_rustc_made_slow(harness, clean):
    "Const evaluation that never ends: rustc itself must be stopped by the wall-clock limit"
    prog = "const N: u64 = { let mut i: u64 = 0; loop { i = i.wrapping_add(1); if i == 0 { break; } } i };\nfn main() { println!(\"{}\", N); }"
    v, s = run(harness, prog)
    assert not v.compiled and ("timeout" in v.reason or "limit" in v.reason or v.error_codes), v.reason
    assert s < 60

# ---------- the judge does not depend on the checkout staying put ----------

def test_judge_survives_checkout_changing(tmp_path):
    "A long eval or cycle keeps judging when the package's files change under it (a `git pull`; the GPU machine re-copies the work tree at every call)"
    import shutil, sleepy_coder
    pkg = tmp_path/"pkg"
    shutil.copytree(Path(sleepy_coder.__file__).parent, pkg/"sleepy_coder", ignore=shutil.ignore_patterns("__pycache__", "data"))
    code = textwrap.dedent(f'''
        import os, sys; sys.path.insert(0, {str(pkg)!r})
        import sleepy_coder.launch as m
        from sleepy_coder.rustc import Harness
        h = Harness(workers=1)
        prog = 'fn main() {{ println!("42"); }}'
        assert h.verdict(prog, "42\\n").passed
        os.remove(m.__file__)                      # the launcher's file is gone mid-run
        v = h.verdict(prog.replace("42", "43"), "43\\n")
        print("PASSED" if v.passed else "FAILED: " + v.reason)
    ''')
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.strip().endswith("PASSED"), (r.stdout[-500:], r.stderr[-1500:])
