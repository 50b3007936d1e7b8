# Sourced by the GPU session scripts: the shipped rustc and model, this repo on PYTHONPATH.
source /root/ship/env.sh
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1 PYTHONWARNINGS=ignore SLEEPY_CODER_HOME=/root/sc
export TOKENIZERS_PARALLELISM=false
sc() { python3 -m sleepy_coder.cli "$@" 2>&1 | grep -av 'it/s\]$' | tr '\r' '\n' | grep -av 'it/s\]$'; }
