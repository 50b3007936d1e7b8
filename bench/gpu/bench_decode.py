"""Where a decoding step's time goes, side by side in one run: the Qwen2.5-Coder-1.5B's shapes with random weights
(no model file needed, so it runs while the weights are still being shipped).

    python bench/gpu/bench_decode.py --out /root/bench-decode        # on the GPU
    python bench/gpu/bench_decode.py --tiny --out /tmp/bd            # a smoke test on the CPU

Every row is `model.generate` forced to a fixed number of new tokens (eos off) on random prompts, timed after a
warm-up. Rows: the dynamic cache against the static one (compiled) at several batch sizes and prompt lengths; a
peft LoRA with one adapter and with 8 adapters mixed in one batch (`adapter_names=`, as the arms run); and the
dynamic cache while busy processes load every core, at nice 0 and at nice 19 (the harness's rustc workers share
the host with generation). It prints milliseconds per decoding step and ratios against the first row.
"""
import argparse, json, os, subprocess, sys, time
from pathlib import Path

def build(tiny: bool):
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM
    kw = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, vocab_size=1000) if tiny else \
         dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12, num_key_value_heads=2, vocab_size=151936)
    cfg = Qwen2Config(max_position_embeddings=32768, rope_theta=1e6, tie_word_embeddings=True, **kw)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    with torch.device(dev): m = Qwen2ForCausalLM(cfg).to(torch.bfloat16 if dev == "cuda" else torch.float32)
    m.eval(); m.generation_config.pad_token_id = 0
    return m, dev

def step_ms(model, dev, batch, prompt, new, static=False, adapters=None, reps=1):
    "Milliseconds per decoding step: (time of prompt+new) - (time of prompt+1 new), over new-1 steps"
    import torch
    ids = torch.randint(100, model.config.vocab_size - 1, (batch, prompt), device=dev)
    kw = dict(do_sample=False, pad_token_id=0, eos_token_id=None)
    if static: kw.update(cache_implementation="static", max_cache_len=prompt + new + 16)
    if adapters: kw["adapter_names"] = adapters
    def run(n):
        if dev == "cuda": torch.cuda.synchronize()
        t = time.perf_counter()
        with torch.no_grad(): model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=n, min_new_tokens=n, **kw)
        if dev == "cuda": torch.cuda.synchronize()
        return time.perf_counter() - t
    run(min(new, 8))   # warm-up (compiles the static graph)
    full = min(run(new) for _ in range(reps)); one = min(run(1) for _ in range(reps))
    return round(1000 * (full - one) / (new - 1), 2), round(full, 2)

def hogs(n, nice):
    "n processes spinning on the CPU at the given niceness"
    code = "import os,time\nos.nice(%d)\nt=time.time()\nwhile time.time()-t<150: pass" % nice
    return [subprocess.Popen([sys.executable, "-c", code]) for _ in range(n)]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True); ap.add_argument("--tiny", action="store_true")
    a = ap.parse_args()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    model, dev = build(a.tiny)
    L, S, N = (32, 16, 16) if a.tiny else (2048, 512, 256)   # a synthesized koan's prompt, a short koan's, new tokens per row
    rows = []
    def rec(name, **kw):
        t0 = time.time()
        try: ms, wall = step_ms(model, dev, **kw)
        except Exception as e: ms, wall = None, f"{type(e).__name__}: {str(e)[:200]}"
        r = dict(row=name, **{k: v for k, v in kw.items() if k != "adapters"}, ms_per_step=ms, wall_s=wall, bench_s=round(time.time() - t0, 1))
        rows.append(r); print(json.dumps(r), flush=True)
        (out/"decode.json").write_text(json.dumps(rows, indent=1))
    for b in (16, 64, 128):
        rec(f"dynamic b{b} long", batch=b, prompt=L, new=N)
    rec("dynamic b128 short", batch=128, prompt=S, new=N)
    for b in (16, 128):
        rec(f"static b{b} long", batch=b, prompt=L, new=N, static=True)
    rec("static b128 short", batch=128, prompt=S, new=N, static=True)
    ncpu = os.cpu_count() or 2
    for nice in (0, 19):
        ps = hogs(ncpu, nice)
        try: rec(f"dynamic b64 long, {ncpu} busy processes at nice {nice}", batch=64, prompt=L, new=N)
        finally:
            for p in ps: p.kill()
    from peft import LoraConfig, get_peft_model
    tm = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    pm = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules=tm), adapter_name="a0")
    for i in range(1, 8): pm.add_adapter(f"a{i}", LoraConfig(r=16, lora_alpha=32, target_modules=tm))
    pm.eval()
    model = pm
    rec("peft LoRA, 1 adapter b64 long", batch=64, prompt=L, new=N, adapters=["a0"] * 64)
    rec("peft LoRA, 8 adapters mixed b64 long", batch=64, prompt=L, new=N, adapters=[f"a{i % 8}" for i in range(64)])
    base = rows[1]["ms_per_step"]
    for r in rows: r["vs_dynamic_b64_long"] = round(r["ms_per_step"] / base, 2) if r["ms_per_step"] and base else None
    (out/"decode.json").write_text(json.dumps(rows, indent=1))
    print("\n".join(f"{r['row']:55s} {r['ms_per_step']!s:>8} ms/step  x{r['vs_dynamic_b64_long']}" for r in rows), flush=True)

if __name__ == "__main__": main()
