"""Share end to end on the tiny model: files in and out (Share's own and peft's), routed generation at batch > 1 with padding, and a basis update that old tasks survive."""
import copy
import pytest, torch
from sleepy_coder.models import tiny_model
from sleepy_coder.generate import generate, GenConfig
from sleepy_coder.share.basis import toy_library, extract_basis, project, update_basis, load_basis
from sleepy_coder.share.config import ShareConfig
from sleepy_coder.share.model import ShareModel, target_shapes, lora_factors

PROMPTS = ["fn main() { let x = 1; }", "error[E0382]: borrow of moved value: `greeting`", "let v", "use std::collections::HashMap;"]

@pytest.fixture(scope="module")
def setup():
    "A tiny model, a toy library on its attention projections, and its basis"
    ref, tok = tiny_model()
    cfg = ShareConfig(p=4, init="uniform")
    libs = [{m: (0.1 * B, A) for m, (B, A) in f.items()} for f in toy_library(target_shapes(ref, cfg), T=6, r=4, dims=(3, 8))]
    return ref, tok, cfg, libs, extract_basis(libs, 0.99)

def share_with_tasks(setup, names=("a", "b")):
    ref, tok, cfg, libs, basis = setup
    sm = ShareModel(copy.deepcopy(ref), basis, cfg)
    for i, n in enumerate(names):
        sm.add_task(n, seed=i)
        with torch.no_grad():   # large coefficients, so every task visibly changes the replies
            for l in sm.layers.values(): l.share_eps_B[n].mul_(10)
    return sm

def logits(model, ids):
    with torch.no_grad(): return model(ids).logits

def test_files_round_trip(setup, tmp_path):
    "save/load gives identical logits; the exported LoRA, saved and loaded by peft from disk, gives the same logits"
    from peft import get_peft_model, set_peft_model_state_dict, PeftModel
    ref, tok, cfg, libs, basis = setup
    sm = share_with_tasks(setup)
    ids = torch.randint(0, len(tok), (2, 10), generator=torch.Generator().manual_seed(0))
    sm.save(tmp_path/"share")
    assert load_basis(tmp_path/"share"/"basis.safetensors").fingerprint() == basis.fingerprint()
    back = ShareModel.load(copy.deepcopy(ref), tmp_path/"share")
    for t in ("a", "b"):
        sm.set_task(t); back.set_task(t)
        assert torch.equal(logits(back, ids), logits(sm, ids))
    sm.set_task("b"); want = logits(sm, ids); sm.set_task(None)
    lc, sd = sm.to_lora("b")
    pm = get_peft_model(copy.deepcopy(ref), lc)
    set_peft_model_state_dict(pm, sd)
    pm.save_pretrained(tmp_path/"lora_b")
    loaded = PeftModel.from_pretrained(copy.deepcopy(ref), tmp_path/"lora_b")
    assert torch.allclose(logits(loaded, ids), want, atol=1e-4)
    f = lora_factors(loaded)
    mine = sm.factors("b")
    assert all(torch.allclose(f[m][0] @ f[m][1], mine[m][0] @ mine[m][1], atol=1e-6) for m in mine)

def test_routed_generation_equals_each_row_alone(setup):
    "A mixed, left-padded batch gives each prompt the reply it gets alone with its own adapter"
    ref, tok, cfg, libs, basis = setup
    sm = share_with_tasks(setup)
    routes = ["a", "b", None, "a"]
    gcfg = GenConfig(max_new_tokens=6, batch_size=4)
    mixed = [g[0].text for g in generate(sm, tok, PROMPTS, gcfg, adapters=routes)]
    alone = [generate(sm, tok, [p], gcfg, adapters=[t])[0][0].text for p, t in zip(PROMPTS, routes)]
    assert mixed == alone
    base = [g[0].text for g in generate(ref, tok, PROMPTS, gcfg)]
    assert mixed[2] == base[2] and mixed[0] != base[0] and mixed[1] != base[1]
    assert mixed[0] != generate(sm, tok, PROMPTS[:1], gcfg, adapters=["b"])[0][0].text   # the route chose the task
    assert not any(l.routing or l.active for l in sm.layers.values())

def test_old_tasks_survive_a_basis_update(setup):
    "A task trained with φ directions is merged into a new basis; every task's logits stay nearly what they were"
    ref, tok, cfg, libs, basis = setup
    sm = ShareModel(copy.deepcopy(ref), basis, ShareConfig(p=4, phi=2, init="uniform"))
    for i, f in enumerate(libs[:3]): sm.add_task(f"lib{i}", init=project(f, basis))
    sm.add_task("new", seed=0)
    sm.set_task("new")
    ids = torch.randint(0, len(tok), (2, 10), generator=torch.Generator().manual_seed(1))
    opt = torch.optim.Adam([p for p in sm.parameters() if p.requires_grad], lr=5e-2)
    for _ in range(4):
        loss = sm(ids, labels=ids).loss; opt.zero_grad(); loss.backward(); opt.step()
    before = {}
    for t in sm.tasks: sm.set_task(t); before[t] = logits(sm, ids)
    old = {t: sm.coefficients(t) for t in sm.tasks if t != "new"}
    nb, co = update_basis(basis, old, sm.factors("new"), k=64, name="new")
    model = sm.unload()
    sm2 = ShareModel(model, nb, ShareConfig(p=4, init="uniform"))
    for t, c in co.items(): sm2.add_task(t, init=c, p=next(iter(c.values()))[0].shape[1])
    for t in before:
        sm2.set_task(t)
        assert torch.allclose(logits(sm2, ids), before[t], atol=1e-3), t
    sm2.set_task(None)
    with sm2.routes(["new", "lib0"]): mixed = logits(sm2, ids)          # the merged task is now routable
    assert torch.allclose(mixed[0], before["new"][0], atol=1e-3) and torch.allclose(mixed[1], before["lib0"][1], atol=1e-3)
