"""One GPU against two, side by side in one run on a machine with two GPUs.

    python bench/bench_multigpu.py --set train --limit 64 --run mg-1 --home /root/sc [--night-only]

1. An evaluation (greedy, 3 attempts) of --set/--limit: one process on one GPU, then `torchrun
   --nproc_per_node 2` sharding the koans; wall time of each, and whether the per-koan verdicts match.
2. A first night's LoRA library (one adapter per task) from the episodes of run --run: one process, then
   two (each trains every other adapter on its own GPU); wall time of each, and how far each adapter of the
   two-process night is from the one-process night's.
"""
import argparse, json, os, shutil, sqlite3, subprocess, sys, time
from pathlib import Path

def timed(cmd, env, res=None):
    t0 = time.time(); r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode:   # a failed run's time is no measurement: what was measured before it, then the failure
        if res: print(json.dumps(res), flush=True)
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-3000:]}")
    return round(time.time() - t0, 1)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default="synth-dev"); ap.add_argument("--limit", type=int, default=128)
    ap.add_argument("--run", default=None, help="a day's run for the library benchmark"); ap.add_argument("--home", default=os.environ.get("SLEEPY_CODER_HOME"))
    ap.add_argument("--model", default="qwen2.5-coder-1.5b"); ap.add_argument("--out", default=None)
    ap.add_argument("--night-only", action="store_true", help="skip the two-process evaluation: only the one-process one, which makes "
                    "the day run mg-1 for the night (use --run mg-1)")
    a = ap.parse_args()
    env = dict(os.environ, SLEEPY_CODER_HOME=a.home)
    torchrun = [sys.executable, "-m", "torch.distributed.run"]   # torchrun itself, found through this Python (its script may not be on PATH)
    ev = ["eval", "--model", a.model, "--set", a.set, "--limit", str(a.limit), "--no-cache"]
    res = {}
    one_gpu = os.environ.get("CUDA_VISIBLE_DEVICES", "0").split(",")[0]   # the first of the GPUs this benchmark was given (on a 4-GPU host, e.g. 2,3)
    res["eval_1gpu_s"] = timed([sys.executable, "-m", "sleepy_coder.cli", *ev, "--name", "mg-1"], dict(env, CUDA_VISIBLE_DEVICES=one_gpu), res)
    if not a.night_only:
        res["eval_2gpu_s"] = timed([*torchrun, "--nproc_per_node", "2", "-m", "sleepy_coder.cli", *ev, "--name", "mg-2"], env, res)
        db = sqlite3.connect(Path(a.home)/"episodes.sqlite")
        q = "select e.koan, e.passed from episodes e join runs r on e.run_id = r.id where r.name = ? and e.final = 1 order by koan"
        one, two = db.execute(q, ("mg-1",)).fetchall(), db.execute(q, ("mg-2",)).fetchall()
        res["eval_verdicts_differ"] = [k for (k, x), (_, y) in zip(one, two) if x != y]
        res["eval_speedup"] = round(res["eval_1gpu_s"] / res["eval_2gpu_s"], 2)
        print(json.dumps(res), flush=True)
    if a.run:
        sl = ["sleep", a.run, "--model", a.model, "--self-verify", "0", "--no-cache"]
        out = Path(a.home)/"mg-nights"; shutil.rmtree(out, ignore_errors=True)
        res["night_1gpu_s"] = timed([sys.executable, "-m", "sleepy_coder.cli", *sl, "--out", str(out/"one")], dict(env, CUDA_VISIBLE_DEVICES=one_gpu), res)
        res["night_2gpu_s"] = timed([*torchrun, "--nproc_per_node", "2", "-m", "sleepy_coder.cli", *sl, "--out", str(out/"two")], env, res)
        res["night_speedup"] = round(res["night_1gpu_s"] / res["night_2gpu_s"], 2)
        from safetensors.torch import load_file   # the same adapters? (each process trains its own, on its own GPU, with the same seed)
        diff = {}
        for d in sorted((out/"one"/"library").iterdir()):
            x, y = load_file(str(d/"adapter_model.safetensors")), load_file(str(out/"two"/"library"/d.name/"adapter_model.safetensors"))
            diff[d.name] = max(float((x[k].float() - y[k].float()).abs().max()) for k in x)
        res["night_adapter_max_abs_diff"] = diff
    print(json.dumps(res), flush=True)
    if a.out: Path(a.out).write_text(json.dumps(res, indent=1))

if __name__ == "__main__": main()
