"""The corpus: size, spread, sets, and every koan valid against the real compiler."""
import collections, re, pytest
from pathlib import Path
from sleepy_coder.koans import load_koans, read_set, FAMILY_PREFIX, FAMILIES
from sleepy_coder.validate import validate_koans, difficulties, twins, KNOWN_TWINS, TWIN_THRESHOLD
from sleepy_coder.rustc import Harness

KOANS, PROBLEMS = load_koans()
SEED = Path(__file__).resolve().parents[2]/"shared"/"docs"/"seed-eval-set.md"
SETS = ("frozen30", "train", "dev", "twins")

def of_set(name): return [KOANS[i] for i in read_set(name, KOANS)]

@pytest.fixture(scope="module")
def cached(tmp_path_factory):
    "One harness with a verdict cache for this module: validation fills it, the later checks reuse it"
    return Harness(cache_dir=tmp_path_factory.mktemp("verdicts"))

def test_static_rules_hold():
    assert PROBLEMS == []

def test_size_and_spread():
    ks = KOANS.values()
    assert len(KOANS) >= 170
    assert len({k.family for k in ks}) == len(FAMILIES)
    assert len({c for k in ks for c in k.error_codes}) >= 30
    fams = collections.Counter(k.family for k in ks)
    assert min(fams.values()) >= 10, fams
    for k in ks: assert k.id.split("_")[0] == FAMILY_PREFIX[k.family], k.id

def test_sets():
    frozen, train, dev, tw = (set(read_set(s, KOANS)) for s in SETS)
    assert len(frozen) == 30 and len(dev) >= 20 and len(train) >= 80
    assert frozen == {f"{p}_{i:03d}" for p in ("bc", "tb", "rh") for i in range(1, 11)}
    for a, b in [(frozen, train), (frozen, dev), (frozen, tw), (train, dev), (train, tw), (dev, tw)]: assert not (a & b)
    ours = {i for i in KOANS if re.fullmatch(r"[a-z]{2}_\d{3}", i)}
    assert ours <= frozen | train | dev | tw                  # every hand-written koan is in a set

def test_frozen_ids_follow_the_seed_table():
    if not SEED.exists(): return
    ids = set(re.findall(r"^\| ((?:bc|tb|rh)_\d{3})", SEED.read_text(), flags=re.M))
    assert ids == set(read_set("frozen30", KOANS))

def test_behaviour_is_tested():
    "At least half of the koans with a helper function (where a compiling fix could compute something else) have tests"
    helpers = [k for k in KOANS.values() if re.search(r"\bfn\s+(?!main\b)\w+", k.fixed)]
    assert sum(bool(k.tests) for k in helpers) * 2 >= len(helpers)

def test_every_koan_is_valid(cached):
    res = validate_koans(list(KOANS.values()), cached)
    bad = {k: [str(p) for p in v] for k, v in res.items() if v}
    assert bad == {}

def test_known_twins_are_detected(cached):
    "The twin check finds the near-copies we know of, so it cannot pass by finding nothing"
    found = {(a, b) for a, b, _ in twins(of_set("twins") + of_set("train"), of_set("frozen30"), cached)}
    assert set(KNOWN_TWINS) <= found
    assert {a for a, _ in found} == set(read_set("twins", KOANS))   # every twin found is in the twins set

def test_training_is_not_evaluation(cached):
    "No train koan is a twin of a frozen30 mistake"
    assert twins(of_set("train"), of_set("frozen30"), cached, TWIN_THRESHOLD) == []

def test_difficulty_is_measured(cached):
    "Every koan rustc's own suggestions fix is labelled easy; the compiler does not fix most of the corpus, or of frozen30"
    fixed_by_rustc = difficulties(list(KOANS.values()), cached)
    assert {i for i, d in fixed_by_rustc.items() if KOANS[i].difficulty != d} == set()
    assert 0.2 <= len(fixed_by_rustc) / len(KOANS) <= 0.6
    assert sum(i in fixed_by_rustc for i in read_set("frozen30", KOANS)) <= 15
    labels = collections.Counter(k.difficulty for k in KOANS.values())
    assert labels["hard"] / len(KOANS) >= 0.15, labels    # the model's share: enough koans it may not fix
