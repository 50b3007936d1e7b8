"""Synthesized koans (the committed archive): splits by seed program, held-out operators, ids, and validity."""
import collections, pytest
from sleepy_coder.koans import load_koans, ID_RE, FAMILIES
from sleepy_coder.rustc import Harness
from sleepy_coder.validate import validate_koans
from sleepy_coder.synth import (SET_NAMES, OPERATORS, SYNTH_VERSION, DEFAULT_VERSION, read_archive, read_archive_header, archive_path,
                                check_archive, load_seeds, synth_key, write_synth, rustc_drift)

S = read_archive()      # the sets commands load (`DEFAULT_VERSION`)

def seeds_of(name): return {S.koans[i].seed for i in S.sets[name]}

def test_sets_are_disjoint_by_seed_program():
    train, dev, ev, far = (seeds_of(n) for n in SET_NAMES)
    assert not train & (dev | ev | far)
    assert not dev & ev
    if S.version >= 2: assert not far & (dev | ev) and far <= set(S.splits["far"])     # synth-far's own seed programs
    else: assert far <= dev | ev
    assert not set(S.splits["train"]) & set(S.splits["dev"] + S.splits["eval"]) and not set(S.splits["dev"]) & set(S.splits["eval"])

def test_sets_are_disjoint_and_full():
    ids = [i for n in SET_NAMES for i in S.sets[n]]
    assert len(ids) == len(set(ids)) == len(S.koans)
    assert all(len(S.sets[n]) == S.sizes[n] for n in SET_NAMES), {n: (len(S.sets[n]), S.sizes[n]) for n in SET_NAMES}

def test_far_operators_never_in_train():
    assert len(S.held_out) >= 3
    assert not {o for i in S.sets["synth-train"] for o in S.koans[i].operators} & set(S.held_out)
    assert all(set(S.koans[i].operators) & set(S.held_out) for i in S.sets["synth-far"])
    assert not {o for n in ("synth-dev", "synth-eval") for i in S.sets[n] for o in S.koans[i].operators} & set(S.held_out)

def test_ids_never_collide_with_hand_written_koans():
    corpus, _ = load_koans()
    assert not set(corpus) & set(S.koans)
    assert all(i.startswith("sy_") and ID_RE.match(i) for i in S.koans)
    assert not any(i.startswith("sy_") for i in corpus)

def test_coverage():
    ks = S.koans.values()
    assert len({c for k in ks for c in k.error_codes}) >= 45
    assert any(k.error_messages and not k.error_codes for k in ks)        # errors without a code too
    assert len({o for k in ks for o in k.operators}) >= 25
    depth = collections.Counter(len(k.operators) for k in ks)
    assert depth[1] > depth[2] > depth[3] > 0
    assert all(k.family in FAMILIES.values() and k.family == OPERATORS[k.operators[0]].family for k in ks)

def test_files_load_like_hand_written_koans(tmp_path):
    koans, probs = load_koans(write_synth(S, tmp_path)/"koans")
    assert probs == [] and koans == S.koans

def test_archives_of_each_version():
    h1 = read_archive_header(archive_path(1))
    assert h1["version"] == 1 and archive_path(1).stat().st_size < 2_000_000
    assert read_archive_header()["version"] == DEFAULT_VERSION == S.version
    if DEFAULT_VERSION == SYNTH_VERSION or archive_path().is_file():     # the current version's archive, once committed, is current
        assert read_archive_header(archive_path())["key"] == synth_key(load_seeds()), \
            "data/seeds, the operators or rustc changed: regenerate with `sleepy-coder koans synth --archive`, or synth.synth_cli(archive=synth.archive_path(), home=...)"
        assert archive_path().stat().st_size < 2_000_000

def test_sample_compiles_the_same(harness):
    assert rustc_drift(S, harness) == [], "the running rustc reports other errors than the archive recorded: see rustc_drift"

def test_sample_validates(harness):
    ids = sorted(S.koans)[::len(S.koans) // 20][:20]
    probs = validate_koans([S.koans[i] for i in ids], harness)
    assert not any(probs.values()), {k: [str(p) for p in v] for k, v in probs.items() if v}

@pytest.mark.slow
def test_all_validate(tmp_path):
    probs = validate_koans(list(S.koans.values()), Harness(cache_dir=tmp_path/"verdicts"), progress=True)
    assert not any(probs.values()), {k: [str(p) for p in v] for k, v in probs.items() if v}

@pytest.mark.slow
def test_regenerates_exactly():
    if not archive_path().is_file(): pytest.skip(f"no archive of synthesis version {SYNTH_VERSION} yet")
    assert check_archive(progress=False) == []

def test_old_versions_are_not_regenerated():
    assert check_archive(archive_path(1))[0].endswith("regenerate it with the code of its version (version 1: commit 2b53a29)")
