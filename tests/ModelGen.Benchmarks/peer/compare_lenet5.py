#!/usr/bin/env python3
"""Tabulates our LeNet-5 runs (docs/results/lenet5/runs/*.json, from `train --json`) against the PyTorch peer
(docs/results/lenet5-peer/*.jsonl, from torch_lenet5.py): mean ± sample standard deviation per cell over the seeds
that finished, with the seed count, the difference of the means, and whether it lies within 1 point.

    python3 tests/ModelGen.Benchmarks/peer/compare_lenet5.py > docs/results/lenet5/comparison.md

With --extra-seeds the runs under docs/results/lenet5-extra-seeds/ (more seeds for some cells, both sides, from its
run.sh) are added to the seeds 0-2 that issue #8 defines the table with. With --torch-rng our side is the runs made
with `--rng torch` (docs/results/lenet5-torch-rng/runs/, from `RNG=torch run-ours.sh`), which start from the peer's
θ0 and see its batches, and a column gives the per-seed differences (ours − peer, seed by seed).
"""

import argparse

import glob
import json
import os
import statistics

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
CELLS = [("dense", 0.0), ("random", 0.9), ("snip", 0.9), ("snip", 0.98), ("grasp", 0.9), ("synflow", 0.98),
         ("lth", 0.9), ("lth-reinit", 0.9)]


def load_ours(folders):
    runs = {}
    for path in [p for folder in folders for p in glob.glob(os.path.join(folder, "*.json"))]:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        for record in data if isinstance(data, list) else [data]:
            if record.get("refused"):
                continue
            key = (record["method"], float(record.get("target_sparsity") or 0.0))
            runs.setdefault(key, {})[record["seed"]] = 100 * record["test_accuracy"]
            if record["method"] == "lth-reinit" and record.get("rounds"):
                # `train --method lth-reinit` writes the control's record; the ticket itself is the trajectory's last
                # round (the one that landed on the target), whose test accuracy the record keeps.
                ticket = record["rounds"][-1]
                if abs(ticket["sparsity"] - key[1]) < 1e-9:
                    runs.setdefault(("lth", key[1]), {})[record["seed"]] = 100 * ticket["test_accuracy"]
    return runs


def load_peer(folders):
    runs = {}
    for path in [p for folder in folders for p in glob.glob(os.path.join(folder, "*.jsonl"))]:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    record = json.loads(line)
                    runs.setdefault((record["method"], float(record["sparsity"])), {})[record["seed"]] = 100 * record["test_accuracy"]
    return runs


def describe(values):
    if not values:
        return "—", None
    mean = statistics.mean(values)
    spread = f" ± {statistics.stdev(values):.2f}" if len(values) > 1 else ""
    return f"{mean:.2f}{spread} (n={len(values)})", mean


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra-seeds", action="store_true", help="add docs/results/lenet5-extra-seeds/ to both sides")
    parser.add_argument("--torch-rng", action="store_true", help="our runs made with --rng torch, with per-seed differences")
    args = parser.parse_args()
    results = os.path.join(ROOT, "docs", "results")
    extra = [os.path.join(results, "lenet5-extra-seeds")] if args.extra_seeds else []
    our_runs = os.path.join(results, "lenet5-torch-rng" if args.torch_rng else "lenet5", "runs")
    ours = load_ours([our_runs] + extra)
    peer = load_peer([os.path.join(results, "lenet5-peer")] + extra)
    paired = " per seed (ours − peer) |" if args.torch_rng else ""
    print(f"| cell | ours | PyTorch peer | ours − peer | within 1 point |{paired}")
    print("|---|---|---|---|---|" + ("---|" if args.torch_rng else ""))
    for method, sparsity in CELLS:
        mine, mine_mean = describe(list(ours.get((method, sparsity), {}).values()))
        theirs, their_mean = describe(list(peer.get((method, sparsity), {}).values()))
        if mine_mean is None or their_mean is None:
            difference, verdict = "—", "—"
        else:
            difference = f"{mine_mean - their_mean:+.2f}"
            verdict = "yes" if abs(mine_mean - their_mean) <= 1.0 else "**no**"
        label = method if method == "dense" else f"{method} {100 * sparsity:g}%"
        row = f"| {label} | {mine} | {theirs} | {difference} | {verdict} |"
        if args.torch_rng:
            a, b = ours.get((method, sparsity), {}), peer.get((method, sparsity), {})
            row += " " + ", ".join(f"{a[k] - b[k]:+.2f}" for k in sorted(set(a) & set(b))) + " |"
        print(row)


if __name__ == "__main__":
    main()
