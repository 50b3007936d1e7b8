"""The GPU campaign: every measurement the issues ask of the device, as resumable stages, one stream per GPU.

    python bench/gpu/campaign.py --stream A --gpu 0 --out /root/campaign-out --home /root/sc --deadline 1400

Stream A (`--a-stages`): `frozen30` (the chosen default once, timed), `difficulty` (the hand-written corpus,
greedy and two sampled runs), `seeds` (the headline arms again with seeds 1 and 2), `synth-eval` (the raw model
on all of synth-eval with the chosen default); `bench` and `ablation` are the earlier campaigns'. Stream B:
`cycles` (cycle 0 is the base model, then cycles 1..N, each gated), then a seed if one is left. Any other
stream runs `--stages` in order, e.g. `exp` (the experiment night: a day on train and synth-train koans,
targets, the LoRA library and the single LoRA, Share), `arms` (every arm of that night in one mixed-adapter
pass: base, one LoRA, the library routed, its merges, Share routed, averaged and oracle-routed, the
random-basis control), `arms-synth` (the headline arms of that night on --arms-synth-sets), `sweep` (Share routed at other
k, p and numbers of adapters in the basis, from that night's library), `arrow`, `seeds`, `synth-eval-raw` (the raw model on all of synth-eval with the cycles' settings), `cycle-synth` (follows B's cycles: the base and each newest kept cycle on --follow-sets), `cycle-synth-base` (the base only). Every stage writes its results under --out as it goes and skips what
is already there (or what another stream has claimed), so a killed stream resumes; a stage that fails is
logged and the stream goes on. --deadline (seconds from the start) stops a stream before the device is taken
back.
"""
import argparse, json, os, sys, time, traceback
from pathlib import Path

T0 = time.time()
A = None

def log(*a):
    print(f"[{time.time() - T0:7.1f}s]", *a, flush=True)

def left(): return A.deadline - (time.time() - T0)

def save(name, obj): (Path(A.out)/name).write_text(json.dumps(obj, indent=1, default=str))

def done(name): return (Path(A.out)/name).exists()

def G(**kw):
    "A GenConfig, with max_new_tokens capped at --max-new-tokens (small in a smoke test)"
    from sleepy_coder.generate import GenConfig
    kw["max_new_tokens"] = min(kw.get("max_new_tokens", 1024), A.max_new_tokens)
    if A.batch_size and kw.get("n", 1) == 1: kw["batch_size"] = A.batch_size   # decoding is bound by per-step overhead: fuller batches are nearly free
    return GenConfig(**kw)

def evaluate_safe(koans, arms, policy, h, store, attempts, **kw):
    "evaluate_many; if the chosen engine fails, log it and resume the same runs with the `generate` engine"
    from sleepy_coder.eval import evaluate_many
    try: return evaluate_many(koans, arms, policy, h, store, attempts, progress=False, **kw)
    except Exception as e:
        if getattr(getattr(policy, "cfg", None), "engine", "generate") == "generate": raise
        log(f"engine {policy.cfg.engine} failed ({type(e).__name__}: {str(e)[:200]}); starting over with generate"); traceback.print_exc()
        from dataclasses import replace
        again = [replace(a, run=a.run + " (generate)") for a in arms]   # a run's settings include its engine: the store refuses to resume it with another
        ids = evaluate_many(koans, again, policy.with_cfg(engine="generate"), h, store, attempts, progress=False, **kw)
        return {a.run: ids[b.run] for a, b in zip(arms, again)}

def claim(path: Path) -> bool:
    "Create `path` if no other stream has: True for the one stream that did"
    try: fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError: return False
    os.write(fd, A.stream.encode()); os.close(fd); return True

def score(pk):
    "Pass counts of a run's per-koan table"
    return dict(n=len(pk), **{m: int(pk[m].sum()) for m in ("pass@1", "pass@K", "compiles")})

def stage(name, need_s):
    "Run a stage only if its result is missing and there is time for it"
    def deco(f):
        def run(*a, **k):
            if done(f"{name}.json"): log(f"{name}: done already"); return json.loads((Path(A.out)/f"{name}.json").read_text())
            if left() < need_s: log(f"{name}: skipped, {left():.0f} s left < {need_s} s"); return None
            mine = Path(A.out)/f"{name}.claim"   # two streams may offer to run a stage: the first to claim it runs it
            if not claim(mine): log(f"{name}: claimed by stream {mine.read_text()}"); return None
            log(f"{name}: start ({left():.0f} s left)")
            try:
                r = f(*a, **k); save(f"{name}.json", r); log(f"{name}: done"); return r
            except Exception as e:
                log(f"{name}: FAILED {type(e).__name__}: {e}"); traceback.print_exc(); mine.unlink(missing_ok=True); return None
        return run
    return deco

def setup():
    import torch
    from sleepy_coder.models import convert_gguf, models_dir, load_model
    from sleepy_coder.sandbox import Sandbox
    if A.model == "tiny-random":   # a smoke test of the whole campaign on a CPU
        log("device: cpu (smoke test) | sandbox:", Sandbox().capabilities()); return load_model("tiny-random")
    d = models_dir(A.home)/f"{A.model}-bf16"
    lock = Path(A.home)/f"convert-{A.model}.lock"
    # gpu-ship's GGUF of the 1.5B is SHIP_MODEL_GGUF; the 0.5B's, shipped beside it, SHIP_MODEL_GGUF_0_5B
    gguf = os.environ.get("SHIP_MODEL_GGUF" if A.model == "qwen2.5-coder-1.5b" else "SHIP_MODEL_GGUF_" + A.model.split("-")[-1].upper().replace(".", "_"))
    if not (d/"config.json").exists():
        if not gguf: raise SystemExit(f"no GGUF shipped for {A.model}")
        d.parent.mkdir(parents=True, exist_ok=True)
        if claim(lock): convert_gguf(Path(gguf), d, log)   # the first stream converts; the others wait
        else:
            while not (d/"config.json").exists(): time.sleep(2)
    log("device:", torch.cuda.get_device_name(), "| model:", A.model, "| sandbox:", Sandbox().capabilities())
    return load_model(A.model, A.home, log=log)

def sets_and_koans():
    from sleepy_coder.koans import load_koans, select
    from sleepy_coder.synth import ensure_synth
    ks, _ = load_koans()
    names = ["frozen30", "train", "dev", "twins", "synth-train", "synth-dev", "synth-eval", "synth-far"]
    try:
        d = ensure_synth(A.home); ks.update(load_koans(d/"koans")[0]); dirs = [d/"sets"]
    except Exception as e: log(f"NO SYNTHESIZED KOANS: {type(e).__name__}: {e}"); dirs = None
    sets = {s: select(ks, s, dirs=dirs) if dirs or not s.startswith("synth-") else [] for s in names}
    if A.model == "tiny-random":   # smoke test: a few short koans in every set (the tiny tokenizer makes long programs longer than max_len)
        sets = {s: (sets["train"][4 * i:4 * i + 4] if s.startswith("synth-") else v[:4]) for i, (s, v) in enumerate(sets.items())}
    return sets, ks

# ---------------- stream A ----------------

def chosen_engine():
    p = Path(A.out)/"bench.json"
    if not p.exists(): return "generate"
    b = json.loads(p.read_text())["engines"]
    ok = {e: r["frozen30_x3_s"] for e, r in b.items() if "frozen30_x3_s" in r and not r.get("error")}
    return min(ok, key=ok.get) if ok else "generate"

def stream_a(lm, sets):
    import subprocess
    from sleepy_coder.rustc import Harness
    from sleepy_coder.episodes import EpisodeStore
    from sleepy_coder.generate import GenConfig, HFPolicy
    from sleepy_coder.prompt import PromptConfig
    from sleepy_coder.eval import evaluate_many, Arm, per_koan
    h, store = Harness(cache_dir=Path(A.home)/"verdicts", workers=A.workers), EpisodeStore(Path(A.home)/"episodes-A.sqlite")

    @stage("bench", 240)
    def bench():
        sys.argv = ["bench_generate.py", "--model", A.model, "--home", A.home, "--out", str(Path(A.out)/"bench-raw.json"),
                    "--max-new-tokens", str(A.max_new_tokens)]
        sys.path.insert(0, str(Path(__file__).resolve().parents[1])); import bench_generate
        return bench_generate.main()
    stages = A.a_stages.split(",")
    if A.engine or "bench" not in stages: eng = A.engine or "generate"   # the engines were measured already: skip the benchmark
    else: bench(); eng = chosen_engine()
    log("engine:", eng)

    def pks(ids): return {n: per_koan(store.episodes(r)) for n, r in ids.items()}

    base = PromptConfig(diagnostics="compact", notes=True, suggestion=False, history=0, system="default")   # the default before the ablation (with 512 new tokens)
    variants = {"base (compact, 512)": {}, "rendered": dict(diagnostics="rendered"), "both": dict(diagnostics="both"),
                "compact, no notes": dict(notes=False), "rendered, no notes": dict(diagnostics="rendered", notes=False),
                "suggestion diff": dict(suggestion=True), "history 2": dict(history=2), "system keep": dict(system="keep"),
                "system none": dict(system="none"), "no prefill": dict(prefill=False)}

    @stage("ablation", 420)
    def ablation():
        from dataclasses import replace, asdict
        dev = sets["dev"]; res = {}
        pol512 = HFPolicy.from_loaded(lm, G(max_new_tokens=512, engine=eng, batch_size=128))
        arms = [Arm(f"abl-{n}", replace(base, **kw)) for n, kw in variants.items()]
        arms += [Arm("abl-prepass machine", base, prepass="machine"), Arm("abl-dedupe 2", base, dedupe=2)]
        ids = evaluate_safe(dev, arms, pol512, h, store, 3)
        res.update({a.run[4:]: score(p) for a, p in zip(arms, pks(ids).values())})
        log("greedy variants:", {k: v["pass@K"] for k, v in res.items()})
        ids = evaluate_safe(dev, [Arm("abl-max_new_tokens 1024", base)], HFPolicy.from_loaded(lm, G(max_new_tokens=1024, engine=eng)), h, store, 3)
        res["max_new_tokens 1024"] = score(pks(ids)["abl-max_new_tokens 1024"])
        for s in (0, 1):   # n sampled candidates, the compiler choosing: two seeds
            p = HFPolicy.from_loaded(lm, G(max_new_tokens=512, engine="generate", do_sample=True, n=4, seed=s, batch_size=64))
            ids = evaluate_safe(dev, [Arm(f"abl-n=4 sampled s{s}", base)], p, h, store, 3)
            res[f"n=4 sampled s{s}"] = score(pks(ids)[f"abl-n=4 sampled s{s}"])
        save("ablation-partial.json", res)
        # one factor at a time: adopt each prompt factor that beats the base on dev pass@K (ties: pass@1), then combine
        b = res["base (compact, 512)"]; key = lambda r: (r["pass@K"], r["pass@1"])
        adopted = {n: kw for n, kw in variants.items() if kw and key(res[n]) > key(b)}
        groups = {}   # one choice per factor: the best adopted variant of each field
        for n, kw in adopted.items():
            f = tuple(sorted(kw)); groups[f] = max([groups.get(f, n), n], key=lambda x: key(res[x]))
        comb = {}
        for n in sorted(groups.values(), key=lambda x: key(res[x])): comb.update(variants[n])
        tokens = 1024 if key(res["max_new_tokens 1024"]) >= key(b) else 512
        prepass = "machine" if key(res["prepass machine"]) > key(b) else None
        dedupe = 2 if key(res["dedupe 2"]) > key(b) else 0
        best1 = max([n for n in variants if variants[n]] or ["rendered"], key=lambda x: key(res[x]))
        cands = {"base": (base, None, 0), f"best single: {best1}": (replace(base, **variants[best1]), None, 0),
                 "combined": (replace(base, **comb), prepass, dedupe)}
        polT = HFPolicy.from_loaded(lm, G(max_new_tokens=2048, engine=eng, batch_size=128))   # synth-dev programs are long
        from sleepy_coder.cycle import fixed_subset
        sd = fixed_subset(sets["synth-dev"], A.synth_dev_limit)   # by a hash of the ids, as the cycles draw theirs (the first N by id came from two seed programs)
        arms = [Arm(f"abl-{n} (combined run)", c[0], prepass=c[1], dedupe=c[2]) for n, c in cands.items()]
        ids = evaluate_safe(dev, arms, polT, h, store, 3)
        ids_sd = evaluate_safe(sd, [Arm(f"abl-synth-dev {n}", c[0], prepass=c[1], dedupe=c[2]) for n, c in cands.items()], polT, h, store, 3)
        final = {n: dict(dev=score(p1), synth_dev=score(p2)) for n, p1, p2 in zip(cands, pks(ids).values(), pks(ids_sd).values())}
        choice = max(final, key=lambda n: (final[n]["dev"]["pass@K"] + final[n]["synth_dev"]["pass@K"], final[n]["dev"]["pass@1"]))
        pc, pp, dd = cands[choice]
        ids = evaluate_safe(sets["frozen30"], [Arm("abl-frozen30 chosen", pc, prepass=pp, dedupe=dd)], polT, h, store, 3)
        fz = score(pks(ids)["abl-frozen30 chosen"])
        return dict(variants=res, adopted=list(adopted), combined=comb, tokens=tokens, prepass=prepass, dedupe=dedupe, final=final,
                    choice=choice, chosen=dict(prompt=asdict(pc), prepass=pp, dedupe=dd, max_new_tokens=max(tokens, 1024)), frozen30=fz,
                    synth_dev_n=len(sd), engine=eng)
    abl = ablation() if "ablation" in stages else None

    def chosen():
        "The ablation's choice, as this run measured it, or else the code's defaults (the choice of the previous campaign)"
        c = (abl or {}).get("chosen") or dict(prompt={}, prepass="machine", dedupe=2, max_new_tokens=1024)
        return PromptConfig(**c["prompt"]) if c["prompt"] else PromptConfig(), c["prepass"], c["dedupe"], c["max_new_tokens"]

    rest = [x for x in stages if x not in ("bench", "ablation")]
    stream_x(lm, sets, None, rest, h, store, chosen, eng)

def chosen_default():
    "The code's defaults, chosen by the previous campaign's ablation: (prompt, pre-pass, dedupe, max_new_tokens)"
    from sleepy_coder.prompt import PromptConfig
    return PromptConfig(), "machine", 2, 1024

def stream_x(lm, sets, koans, stages, h=None, store=None, chosen=chosen_default, eng="generate"):
    "Stages by name, in order; a stage another stream has claimed or finished is skipped"
    from sleepy_coder.rustc import Harness
    from sleepy_coder.episodes import EpisodeStore
    from sleepy_coder.generate import HFPolicy
    from sleepy_coder.eval import Arm, per_koan
    h = h or Harness(cache_dir=Path(A.home)/"verdicts", workers=A.workers)
    store = store or EpisodeStore(Path(A.home)/f"episodes-{A.stream}.sqlite")
    if koans is None: _, koans = sets_and_koans()
    def pks(ids): return {n: per_koan(store.episodes(r)) for n, r in ids.items()}

    @stage("frozen30-chosen", 120)
    def frozen30_chosen():
        "frozen30 once with the chosen default (greedy, 3 attempts), and its wall time: generation, compiling, scoring"
        pc, pp, dd, tok = chosen(); tm = {}
        t0 = time.perf_counter()
        ids = evaluate_safe(sets["frozen30"], [Arm("frozen30-chosen", pc, prepass=pp, dedupe=dd)],
                            HFPolicy.from_loaded(lm, G(max_new_tokens=tok, engine=eng, batch_size=64)), h, store, 3, timings=tm)
        r = score(pks(ids)["frozen30-chosen"]); r.update(wall_s=round(time.perf_counter() - t0, 1), generate_s=round(tm.get("generate", 0), 1),
                                                          prompt=str(pc), prepass=pp, dedupe=dd, max_new_tokens=tok)
        log("frozen30 with the chosen default:", r); return r

    @stage("difficulty", 300)
    def difficulty():
        "The hand-written corpus: one greedy and two sampled runs of the chosen default, 3 attempts each"
        pc, pp, dd, tok = chosen()
        hand = sorted({k.id: k for s in ("frozen30", "train", "dev", "twins") for k in sets[s]}.values(), key=lambda k: k.id)
        runs = {}
        for name, gen in [("greedy", G(max_new_tokens=tok, engine=eng, batch_size=256)),
                          ("sampled s1", G(max_new_tokens=tok, engine="generate", do_sample=True, seed=1, batch_size=256)),
                          ("sampled s2", G(max_new_tokens=tok, engine="generate", do_sample=True, seed=2, batch_size=256))]:
            ids = evaluate_safe(hand, [Arm(f"diff-{name}", pc, prepass=pp, dedupe=dd)], HFPolicy.from_loaded(lm, gen), h, store, 3)
            runs[name] = {k: bool(v) for k, v in pks(ids)[f"diff-{name}"]["pass@K"].items()}
        return runs

    @stage("synth-eval-chosen", 400)
    def synth_eval_chosen():
        "The raw model on all of synth-eval with the chosen default (greedy, 3 attempts; the earlier baseline used the old prompt)"
        pc, pp, dd, _ = chosen()
        ids = evaluate_safe(sets["synth-eval"], [Arm("base-synth-eval-chosen", pc, prepass=pp, dedupe=dd)],
                            HFPolicy.from_loaded(lm, G(max_new_tokens=2048, engine=eng, batch_size=A.synth_batch, max_cache_len=6144)), h, store, 3)
        r = score(pks(ids)["base-synth-eval-chosen"]); log("synth-eval with the chosen default:", r); return r

    def synth_eval_raw():
        """The raw model on all of synth-eval, greedy, 3 attempts, with the cycles' settings (the default prompt, no rustc pre-pass,
        no resampling). With --synth-shards N, N stages of every N-th koan, each claimed by whichever stream comes to it first"""
        from dataclasses import replace
        n = A.synth_shards
        for i in range(n):
            name = "synth-eval-raw" if n == 1 else f"synth-eval-raw-{i + 1}of{n}"
            @stage(name, 400)
            def one():
                cfg = cycle_config(); run = "base-" + name
                ks = sorted(sets["synth-eval"], key=lambda k: k.id)[i::n]
                ids = evaluate_safe(ks, [Arm(run, cfg.prompt)],
                                    HFPolicy.from_loaded(lm, replace(G(max_new_tokens=2048, engine=A.synth_engine, max_cache_len=6144), batch_size=A.synth_batch)), h, store, 3)
                pk = pks(ids)[run]
                r = score(pk); r["per_koan"] = {k: bool(v) for k, v in pk["pass@K"].items()}
                log(f"{name}:", {k: v for k, v in r.items() if k != "per_koan"}); return r
            one()

    for st in stages:
        if st == "frozen30": frozen30_chosen()
        elif st == "synth-eval-raw": synth_eval_raw()
        elif st == "difficulty": difficulty()
        elif st == "synth-eval": synth_eval_chosen()
        elif st == "seeds": seeds(lm, sets, h, store)
        elif st == "synth-base": synth_baselines(lm, sets, h, store, *chosen()[:3])
        elif st == "cycles": stream_b(lm, sets, koans)
        elif st == "exp":
            night = exp_night(lm, sets, koans, exp_config(), h, store)
            if night is None: log("experiments: no night")
        elif st == "arms": all_arms(lm, sets, koans, exp_config(), h, store)
        elif st == "arms-synth":
            n = A.arms_synth_shards   # with N shards, N stages of every N-th headline arm, claimed by whichever stream comes first
            for i in range(n):
                all_arms(lm, sets, koans, exp_config(), h, store, "exp-arms-synth" + (f"-{i + 1}of{n}" if n > 1 else ""), A.arms_synth_sets,
                         headline=True, shard=(i, n))
        elif st == "sweep": sweep(lm, sets, exp_config(), h, store)
        elif st == "arrow":
            if (exp_dir()/"night"/"night.json").exists(): arrow_arm(lm, sets, koans, exp_config(), h, store, exp_dir()/"night")
        elif st == "cycle-synth": cycle_synth(lm, sets, h, store)
        elif st == "cycle-synth-base": cycle_synth(lm, sets, h, store, base_only=True)
        elif st == "passk": passk(lm, sets, h)
        elif st == "curve": data_curve(lm, sets, koans, exp_config(), h, store)
        elif st == "rft": rft(lm, sets, koans, exp_config(), h, store)
        elif st == "formats": formats(lm, sets, exp_config(), h, store)
        else: log(f"unknown stage {st!r}")

# ---------------- issue 22: decide from data ----------------

def passk(lm, sets, h):
    "The base model's pass@8 against its pass@1 on --passk-sets (first attempt, no pre-pass): the most rejection sampling can give"
    from sleepy_coder.experiments import pass_at_k
    from sleepy_coder.serve import serve
    for s in A.passk_sets.split(","):
        @stage(f"passk-{s}", 300)
        def one():
            ks = sets[s]
            with serve(lm, G(max_new_tokens=A.synth_max_new_tokens, batch_size=A.batch_size or 512), engine=A.arms_engine) as sv:
                t0 = time.time(); pk = pass_at_k(ks, sv.policy, h, n=A.passk_n, temperature=A.passk_temperature); dt = time.time() - t0
            r = dict(koans=len(ks), n=A.passk_n, temperature=A.passk_temperature, engine=sv.engine, seconds=round(dt, 1),
                     pass_at_n=int((pk.passed > 0).sum()), pass_at_1_estimate=round(float((pk.passed / pk.samples).sum()), 1),
                     per_koan=pk.passed.to_dict())
            log(f"passk {s}:", {k: v for k, v in r.items() if k != "per_koan"}); return r
        one()

def _curve_arms(lm, sets, cfg, h, store, name, adapters, label):
    "The base and one LoRA per adapter on --exp-sets, first attempt (--arms-attempts), no pre-pass: passes, paired gains and losses, sign tests"
    from dataclasses import replace
    from sleepy_coder.experiments import ArmSet, serve_arms, run_arms as run_all
    from sleepy_coder.router import ConstantRouter
    evs = exp_sets(sets, cfg)
    if any(s.startswith("synth-") for s in evs): cfg = replace(cfg, gen=replace(cfg.gen, max_new_tokens=min(2048, A.max_new_tokens)))
    aset = ArmSet(adapters, [("base", ConstantRouter(None, name="base"))] + [(label(n), ConstantRouter(n, name=n)) for n in adapters])
    with serve_arms(lm, aset, replace(cfg.gen, batch_size=A.batch_size or 128), engine=A.arms_engine) as sv:
        tab = run_all(sv, aset, evs, h, store, A.arms_attempts or 1, cfg.prompt, prefix=name)
    r = {}
    for row in tab.to_dict("records"): r.setdefault(row.pop("arm"), {})[row.pop("set")] = row
    log(f"{name}:", {a: {s: (v["pass@1"], f"+{v.get('gained', 0)} -{v.get('lost', 0)} p={v.get('p', 1):.3f}") for s, v in d.items()} for a, d in r.items()})
    return r

def data_curve(lm, sets, koans, cfg, h, store):
    "Issue 22a: one LoRA on --curve-sizes reference fixes of synth-train (first-attempt prompts, no day), 1 epoch; each against the base"
    from dataclasses import replace
    from sleepy_coder.cycle import fixed_subset
    from sleepy_coder.experiments import train_one_lora
    from sleepy_coder.targets import reference_examples
    sizes = [int(x) for x in A.curve_sizes.split(",")]
    @stage("curve", 600)
    def run():
        pool = fixed_subset(sets["synth-train"], max(sizes)) if sets.get("synth-train") else fixed_subset(sets["train"], max(sizes))
        t0 = time.time(); exs = reference_examples(pool, lm.tokenizer, h, cfg.prompt, held_sets(sets)); t1 = time.time()
        lcfg = replace(cfg.night.lora, train=replace(cfg.night.lora.train, epochs=A.curve_epochs))
        adapters = {f"n{n}": train_one_lora(lm.model, lm.tokenizer, exs[:n], exp_dir()/"curve", f"n{n}", lcfg, model_sha(), log) for n in sizes if n <= len(exs)}
        r = _curve_arms(lm, sets, cfg, h, store, "curve", adapters, lambda n: f"one LoRA on {n[1:]} reference fixes")
        r["info"] = dict(pool=len(pool), examples=len(exs), targets_s=round(t1 - t0, 1), train_s=round(time.time() - t1, 1))
        return r
    return run()

def rft(lm, sets, koans, cfg, h, store):
    "Issue 22b: rejection sampling: --rft-koans synth-train koans the base fails greedily, 8 samples each, the passing ones (2 a koan) plus replay"
    import random
    from dataclasses import replace
    from sleepy_coder.cycle import fixed_subset
    from sleepy_coder.eval import Arm, evaluate_many, per_koan
    from sleepy_coder.experiments import train_one_lora
    from sleepy_coder.serve import serve
    from sleepy_coder.targets import reference_examples, self_verified
    @stage("rft", 600)
    def run():
        pool = fixed_subset(sets["synth-train"] or sets["train"], A.rft_koans)
        long = G(max_new_tokens=A.synth_max_new_tokens, batch_size=A.batch_size or 512)
        with serve(lm, long, engine=A.arms_engine) as sv:
            t0 = time.time()
            rid = evaluate_many(pool, [Arm("rft-day", cfg.prompt)], sv.policy, h, store, 1, progress=False)["rft-day"]
            pk = per_koan(store.episodes(rid)); failed = [k for k in pool if not pk.loc[k.id, "pass@1"]]; passed = [k for k in pool if pk.loc[k.id, "pass@1"]]
            t1 = time.time(); own = self_verified(failed, sv.policy, h, 8, cfg.prompt, held_sets(sets), 0, 2); t2 = time.time()
        replay = reference_examples(random.Random(0).sample(passed, min(len(passed), round(cfg.night.replay * len(own)))), lm.tokenizer, h, cfg.prompt, held_sets(sets))
        exs = own + [replace(e, source="replay") for e in replay]
        lcfg = replace(cfg.night.lora, train=replace(cfg.night.lora.train, epochs=A.curve_epochs))
        ad = {"rft": train_one_lora(lm.model, lm.tokenizer, exs, exp_dir()/"rft", "rft", lcfg, model_sha(), log)} if own else {}
        r = _curve_arms(lm, sets, cfg, h, store, "rft", ad, lambda n: "one LoRA on its own verified fixes")
        r["info"] = dict(pool=len(pool), failed=len(failed), koans_fixed=len({e.koan for e in own}), own=len(own), replay=len(replay),
                         day_s=round(t1 - t0, 1), sampling_s=round(t2 - t1, 1))
        return r
    return run()

def formats(lm, sets, cfg, h, store):
    """Issue 26: the reply formats side by side on --format-sets (first attempt, no pre-pass): the whole program against SEARCH/REPLACE
    edits, with the base model and with one LoRA trained on --format-examples synth-train reference fixes in that format; format
    compliance (replies a program was taken from), pass@1, and decoded tokens a reply"""
    from dataclasses import replace
    from sleepy_coder.cycle import fixed_subset
    from sleepy_coder.eval import Arm, evaluate_many, per_koan
    from sleepy_coder.experiments import train_one_lora, serve_arms, ArmSet
    from sleepy_coder.reply import REPLY_FORMATS
    from sleepy_coder.router import ConstantRouter
    from sleepy_coder.targets import reference_examples
    evs = {s: sets[s] for s in A.format_sets.split(",")}
    @stage("formats", 600)
    def run():
        gen = replace(cfg.gen, max_new_tokens=min(2048, A.max_new_tokens), batch_size=A.batch_size or 128)
        pool = fixed_subset(sets["synth-train"] or sets["train"], A.format_examples)
        lcfg = replace(cfg.night.lora, train=replace(cfg.night.lora.train, epochs=A.curve_epochs))
        ad = {f"fmt_{f}": train_one_lora(lm.model, lm.tokenizer, reference_examples(pool, lm.tokenizer, h, replace(cfg.prompt, reply=f), held_sets(sets)),
                                         exp_dir()/"formats", f"fmt_{f}", lcfg, model_sha(), log) for f in REPLY_FORMATS}
        aset = ArmSet(ad, [])
        arms = [Arm(f"fmt-{f}-{m}-{s}", replace(cfg.prompt, reply=f), ConstantRouter(None if m == "base" else f"fmt_{f}"), koans=ks)
                for f in REPLY_FORMATS for m in ("base", "lora") for s, ks in evs.items()]
        with serve_arms(lm, aset, gen, engine=A.arms_engine) as sv:
            ids = evaluate_many([], arms, sv.policy, h, store, 1, progress=False)
        r = {}
        for a in arms:
            eps = store.episodes(ids[a.run]); first = eps[eps.attempt == 1]; pk = per_koan(eps)
            f, m, s = a.run.split("-", 3)[1:]
            r.setdefault(f"{f} {m}", {})[s] = dict(n=len(pk), **{"pass@1": int(pk["pass@1"].sum())}, compliant=int(first.candidate.notna().sum()),
                                                   tokens_out_mean=round(float(first.tokens_out.mean()), 1))
        log("formats:", r); return r
    return run()

def cycle_synth(lm, sets, h, store, base_only=False):
    """Follow stream B's cycles from another GPU: the base (cycle 0), then the newest kept cycle each time one appears,
    on --follow-sets (the synthesized programs' replies are ~10x longer than a hand-written koan's, too slow for a
    cycle to evaluate itself). Not part of B's gate, which then counts `dev` alone. `base_only`: cycle 0, then return."""
    from sleepy_coder.cycle import cycles, _policy, _evaluate_sets
    from dataclasses import replace
    home = Path(A.home)/"campaign"
    cfg = cycle_config()   # its eval_limit holds --synth-dev-limit and --synth-far-limit
    cfg = replace(cfg, eval_sets=tuple(A.follow_sets.split(",")),
                  gen=replace(cfg.gen, batch_size=A.follow_batch or (32 if A.follow_engine == "static" else A.synth_batch), engine=A.follow_engine,
                              max_cache_len=6144, max_new_tokens=min(2048, A.max_new_tokens)))   # static: a routed Share model compiles once per followed cycle
    done_ = {int(p.stem.split("-")[-1]) for p in Path(A.out).glob("follow-*.json")}
    while left() > 240:
        if base_only and 0 in done_: return
        recs = cycles(home); kept = [c for c in recs if c["kept"]]
        if base_only: kept = [dict(cycle=0, night=None)]   # the base needs nothing from stream B: don't wait for its record
        todo = [c for c in kept if c["cycle"] not in done_]
        if 0 not in done_ and any(c["cycle"] == 0 for c in todo): c = todo[0]
        elif todo: c = todo[-1]   # the newest kept cycle; an older one it superseded is not worth the time
        elif len(recs) > A.cycles or (Path(A.out)/"cycles.end").exists(): break
        else: time.sleep(15); continue
        n = c["cycle"]; t0 = time.time(); log(f"follow: cycle {n} on {cfg.eval_sets}")
        pol, router, undo = _policy(lm.model, lm.tokenizer, cfg, Path(c["night"]) if c.get("night") else None, f"cycle {n}")
        try: pks = _evaluate_sets(pol, router, sets, cfg, h, store, n, False)
        except Exception as e:   # the runs are named by cycle, so they can't be redone with other settings: stop following, keep the stream
            log(f"follow: cycle {n} FAILED ({type(e).__name__}: {str(e)[:200]}); no more following"); traceback.print_exc(); return
        finally: undo()
        r = dict(cycle=n, seconds=round(time.time() - t0, 1), **{s: score(p) for s, p in pks.items()},
                 per_koan={s: {k: bool(v) for k, v in p["pass@K"].items()} for s, p in pks.items()})
        save(f"follow-{n:03d}.json", r); log(f"follow: cycle {n}", {s: r[s]["pass@K"] for s in pks}, f"{r['seconds']} s")
        done_.update(c2["cycle"] for c2 in kept if c2["cycle"] <= n)

def synth_baselines(lm, sets, h, store, pc=None, pp=None, dd=0):
    "The raw model on all of synth-eval and synth-far (greedy, 3 attempts): the baselines a night must raise"
    from sleepy_coder.generate import HFPolicy
    from sleepy_coder.prompt import PromptConfig
    from sleepy_coder.eval import Arm, per_koan
    pc = pc or PromptConfig()
    pol = HFPolicy.from_loaded(lm, G(max_new_tokens=2048, engine="generate", batch_size=128))
    for s in ("synth-far", "synth-eval"):
        @stage(f"synth-{s[6:]}", 240)
        def one():
            ids = evaluate_safe(sets[s], [Arm(f"base-{s}", pc, prepass=pp, dedupe=dd)], pol, h, store, 3)
            r = score(per_koan(store.episodes(ids[f"base-{s}"]))); log(s, r); return r
        one()

def wait_for(f: Path, margin: float = 300) -> bool:
    "Wait for a file another stream writes; False if it doesn't come while there is time"
    while not f.exists() and left() > margin: time.sleep(10)
    return f.exists()

def exp_dir() -> Path:
    "The experiment nights' folder (one per model)"
    return Path(A.home)/("campaign-exp" if A.model in ("qwen2.5-coder-1.5b", "tiny-random") else f"campaign-exp-{A.model}")

def model_sha():
    from sleepy_coder.models import ALIASES
    return ALIASES[A.model].sha256 if A.model in ALIASES else None

def held_sets(sets):
    "Every held-out koan (targets.HELD_OUT), also those of the synthesized sets this campaign loaded"
    from sleepy_coder.targets import HELD_OUT, held_out_ids
    return held_out_ids() | {k.id for s in HELD_OUT for k in sets.get(s, [])}

def exp_sets(sets, cfg, names=None):
    from sleepy_coder.cycle import fixed_subset
    return {s: fixed_subset(sets[s], cfg.eval_limit.get(s)) for s in (names or A.exp_sets).split(",")}

def exp_night(lm, sets, koans, cfg, h, store):
    "One night for the experiments, bigger than a cycle's: a day on `--exp-day-train` train and `--exp-day-synth` synth-train koans"
    from sleepy_coder.eval import evaluate_many, Arm
    from sleepy_coder.cycle import fixed_subset
    from sleepy_coder.generate import HFPolicy
    from sleepy_coder.night import night_examples, sleep
    from sleepy_coder.models import ALIASES
    night = exp_dir()/"night"
    @stage("exp-night", 420)
    def build():
        day = fixed_subset(sets["train"], A.exp_day_train) + fixed_subset(sets["synth-train"], A.exp_day_synth)   # 0: none (None: all)
        pol = HFPolicy.from_loaded(lm, cfg.gen)
        t0 = time.time()
        rid = evaluate_many(day, [Arm("exp-day", cfg.prompt)], pol, h, store, A.exp_day_attempts, progress=False)["exp-day"]
        t1 = time.time(); log(f"experiment day: {len(day)} koans, {A.exp_day_attempts} attempt(s), {t1 - t0:.0f} s")
        groups = night_examples(store.episodes(rid), koans, pol, h, cfg.night, held_sets(sets), cfg.prompt)
        t2 = time.time(); log(f"experiment targets: {sum(map(len, groups.values()))} examples in {len(groups)} tasks, {t2 - t1:.0f} s")
        summ = sleep(lm.model, lm.tokenizer, store.episodes(rid), koans, night, cfg.night, held_out=held_sets(sets),
                     base_sha256=model_sha(), prompt=cfg.prompt, one_lora=True, groups=groups, log=log)
        return dict(day_koans=len(day), day_s=round(t1 - t0, 1), targets_s=round(t2 - t1, 1), night_s=round(time.time() - t2, 1),
                    tasks=summ["tasks"], sources=summ["sources"], basis_s=summ["metrics"].get("basis_seconds"))
    r = build()
    return night if r is not None and (night/"night.json").exists() else None

def run_arms(policy, arms, evs, cfg, h, store, tag, prefix="x"):
    "Every arm on every evaluation set, in one pass; pass counts by arm and set"
    from sleepy_coder.eval import evaluate_many, Arm, per_koan
    out = {}
    ids = evaluate_many([], [Arm(f"{prefix}-{a}-{s}", cfg.prompt, r, koans=ks) for a, r in arms for s, ks in evs.items()], policy, h, store,
                        A.arms_attempts or cfg.attempts, progress=False)
    for a, _ in arms:
        for s in evs:
            out.setdefault(a, {})[s] = score(per_koan(store.episodes(ids[f"{prefix}-{a}-{s}"])))
    log(tag, {a: {s: v["pass@K"] for s, v in d.items()} for a, d in out.items()})
    return out

def arrow_arm(lm, sets, koans, cfg, h, store, night):
    "peft's Arrow over the night's per-task LoRAs: routing without our router"
    from sleepy_coder.generate import HFPolicy
    from sleepy_coder.lora import AdapterLibrary, arrow_model
    @stage("exp-arrow", 240)
    def run():
        am = arrow_model(AdapterLibrary(night/"library"), lm.model); am.eval()
        try: return run_arms(HFPolicy(am, lm.tokenizer, cfg.gen, "arrow"), [("Arrow over the library", None)], exp_sets(sets, cfg), cfg, h, store, "arrow:")
        finally: am.unload()
    return run()


def all_arms(lm, sets, koans, cfg, h, store, name="exp-arms", set_names=None, headline=False, shard=(0, 1)):
    """Every arm of the experiment night in one pass (sleepy_coder.experiments: every arm's adapters as LoRA folders, one model
    serving them all, on --arms-engine). `headline`: only the base, the single LoRA, the routed library and Share routed
    (stage arms-synth, on the long synthesized programs), every `shard[1]`-th of them from `shard[0]`"""
    from dataclasses import replace
    from sleepy_coder.experiments import ARMS, HEADLINE, arm_set, serve_arms, run_arms as run_all
    from sleepy_coder.lora import AdapterLibrary
    from sleepy_coder.share.model import ShareModel, task_cost, basis_dims
    night = exp_dir()/"night"
    if not wait_for(night/"night.json"): log("arms: no experiment night in time"); return
    evs = exp_sets(sets, cfg, set_names)
    if any(s.startswith("synth-") for s in evs):   # a synthesized program's fix is ~1,000-1,500 tokens
        cfg = replace(cfg, gen=replace(cfg.gen, max_new_tokens=min(2048, A.max_new_tokens)))
    @stage(name, 420)
    def run():
        t0 = time.time()
        aset = arm_set(lm.model, lm.tokenizer, night, cfg.night.coef, koans=[k for s in sets.values() for k in s],
                       arms=HEADLINE[shard[0]::shard[1]] if headline else ARMS, log=log)
        share = ShareModel.load(lm.model, night/"share")
        try: info = dict(aset.info, arms_build_s=round(time.time() - t0, 1), cost=task_cost(basis_dims(share.basis), cfg.night.share.p, cfg.night.lora.r).to_dict("records"),
                         share_trainable_per_task=sum(c[0].numel() + c[1].numel() for c in share.coefficients(share.tasks[0]).values()))
        finally: share.unload()
        with serve_arms(lm, aset, replace(cfg.gen, batch_size=A.batch_size or 128), engine=A.arms_engine) as s:
            tab = run_all(s, aset, evs, h, store, A.arms_attempts or cfg.attempts, cfg.prompt, prefix="xs" if headline else "x")
            info["engine"] = s.engine
        r = {}
        for row in tab.to_dict("records"): r.setdefault(row.pop("arm"), {})[row.pop("set")] = row
        log(f"{name}:", {a: {s: (v["pass@K"], f"+{v.get('gained', 0)} -{v.get('lost', 0)}") for s, v in d.items()} for a, d in r.items()})
        lib = AdapterLibrary(night/"library")
        r["info"] = dict(info, lora_per_task=lib.meta("__all__")["metrics"]["trainable_params"], lora_tasks=info["library"])
        return r
    return run()

def sweep_points(spec: str) -> list[dict]:
    """`--sweep` as points: 'k=64;k=0.9,p=8;n=3' -> [{'k': 64}, {'k': 0.9, 'p': 8}, {'n': 3}] (k: directions or a share of the
    variance per side, p: coefficient columns, n: the largest n tasks' adapters make the basis)"""
    out = []
    for pt in filter(None, (x.strip() for x in spec.split(";"))):
        d = {}
        for kv in pt.split(","):
            key, _, v = kv.partition("=")
            if key not in ("k", "p", "n") or not v: raise SystemExit(f"--sweep: {kv!r} in {pt!r} is not k=..., p=... or n=...")
            d[key] = float(v) if key == "k" and "." in v else int(v)
        out.append(d)
    return out

def sweep(lm, sets, cfg, h, store):
    """Share routed at other k and p, and with a basis from fewer adapters: each point rebuilds the basis from the experiment
    night's LoRA library (the adapters are not retrained), starts every task from its projected adapter, trains the coefficients
    again on the night's examples and evaluates Share routed (the night's router) on --sweep-sets; one stage per point"""
    from dataclasses import replace
    from sleepy_coder.generate import HFPolicy
    from sleepy_coder.lora import AdapterLibrary
    from sleepy_coder.night import read_examples, share_from_library, _train_coefficients
    from sleepy_coder.router import CodeRouter
    from sleepy_coder.share.model import basis_dims
    night = exp_dir()/"night"
    if not wait_for(night/"night.json", 300): log("sweep: no experiment night in time"); return
    evs = exp_sets(sets, cfg, A.sweep_sets)
    for pt in sweep_points(A.sweep):
        label = ",".join(f"{k}={v}" for k, v in pt.items())
        @stage(f"sweep-{label}", 200)
        def one():
            groups = read_examples(night/"examples.jsonl"); router = CodeRouter.load(night/"router.json")
            lib = AdapterLibrary(night/"library")
            tasks = sorted((t for t in lib.names if t != "__all__" and t in groups), key=lambda t: (-len(groups[t]), t))
            in_basis = tasks[:pt.get("n", len(tasks))]
            scfg = replace(cfg.night.share, k=pt.get("k", cfg.night.share.k), p=pt.get("p", cfg.night.share.p))
            t0 = time.time()
            share = share_from_library(lm.model, lib, tasks, scfg, cfg.seed, in_basis, log)
            try:
                coef = _train_coefficients(share, lm.tokenizer, groups, replace(cfg.night, share=scfg), log)
                dims = basis_dims(share.basis); secs = round(time.time() - t0, 1)
                r = run_arms(HFPolicy(share, lm.tokenizer, cfg.gen, "share"), [("Share routed", router)], evs, cfg, h, store, f"sweep {label}:",
                             "sw-" + label)
            finally: share.unload()
            return dict(point=pt, basis_tasks=in_basis, k_B=sorted({d[2] for d in dims.values()}), k_A=sorted({d[3] for d in dims.values()}),
                        trainable_per_task=next(iter(coef.values()))["trainable_params"] if coef else None, seconds=secs, **r)
        one()

def seeds(lm, sets, h, store):
    "The two headline arms (one LoRA, Share routed) trained again with seeds 1 and 2 on the experiment night's examples"
    from dataclasses import replace
    from sleepy_coder.generate import HFPolicy
    from sleepy_coder.lora import AdapterLibrary
    from sleepy_coder.night import read_examples, first_night
    from sleepy_coder.router import CodeRouter, ConstantRouter
    from sleepy_coder.share.model import ShareModel
    from sleepy_coder.models import ALIASES
    night = exp_dir()/"night"
    if not wait_for(night/"night.json", 400): log("seeds: no experiment night in time"); return
    cfg = exp_config(); groups = read_examples(night/"examples.jsonl"); router = CodeRouter.load(night/"router.json")
    evs = exp_sets(sets, cfg, A.seed_sets)
    for seed in (1, 2):
        @stage(f"seed{seed}", 300)
        def one_seed():
            tr = lambda t: replace(t, seed=seed)
            ncfg = replace(cfg.night, seed=seed, lora=replace(cfg.night.lora, train=tr(cfg.night.lora.train)), coef=tr(cfg.night.coef))
            out = exp_dir()/f"seed{seed}"
            if not (out/"share").exists():
                out.mkdir(parents=True, exist_ok=True)
                first_night(lm.model, lm.tokenizer, groups, out, ncfg, model_sha(), True, log)
            pm = AdapterLibrary(out/"library").load_into(lm.model, ["__all__"]); pm.eval()
            try: res = run_arms(HFPolicy(pm, lm.tokenizer, cfg.gen, "lora"), [("one LoRA", ConstantRouter("__all__"))], evs, cfg, h, store, f"seed {seed}:", f"s{seed}")
            finally: pm.unload()
            share = ShareModel.load(lm.model, out/"share")
            try: res.update(run_arms(HFPolicy(share, lm.tokenizer, cfg.gen, "share"), [("Share routed", router)], evs, cfg, h, store, f"seed {seed}:", f"s{seed}"))
            finally: share.unload()
            return res
        one_seed()

def cycle_config():
    from sleepy_coder.cycle import CycleConfig
    from sleepy_coder.night import NightConfig
    limits = {s: n for s, n in (("synth-dev", A.synth_dev_limit), ("synth-far", A.synth_far_limit)) if n}
    ev = tuple(A.eval_sets.split(","))
    from sleepy_coder.lora import LoraTrainConfig
    from sleepy_coder.train import TrainConfig
    # micro-batches of 4 with 2 accumulated (8 as before): a batch of 8 synthesized examples of ~3,500 tokens needs ~80 GB of activations
    night = NightConfig(self_verify=A.self_verify, lora=LoraTrainConfig(train=TrainConfig(batch_size=4, grad_accum=2)),
                        coef=TrainConfig(epochs=3, lr=5e-3, batch_size=4, grad_accum=2))
    return CycleConfig(day_size=A.day_size, day_sets=tuple(A.day_sets.split(",")), eval_limit=limits, eval_sets=ev,
                       gate_sets=tuple(s for s in ("dev", "synth-dev") if s in ev), gen=G(max_new_tokens=A.max_new_tokens, batch_size=128, engine="generate"),
                       night=night, seed=0)

def capped(cfg):
    "`cfg` with its replies capped at --cycle-max-new-tokens"
    from dataclasses import replace
    return replace(cfg, gen=replace(cfg.gen, max_new_tokens=min(A.cycle_max_new_tokens, A.max_new_tokens)))

def exp_config():
    "The experiment night's settings: the cycles', with --cycle-max-new-tokens where its day and its sets hold hand-written koans only"
    from dataclasses import replace
    cfg = cycle_config()
    if A.exp_replay is not None or A.exp_replay_from:   # e.g. --exp-replay 100 --exp-replay-from reference: every day koan's reference fix (the team's anchor)
        cfg = replace(cfg, night=replace(cfg.night, replay=cfg.night.replay if A.exp_replay is None else A.exp_replay,
                                         replay_from=A.exp_replay_from or cfg.night.replay_from))
    if A.exp_copy_weight is not None or A.exp_distinct_init or A.exp_lora_r:   # issue 22's arms c and d: the loss on the edit, the adapters' shape
        lt = replace(cfg.night.lora.train, copy_weight=cfg.night.lora.train.copy_weight if A.exp_copy_weight is None else A.exp_copy_weight)
        lora = replace(cfg.night.lora, train=lt, distinct_init=A.exp_distinct_init or cfg.night.lora.distinct_init,
                       **(dict(r=A.exp_lora_r, alpha=2 * A.exp_lora_r) if A.exp_lora_r else {}))
        coef = replace(cfg.night.coef, copy_weight=lt.copy_weight)
        cfg = replace(cfg, night=replace(cfg.night, lora=lora, coef=coef))
    sets = (*A.exp_sets.split(","), *A.seed_sets.split(","))
    if A.cycle_max_new_tokens and not A.exp_day_synth and not any(s.startswith("synth-") for s in sets): cfg = capped(cfg)
    return cfg

# ---------------- stream B ----------------

def stream_b(lm, sets, koans):
    from sleepy_coder.rustc import Harness
    from sleepy_coder.episodes import EpisodeStore
    from sleepy_coder.generate import GenConfig, HFPolicy
    from sleepy_coder.prompt import PromptConfig
    from sleepy_coder.cycle import CycleConfig, run_cycles, read_cycle, cycles_table, cycle_dir
    from sleepy_coder.night import NightConfig
    from sleepy_coder.eval import evaluate_many, Arm, per_koan
    from sleepy_coder.models import ALIASES
    h, store = Harness(cache_dir=Path(A.home)/"verdicts", workers=A.workers), EpisodeStore(Path(A.home)/"episodes-B.sqlite")
    held = held_sets(sets)
    cfg = cycle_config()
    if A.cycle_max_new_tokens:   # for days and evaluations of hand-written koans only: a synthesized program's reply needs ~1,000-1,500 tokens
        if synth := [s for s in (*cfg.day_sets, *cfg.eval_sets) if s.startswith("synth-")]:
            raise SystemExit(f"--cycle-max-new-tokens {A.cycle_max_new_tokens} would cut the replies of {synth}: leave it out, or keep the synthesized sets out of --day-sets and --eval-sets")
        cfg = capped(cfg)
    sha = model_sha()
    home = Path(A.home)/"campaign"
    def cycles_up_to(n):
        t = time.time()
        try: run_cycles(lm.model, lm.tokenizer, sets, h, store, home, cfg, n, koans, held, sha, progress=False, log=log)
        except Exception as e: log(f"cycles up to {n}: FAILED {type(e).__name__}: {e}"); traceback.print_exc(); return False
        finally: save("cycles-table.json", cycles_table(home).reset_index().to_dict("records"))
        log(f"cycles up to {n} in {time.time() - t:.0f} s"); return True
    ok, n = cycles_up_to(1), 1
    while ok and n < A.cycles and left() > A.cycle_need:
        n += 1; ok = cycles_up_to(n)
    (Path(A.out)/"cycles.end").write_text(str(n))   # the follower stops when it has caught up
    if A.stream == "B" and "seeds" in A.b_stages: seeds(lm, sets, h, store)   # whichever of A and B comes first takes a seed

def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("--stream", required=True); ap.add_argument("--gpu", type=int, default=0)
    ap.add_argument("--out", default="/root/campaign-out", help="results and logs (not the device tool's $OUT, which every call empties)")
    ap.add_argument("--home", default="/root/sc")
    ap.add_argument("--deadline", type=float, default=1500); ap.add_argument("--cycles", type=int, default=6)
    ap.add_argument("--day-size", type=int, default=64); ap.add_argument("--self-verify", type=int, default=2)
    ap.add_argument("--synth-dev-limit", type=int, default=80); ap.add_argument("--synth-far-limit", type=int, default=50)
    ap.add_argument("--cycle-need", type=float, default=200)
    ap.add_argument("--model", default="qwen2.5-coder-1.5b", help="tiny-random: a smoke test on the CPU")
    ap.add_argument("--max-new-tokens", type=int, default=2048)
    ap.add_argument("--cycle-max-new-tokens", type=int, default=None, help="the cycles' reply limit (default --max-new-tokens), for cycles on hand-written koans only: their fixes "
                    "need far fewer tokens than a synthesized program's, and one runaway reply holds its whole batch for that many steps. "
                    "The experiment night, its arms and seeds take it too when --exp-day-synth is 0 and --exp-sets and --seed-sets are hand-written")
    ap.add_argument("--day-limit", type=int, default=None)
    ap.add_argument("--day-sets", default="train,synth-train", help="the sets a day draws its sample from")
    ap.add_argument("--engine", default=None, help="generation engine for the base model's stages (evaluate_safe falls back to generate); given, stream A skips the engine benchmark")
    ap.add_argument("--batch-size", type=int, default=None, help="prompts per batch for single-candidate generation (default: each stage's own)")
    ap.add_argument("--eval-sets", default="frozen30,dev,synth-dev,synth-far", help="what each cycle evaluates (the gate: dev and synth-dev among them)")
    ap.add_argument("--exp-sets", default="frozen30,dev,synth-dev,synth-far", help="what the experiment arms and seeds are evaluated on")
    ap.add_argument("--a-stages", default="frozen30,difficulty,seeds,synth-eval", help="stream A's stages, in order (also: bench, ablation, synth-base)")
    ap.add_argument("--stages", default="frozen30,exp,arms,seeds,arrow,difficulty,synth-eval",
                    help="any other stream: its stages in order (frozen30, difficulty, synth-eval, synth-eval-raw, synth-base, cycles, cycle-synth, cycle-synth-base, exp, arms, arms-synth, seeds, arrow, sweep)")
    ap.add_argument("--b-stages", default="cycles,seeds", help="stream B: the cycles, then a seed if one is left")
    ap.add_argument("--passk-sets", default="synth-dev,dev", help="stage passk: the sets whose pass@n bounds rejection sampling")
    ap.add_argument("--passk-n", type=int, default=8); ap.add_argument("--passk-temperature", type=float, default=0.8)
    ap.add_argument("--curve-sizes", default="100,500,2000", help="stage curve: reference fixes of synth-train each LoRA learns from")
    ap.add_argument("--curve-epochs", type=float, default=1.0, help="stages curve and rft: epochs of each LoRA")
    ap.add_argument("--rft-koans", type=int, default=1000, help="stage rft: synth-train koans whose greedy failures are sampled")
    ap.add_argument("--synth-max-new-tokens", type=int, default=2048, help="stages passk and rft: the longest reply (a synthesized program is long)")
    ap.add_argument("--format-sets", default="dev,synth-dev", help="stage formats: where the reply formats are compared (settings are chosen there)")
    ap.add_argument("--format-examples", type=int, default=500, help="stage formats: synth-train reference fixes each format's LoRA learns from")
    ap.add_argument("--exp-copy-weight", type=float, default=None, help="the experiment night's loss weight on reply lines copied from the prompt (TrainConfig.copy_weight; default 1: the whole reply)")
    ap.add_argument("--exp-distinct-init", action="store_true", help="the experiment night's library: each adapter from its own random A (LoraTrainConfig.distinct_init)")
    ap.add_argument("--exp-lora-r", type=int, default=None, help="the experiment night's LoRA rank (alpha 2r; default: the cycles' 16)")
    ap.add_argument("--exp-day-train", type=int, default=None, help="train koans in the experiment night's day (default: all)")
    ap.add_argument("--exp-day-synth", type=int, default=48, help="synth-train koans in the experiment night's day")
    ap.add_argument("--exp-day-attempts", type=int, default=1, help="attempts in the experiment day (its failures are what the night learns)")
    ap.add_argument("--exp-replay", type=float, default=None, help="the experiment night's replay examples per reference example (default: the cycles' 0.25)")
    ap.add_argument("--exp-replay-from", default=None, choices=("model", "reference"), help="the experiment night's replayed fixes: the model's passing "
                    "candidates (default) or the koans' reference fixes; with a large --exp-replay, every day koan's reference fix (the team's anchor)")
    ap.add_argument("--arms-synth-shards", type=int, default=1, help="stage arms-synth in this many parts (every N-th headline arm), so that "
                    "several streams listing the stage share it: the whole pass took over 17 minutes of one H200 (eighth campaign)")
    ap.add_argument("--sweep", default="k=64;k=0.9;p=8;k=64,p=8;n=3;n=6", help="stage sweep: its points, ';' between them, each of k=, p=, n= "
                    "(directions or a share of the variance per side, coefficient columns, the n largest tasks' adapters in the basis); the rest as the night's")
    ap.add_argument("--sweep-sets", default="frozen30,dev", help="what each sweep point's Share routed is evaluated on (first attempt with --arms-attempts 1)")
    ap.add_argument("--arms-synth-sets", default="synth-dev,synth-far", help="stage arms-synth: the headline arms (base, one LoRA, the routed library, "
                    "Share routed) on these sets (--synth-dev-limit and --synth-far-limit koans), first attempt")
    ap.add_argument("--arms-attempts", type=int, default=None, help="attempts per koan for the experiment arms, Arrow and the seeds (default: the cycles' 3); "
                    "the arms are compared at their first attempt, and each further attempt costs about as much as the first (sixth campaign: 255 s and 264 s)")
    ap.add_argument("--seed-sets", default="frozen30,dev", help="what the seeds of the headline arms are evaluated on")
    ap.add_argument("--workers", type=int, default=8, help="rustc workers per stream (four streams share the host's cores)")
    ap.add_argument("--follow-sets", default="synth-dev,synth-far", help="what stage cycle-synth evaluates the base and each kept cycle on")
    ap.add_argument("--synth-batch", type=int, default=150, help="prompts per batch for synth-eval")
    ap.add_argument("--synth-shards", type=int, default=1, help="stage synth-eval-raw in this many parts (every N-th koan), so that several streams "
                    "that list the stage share it: on the static cache at 150 rows, all 300 koans take about 20 minutes of one GPU")
    ap.add_argument("--synth-engine", default="static", help="engine of stage synth-eval-raw: with 6,144 positions, the static cache cost 199 s for a first attempt "
                    "of 150 rows (fifth campaign), the dynamic cache 690 s for 300 rows (337 ms a step: its cost is flat in rows only while its cache is small; sixth campaign)")
    ap.add_argument("--arms-engine", default="auto", help="engine of the experiment arms (sleepy_coder.experiments.serve_arms): auto (vLLM where it imports), vllm, generate or static")
    ap.add_argument("--follow-engine", default="generate", help="engine of stage cycle-synth (falls back to generate on an error)")
    ap.add_argument("--follow-batch", type=int, default=None, help="prompts per batch in stage cycle-synth (default: 32 for the static engine, which pads every batch to it; else --synth-batch)")
    A = ap.parse_args()
    Path(A.out).mkdir(parents=True, exist_ok=True)
    import logging   # every generated batch's rows, length, steps and ms a step, in this stream's log (31_generate)
    class Since(logging.Formatter):
        def format(self, r): return f"[{r.created - T0:7.1f}s] {r.getMessage()}"
    out = logging.StreamHandler(sys.stdout); out.setFormatter(Since())
    lg = logging.getLogger("sleepy_coder.generate"); lg.addHandler(out); lg.setLevel(logging.INFO); lg.propagate = False
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", str(A.gpu))   # launch.sh sets it per stream
    if A.model != "tiny-random":
        import torch; torch.set_num_threads(max(1, (os.cpu_count() or 4) // 4))   # four streams on one host: no oversubscribed BLAS
    lm = setup()
    sets, koans = sets_and_koans()
    log({s: len(v) for s, v in sets.items()})
    if A.stream == "A": stream_a(lm, sets)
    elif A.stream == "B": stream_b(lm, sets, koans)
    else: stream_x(lm, sets, koans, A.stages.split(","), eng=A.engine or "generate")   # base-model stages only: evaluate_safe falls back to generate
    log("stream done")

if __name__ == "__main__": main()
