"""Several processes (torchrun): an evaluation sharded by koan gives the same per-koan results as one process."""
import os, shutil, sqlite3, subprocess, sys, pytest

def test_sharded_eval_matches_one_process(tmp_path):
    torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable)) or shutil.which("torchrun")
    if not torchrun: pytest.skip("no torchrun next to this Python")
    env = dict(os.environ, SLEEPY_CODER_HOME=str(tmp_path), OMP_NUM_THREADS="1")
    args = ["eval", "--model", "tiny-random", "--set", "dev", "--limit", "6", "--attempts", "2", "--max-new-tokens", "6", "--no-cache"]
    r2 = subprocess.run([torchrun, "--nproc_per_node", "2", "-m", "sleepy_coder.cli", *args, "--name", "two"], capture_output=True, text=True, env=env, timeout=600)
    assert r2.returncode == 0, r2.stderr[-3000:]
    assert r2.stdout.count("run 'two': 6 koans") == 1 and "1 more processes" in r2.stdout, r2.stdout
    r1 = subprocess.run([sys.executable, "-m", "sleepy_coder.cli", *args, "--name", "one"], capture_output=True, text=True, env=env, timeout=600)
    assert r1.returncode == 0, r1.stderr[-3000:]
    db = sqlite3.connect(tmp_path/"episodes.sqlite")
    q = "select e.koan, e.attempt, e.reply, e.passed from episodes e join runs r on e.run_id = r.id where r.name = ? order by koan, attempt"
    a, b = db.execute(q, ("two",)).fetchall(), db.execute(q, ("one",)).fetchall()
    assert len(a) == len(b) >= 6 and a == b

def test_parallel_night_trains_the_adapters_one_process_would(tmp_path):
    "Two processes train every other adapter into one library; each adapter is the one a single process trains (no DDP averaging unrelated adapters' gradients, no halved data), and the first process finishes the night"
    import json, torch
    from safetensors.torch import load_file
    torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable)) or shutil.which("torchrun")
    if not torchrun: pytest.skip("no torchrun next to this Python")
    env = dict(os.environ, SLEEPY_CODER_HOME=str(tmp_path), OMP_NUM_THREADS="1")
    cli = [sys.executable, "-m", "sleepy_coder.cli"]
    r = subprocess.run([*cli, "eval", "--model", "tiny-random", "--set", "train", "--limit", "12", "--attempts", "1", "--max-new-tokens", "4",
                        "--no-cache", "--name", "day"], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    night = ["sleep", "day", "--model", "tiny-random", "--self-verify", "0", "--no-cache", "--group-by", "family"]
    r1 = subprocess.run([*cli, *night, "--out", str(tmp_path/"one")], capture_output=True, text=True, env=env, timeout=600)
    assert r1.returncode == 0, r1.stderr[-3000:]
    r2 = subprocess.run([torchrun, "--nproc_per_node", "2", "-m", "sleepy_coder.cli", *night, "--out", str(tmp_path/"two")],
                        capture_output=True, text=True, env=env, timeout=600)
    assert r2.returncode == 0, r2.stderr[-3000:]
    names = sorted(p.name for p in (tmp_path/"one"/"library").iterdir())
    assert len(names) >= 3 and names == sorted(p.name for p in (tmp_path/"two"/"library").iterdir())   # two tasks or more, and __all__
    for n in names:
        a, b = (load_file(str(tmp_path/d/"library"/n/"adapter_model.safetensors")) for d in ("one", "two"))
        assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a), n
    s1, s2 = (json.loads((tmp_path/d/"night.json").read_text()) for d in ("one", "two"))
    assert sorted(s2["metrics"]["lora"]) == names and s2["tasks"] == s1["tasks"] and s2["metrics"]["tasks"] == s1["metrics"]["tasks"]
    assert not [p for p in tmp_path.rglob(".*") if p.name.startswith(".")]   # no barrier marks or metrics files left behind
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".tmp") == []
