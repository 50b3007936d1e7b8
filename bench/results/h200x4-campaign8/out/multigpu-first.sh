cd /root/campaign-tree
until [ -f /root/sc/models/qwen2.5-coder-1.5b-bf16/config.json ]; do sleep 5; done   # streams G2 and G3 convert the model
left=$(( 1795846532 + 1390 - 240 - $(date +%s) ))   # 4 minutes kept for the streams after it
echo "bench_multigpu: $left s at most"
CUDA_VISIBLE_DEVICES=0,1 timeout $left python3 bench/bench_multigpu.py --set train --limit 64 --run mg-1 --night-only --home /root/sc --out /root/campaign-out/multigpu.json
echo "bench_multigpu: exit $?"
CUDA_VISIBLE_DEVICES=0 setsid nohup bash bench/gpu/stream.sh G0 0 1390 --stages exp,arms --batch-size 128 --cycle-max-new-tokens 1024 --day-sets train --self-verify 2 --synth-dev-limit 24 --synth-far-limit 24 --exp-day-synth 0 --exp-sets frozen30,dev --seed-sets frozen30,dev --arms-attempts 1 --exp-replay 100 --exp-replay-from reference --model qwen2.5-coder-0.5b --out /root/campaign-out/05b --arms-attempts 3 > /root/campaign-out/G0.log 2>&1 < /dev/null &
    setsid nohup bash bench/gpu/stream.sh G1 1 1390 --stages arms-synth,seeds --batch-size 128 --cycle-max-new-tokens 1024 --day-sets train --self-verify 2 --synth-dev-limit 24 --synth-far-limit 24 --exp-day-synth 0 --exp-sets frozen30,dev --seed-sets frozen30,dev --arms-attempts 1 --exp-replay 100 --exp-replay-from reference  > /root/campaign-out/G1.log 2>&1 < /dev/null &
