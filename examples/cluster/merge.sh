#!/usr/bin/env bash
# Merges the COUNT shard folders run-shard.sh wrote under OUT_ROOT into OUT_ROOT/merged (results.json, results.md,
# accuracy.png, accuracy.svg, as the unsharded sweep writes them). merge refuses a missing, unfinished or foreign shard.
#
#   merge.sh COUNT OUT_ROOT
set -euo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: $0 COUNT OUT_ROOT" >&2
  exit 2
fi
count="$1" out_root="$2"
read -r -a modelgen <<< "${MODELGEN:-dotnet /opt/modelgen/ModelGen.Cli.dll}"
shards=()
for ((i = 1; i <= count; i++)); do
  shards+=("$out_root/shard-$i")
done
exec "${modelgen[@]}" merge "${shards[@]}" --out "$out_root/merged"
