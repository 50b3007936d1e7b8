"""vLLM against transformers' static engine, side by side in one run on one GPU (issue "vLLM on the GPU").

    python bench/bench_vllm.py --model qwen2.5-coder-1.5b --home /root/sc --out $OUT/vllm.json

Stages (`--stages`, in this order; each writes its figures into --out as soon as it ends):
- `frozen30`: the whole `frozen30` x 3 attempts (generation, verdicts, scoring; not loading), greedy, with the HF
  `static` engine and with vLLM, each after an uncounted warm-up on 16 `dev` koans. Per-koan verdicts are compared:
  bf16 kernels break near-ties differently, so every difference is listed, not hidden.
- `synth`: `synth-eval` (300) x 3 attempts with vLLM, and its first attempt with HF `static` (150 rows, 6,144 positions).
- `sample`: 8 sampled candidates for each of 64 `train` prompts (at most 512 new tokens): reply tokens a second.
- `mixed`: a batch of 64 prompts spread over 8 LoRA adapters (rank 16, random) against the same batch on the base
  model, 256 decoding steps each (`ignore_eos`): ms a step, and the ratio.
- `ngram`: `frozen30` x 3 with n-gram speculation (4 tokens a step) against without.
"""
import argparse, json, platform, sys, tempfile, time, traceback
from pathlib import Path
import torch
from sleepy_coder.koans import load_koans, select
from sleepy_coder.rustc import Harness
from sleepy_coder.models import load_model
from sleepy_coder.generate import GenConfig
from sleepy_coder.prompt import PromptConfig, build_prompt
from sleepy_coder.agent import fix_all
from sleepy_coder.episodes import EpisodeStore
from sleepy_coder.eval import evaluate, per_koan
from sleepy_coder.serve import serve
from sleepy_coder.vllm_engine import VLLMConfig, release_engines

def sync():
    if torch.cuda.is_available(): torch.cuda.synchronize()

def timed_eval(koans, served, h, run, attempts=3, warm=None):
    "Wall time of one evaluation (after an uncounted warm-up), its generation time and its per-koan verdicts"
    if warm: fix_all([k.buggy for k in warm], served.policy, h, attempts=1)
    tm, store = {}, EpisodeStore(":memory:")
    sync(); t0 = time.perf_counter()
    rid = evaluate(koans, served.policy, h, store, run, attempts=attempts, route=served.route, progress=False, timings=tm); sync()
    eps = store.episodes(rid); pk = per_koan(eps)
    return dict(seconds=round(time.perf_counter() - t0, 2), generate_s=round(tm["generate"], 2), koans=len(pk),
                **{"pass@1": int(pk["pass@1"].sum()), f"pass@{attempts}": int(pk["pass@K"].sum())},
                tokens_out=int(eps.tokens_out.sum())), pk

def differences(pk, ref):
    "Koans whose verdicts differ between two runs of the same koans"
    return sorted(k for k in pk.index if k in ref.index and (pk.loc[k, "pass@K"] != ref.loc[k, "pass@K"] or pk.loc[k, "pass@1"] != ref.loc[k, "pass@1"]))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="qwen2.5-coder-1.5b"); ap.add_argument("--home", default=None)
    ap.add_argument("--out", default="vllm.json"); ap.add_argument("--stages", default="frozen30,sample,mixed,ngram,synth")
    ap.add_argument("--synth-dir", default=None, help="synthesized koans (default: made or read under --home)")
    a = ap.parse_args()
    res = dict(device=torch.cuda.get_device_name() if torch.cuda.is_available() else platform.processor() or "cpu",
               torch=torch.__version__, model=a.model, argv=sys.argv[1:], stages={})
    try:
        import vllm; res["vllm"] = vllm.__version__
    except Exception as e: res["vllm"] = f"not importable: {e}"
    out = Path(a.out)
    def save(): out.write_text(json.dumps(res, indent=1, default=str))
    print(f"model {a.model} on {res['device']}, torch {res['torch']}, vllm {res['vllm']}", flush=True)
    lm = load_model(a.model, a.home)
    koans, _ = load_koans()
    fz, warm, train = select(koans, "frozen30"), select(koans, "dev")[:16], select(koans, "train")
    h = Harness(workers=None)
    static = GenConfig(engine="static", batch_size=64)
    for st in a.stages.split(","):
        r = res["stages"][st] = {}
        t_stage = time.perf_counter()
        try:
            if st == "frozen30":
                with serve(lm, static) as s: r["static"], pk_s = timed_eval(fz, s, h, "b-static", warm=warm)
                with serve(lm, GenConfig(engine="vllm", batch_size=512)) as s: r["vllm"], pk_v = timed_eval(fz, s, h, "b-vllm", warm=warm)
                r["differs"] = differences(pk_v, pk_s); r["speedup"] = round(r["static"]["seconds"] / r["vllm"]["seconds"], 2)
            elif st == "synth":
                from sleepy_coder.synth import ensure_synth
                d = Path(a.synth_dir) if a.synth_dir else ensure_synth(a.home)
                ks = {**koans, **load_koans(d/"koans")[0]}; se = select(ks, "synth-eval", dirs=[d/"sets"])
                long = GenConfig(engine="vllm", batch_size=512, max_new_tokens=2048)
                with serve(lm, long, vllm=VLLMConfig(max_model_len=8192)) as s: r["vllm_x3"], pk_v = timed_eval(se, s, h, "s-vllm")
                with serve(lm, GenConfig(engine="static", batch_size=150, max_new_tokens=2048, max_cache_len=6144)) as s:
                    r["static_x1"], pk_s = timed_eval(se, s, h, "s-static", attempts=1)
            elif st == "sample":
                prompts = [build_prompt(lm.tokenizer, k.buggy, c.diagnostics, PromptConfig()) for k, c in zip(train[:64], h.checks([k.buggy for k in train[:64]]))]
                for eng in ("vllm", "static"):
                    cfg = GenConfig(engine=eng, batch_size=64, do_sample=True, n=8, max_new_tokens=512, max_cache_len=2048, seed=0)
                    with serve(lm, cfg) as s:
                        s.policy(prompts[:4]); sync(); t0 = time.perf_counter()   # warm-up (compiles the static step)
                        gens = s.policy(prompts); sync(); dt = time.perf_counter() - t0
                    toks = sum(g.tokens_out for gs in gens for g in gs)
                    r[eng] = dict(seconds=round(dt, 2), tokens=toks, tokens_per_s=round(toks / dt))
            elif st == "mixed":
                r.update(mixed_adapters(lm, train, h))
            elif st == "ngram":
                with serve(lm, GenConfig(engine="vllm", batch_size=512)) as s: r["off"], pk0 = timed_eval(fz, s, h, "n-off", warm=warm)
                release_engines()
                with serve(lm, GenConfig(engine="vllm", batch_size=512), vllm=VLLMConfig(ngram=4)) as s: r["on"], pk1 = timed_eval(fz, s, h, "n-on", warm=warm)
                release_engines()
                r["differs"] = differences(pk1, pk0); r["speedup"] = round(r["off"]["seconds"] / r["on"]["seconds"], 2)
            else: r["error"] = f"unknown stage {st!r}"
        except Exception as e:
            r["error"] = f"{type(e).__name__}: {e}"; traceback.print_exc()
        r["stage_s"] = round(time.perf_counter() - t_stage, 1)
        print(st, json.dumps(r, default=str), flush=True); save()
    release_engines()

def mixed_adapters(lm, train, h, n_tasks=8, rank=16, steps=256):
    "ms a decoding step for a batch spread over `n_tasks` LoRAs against the base model's, same prompts and lengths"
    from peft import LoraConfig, get_peft_model
    from vllm import SamplingParams
    from sleepy_coder.vllm_engine import vllm_engine, _lora_request
    d = Path(tempfile.mkdtemp()); folders = {}
    for t in range(n_tasks):   # random adapters: the kernels' cost doesn't depend on what the weights learned
        torch.manual_seed(t)
        pm = get_peft_model(lm.model, LoraConfig(r=rank, lora_alpha=rank, target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], init_lora_weights=False), adapter_name=f"t{t}")
        pm.save_pretrained(str(d), selected_adapters=[f"t{t}"]); folders[f"t{t}"] = str(d/f"t{t}"); pm.unload()
    llm = vllm_engine(lm.path, VLLMConfig(), max_lora_rank=rank)
    prompts = [build_prompt(lm.tokenizer, k.buggy, c.diagnostics, PromptConfig()) for k, c in zip(train[:64], h.checks([k.buggy for k in train[:64]]))]
    ids = [dict(prompt_token_ids=x) for x in lm.tokenizer(prompts, add_special_tokens=False)["input_ids"]]
    sp = SamplingParams(max_tokens=steps, ignore_eos=True, temperature=0.0, detokenize=False)
    reqs = [_lora_request(llm, f"t{i % n_tasks}", folders[f"t{i % n_tasks}"]) for i in range(len(ids))]
    out = {}
    for name, lr in (("base", None), ("mixed", reqs), ("base", None), ("mixed", reqs)):   # each twice: the first warms up
        sync(); t0 = time.perf_counter(); llm.generate(ids, sp, lora_request=lr, use_tqdm=False); sync()
        out[f"{name}_ms_a_step"] = round(1000 * (time.perf_counter() - t0) / steps, 2)
    out["ratio"] = round(out["mixed_ms_a_step"] / out["base_ms_a_step"], 2); out.update(rows=len(ids), tasks=n_tasks, rank=rank)
    return out

if __name__ == "__main__": main()
