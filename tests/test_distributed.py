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
