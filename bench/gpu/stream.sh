#!/usr/bin/env bash
# One campaign stream on the given GPUs, its deadline counted from the campaign's start (R/started), so that a stream
# started late (after bench_multigpu, say) stops in time too. launch.sh starts it; by hand:
#     bash bench/gpu/stream.sh NAME GPUS DEADLINE_S [campaign.py args]
R=/root/campaign-out; name=$1; gpus=$2; deadline=$3; shift 3
date +%s > $R/$name.start   # launch.sh's stuck check counts this stream's 5 minutes from here
left=$(( $(cat $R/started) + deadline - $(date +%s) ))
CUDA_VISIBLE_DEVICES=$gpus exec python3 bench/gpu/campaign.py --stream "$name" --deadline "$left" "$@"
