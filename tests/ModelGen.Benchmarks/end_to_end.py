#!/usr/bin/env python3
"""Issue #7's end-to-end figures: whole `train` commands of the CLI, pruned against dense, taken in turns.

Each round runs, with the same flags otherwise (defaults: LeNet-300-100, 10 epochs, batch 60, Adam, seed 0, the
bundled data):

  train                                    dense: train_seconds and the wall clock of the whole command
  train --method snip --sparsity 0.98      train_seconds (ratio to dense: issue target >= 5x) and accuracy
  train --method lth --sparsity 0.98       the wall clock of the whole command, all ~18 rounds (target <= 10x dense)

and writes every record (with the `uptime` load at its start) to OUT/end_to_end.json after each command; the summary
gives medians over rounds. Never run by the tests; see docs/BENCHMARKS.md.

    /usr/bin/python3 tests/ModelGen.Benchmarks/end_to_end.py --cli examples/ModelGen.Cli/bin/Release/net10.0/ModelGen.Cli --out e2e
"""

import argparse
import json
import os
import statistics
import subprocess
import time

RUNS = {
    "dense": [],
    "snip-0.98": ["--method", "snip", "--sparsity", "0.98"],
    "lth-0.98": ["--method", "lth", "--sparsity", "0.98"],
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True, help="the built ModelGen.Cli executable")
    parser.add_argument("--out", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data", help="MNIST folder (default: the CLI's bundled data)")
    parser.add_argument("--runs", nargs="+", default=list(RUNS), choices=list(RUNS))
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "end_to_end.json")
    records = []
    for round_index in range(args.rounds):
        for name in args.runs:
            json_path = os.path.join(args.out, f"{name}-{round_index}.json")
            command = [args.cli, "train", *RUNS[name], "--threads", str(args.threads), "--json", json_path]
            if args.data:
                command += ["--data", args.data]
            load, at = os.getloadavg()[0], time.strftime("%H:%M:%S", time.gmtime())
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - start
            with open(json_path, encoding="utf-8") as handle:
                run = json.load(handle)
            records.append({
                "run": name, "round": round_index, "utc": at, "load": load, "wall_seconds": wall,
                "train_seconds": run["train_seconds"], "test_accuracy": run["test_accuracy"], "sparsity": run["sparsity"],
                "lth_rounds": len(run["rounds"]) if run.get("rounds") else None,
                "layers": run["layers"],
            })
            print(f"round {round_index} {name:10} wall {wall:7.2f} s  train {run['train_seconds']:6.3f} s  "
                  f"test {100 * run['test_accuracy']:.2f}%  load {load:.1f}", flush=True)
            with open(path + ".tmp", "w", encoding="utf-8") as handle:
                json.dump(records, handle, indent=1)
            os.replace(path + ".tmp", path)

    def median(name, field):
        values = [r[field] for r in records if r["run"] == name]
        return statistics.median(values) if values else float("nan")

    for name in args.runs:
        print(f"{name:10} median wall {median(name, 'wall_seconds'):7.2f} s  train_seconds {median(name, 'train_seconds'):6.3f} s")
    if "dense" in args.runs and "snip-0.98" in args.runs:
        print(f"snip 0.98 train_seconds speedup over dense: {median('dense', 'train_seconds') / median('snip-0.98', 'train_seconds'):.2f}x (target >= 5x)")
    if "dense" in args.runs and "lth-0.98" in args.runs:
        print(f"lth 0.98 whole command / dense whole command: {median('lth-0.98', 'wall_seconds') / median('dense', 'wall_seconds'):.2f}x (target <= 10x)")


if __name__ == "__main__":
    main()
