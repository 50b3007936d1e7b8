"""Compiler harness benchmark: run side by side, printed as ratios.

    python bench/bench_rustc.py                                  # this tree only
    git worktree add /tmp/oldtree 8c4bb33                        # the harness before the sandbox rework
    python bench/bench_rustc.py --compare /tmp/oldtree           # old and new, interleaved, in one run
    python bench/bench_rustc.py --compare /tmp/oldtree --tests-only --skip-cargo --skip-corpus   # koans with tests only

Measures, over the `frozen30` koans:
- median latency of a type check of the buggy program: our sandboxed `rustc --emit=metadata`
  against the seed's method, `cargo check` in a fresh crate per attempt (unsandboxed);
- median latency of a full verdict of the fixed program (build, run, compare output, tests), for this
  tree and, with `--compare`, for another checkout's harness, each in its own process, interleaved
  repeat by repeat so that machine noise hits both alike;
- with `--tests-only`, the same full verdict over every corpus koan that has tests (the tests gate's cost),
  as wall-clock seconds and as CPU seconds of all the sandboxed processes (rustc, the programs, the launcher);
  `--same-nice` runs this tree's processes at the caller's priority, as the harness before `Limits.nice` did: on
  a loaded machine a niced verdict waits longer for the CPU, which is the point of `nice` but not a cost;
- wall time to validate the whole corpus (every koan's bug and fix) with an empty verdict cache
  and again with the cache filled.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time, platform
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

VERDICTS = """
import json, resource, sys, time
from sleepy_coder.rustc import Harness
jobs = json.load(open(sys.argv[1]))
h = Harness()
if sys.argv[2:] == ["nice0"]: h.rustc.limits.compile.nice = h.rustc.limits.run.nice = 0   # an older harness ignores it
h.verdict(jobs[0][0], jobs[0][1], jobs[0][2])   # warm the page cache
def cpu(): r = resource.getrusage(resource.RUSAGE_CHILDREN); return r.ru_utime + r.ru_stime
out = []
for code, exp, tests in jobs:
    t0, c0 = time.perf_counter(), cpu(); v = h.verdict(code, exp, tests); out.append((time.perf_counter() - t0, v.passed, cpu() - c0))
print(json.dumps(out))
"""

def verdict_times(tree: Path, jobs_file, nice0=False) -> list[tuple[float, bool, float]]:
    "Full-verdict seconds per job with the harness of `tree`, in a fresh process: wall clock, passed, CPU of its processes"
    r = subprocess.run([sys.executable, "-c", VERDICTS, str(jobs_file), *(["nice0"] if nice0 else [])], capture_output=True, text=True, cwd=tree,
                       env=dict(os.environ, PYTHONPATH=str(tree)), check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])

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
    ap = argparse.ArgumentParser(); ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--compare", help="another checkout of this project whose harness to time beside this one")
    ap.add_argument("--skip-cargo", action="store_true"); ap.add_argument("--skip-corpus", action="store_true")
    ap.add_argument("--tests-only", action="store_true", help="time full verdicts of every corpus koan with tests instead of frozen30")
    ap.add_argument("--same-nice", action="store_true", help="run this tree's sandboxed processes at the caller's priority (Limits.nice=0), as an older harness does")
    a = ap.parse_args()
    from sleepy_coder.koans import load_koans, select
    from sleepy_coder.rustc import Harness
    from sleepy_coder.validate import validate_dir
    koans, _ = load_koans(); fz = select(koans, "frozen30")
    if a.tests_only: fz = [k for k in select(koans) if k.tests]
    m = statistics.median
    h = Harness()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; {h.rustc.version}")
    print(f"sandbox: {h.rustc.sandbox.capabilities()}")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([(k.fixed, k.expected_stdout, k.tests) for k in fz], f); jobs = f.name
    trees = {"this tree": ROOT, **({"compared": Path(a.compare).resolve()} if a.compare else {})}
    runs = {n: [] for n in trees}
    for _ in range(a.repeats):
        for n, t in trees.items(): runs[n].append(verdict_times(t, jobs, a.same_nice))   # interleaved
    full = {n: [min(r[i][0] for r in rs) for i in range(len(fz))] for n, rs in runs.items()}
    cpus = {n: [min(r[i][2] for r in rs) for i in range(len(fz))] for n, rs in runs.items() if len(rs[0][0]) > 2}
    for n, rs in runs.items(): assert all(p for p, in [[x[1]] for x in rs[0]]), f"{n}: a reference fix failed"
    timed(h.check, fz[0].buggy)
    ours = [min(timed(h.check, k.buggy) for _ in range(a.repeats)) for k in fz]
    what = f"{len(fz)} koans with tests" if a.tests_only else "frozen30"
    print(f"{'measure (' + what + ', median per koan, best of ' + str(a.repeats) + ')':52} {'seconds':>8}")
    print(f"{'check, sandboxed rustc --emit=metadata':52} {m(ours):8.3f}")
    if not a.skip_cargo:
        cargo = [min(cargo_check(k.buggy) for _ in range(a.repeats)) for k in fz]
        print(f"{'check, cargo check in a fresh crate (seed)':52} {m(cargo):8.3f}   ratio cargo/ours = {m(cargo)/m(ours):.2f}x")
    for n in trees: print(f"{'full verdict, ' + n + ' (' + str(trees[n]) + ')':52} {m(full[n]):8.3f}")
    if a.compare: print(f"{'full verdict, this tree / compared':52} {m(full['this tree']) / m(full['compared']):8.2f}x")
    if a.compare: print(f"{'  per koan: median of this tree / compared':52} {m([x / y for x, y in zip(full['this tree'], full['compared'])]):8.2f}x")
    for n in cpus: print(f"{'CPU of the verdict processes, ' + n:52} {m(cpus[n]):8.3f}")
    if a.compare and len(cpus) == 2: print(f"{'CPU, this tree / compared':52} {m(cpus['this tree']) / m(cpus['compared']):8.2f}x")
    if not a.skip_corpus:
        with tempfile.TemporaryDirectory() as cache:
            hc = Harness(cache_dir=cache)
            cold = timed(validate_dir, None, hc); warm = timed(validate_dir, None, hc)
        print(f"{'validate corpus ({} koans), cold cache, {} workers'.format(len(koans), hc.workers):52} {cold:8.2f}")
        print(f"{'validate corpus, warm cache':52} {warm:8.2f}   ratio cold/warm = {cold/warm:.0f}x")
    os.unlink(jobs)

if __name__ == "__main__": main()
