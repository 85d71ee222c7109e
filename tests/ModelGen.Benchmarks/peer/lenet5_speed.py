#!/usr/bin/env python3
"""LeNet-5 training step at batch 60, ModelGen against PyTorch in turns (issue #8's speed target: ours >= 1.5x PyTorch
at its best of 1 and 2 threads, OMP_WAIT_POLICY=PASSIVE).

Each round runs, one after another: ModelGen `bench --model lenet5 --method dense --batch-size 60` at 1 and 2 threads,
then `torch_lenet5.py --speed` at 1 and 2 threads, and writes the 1-minute load average before each. One thread is
timed by CPU time on both sides (ModelGen: the timing thread's CPU time; PyTorch: the process's, --clock cpu), which a
shared machine distorts little; two threads by the wall clock on both sides, which is what two threads achieve together
and what a loaded machine distorts most. Medians over rounds at the end.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/ModelGen.Benchmarks/peer/lenet5_speed.py --rounds 3

Needs the CLI built (`dotnet build examples/ModelGen.Cli -c Release`) and PyTorch in /usr/bin/python3.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")
BATCH = 60


def load():
    return os.getloadavg()[0]


def ours(cli, threads):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "bench.json")
        subprocess.run(["dotnet", cli, "bench", "--model", "lenet5", "--method", "dense", "--batch-size", str(BATCH),
                        "--threads", str(threads), "--json", path], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
    # The pruned and the dense network are the same here (method dense): both medians time the same step.
    return BATCH / statistics.mean([record["train_samples_per_second"], record["dense_train_samples_per_second"]])


def torch(python, threads):
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", OMP_NUM_THREADS=str(threads))
    clock = "cpu" if threads == 1 else "wall"
    out = subprocess.run([python, os.path.join(HERE, "torch_lenet5.py"), "--speed", "--threads", str(threads), "--clock", clock],
                         check=True, capture_output=True, text=True, env=env).stdout
    return float(re.search(r"training step ([\d,]+) us", out).group(1).replace(",", "")) / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cli", default=os.path.join(ROOT, "examples", "ModelGen.Cli", "bin", "Release", "net10.0", "ModelGen.Cli.dll"))
    parser.add_argument("--python", default="/usr/bin/python3", help="the Python with PyTorch")
    args = parser.parse_args()

    columns = [("ModelGen 1 thread (CPU)", lambda: ours(args.cli, 1)), ("ModelGen 2 threads (wall)", lambda: ours(args.cli, 2)),
               ("PyTorch 1 thread (CPU)", lambda: torch(args.python, 1)), ("PyTorch 2 threads (wall)", lambda: torch(args.python, 2))]
    print("| round (load before each) | " + " | ".join(name for name, _ in columns) + " | ours / PyTorch, best of each |")
    print("| --- |" + " ---: |" * (len(columns) + 1))
    results = {name: [] for name, _ in columns}
    for round_index in range(args.rounds):
        loads, cells = [], []
        for name, measure in columns:
            loads.append(load())
            seconds = measure()
            results[name].append(seconds)
            cells.append(f"{seconds * 1e3:.1f} ms ({BATCH / seconds:,.0f}/s)")
        ratio = min(results[columns[2][0]][-1], results[columns[3][0]][-1]) / min(results[columns[0][0]][-1], results[columns[1][0]][-1])
        print(f"| {round_index + 1} ({', '.join(f'{l:.1f}' for l in loads)}) | " + " | ".join(cells) + f" | {ratio:.2f}x |", flush=True)
    medians = {name: statistics.median(values) for name, values in results.items()}
    ratio = min(medians[columns[2][0]], medians[columns[3][0]]) / min(medians[columns[0][0]], medians[columns[1][0]])
    print("| median | " + " | ".join(f"{medians[name] * 1e3:.1f} ms ({BATCH / medians[name]:,.0f}/s)" for name, _ in columns) + f" | {ratio:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
