"""Generation speed, side by side in one run: default `generate` against a static KV cache.

    python bench/bench_generate.py --model qwen2.5-coder-1.5b      # on the GPU machine

For batch sizes 1, 8 and 32, real prompts (frozen30 koans with rustc's diagnostics, built by the agent's
prompt builder), every row forced to decode exactly --new-tokens tokens (no stop string), and the mean
of --repeats timed runs after a warm-up (which also compiles the static-cache graphs). Prints new tokens
per second, milliseconds per decode step, and the ratio static/default.
"""
import argparse, statistics, time, platform
import torch
from sleepy_coder.koans import load_koans, select
from sleepy_coder.rustc import Harness
from sleepy_coder.agent import build_prompt
from sleepy_coder.models import load_model

def run(lm, prompts, new_tokens, static):
    tok = lm.tokenizer; tok.padding_side = "left"
    pad = dict(pad_to_multiple_of=64) if static else {}
    enc = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False, **pad).to(lm.model.device)
    kw = dict(max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False, temperature=None, top_p=None,
              top_k=None, pad_token_id=tok.pad_token_id)
    if static: kw["cache_implementation"] = "static"
    if torch.cuda.is_available(): torch.cuda.synchronize()
    t0 = time.perf_counter()
    with torch.no_grad(): out = lm.model.generate(**enc, **kw)
    if torch.cuda.is_available(): torch.cuda.synchronize()
    assert out.shape[1] - enc["input_ids"].shape[1] == new_tokens
    return time.perf_counter() - t0

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="qwen2.5-coder-1.5b"); ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=3); ap.add_argument("--batches", default="1,8,32")
    a = ap.parse_args()
    lm = load_model(a.model)
    ks = select(load_koans()[0], "frozen30")
    diags = Harness().checks([k.buggy for k in ks])
    prompts = [build_prompt(lm.tokenizer, k.buggy, c.diagnostics) for k, c in zip(ks, diags)]
    dev = torch.cuda.get_device_name() if torch.cuda.is_available() else platform.processor() or "cpu"
    print(f"model {a.model} on {dev}, torch {torch.__version__}; {a.new_tokens} new tokens per row, mean of {a.repeats}")
    print(f"{'batch':>5} {'setup':>8} {'tok/s':>9} {'ms/step':>8}")
    for bs in map(int, a.batches.split(",")):
        ps = (prompts * (bs // len(prompts) + 1))[:bs]
        res = {}
        for static in (False, True):
            run(lm, ps, a.new_tokens, static)   # warm-up (and compile)
            t = statistics.mean(run(lm, ps, a.new_tokens, static) for _ in range(a.repeats))
            res[static] = t
            print(f"{bs:5d} {'static' if static else 'default':>8} {bs * a.new_tokens / t:9.1f} {1000 * t / a.new_tokens:8.2f}")
        print(f"{bs:5d}   static is {res[False] / res[True]:.2f}x the default's speed")

if __name__ == "__main__": main()
