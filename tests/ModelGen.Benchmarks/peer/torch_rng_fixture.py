#!/usr/bin/env python3
"""Writes the fixture that pins ModelGen's TorchGenerator and TorchInitialization to PyTorch, draw for draw.

For a few seeds it records what PyTorch gives: every parameter of LeNet-5 and LeNet-300-100 right after
`torch.manual_seed(seed)` and building the model (the peers' `lenet5()` and nn.Linear stack), and the permutations
`torch.randperm(n, generator=torch.Generator().manual_seed(seed))` of two epochs in a row, and the LeNet-5 peer's random
masks (torch.rand scores per weight tensor, one global top-k). Each tensor is stored as its
SHA-256 over the little-endian float32 (or int32) bytes plus its first values, so the default tests check bit
equality without PyTorch:

    /usr/bin/python3 tests/ModelGen.Benchmarks/peer/torch_rng_fixture.py \
        --out tests/ModelGen.Tests/Model/Fixtures/torch-rng.json
"""

import argparse
import hashlib
import json
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_lenet5 import lenet5, random_masks  # noqa: E402  (the LeNet-5 peer's own model and random pruner)


def lenet300():
    return nn.Sequential(nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10))


def describe(array):
    return {"sha256": hashlib.sha256(np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()).hexdigest(),
            "length": int(array.size), "first": [v.item() for v in array.reshape(-1)[:4]]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    models = {}
    for name, build, seeds in [("lenet5", lenet5, [0, 1, 1_000_003]), ("lenet300", lenet300, [0, 2])]:
        for seed in seeds:
            torch.manual_seed(seed)
            model = build()
            models[f"{name}/{seed}"] = {key: describe(value.detach().numpy().astype(np.float32))
                                        for key, value in model.state_dict().items()}
    permutations = {}
    for n, seed in [(7_996, 0), (7_996, 3), (60_000, 1), (2, 0), (1, 0)]:
        generator = torch.Generator().manual_seed(seed)
        permutations[f"{n}/{seed}"] = [describe(torch.randperm(n, generator=generator).numpy().astype(np.int32)) for _ in range(2)]
    masks = {}
    for seed, sparsity in [(0, 0.9), (1, 0.98)]:
        masks[f"lenet5/{seed}/{sparsity}"] = [describe(m.numpy().astype(np.float32)) for m in random_masks(lenet5(), 1 - sparsity, seed)]
    with open(args.out + ".tmp", "w") as handle:
        json.dump({"torch": torch.__version__, "models": models, "permutations": permutations, "random_masks": masks}, handle, indent=1)
        handle.write("\n")
    os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
