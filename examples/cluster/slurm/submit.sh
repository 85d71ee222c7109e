#!/usr/bin/env bash
# Submits a sharded sweep to Slurm: an array job of SHARDS tasks, then the merge, which starts only when every task
# finished successfully. Run it from the repository root on a login node, with the repository on a shared file system:
#
#   SHARDS=8 OUT_ROOT=/shared/sweeps/pruning examples/cluster/slurm/submit.sh \
#       --methods snip,grasp,synflow,lth --sparsities 0.5,0.9,0.98 --seeds 0,1,2
#
# The CLI is published once here (array tasks must not each build into the same folder) and every task runs that build.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
: "${SHARDS:?set SHARDS, the number of array tasks}"
: "${OUT_ROOT:?set OUT_ROOT, a folder on the shared file system for the shard folders and the merged results}"
if [[ $# -eq 0 ]]; then
  echo "usage: SHARDS=N OUT_ROOT=DIR $0 SWEEP_FLAGS..." >&2
  exit 2
fi
publish="$OUT_ROOT/cli"
dotnet publish "$repo/examples/ModelGen.Cli" -c Release -o "$publish" --nologo -v quiet
mkdir -p "$OUT_ROOT"
export MODELGEN="dotnet $publish/ModelGen.Cli.dll" MODELGEN_CLUSTER="$repo/examples/cluster" OUT_ROOT SHARDS
SWEEP_FLAGS="$*"
# The bundled data unless the flags name a folder: tasks start elsewhere, so give the CLI the absolute path.
[[ " $SWEEP_FLAGS " == *" --data "* ]] || SWEEP_FLAGS="$SWEEP_FLAGS --data $repo/examples/data/mnist-10k"
export SWEEP_FLAGS
array=$(sbatch --parsable --array="0-$((SHARDS - 1))" "$repo/examples/cluster/slurm/sweep.sbatch")
merge=$(sbatch --parsable --dependency="afterok:$array" "$repo/examples/cluster/slurm/merge.sbatch")
echo "array job $array ($SHARDS shards), merge job $merge → $OUT_ROOT/merged"
