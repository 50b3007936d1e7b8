"""Hostile programs: each ends with a verdict that says why, inside its limits, leaving nothing behind."""
import os, glob, time, pytest
from sleepy_coder.sandbox import _pids, _proc_uid

@pytest.fixture
def clean(harness):
    "Assert that a test leaves no attempt folder and no sandbox process behind"
    before = set(glob.glob("/tmp/sleepy-attempt-*"))
    yield
    assert set(glob.glob("/tmp/sleepy-attempt-*")) <= before, "attempt folder left behind"
    if harness.rustc.sandbox.drop_uid:
        uids = harness.rustc.sandbox.uids
        left = [p for p in _pids() if _proc_uid(p) in uids]
        assert not left, f"processes left running: {left}"

def run(h, body, expected="x", tests=None):
    t0 = time.perf_counter()
    v = h.verdict(body, expected, tests)
    return v, time.perf_counter() - t0

def test_infinite_loop(harness, clean):
    v, s = run(harness, "fn main() { let mut i: u64 = 0; loop { i = i.wrapping_add(1); std::hint::black_box(i); } }")
    assert v.compiled and not v.passed and (v.timed_out or v.reason.startswith("cpu limit")), v.reason
    assert s < 10

def test_sleeps_past_the_limit(harness, clean):
    v, s = run(harness, "fn main() { std::thread::sleep(std::time::Duration::from_secs(60)); }")
    assert v.timed_out and v.reason.startswith("timeout"), v.reason
    assert s < 10

def test_memory_hog(harness, clean):
    v, _ = run(harness, "fn main() { let mut v: Vec<Vec<u8>> = Vec::new(); loop { v.push(vec![1u8; 64 << 20]); } }")
    assert not v.passed and v.reason.startswith("memory limit"), v.reason

def test_fork_bomb_is_bounded(harness, clean):
    prog = """use std::process::Command;
fn main() {
    let mut n = 0;
    while n < 10000 {
        match Command::new("/bin/sleep").arg("30").spawn() { Ok(_) => n += 1, Err(_) => break }
    }
    println!("{}", n);
}"""
    v, s = run(harness, prog)
    assert v.ran and s < 10, v.reason
    if harness.rustc.sandbox.drop_uid: assert int(v.stdout) < 64, v.stdout   # RLIMIT_NPROC bound it

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
    assert v.ran and s < 10, v.reason
    if harness.rustc.sandbox.drop_uid: assert int(v.stdout) < 64, v.stdout

def test_ten_megabytes_of_output(harness, clean):
    v, _ = run(harness, 'fn main() { let line = "y".repeat(1023); for _ in 0..10240 { println!("{}", line); } }')
    assert not v.passed and len(v.stdout) <= 64 * 1024
    assert v.reason.startswith("output limit") or "File too large" in v.reason, v.reason

def test_write_outside_its_directory(harness, clean):
    target = "/tmp/sleepy-escape-test.txt"
    if os.path.exists(target): os.remove(target)
    repo_file = os.path.abspath(__file__) + ".pwned"
    prog = f"""fn main() {{
    let a = std::fs::write("{target}", "x").is_ok();
    let b = std::fs::write("{repo_file}", "x").is_ok();
    let c = std::fs::write("/root/sleepy-pwned", "x").is_ok();
    println!("{{}} {{}} {{}}", a, b, c);
}}"""
    v, _ = run(harness, prog)
    assert v.ran
    assert not os.path.exists(target) and not os.path.exists(repo_file) and not os.path.exists("/root/sleepy-pwned")
    if harness.rustc.sandbox.drop_uid: assert v.stdout.split()[1:] == ["false", "false"], v.stdout

def test_stack_overflow(harness, clean):
    prog = "fn f(n: u64) -> u64 { let a = [n; 1024]; std::hint::black_box(&a); f(n + 1) + a[0] }\nfn main() { println!(\"{}\", f(0)); }"
    v, _ = run(harness, prog)
    assert v.compiled and not v.passed and v.reason == "stack overflow", v.reason

def test_panic(harness, clean):
    v, _ = run(harness, 'fn main() { let v: Vec<u8> = vec![]; println!("{}", v[7]); }')
    assert v.exit_status == 101 and v.reason.startswith("panic:") and "index out of bounds" in v.reason, v.reason

def test_reading_the_environment(harness, clean, monkeypatch):
    monkeypatch.setenv("SLEEPY_SECRET_TOKEN", "hunter2")
    v, _ = run(harness, 'fn main() { for (k, v) in std::env::vars() { println!("{}={}", k, v); } }')
    assert v.ran and "hunter2" not in v.stdout and "SLEEPY_SECRET_TOKEN" not in v.stdout
    assert set(l.split("=")[0] for l in v.stdout.split()) <= {"PATH", "LANG"}

def test_no_network(harness, clean):
    if not harness.rustc.sandbox.isolate: pytest.skip("no network namespace on this machine")
    v, _ = run(harness, 'fn main() { println!("{}", std::net::TcpStream::connect("127.0.0.1:22").is_ok() || std::net::UdpSocket::bind("0.0.0.0:0").map(|s| s.connect("8.8.8.8:53").is_ok()).unwrap_or(false)); }')
    assert v.stdout.strip() == "false", v.stdout

def test_compile_time_secrets_are_out_of_reach(harness, clean):
    if not harness.rustc.sandbox.drop_uid: pytest.skip("not root: rustc runs as the current user")
    os.makedirs("/root", exist_ok=True)
    secret = "/root/.sleepy-secret-for-test"
    open(secret, "w").write("hunter2"); os.chmod(secret, 0o600)
    try:
        v, _ = run(harness, f'fn main() {{ println!("{{}}", include_str!("{secret}")); }}')
        assert not v.compiled and "hunter2" not in str(v.diagnostics)
    finally: os.remove(secret)

def test_rustc_made_slow(harness, clean):
    "Const evaluation that never ends: rustc itself must be stopped by the wall-clock limit"
    prog = "const N: u64 = { let mut i: u64 = 0; loop { i = i.wrapping_add(1); if i == 0 { break; } } i };\nfn main() { println!(\"{}\", N); }"
    v, s = run(harness, prog)
    assert not v.compiled and ("timeout" in v.reason or "limit" in v.reason or v.error_codes), v.reason
    assert s < 40

def test_rustc_made_huge(harness, clean):
    "A macro that doubles its input at every step: rustc must hit a limit, not the machine's memory"
    prog = "macro_rules! blow { ($($t:tt)*) => { blow!($($t)* $($t)*); }; }\nfn main() { blow!(x); }"
    v, s = run(harness, prog)
    assert not v.compiled and s < 40, v.reason
