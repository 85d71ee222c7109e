#!/usr/bin/env python3
"""How far a ModelGen SNIP/GraSP/SynFlow mask of LeNet-5 drawn with `--rng torch` agrees with the peer's for the same seed.

With `--rng torch` both sides start from the same θ0 bit for bit, so their one-shot masks differ only where float
rounding of the scores reorders weights near the top-k threshold. Input: the `--save` file of such a run (it holds the
masks as conv1.weight_mask, ...). Output: one JSON line with both sides' per-layer kept counts and how many kept
weights the two masks share.

    dotnet examples/ModelGen.Cli/bin/Release/net10.0/ModelGen.Cli.dll train --model lenet5 --method snip \
        --sparsity 0.98 --rng torch --seed 0 --epochs 1 --save snip98-s0.safetensors
    /usr/bin/python3 tests/ModelGen.Benchmarks/peer/lenet5_mask_agreement.py --seed 0 --method snip --sparsity 0.98 \
        --weights snip98-s0.safetensors
"""

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lenet5_cross_init import NAMES, read_safetensors  # noqa: E402  (one safetensors reader for the peer scripts)
from torch_lenet5 import grasp, lenet5, load_split, snip, synflow  # noqa: E402


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--method", choices=["snip", "grasp", "synflow"], required=True)
    parser.add_argument("--sparsity", type=float, required=True)
    parser.add_argument("--data", default=os.path.join(here, "..", "..", "..", "examples", "data", "mnist-10k"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    _, tensors = read_safetensors(args.weights)
    ours = [tensors[f"{name}.weight_mask"] for name in NAMES]
    torch.manual_seed(args.seed)
    model = lenet5()
    x, y = load_split(args.data, "train")
    density = 1 - args.sparsity
    prune = {"snip": lambda: snip(model, x, y, density), "grasp": lambda: grasp(model, x, y, density),
             "synflow": lambda: synflow(model, density)}[args.method]
    peer = prune()
    print(json.dumps({
        "seed": args.seed, "method": args.method, "sparsity": args.sparsity,
        "ours_kept": {n: int(m.sum()) for n, m in zip(NAMES, ours)},
        "peer_kept": {n: int(m.sum()) for n, m in zip(NAMES, peer)},
        "shared_kept": int(sum((a * b.reshape(a.shape)).sum() for a, b in zip(ours, peer))),
        "kept": int(sum(m.sum() for m in ours))}))


if __name__ == "__main__":
    main()
