#!/usr/bin/env bash
# The GPU session of issue 21 (vLLM). Here, first: ../shared/tools/gpu-ship --model qwen2.5-coder-1.5b --wheels-file bench/gpu/vllm-wheels.txt
# and make its calls back to back. Then on the device:
#   bash bench/gpu/vllm.sh start          # converts the model once, checks that vLLM imports, starts the GPU tests and the benchmark
#   bash bench/gpu/vllm.sh watch 540      # in the next calls: waits up to 540 s for the end, prints the logs, copies the results to $OUT
# Everything is written under /root/vllm-out (the device tool empties $OUT at every call) and runs from a copy of the tree
# (the tool re-copies the work tree at every call). Commit what watch copies: bench/results/<card>-vllm/.
set -u; cd "$(dirname "$0")/../.."
source /root/ship/env.sh
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false SLEEPY_CODER_HOME=/root/sc SLEEPY_CODER_TEST_MODEL=qwen2.5-coder-1.5b
export VLLM_USE_FLASHINFER_SAMPLER=0 VLLM_ENABLE_V1_MULTIPROCESSING=0
R=/root/vllm-out; T=/root/vllm-tree
case "${1:-start}" in
start)
  mkdir -p $R /root/sc; rm -rf $T; mkdir -p $T && cp -r sleepy_coder bench tests data settings.ini setup.py pytest.ini $T/
  cd $T; export PYTHONPATH=$PWD
  { nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
    python3 - <<'PY'
import time; t = time.time()
from pathlib import Path
from sleepy_coder.models import convert_gguf, models_dir
d = models_dir("/root/sc")/"qwen2.5-coder-1.5b-bf16"      # the alias's cache (the ship checked the GGUF's sha256)
if not (d/"config.json").exists(): d.parent.mkdir(parents=True, exist_ok=True); convert_gguf(Path("/root/ship/model.gguf"), d)
print(f"model ready in {time.time() - t:.0f} s")
import torch, transformers, peft, vllm
print("torch", torch.__version__, "transformers", transformers.__version__, "peft", peft.__version__, "vllm", vllm.__version__)
from sleepy_coder.vllm_engine import vllm_unavailable
print("vllm_unavailable:", vllm_unavailable())
PY
  } > $R/setup.log 2>&1
  cat $R/setup.log
  setsid nohup bash -c "python3 -m pytest tests/test_vllm.py -q -p no:cacheprovider -s > $R/test_vllm.log 2>&1;
                        python3 bench/bench_vllm.py --model qwen2.5-coder-1.5b --home /root/sc --out $R/vllm.json ${BENCH_ARGS:-} > $R/bench_vllm.log 2>&1;
                        touch $R/done" < /dev/null > /dev/null 2>&1 &
  echo "started: tests/test_vllm.py, then bench/bench_vllm.py; results in $R";;
watch)
  end=$(( $(date +%s) + ${2:-540} ))
  while [ ! -f $R/done ] && [ $(date +%s) -lt $end ]; do sleep 10; done
  for f in $R/test_vllm.log $R/bench_vllm.log; do [ -f $f ] && { echo "== $f"; grep -av 'it/s\]$' $f | tail -40; }; done
  mkdir -p "${OUT:-/tmp/out}/vllm" && cp -r $R/* "${OUT:-/tmp/out}/vllm/" 2>/dev/null
  [ -f $R/done ] && echo "DONE" || echo "still running";;
esac
