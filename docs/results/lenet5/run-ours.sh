#!/usr/bin/env bash
# Our side of the LeNet-5 table in docs/RESULTS.md: one `train --json` per cell and seed, seed 0 of every cell first
# (the machine is shared; whatever finishes is reported), skipping runs whose JSON already exists.
# RNG=torch draws θ0 and the epoch order from PyTorch's generator (--rng torch: the peer's θ0 and batches, bit for bit);
# THREADS=2 only changes the speed (results are the same for any thread count).
set -u
cd "$(dirname "$0")/../../.."
cli=${MODELGEN_CLI:-examples/ModelGen.Cli/bin/Release/net10.0/ModelGen.Cli.dll}
out=${OUT:-docs/results/lenet5/runs}
mkdir -p "$out"
extra=()
[ -n "${RNG:-}" ] && extra+=(--rng "$RNG")
[ -n "${THREADS:-}" ] && extra+=(--threads "$THREADS")
for seed in 0 1 2; do
  for cell in dense:0 random:0.9 snip:0.9 snip:0.98 grasp:0.9 synflow:0.98 lth-reinit:0.9; do
    method=${cell%%:*}; sparsity=${cell##*:}
    file=$out/$method-$sparsity-s$seed.json
    [ -s "$file" ] && continue
    # lth-reinit runs the lth trajectory and writes both records (the ticket and the control).
    nice -n 10 dotnet "$cli" train --model lenet5 --method "$method" --sparsity "$sparsity" --seed "$seed" "${extra[@]}" --json "$file.tmp" \
      > "$out/$method-$sparsity-s$seed.log" 2>&1 && mv "$file.tmp" "$file"
  done
done
