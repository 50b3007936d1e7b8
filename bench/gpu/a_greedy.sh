#!/usr/bin/env bash
# GPU session, part A: check the machine, convert the shipped 1.5B GGUF once, validate the koans with the
# shipped rustc, then greedy evaluations: frozen30 twice (determinism) and dev, 3 attempts each.
# Usage on the device, after ../shared/tools/gpu-ship's calls: bash bench/gpu/a_greedy.sh
set -u; cd "$(dirname "$0")/../.."; source bench/gpu/common.sh
OUT=${OUT:-/tmp/out}; mkdir -p $OUT
save() { cp /root/sc/episodes.sqlite $OUT/episodes_a.sqlite 2>/dev/null || true; }
{
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
command -v cc gcc; rustc --version; python3 -c "import torch, transformers, peft; print('torch', torch.__version__, 'transformers', transformers.__version__, 'peft', peft.__version__)"
python3 - <<'PY'
import time; t = time.time()
from pathlib import Path
from sleepy_coder.models import convert_gguf, models_dir
from sleepy_coder.sandbox import Sandbox
print("sandbox:", Sandbox().capabilities())
d = models_dir("/root/sc")/"qwen2.5-coder-1.5b-bf16"      # the alias's cache: the GGUF's sha256 was checked by the ship
if not (d/"config.json").exists():
    d.parent.mkdir(parents=True, exist_ok=True); convert_gguf(Path("/root/ship/model.gguf"), d)
print(f"converted in {time.time() - t:.0f} s")
PY
time sc koans validate --no-cache | tail -3
sc eval --model qwen2.5-coder-1.5b --attempts 3 --batch-size 32 --no-cache --name g-frozen30-a3-r1; save
sc eval --model qwen2.5-coder-1.5b --attempts 3 --batch-size 32 --no-cache --name g-frozen30-a3-r2 --compare g-frozen30-a3-r1; save
python3 - <<'PY'
import sqlite3
db = sqlite3.connect("/root/sc/episodes.sqlite")
q = "select e.koan, e.attempt, e.reply from episodes e join runs r on e.run_id = r.id where r.name = ?"
a, b = ({(k, t): r for k, t, r in db.execute(q, (n,))} for n in ("g-frozen30-a3-r1", "g-frozen30-a3-r2"))
print(f"determinism: {sum(a[x] == b.get(x) for x in a)} of {len(a)} replies identical between the two greedy runs")
PY
sc eval --model qwen2.5-coder-1.5b --attempts 3 --batch-size 32 --no-cache --set dev --name g-dev-a3; save
} 2>&1 | tee $OUT/a_greedy.log
