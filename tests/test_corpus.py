"""The corpus: size, spread, sets, and every koan valid against the real compiler."""
import collections, re
from pathlib import Path
from sleepy_coder.koans import load_koans, read_set, FAMILY_PREFIX
from sleepy_coder.validate import validate_koans, near_duplicates
from sleepy_coder.rustc import Harness

KOANS, PROBLEMS = load_koans()
SEED = Path(__file__).resolve().parents[2]/"shared"/"docs"/"seed-eval-set.md"

def test_static_rules_hold():
    assert PROBLEMS == []

def test_size_and_spread():
    ks = KOANS.values()
    assert len(KOANS) >= 150
    assert len({k.family for k in ks}) >= 8
    assert len({c for k in ks for c in k.error_codes}) >= 30
    hard = sum(k.difficulty == "hard" for k in ks) / len(KOANS)
    assert 0.28 <= hard <= 0.4, hard
    for k in ks: assert k.id.split("_")[0] == FAMILY_PREFIX[k.family], k.id

def test_sets():
    frozen, train, dev = (set(read_set(s, KOANS)) for s in ("frozen30", "train", "dev"))
    assert len(frozen) == 30 and not (frozen & train) and not (frozen & dev) and not (train & dev)
    assert frozen == {f"{p}_{i:03d}" for p in ("bc", "tb", "rh") for i in range(1, 11)}
    assert len(dev) >= 20 and len(train) >= 80

def test_frozen_ids_follow_the_seed_table():
    if not SEED.exists(): return
    ids = set(re.findall(r"^\| ((?:bc|tb|rh)_\d{3})", SEED.read_text(), flags=re.M))
    assert ids == set(read_set("frozen30", KOANS))

def test_training_is_not_evaluation():
    train = [KOANS[i] for i in read_set("train", KOANS)]
    frozen = [KOANS[i] for i in read_set("frozen30", KOANS)]
    assert near_duplicates(train, frozen, 0.8) == []

def test_every_koan_is_valid(tmp_path):
    res = validate_koans(list(KOANS.values()), Harness(cache_dir=tmp_path))
    bad = {k: [str(p) for p in v] for k, v in res.items() if v}
    assert bad == {}
