#!/bin/bash
# The quiet re-run of every speed target (docs/BENCHMARKS.md, "Quiet re-run"); output under $OUT (default /tmp/final).
set -u
cd "$(dirname "$0")/../../.."
OUT=${OUT:-/tmp/final}; mkdir -p $OUT
dotnet build examples/ModelGen.Cli -c Release -v q 2>&1 | tail -1
CLI=examples/ModelGen.Cli/bin/Release/net10.0/ModelGen.Cli
echo "start $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee $OUT/log
for pass in 1 2; do
for cell in "0.9 60" "0.98 60" "0.98 256" "0.98 1"; do set -- $cell
  echo "bench snip $1 b$2 pass $pass load $(cut -d' ' -f1 /proc/loadavg)" >> $OUT/log
  $CLI bench --method snip --sparsity $1 --batch-size $2 --threads 1 --json $OUT/bench-$1-b$2-p$pass.json > /dev/null
done; done
$CLI bench --method snip --sparsity 0.98 --batch-size 60 --threads 2 --json $OUT/bench-0.98-b60-t2.json > /dev/null
echo "ticket load $(cut -d' ' -f1 /proc/loadavg)" >> $OUT/log
$CLI bench --ticket examples/Models/lenet300-lth98.ticket --json $OUT/bench-ticket.json > $OUT/bench-ticket.txt
echo "lenet5 load $(cut -d' ' -f1 /proc/loadavg)" >> $OUT/log
OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/ModelGen.Benchmarks/peer/lenet5_speed.py --rounds 3 > $OUT/lenet5.txt 2>&1
echo "e2e load $(cut -d' ' -f1 /proc/loadavg)" >> $OUT/log
/usr/bin/python3 tests/ModelGen.Benchmarks/end_to_end.py --cli $CLI --out $OUT/e2e --rounds 2 > $OUT/e2e.txt 2>&1
echo "end $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $OUT/log
