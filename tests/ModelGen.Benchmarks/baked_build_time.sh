#!/usr/bin/env bash
# Build cost of a baked ticket: compiles examples/ModelGen.Cli with and without examples/Models/LeNet300Ticket98.cs,
# in turns, and reports the compiler's CPU time (user+sys of an in-process csc: UseSharedCompilation=false), the
# generated source size and the CLI assembly size. Works on a copy of the commit (default HEAD) under /tmp, never on
# the checkout, so a change can be measured against the commit before it in the same session.
# Usage: tests/ModelGen.Benchmarks/baked_build_time.sh [rounds] [commit]
set -euo pipefail
rounds=${1:-3}
commit=${2:-HEAD}
root=$(git rev-parse --show-toplevel)
work=$(mktemp -d /tmp/modelgen-bake-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
git -C "$root" archive "$commit" | tar -x -C "$work"
cd "$work"
cli=examples/ModelGen.Cli/ModelGen.Cli.csproj
dotnet build "$cli" -c Release -p:UseSharedCompilation=false -p:EmitCompilerGeneratedFiles=true -v q -nologo > /dev/null
gen=$(find examples/ModelGen.Cli/obj -name 'ModelGen.Examples.LeNet300Ticket98.g.cs' | head -1)
dense=$(find examples/ModelGen.Cli/obj -name 'ModelGen.Examples.LeNet300.g.cs' | head -1)
echo "commit $(git -C "$root" rev-parse --short "$commit")"
echo "generated: LeNet300Ticket98.g.cs $(wc -c < "$gen") bytes, $(wc -l < "$gen") lines; LeNet300.g.cs $(wc -c < "$dense") bytes"
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "round | with baked: csc CPU s, dll bytes | without: csc CPU s, dll bytes"
for ((i = 1; i <= rounds; i++)); do
  line="$i"
  for variant in with without; do
    if [[ $variant == without ]]; then mv examples/Models/LeNet300Ticket98.cs /tmp/LeNet300Ticket98.cs.$$; else touch examples/Models/LeNet300.cs; fi
    # Only the CLI project recompiles (its dependencies are up to date); time its whole build's CPU.
    t=$( { /usr/bin/time -f '%U %S' dotnet build "$cli" -c Release --no-dependencies -p:UseSharedCompilation=false -v q -nologo > /dev/null; } 2>&1 | tail -1 | awk '{printf "%.2f", $1 + $2}')
    size=$(stat -c %s examples/ModelGen.Cli/bin/Release/net10.0/ModelGen.Cli.dll)
    line="$line | $t, $size"
    if [[ $variant == without ]]; then mv /tmp/LeNet300Ticket98.cs.$$ examples/Models/LeNet300Ticket98.cs; touch examples/Models/LeNet300Ticket98.cs; fi
  done
  echo "$line"
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
