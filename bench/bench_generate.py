"""Generation engines side by side, in one run, on one GPU.

    python bench/bench_generate.py --model qwen2.5-coder-1.5b --home /root/sc --out bench.json

1. The whole `frozen30` × 3 attempts with the default agent (greedy), once per engine (`generate`: dynamic
   KV cache; `static`: one static KV cache shape, compiled with CUDA graphs; `cb`: continuous batching), each
   after a warm-up on other koans that is not counted: the evaluation's wall time (generation, compiling
   and scoring; not loading), and the per-koan verdicts compared with the `generate` engine's (bf16 kernels
   can break near-ties, so differences are reported, not hidden).
2. Sampling 8 candidates for each of 64 prompts (train koans, at most 512 new tokens each): new tokens per
   second, per engine.
"""
import argparse, json, platform, time, traceback
import torch
from sleepy_coder.koans import load_koans, select
from sleepy_coder.rustc import Harness
from sleepy_coder.models import load_model
from sleepy_coder.generate import GenConfig, HFPolicy
from sleepy_coder.prompt import PromptConfig, build_prompt
from sleepy_coder.agent import fix_all
from sleepy_coder.episodes import EpisodeStore
from sleepy_coder.eval import evaluate, per_koan

def sync():
    if torch.cuda.is_available(): torch.cuda.synchronize()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="qwen2.5-coder-1.5b"); ap.add_argument("--home", default=None)
    ap.add_argument("--engines", default="generate,static,cb"); ap.add_argument("--out", default=None)
    ap.add_argument("--batch-size", type=int, default=64); ap.add_argument("--skip-sampling", action="store_true")
    ap.add_argument("--max-new-tokens", type=int, default=GenConfig.max_new_tokens)
    a = ap.parse_args()
    dev = torch.cuda.get_device_name() if torch.cuda.is_available() else platform.processor() or "cpu"
    lm = load_model(a.model, a.home)
    koans, _ = load_koans()
    fz, warm, train = select(koans, "frozen30"), select(koans, "dev")[:16], select(koans, "train")
    h = Harness(workers=None)
    res = dict(device=dev, torch=torch.__version__, model=a.model, engines={})
    print(f"model {a.model} on {dev}, torch {torch.__version__}", flush=True)
    base_pk = None
    for eng in a.engines.split(","):
        r = res["engines"][eng] = {}
        try:
            pol = HFPolicy.from_loaded(lm, GenConfig(engine=eng, batch_size=a.batch_size, max_new_tokens=a.max_new_tokens))
            t0 = time.perf_counter(); fix_all([k.buggy for k in warm], pol, h, attempts=1); sync()
            r["warmup_s"] = round(time.perf_counter() - t0, 1)
            tm = {}; store = EpisodeStore(":memory:")
            sync(); t0 = time.perf_counter()
            rid = evaluate(fz, pol, h, store, f"bench-{eng}", attempts=3, progress=False, timings=tm); sync()
            r["frozen30_x3_s"] = round(time.perf_counter() - t0, 2); r["generate_s"] = round(tm["generate"], 2)
            pk = per_koan(store.episodes(rid))
            r["pass@1"], r["pass@3"] = int(pk["pass@1"].sum()), int(pk["pass@K"].sum())
            r["tokens_out"] = int(store.episodes(rid).tokens_out.sum())
            if base_pk is None: base_pk = pk
            r["differs_from_generate"] = sorted(pk.index[(pk["pass@K"] != base_pk["pass@K"]) | (pk["pass@1"] != base_pk["pass@1"])])
            print(f"{eng:9} frozen30 x3: {r['frozen30_x3_s']:6.2f} s (generation {r['generate_s']:.2f} s, warm-up {r['warmup_s']} s), "
                  f"pass@1 {r['pass@1']}/30, pass@3 {r['pass@3']}/30, differs from generate: {r['differs_from_generate']}", flush=True)
            if not a.skip_sampling:
                cfg = GenConfig(engine=eng, batch_size=64, do_sample=True, n=8, max_new_tokens=min(512, a.max_new_tokens), max_cache_len=2048, seed=0)
                pol = HFPolicy.from_loaded(lm, cfg)
                checks = h.checks([k.buggy for k in train[:64]])
                prompts = [build_prompt(lm.tokenizer, k.buggy, c.diagnostics, PromptConfig()) for k, c in zip(train[:64], checks)]
                pol(prompts[:8]); sync()                       # warm-up for this shape
                sync(); t0 = time.perf_counter(); gens = pol(prompts); sync(); dt = time.perf_counter() - t0
                toks = sum(g.tokens_out for gl in gens for g in gl)
                r["sample_8x64_tokens"], r["sample_8x64_s"], r["sample_8x64_tok_per_s"] = toks, round(dt, 2), round(toks / dt, 1)
                print(f"{eng:9} sampling 8 x 64: {toks} new tokens in {dt:.2f} s = {toks / dt:,.0f} tokens/s", flush=True)
        except Exception as e:
            r["error"] = f"{type(e).__name__}: {e}"; traceback.print_exc(); print(f"{eng}: FAILED {r['error']}", flush=True)
        if a.out: json.dump(res, open(a.out, "w"), indent=1)
    return res

if __name__ == "__main__": main()
