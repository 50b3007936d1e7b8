"""The package's layers: every module imports only modules of its own layer or an earlier one, and the import graph has no cycle.

The layers are those of the architecture notes (shared/docs/architecture-notes.md), in reading order; a module belongs to the
layer that lists it, so a new module must be placed here before this test passes. One change from the notes: `distributed`
sits with the night, which trains its adapters in parallel through it (it imports nothing of the package)."""
import ast
from pathlib import Path
import pytest

PKG = Path(__file__).parent.parent/"sleepy_coder"

def modules() -> dict[str, Path]:
    return {".".join(p.relative_to(PKG).with_suffix("").parts): p for p in PKG.rglob("*.py") if p.name not in ("__init__.py", "_modidx.py")}

LAYERS = [("koans", "sandbox", "launch", "rustc", "validate", "compiler_fix"),   # the judge (00-14)
          ("synth",),                                                          # 15
          ("models",),                                                         # 20
          ("reply", "prompt", "generate", "vllm_engine", "agent"),             # the day (30-32)
          ("episodes", "eval"),                                                # 40, 50
          ("targets", "train", "lora", "router"),                              # 60-62, 75
          ("share",),                                                          # 70-73: a pure tuner
          ("night", "serve", "experiments", "distributed"),                    # 76-78, 85
          ("cycle",),                                                          # 80
          ("explorer", "testing", "cli")]                                      # 90, 97, 99

def layer(name: str) -> int:
    "The layer of module `name` (a package's modules, `share.model`, are in their package's layer)"
    top = name.split(".")[0]
    found = [i for i, l in enumerate(LAYERS) if top in l]
    assert found, f"module {name} is in no layer: place it in LAYERS (tests/test_structure.py)"
    return found[0]

def imports(name: str, p: Path) -> set[str]:
    "The package's modules that `name` imports, at the top or inside a function, relative or absolute"
    out, pkg = set(), name.split(".")[:-1]
    for node in ast.walk(ast.parse(p.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = (pkg[:len(pkg) - node.level + 1] if node.level else []) + (node.module.split(".") if node.module else [])
            if node.level == 0 and (not node.module or not node.module.startswith("sleepy_coder")): continue
            if node.level == 0: base = base[1:]
            cands = [".".join(base + [a.name]) for a in node.names] + [".".join(base)]
            out |= {c for c in cands if c in modules()}
        elif isinstance(node, ast.Import):
            out |= {a.name.removeprefix("sleepy_coder.") for a in node.names if a.name.startswith("sleepy_coder.")} & set(modules())
    return out - {name}

def test_nothing_imports_a_later_layer():
    ms = modules(); bad = []
    for n, p in ms.items():
        for d in imports(n, p):
            if layer(d) > layer(n): bad.append(f"{n} (layer {layer(n)}) imports {d} (layer {layer(d)})")
    assert not bad, bad

def test_no_import_cycles():
    ms = modules(); graph = {n: imports(n, p) for n, p in ms.items()}
    state = {}
    def visit(n, path):
        if state.get(n) == 1: pytest.fail(f"import cycle: {' -> '.join(path + [n])}")
        if state.get(n) == 2: return
        state[n] = 1
        for d in sorted(graph[n]): visit(d, path + [n])
        state[n] = 2
    for n in sorted(graph): visit(n, [])

def test_the_checks_see_the_imports():
    "The walker finds relative, absolute and function-level imports (else the two tests above pass vacuously)"
    ms = modules()
    assert {"generate", "vllm_engine", "lora", "router", "models"} <= imports("serve", ms["serve"])
    assert "night" in imports("serve", ms["serve"])            # imported inside a function
    assert "share.model" in imports("night", ms["night"])
    assert layer("vllm_engine") < layer("serve") and layer("share.model") == layer("share.basis")
    with pytest.raises(AssertionError, match="in no layer"): layer("reply_formats")

def test_every_module_has_a_layer():
    for n in modules(): layer(n)
