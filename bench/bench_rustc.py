"""Compiler harness benchmark: run side by side, printed as ratios.

    python bench/bench_rustc.py            # frozen30, 3 repeats per koan

Measures, over the `frozen30` koans:
- median latency of a type check of the buggy program: our sandboxed `rustc --emit=metadata`
  against the seed's method, `cargo check` in a fresh crate per attempt (unsandboxed);
- median latency of a full verdict of the fixed program (build, run, compare output, tests);
- wall time to validate the whole corpus (every koan's bug and fix) with an empty verdict cache
  and again with the cache filled.
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time, platform
from pathlib import Path
from sleepy_coder.koans import load_koans, select
from sleepy_coder.rustc import Harness
from sleepy_coder.validate import validate_dir

def cargo_check(code: str) -> float:
    "The seed's method: a fresh cargo crate per attempt, then `cargo check`"
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        subprocess.run(["cargo", "new", "--quiet", "--vcs", "none", "--name", "koan", f"{d}/k"], check=True)
        Path(f"{d}/k/src/main.rs").write_text(code)
        subprocess.run(["cargo", "check", "--quiet", "--offline", "--message-format=json"], cwd=f"{d}/k", capture_output=True)
        return time.perf_counter() - t0

def timed(f, *a):
    t0 = time.perf_counter(); f(*a); return time.perf_counter() - t0

def main():
    ap = argparse.ArgumentParser(); ap.add_argument("--repeats", type=int, default=3); a = ap.parse_args()
    koans, _ = load_koans(); fz = select(koans, "frozen30")
    h = Harness()   # no cache: every call compiles
    timed(h.check, fz[0].buggy)  # warm the page cache
    ours = [min(timed(h.check, k.buggy) for _ in range(a.repeats)) for k in fz]
    cargo = [min(cargo_check(k.buggy) for _ in range(a.repeats)) for k in fz]
    full = [min(timed(h.verdict, k.fixed, k.expected_stdout, k.tests) for _ in range(a.repeats)) for k in fz]
    with tempfile.TemporaryDirectory() as cache:
        hc = Harness(cache_dir=cache)
        cold = timed(validate_dir, None, hc); warm = timed(validate_dir, None, hc)
    m = statistics.median
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; {h.rustc.version}")
    print(f"sandbox: {h.rustc.sandbox.capabilities()}")
    print(f"{'measure (frozen30, median per koan)':48} {'seconds':>8}")
    print(f"{'check, sandboxed rustc --emit=metadata':48} {m(ours):8.3f}")
    print(f"{'check, cargo check in a fresh crate (seed)':48} {m(cargo):8.3f}   ratio cargo/ours = {m(cargo)/m(ours):.1f}x")
    print(f"{'full verdict: build + run + compare + tests':48} {m(full):8.3f}")
    print(f"{'validate corpus ({} koans), cold cache, {} workers'.format(len(koans), hc.workers):48} {cold:8.2f}")
    print(f"{'validate corpus, warm cache':48} {warm:8.2f}   ratio cold/warm = {cold/warm:.0f}x")

if __name__ == "__main__": main()
