"""Bad koan files get clear messages naming the file and the field, never a traceback."""
import shutil, subprocess, sys, pytest
from pathlib import Path
from sleepy_coder.koans import load_koans, read_koan, KoanError, koans_dir, koan_toml
from sleepy_coder.cli import main

from sleepy_coder.testing import good_koan_toml, bad_koan_files

BAD = bad_koan_files()

@pytest.fixture
def folder(tmp_path):
    d = tmp_path/"koans"; (d/"borrow_checker").mkdir(parents=True)
    (d/"borrow_checker"/"bc_901.toml").write_text(good_koan_toml())
    return d

@pytest.mark.parametrize("name", BAD)
def test_bad_file_message(folder, name):
    text, msg = BAD[name]
    f = folder/"misc"/name; f.parent.mkdir(exist_ok=True)
    f.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(KoanError) as e: read_koan(f)
    assert str(f) in str(e.value) and msg in str(e.value), str(e.value)

def test_duplicate_id(folder):
    (folder/"borrow_checker"/"more").mkdir()
    (folder/"borrow_checker"/"more"/"bc_901.toml").write_text(good_koan_toml())
    koans, probs = load_koans(folder)
    assert list(koans) == ["bc_901"] and len(probs) == 1 and "duplicate id 'bc_901'" in str(probs[0])

def test_validate_cli_keeps_going(folder, capsys):
    for name, (text, _) in BAD.items():
        f = folder/"misc"/name; f.parent.mkdir(exist_ok=True)
        f.write_bytes(text if isinstance(text, bytes) else text.encode())
    broken = good_koan_toml().replace('id = "bc_901"', 'id = "bc_900"').replace("hello -> HELLO", "hello -> hello")
    (folder/"borrow_checker"/"bc_900.toml").write_text(broken)
    rc = main(["koans", "validate", "--koans", str(folder), "--no-cache"])
    out = capsys.readouterr().out
    assert rc == 1
    assert out.splitlines()[-1] == f"1 koans valid, {len(BAD) + 1} invalid"
    assert "bc_900.toml: expected_stdout: differs" in out
    assert "Traceback" not in out

def test_validate_cli_as_a_process(folder):
    r = subprocess.run([sys.executable, "-m", "sleepy_coder.cli", "koans", "validate", "--koans", str(folder), "--no-cache"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip().endswith("1 koans valid, 0 invalid"), r.stdout + r.stderr

def test_missing_folder_is_a_clear_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "sleepy_coder.cli", "koans", "validate", "--koans", str(tmp_path/"nope")],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "does not exist" in r.stderr and "Traceback" not in r.stderr
