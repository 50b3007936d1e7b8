"""The model resolver: chunk packages found by path (never imported), joined in numeric order and checked."""
import hashlib, sys, importlib, pytest
from pathlib import Path
from sleepy_coder.models import ChunkedGGUF, chunk_files, join_chunks, resolve_model, ALIASES

def fake_dist(root: Path, name: str, version: str, part: int, data: bytes):
    "An installed distribution holding <pkg>/data/partNN.bin, and an __init__ that must never run"
    pkg = name.replace("-", "_")
    (root/pkg/"data").mkdir(parents=True)
    (root/pkg/"data"/f"part{part:02d}.bin").write_bytes(data)
    (root/pkg/"__init__.py").write_text("raise RuntimeError('imported a chunk package')\n")
    di = root/f"{pkg}-{version}.dist-info"; di.mkdir()
    (di/"METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (di/"RECORD").write_text(f"{pkg}/__init__.py,,\n{pkg}/data/part{part:02d}.bin,,\n{di.name}/METADATA,,\n")

def test_chunks_join_in_numeric_order(tmp_path, monkeypatch):
    parts = {i: bytes([i]) * 5 for i in range(1, 12)}    # part10 and part11 sort before part2 as text
    for i, b in parts.items(): fake_dist(tmp_path, f"fakemodel-part{i}", "1.0", i, b)
    monkeypatch.syspath_prepend(str(tmp_path)); importlib.invalidate_caches()
    want = b"".join(parts[i] for i in sorted(parts))
    spec = ChunkedGGUF("fakemodel-part{i}", 11, "1.0", len(want), hashlib.sha256(want).hexdigest())
    files = chunk_files(spec)
    assert [f.name for f in files] == [f"part{i:02d}.bin" for i in range(1, 12)]
    assert join_chunks(files, tmp_path/"m.gguf", spec.size, spec.sha256).read_bytes() == want
    assert not any(m.startswith("fakemodel") for m in sys.modules)

def test_wrong_checksum_leaves_nothing(tmp_path, monkeypatch):
    fake_dist(tmp_path, "badmodel-part1", "1.0", 1, b"abc")
    monkeypatch.syspath_prepend(str(tmp_path)); importlib.invalidate_caches()
    spec = ChunkedGGUF("badmodel-part{i}", 1, "1.0", 3, "0" * 64)
    with pytest.raises(ValueError, match="sha256"): join_chunks(chunk_files(spec), tmp_path/"m.gguf", spec.size, spec.sha256)
    assert not list(tmp_path.glob("m.gguf*"))

def test_missing_chunks_say_what_to_install(tmp_path):
    spec = ChunkedGGUF("nosuchmodel-part{i}", 2, "1.0", 1, "0" * 64)
    with pytest.raises(FileNotFoundError, match=r"nosuchmodel-part1==1.0 is not installed"): chunk_files(spec)

def test_aliases_match_the_published_weights():
    assert ALIASES["qwen2.5-coder-1.5b"].size == 1_117_320_768 and ALIASES["qwen2.5-coder-1.5b"].parts == 22
    assert ALIASES["qwen2.5-coder-0.5b"].sha256.startswith("1d9614638d18")
