#!/usr/bin/env bash
# GPU session, part B (right after part A, same warm machine): sampled runs with three seeds, the
# static-cache evaluation, and the generation speed benchmark (first, as it matters most).
set -u; cd "$(dirname "$0")/../.."; source bench/gpu/common.sh
OUT=${OUT:-/tmp/out}; mkdir -p $OUT
save() { cp /root/sc/episodes.sqlite $OUT/episodes_b.sqlite; }
{
python3 bench/bench_generate.py --model qwen2.5-coder-1.5b --new-tokens 128 --repeats 3
for s in 0 1 2; do
  sc eval --model qwen2.5-coder-1.5b --attempts 3 --batch-size 32 --no-cache --sample --seed $s --name g-frozen30-a3-sample-s$s; save
done
sc eval --model qwen2.5-coder-1.5b --attempts 3 --batch-size 32 --no-cache --static-cache --name g-frozen30-a3-static --compare g-frozen30-a3-r1; save
} 2>&1 | tee $OUT/b_sample_speed.log
