#!/usr/bin/env bash
# SNIP 98% on LeNet-5, seeds 0-2, with the initialization and mask swapped between the two frameworks
# (docs/RESULTS.md, "Same initialization, other trainer"):
#   peer-on-ours.jsonl  the PyTorch peer trains OUR θ0 and SNIP mask (lenet5_cross_init.py)
#   ours-on-peer-sN.json  OUR trainer trains the peer's θ0 and SNIP mask (lenet5_peer_init.py, then train --resume)
# Our step-0 checkpoint: `train --checkpoint DIR` writes it atomically before the first step and replaces it at the end
# of epoch 1, so a watcher copies the file the moment it appears (its metadata says step 0; both scripts check).
set -u
cd "$(dirname "$0")/../../.."
cli=${MODELGEN_CLI:-examples/ModelGen.Cli/bin/Release/net10.0/ModelGen.Cli.dll}
out=docs/results/lenet5-cross-init
peer=tests/ModelGen.Benchmarks/peer
work=$(mktemp -d)
: > "$out/peer-on-ours.jsonl"
for seed in 0 1 2; do
  mkdir -p "$work/ours$seed" "$work/peer$seed"
  python3 -c "
import os, shutil, sys, time
path = sys.argv[1] + '/checkpoint.safetensors'
while not os.path.exists(path): time.sleep(0.0005)
shutil.copy(path, sys.argv[2])" "$work/ours$seed" "$work/theta0-s$seed.safetensors" &
  dotnet "$cli" train --model lenet5 --method snip --sparsity 0.98 --seed "$seed" --epochs 1 --checkpoint "$work/ours$seed" > /dev/null
  wait
  OMP_NUM_THREADS=1 /usr/bin/python3 $peer/lenet5_cross_init.py --seed "$seed" --checkpoint "$work/theta0-s$seed.safetensors" \
    >> "$out/peer-on-ours.jsonl"
  OMP_NUM_THREADS=1 /usr/bin/python3 $peer/lenet5_peer_init.py --seed "$seed" --template "$work/theta0-s$seed.safetensors" \
    --out "$work/peer$seed/checkpoint.safetensors" > /dev/null
  dotnet "$cli" train --model lenet5 --method snip --sparsity 0.98 --seed "$seed" --resume "$work/peer$seed" \
    --json "$out/ours-on-peer-s$seed.json" > "$out/ours-on-peer-s$seed.log"
done
rm -rf "$work"
