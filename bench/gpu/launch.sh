#!/usr/bin/env bash
# Start the campaign's streams in the background (they outlive this call), one per GPU (two to four), then watch them.
# Two GPUs: G0 (following the cycles on synth-dev and synth-far), B (the cycles); G1_STAGES=... runs a stream G1 with those stages
# instead of B, and MULTIGPU=... runs bench/bench_multigpu.py with those arguments once the streams end.
# Four GPUs: G0 (a seed), B (cycles), G2 (experiment night, every arm in one pass, Arrow, seeds), G3 (follows B's base on the synthesized
# sets, a seed, then each newest kept cycle). One GPU: stream A. G0_STAGES and G3_STAGES replace their streams' stages: the raw model on
# synth-eval (measured in the seventh campaign) is G0_STAGES=synth-eval-raw (with --synth-shards 2, any stream listing it takes a half).
# Usage on the device, after gpu-ship's calls: bash bench/gpu/launch.sh DEADLINE_S WATCH_S [extra campaign args]
set -u; cd "$(dirname "$0")/../.."
source /root/ship/env.sh
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1 PYTHONWARNINGS='ignore,always::UserWarning:sleepy_coder.generate'   # the libraries' warnings off; ours (a static-cache fallback, an out-of-memory split) in the logs
export TOKENIZERS_PARALLELISM=false SLEEPY_CODER_HOME=/root/sc
R=/root/campaign-out   # results and logs; the device tool empties $OUT at every call, so nothing of the campaign lives there
deadline=$1; watch=$2; shift 2
# A device machine can keep /root from an earlier session: a campaign started over an hour ago is not this
# hold's (a hold lasts 30 minutes), and the streams resume runs by name, so its state (never the models, the
# synthesized koans or the content-addressed verdict cache) is moved aside before new streams start.
if [ -f $R/started ] && [ $(( $(date +%s) - $(cat $R/started) )) -gt 3600 ]; then
  old=/root/old-campaign-$(cat $R/started); mkdir -p $old && mv $R $old/campaign-out && echo "moved an earlier session's campaign to $old"
fi
if [ ! -f $R/started ]; then
  old=/root/old-campaign-$(date +%s)
  for f in /root/sc/campaign /root/sc/episodes*.sqlite /root/sc/episodes*.sqlite-*; do
    [ -e "$f" ] && mkdir -p $old && mv "$f" $old/ && echo "moved $f (an earlier session's) to $old"
  done
fi
mkdir -p $R /root/sc
ngpu=$(nvidia-smi -L | wc -l)
if [ ! -f $R/started ]; then
  date +%s > $R/started
  # the streams run from a copy: the device tool re-copies the work tree at every call, and a process importing
  # a module during that copy finds it missing (a restarted stream died that way)
  rm -rf /root/campaign-tree && mkdir -p /root/campaign-tree && cp -r sleepy_coder bench data settings.ini setup.py /root/campaign-tree/
  cd /root/campaign-tree; export PYTHONPATH=$PWD
  moreA=""
  [ "$ngpu" -lt 4 ] && moreA="--a-stages frozen30,difficulty,synth-eval"   # no experiment night without streams E and S
  if [ "$ngpu" -eq 2 ]; then   # two GPUs: G0 follows the cycles on the synthesized sets; G1 (stream B) runs the cycles
    CUDA_VISIBLE_DEVICES=0 setsid nohup python3 bench/gpu/campaign.py --stream G0 --stages ${G0_STAGES:-cycle-synth} --deadline "$deadline" "$@" > $R/G0.log 2>&1 < /dev/null &
    if [ -n "${G1_STAGES:-}" ]; then   # G1_STAGES=synth-eval-raw with --synth-shards 2: both GPUs on synth-eval
      CUDA_VISIBLE_DEVICES=1 setsid nohup python3 bench/gpu/campaign.py --stream G1 --stages "$G1_STAGES" --deadline "$deadline" "$@" > $R/G1.log 2>&1 < /dev/null &
    else
      CUDA_VISIBLE_DEVICES=1 setsid nohup python3 bench/gpu/campaign.py --stream B --b-stages cycles --deadline "$deadline" "$@" > $R/B.log 2>&1 < /dev/null &
    fi
  elif [ "$ngpu" -ge 4 ]; then   # four: the cycles (gated on the short sets), a follower measuring each kept cycle on the synthesized sets, the experiments, the rest
    # G1_STAGES=... runs stream G1 instead of B; G0_ARGS, G1_ARGS, G2_ARGS, G3_ARGS are extra campaign arguments of one stream (e.g. another
    # model: G0_ARGS="--model qwen2.5-coder-0.5b --out $R/05b"); MULTIGPU_FIRST="..." runs bench/bench_multigpu.py with those arguments on
    # GPUs 0 and 1 as soon as the model is converted, and starts G0 and B (or G1) only when it ends
    s01="CUDA_VISIBLE_DEVICES=0 setsid nohup bash bench/gpu/stream.sh G0 0 $deadline --stages ${G0_STAGES:-seeds} $* ${G0_ARGS:-} > $R/G0.log 2>&1 < /dev/null &"
    if [ -n "${G1_STAGES:-}" ]; then s01="$s01
    setsid nohup bash bench/gpu/stream.sh G1 1 $deadline --stages $G1_STAGES $* ${G1_ARGS:-} > $R/G1.log 2>&1 < /dev/null &"
    else s01="$s01
    setsid nohup bash bench/gpu/stream.sh B 1 $deadline --b-stages cycles $* > $R/B.log 2>&1 < /dev/null &"; fi
    if [ -n "${MULTIGPU_FIRST:-}" ]; then   # the benchmark, then the two streams: one script, run apart from this call
      cat > $R/multigpu-first.sh <<EOS
cd $PWD
until [ -f /root/sc/models/qwen2.5-coder-1.5b-bf16/config.json ]; do sleep 5; done   # streams G2 and G3 convert the model
left=\$(( $(cat $R/started) + $deadline - 240 - \$(date +%s) ))   # 4 minutes kept for the streams after it
echo "bench_multigpu: \$left s at most"
CUDA_VISIBLE_DEVICES=0,1 timeout \$left python3 bench/bench_multigpu.py $MULTIGPU_FIRST --home /root/sc --out $R/multigpu.json
echo "bench_multigpu: exit \$?"
$s01
EOS
      setsid nohup bash $R/multigpu-first.sh > $R/multigpu.log 2>&1 < /dev/null &
    else eval "$s01"; fi
    setsid nohup bash bench/gpu/stream.sh G2 2 $deadline --stages ${G2_STAGES:-exp,arms,arrow,seeds} "$@" ${G2_ARGS:-} > $R/G2.log 2>&1 < /dev/null &
    setsid nohup bash bench/gpu/stream.sh G3 3 $deadline --stages ${G3_STAGES:-cycle-synth-base,seeds,cycle-synth} "$@" ${G3_ARGS:-} > $R/G3.log 2>&1 < /dev/null &
  else
    CUDA_VISIBLE_DEVICES=0 setsid nohup python3 bench/gpu/campaign.py --stream A --gpu 0 --deadline "$deadline" $moreA "$@" > $R/A.log 2>&1 < /dev/null &
  fi
  # MULTIGPU="--set train --limit 64 --run mg-1": once the streams end, one GPU against two (bench/bench_multigpu.py) on the model they converted,
  # if 240 s or more are left before the deadline ('campaign[.]py' so that this waiter doesn't find itself)
  if [ -n "${MULTIGPU:-}" ] && [ "$ngpu" -ge 2 ]; then
    setsid nohup bash -c "sleep 10; while pgrep -f 'campaign[.]py --stream' >/dev/null; do sleep 5; done
      left=\$(( $(cat $R/started) + $deadline - \$(date +%s) ))
      if [ \$left -gt 240 ]; then timeout \$left python3 bench/bench_multigpu.py $MULTIGPU --home /root/sc --out $R/multigpu.json; else echo only \$left s left: no benchmark; fi" > $R/multigpu.log 2>&1 < /dev/null &
  fi
fi
nvidia-smi --query-gpu=name,memory.total --format=csv
end=$(( $(date +%s) + watch ))
while [ "$(date +%s)" -lt "$end" ]; do
  sleep 30
  if ! pgrep -f "campaign.py --stream|bench_multigpu" >/dev/null; then echo "streams finished"; break; fi
  # A stream that has not loaded the model 5 minutes after the start is stuck (a campaign once waited 9 minutes
  # for a conversion no stream ran): return now, so the call shows it while there is device time to fix it.
  if [ $(( $(date +%s) - $(cat $R/started) )) -gt 300 ] && [ -z "${SLEEPY_NO_STUCK_CHECK:-}" ]; then
    stuck=""; for f in $R/G*.log $R/A.log $R/B.log; do   # the streams' logs only; a stream started late (stream.sh writes NAME.start) gets its own 5 minutes
      [ -f "$f" ] || continue; n=$(basename $f .log); since=$(cat $R/$n.start 2>/dev/null || cat $R/started)
      [ $(( $(date +%s) - since )) -gt 300 ] && ! grep -q "\] device:" "$f" && stuck="$stuck $n"; done
    if [ -n "$stuck" ]; then echo "STUCK? no model loaded after 300 s in:$stuck"; for f in $R/*.log; do echo "== $f"; tail -c 600 "$f"; echo; done; break; fi
  fi
done
python3 bench/gpu/collect.py --out $R --dest "$OUT"
