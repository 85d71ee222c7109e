#!/usr/bin/env bash
# Runs one shard of a sweep. Schedulers number array tasks from 0; `sweep --shard` numbers shards from 1, so task
# INDEX of COUNT runs shard INDEX+1 of COUNT, into OUT_ROOT/shard-(INDEX+1). Every shard must get the same sweep flags.
#
#   run-shard.sh INDEX COUNT OUT_ROOT SWEEP_FLAGS...
#
# MODELGEN is the command that starts the CLI (default: the published build in /opt/modelgen, as in the Dockerfile).
# A rerun of a task resumes its shard: finished cells in OUT_ROOT/shard-i are skipped.
set -euo pipefail
if [[ $# -lt 3 ]]; then
  echo "usage: $0 INDEX COUNT OUT_ROOT SWEEP_FLAGS..." >&2
  exit 2
fi
index="$1" count="$2" out_root="$3"
shift 3
if ! [[ "$index" =~ ^[0-9]+$ && "$count" =~ ^[0-9]+$ ]] || (( count < 1 || index >= count )); then
  echo "$0: task index '$index' of '$count' is not 0 ≤ INDEX < COUNT" >&2
  exit 2
fi
shard="$((index + 1))/$count"
read -r -a modelgen <<< "${MODELGEN:-dotnet /opt/modelgen/ModelGen.Cli.dll}"
echo "shard $shard → $out_root/shard-$((index + 1))"
exec "${modelgen[@]}" sweep "$@" --shard "$shard" --out "$out_root/shard-$((index + 1))"
