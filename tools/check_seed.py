"""Check seed programs for the koan synthesizer: python tools/check_seed.py data/seeds/*.toml

A seed is a working program (no bug). It must: parse, have the fields below, be 40-150 lines, compile
without errors or warnings, run and print exactly `expected_stdout`, and pass its >= 3 `#[test]`s
(appended as `#[cfg(test)] mod koan_tests { use super::*; ... }`).
"""
import re, sys, tomllib
from pathlib import Path
from sleepy_coder.rustc import Harness

FIELDS = {"id", "title", "topics", "program", "expected_stdout", "tests"}
FORBIDDEN = [r"\bunsafe\b", r"std::fs\b", r"std::net\b", r"stdin\s*\(", r"SystemTime|Instant::now", r"std::process::Command",
             r"std::env::(args|var)", r"'''", r"thread::sleep", r"\bcfg\s*\(\s*test", r"#\[test\]"]

def check(path, h):
    p = Path(path); probs = []
    try: d = tomllib.loads(p.read_text())
    except Exception as e: return [f"invalid TOML: {e}"]
    if set(d) != FIELDS: probs.append(f"fields must be exactly {sorted(FIELDS)}, got {sorted(d)}")
    if d.get("id") != p.stem or not re.fullmatch(r"[a-z][a-z0-9]*", d.get("id", "")): probs.append("id must equal the file name and match [a-z][a-z0-9]* (no underscores)")
    prog, tests = d.get("program", ""), d.get("tests", "")
    n = len(prog.strip().splitlines())
    if not 40 <= n <= 150: probs.append(f"program has {n} lines; seeds have 40-150")
    for rx in FORBIDDEN:
        if re.search(rx, prog): probs.append(f"program matches forbidden pattern {rx}")
    if len(re.findall(r"#\[test\]", tests)) < 3: probs.append("tests: need at least 3 #[test] functions")
    if probs: return probs
    v = h.verdict(prog, d["expected_stdout"], tests)
    if not v.passed: probs.append(f"does not pass: {v.reason}; stdout was:\n{v.stdout[:2000]}")
    v2 = h.verdict(prog, d["expected_stdout"], None)
    if v2.stdout != v.stdout: probs.append("output differs between two runs: make it deterministic (no HashMap iteration order, no racing threads)")
    warns = [x for x in v.diagnostics if x.level == "warning"]
    if warns: probs.append("warnings: " + "; ".join(w.message for w in warns[:5]))
    if v.seconds.get("run", 0) > 1.0: probs.append(f"runs {v.seconds['run']:.2f} s; must be well under 1 s")
    return probs

if __name__ == "__main__":
    h = Harness(); bad = 0
    for f in sys.argv[1:]:
        probs = check(f, h)
        print(f"{f}: " + ("ok" if not probs else "\n  " + "\n  ".join(probs))); bad += bool(probs)
    sys.exit(1 if bad else 0)
