#!/usr/bin/env bash
# Mask agreement under --rng torch: for each one-shot cell of the LeNet-5 table and seeds 0-2, our mask (from a
# 1-epoch run's --save file; the mask is fixed before the first step) against the peer's for the same seed.
set -eu
cd "$(dirname "$0")/../../.."
cli=${MODELGEN_CLI:-examples/ModelGen.Cli/bin/Release/net10.0/ModelGen.Cli.dll}
out=docs/results/lenet5-torch-rng/mask-agreement.jsonl
work=$(mktemp -d)
: > "$out.tmp"
for cell in snip:0.9 snip:0.98 grasp:0.9 synflow:0.98; do
  method=${cell%%:*}; sparsity=${cell##*:}
  for seed in 0 1 2; do
    dotnet "$cli" train --model lenet5 --method "$method" --sparsity "$sparsity" --rng torch --seed "$seed" --epochs 1 \
      --save "$work/m.safetensors" > /dev/null
    OMP_NUM_THREADS=1 /usr/bin/python3 tests/ModelGen.Benchmarks/peer/lenet5_mask_agreement.py --seed "$seed" \
      --method "$method" --sparsity "$sparsity" --weights "$work/m.safetensors" >> "$out.tmp"
  done
done
mv "$out.tmp" "$out"
rm -rf "$work"
