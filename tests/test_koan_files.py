"""Bad koan files get clear messages naming the file and the field, never a traceback."""
import shutil, subprocess, sys, pytest
from pathlib import Path
from sleepy_coder.koans import load_koans, read_koan, KoanError, koans_dir, koan_toml
from sleepy_coder.cli import main

GOOD = koans_dir()/"borrow_checker"/"bc_001.toml"

@pytest.fixture
def folder(tmp_path):
    d = tmp_path/"koans"; (d/"borrow_checker").mkdir(parents=True)
    shutil.copy(GOOD, d/"borrow_checker"/"bc_001.toml")
    return d

BAD = {
    "invalid.toml": ('id = "invalid\nfamily = ', "invalid TOML"),
    "missing.toml": ('id = "missing"\nfamily = "borrow_checker"\ntitle = "t"\n', "buggy: missing required field"),
    "typed.toml": (GOOD.read_text().replace('id = "bc_001"', 'id = "typed"').replace('error_codes = ["E0382"]', 'error_codes = "E0382"'), "error_codes: must be a list"),
    "family.toml": (GOOD.read_text().replace('id = "bc_001"', 'id = "family"').replace('family = "borrow_checker"', 'family = "spelling"'), "family: unknown family 'spelling'"),
    "latin1.toml": ('title = "caf\xe9"'.encode("latin-1"), "is not UTF-8"),
    "huge.toml": ("# " + "x" * (1 << 20) + "\n", "koan files are at most"),
    "misnamed.toml": (GOOD.read_text(), "differs from the file name"),
    "unsafe.toml": (GOOD.read_text().replace('id = "bc_001"', 'id = "unsafe"').replace("let owned = greeting.clone();", "let owned = unsafe { std::ptr::read(&greeting) };"), "fixed: uses `unsafe`"),
}

@pytest.mark.parametrize("name", BAD)
def test_bad_file_message(folder, name):
    text, msg = BAD[name]
    f = folder/"misc"/name; f.parent.mkdir(exist_ok=True)
    f.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(KoanError) as e: read_koan(f)
    assert str(f) in str(e.value) and msg in str(e.value), str(e.value)

def test_duplicate_id(folder):
    (folder/"borrow_checker"/"more").mkdir()
    shutil.copy(GOOD, folder/"borrow_checker"/"more"/"bc_001.toml")
    koans, probs = load_koans(folder)
    assert list(koans) == ["bc_001"] and len(probs) == 1 and "duplicate id 'bc_001'" in str(probs[0])

def test_validate_cli_keeps_going(folder, capsys):
    for name, (text, _) in BAD.items():
        f = folder/"misc"/name; f.parent.mkdir(exist_ok=True)
        f.write_bytes(text if isinstance(text, bytes) else text.encode())
    broken = GOOD.read_text().replace('id = "bc_001"', 'id = "bc_900"').replace("hello -> HELLO", "hello -> hello")
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
