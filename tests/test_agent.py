"""The agent with hostile replies, the wall between scoring and the agent, and resumable episodes."""
import dataclasses, json, sqlite3, pytest
from sleepy_coder.prompt import extract_code, build_prompt, FENCE, PromptConfig
from sleepy_coder.agent import fix_all
from sleepy_coder.eval import evaluate, per_koan
from sleepy_coder.episodes import EpisodeStore
from sleepy_coder.koans import load_koans
from sleepy_coder.cli import main
from sleepy_coder.testing import ScriptedPolicy, tiny_policy, three_koans, quick_harness

KOANS, _ = load_koans()

@pytest.mark.parametrize("reply,why", [
    ("", "empty reply"), ("   \n", "empty reply"), ("x" * 100_001, "reply over"),
    ("```python\nprint('hi')\n```", "no Rust code block"), ("Sure! I fixed it.", "no program in reply"),
    ("\udcff\udcfe garbage", "no program in reply"),
])
def test_adversarial_replies(reply, why):
    code, how = extract_code(reply)
    assert code is None and how.startswith(why), how

def test_several_blocks_take_the_rust_one():
    code, how = extract_code("```sh\ncargo run\n```\n```rust\nfn main() { println!(\"a\"); }\n```\n```rust\nfn other() {}\n```")
    assert code == 'fn main() { println!("a"); }\n'

def test_broken_utf8_reply_is_handled():
    text = (FENCE + "fn main() {}\n```").encode() + b"\xff\xfe"
    code, how = extract_code(text.decode("utf-8", errors="replace"))
    assert code == "fn main() {}\n"

def test_expected_output_never_reaches_the_agent():
    "A koan whose expected output and tests carry a marker: no prompt the model sees contains it"
    k = KOANS["bc_001"]
    marker = "MARKER-7f3a"
    k = dataclasses.replace(k, expected_stdout=marker + "\n", tests=f'#[test]\nfn t() {{ assert_eq!("{marker}", "{marker}"); }}')
    sp = ScriptedPolicy(["nope", FENCE + k.buggy + "```", FENCE + k.fixed + "```"])
    store = EpisodeStore(":memory:")
    rid = evaluate([k], sp, quick_harness(), store, "wall", attempts=3, progress=False)
    assert len(sp.prompts) == 3 and not any(marker in p for p in sp.prompts)
    eps = store.episodes(rid)
    assert not any(marker in p for p in eps.prompt)
    assert eps.passed.tolist() == [0, 0, 0]   # the fix prints hello -> HELLO, not the marker: scored as wrong output

def test_an_attempt_without_code_compiles_nothing():
    h = quick_harness(); calls = []
    orig = h.checks
    h.checks = lambda codes: calls.append(list(codes)) or orig(codes)
    k = three_koans()[0]
    hist = fix_all([k.buggy], ScriptedPolicy(["no code here"]), h, attempts=1)[0]
    assert hist[0].candidate is None and hist[0].check is None and all("" not in c for c in calls)

def test_prompt_is_the_chat_template():
    tok = tiny_policy().tokenizer
    p = build_prompt(tok, "fn main() {}\n", [], PromptConfig(system="default"))
    assert p.startswith("<|im_start|>system") and p.endswith("<|im_start|>assistant\n" + FENCE)
    p = build_prompt(tok, "fn main() {}\n", [])     # the default: no system line of ours
    assert p.startswith("<|im_start|>user") and p.endswith("<|im_start|>assistant\n" + FENCE)

def test_killed_run_resumes(tmp_path):
    "A run that dies after its first koan keeps that koan's episodes; the same command resumes it"
    ks = three_koans()[:2]
    db = tmp_path/"ep.sqlite"
    st = EpisodeStore(db)
    sp = ScriptedPolicy([FENCE + ks[0].fixed + "```"])          # has no reply for the second koan: the run crashes
    with pytest.raises(IndexError):
        evaluate(ks, sp, quick_harness(), st, "r", attempts=1, progress=False, chunk=1)
    st.db.close()
    st = EpisodeStore(db)
    assert st.done_koans(st.run_id("r")) == {ks[0].id}
    sp2 = ScriptedPolicy([FENCE + ks[1].fixed + "```"])
    rid = evaluate(ks, sp2, quick_harness(), st, "r", attempts=1, progress=False, chunk=1)
    assert len(sp2.prompts) == 1 and "push" in sp2.prompts[0]
    assert per_koan(st.episodes(rid))["pass@K"].tolist() == [True, True]

def test_eval_cli_with_the_tiny_model(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SLEEPY_CODER_HOME", str(tmp_path))
    rc = main(["eval", "--model", "tiny-random", "--limit", "2", "--attempts", "1", "--max-new-tokens", "8", "--no-cache"])
    out = capsys.readouterr().out
    assert rc == 0 and "pass@1" in out and (tmp_path/"episodes.sqlite").exists()
    n = sqlite3.connect(tmp_path/"episodes.sqlite").execute("select count(*) from episodes").fetchone()[0]
    assert n == 2

def test_run_cli_shows_the_agent(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SLEEPY_CODER_HOME", str(tmp_path))
    rc = main(["run", "--model", "tiny-random", "--count", "2", "--family", "bc", "--attempts", "2", "--max-new-tokens", "8", "--no-cache"])
    out = capsys.readouterr().out
    assert rc == 0 and out.count("=== bc_") == 2 and "error[E0382]" in out and "--- attempt 1:" in out and "verdict:" in out

def test_episodes_export(tmp_path):
    st = EpisodeStore(tmp_path/"e.sqlite")
    k = three_koans()[1]
    rid = evaluate([k], ScriptedPolicy([FENCE + k.fixed + "```"]), quick_harness(), st, "x", attempts=1, progress=False)
    st.to_jsonl(tmp_path/"e.jsonl", rid)
    rows = [json.loads(l) for l in (tmp_path/"e.jsonl").read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["koan"] == k.id and rows[0]["passed"] == 1 and "<|im_start|>" in rows[0]["prompt"]
    r = st.runs().iloc[0]
    assert r["name"] == "x" and r["rustc"].startswith("rustc ") and r["ended"] >= r["started"]
