#!/usr/bin/env python3
"""Trains the PyTorch peer of LeNet-5 from *our* initialization and *our* mask, to separate the draw of an
initialization and its mask from how the two frameworks train.

Input: a ModelGen checkpoint taken before the first training step (`train --checkpoint DIR` writes one there before
step 0 and overwrites it at each epoch end; `docs/results/lenet5-cross-init/run.sh` copies the step-0 file). It holds
θ0 and the pruner's masks under PyTorch's names (conv1.weight, conv1.weight_mask, ...; docs/INTEROP.md). The peer then
trains exactly as torch_lenet5.py does (its own data order for the seed, Adam 1.2e-3, batch 60, 10 epochs).

    python3 tests/ModelGen.Benchmarks/peer/lenet5_cross_init.py --seed 0 --checkpoint theta0-s0.safetensors
"""

import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_lenet5 import accuracy, install, lenet5, load_split, train, weight_modules  # noqa: E402

NAMES = ["conv1", "conv2", "fc1", "fc2"]  # our layer names, in the order of torch_lenet5's weight modules


def read_safetensors(path):
    """The tensors of a safetensors file (F32 only, which is all a ModelGen checkpoint's model tensors are)."""
    with open(path, "rb") as handle:
        size = struct.unpack("<Q", handle.read(8))[0]
        header = json.loads(handle.read(size))
        blob = handle.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise SystemExit(f"{path}: tensor {name} is {entry['dtype']}, expected F32")
        start, end = entry["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(blob[start:end], dtype="<f4").copy()).reshape(entry["shape"])
    return header.get("__metadata__", {}), tensors


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--seed", type=int, required=True, help="seed of the peer's data order")
    parser.add_argument("--data", default=os.path.join(here, "..", "..", "..", "examples", "data", "mnist-10k"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    metadata, tensors = read_safetensors(args.checkpoint)
    if metadata.get("optimizer.counter.step") not in (None, "0"):
        raise SystemExit(f"{args.checkpoint}: taken after step {metadata['optimizer.counter.step']}, not before step 0")
    model = lenet5()
    with torch.no_grad():
        for name, module in zip(NAMES, weight_modules(model)):
            module.weight.copy_(tensors[f"{name}.weight"])
            module.bias.copy_(tensors[f"{name}.bias"])
    masks = install(model, [tensors[f"{name}.weight_mask"] for name in NAMES])
    x, y = load_split(args.data, "train")
    test_x, test_y = load_split(args.data, "t10k")
    train(model, masks, x, y, args.seed, 10, 60, 1.2e-3)
    print(json.dumps({"seed": args.seed, "method": metadata.get("run.method"), "sparsity": metadata.get("run.sparsity"),
                      "kept": int(sum(m.sum() for m in masks)), "test_accuracy": accuracy(model, test_x, test_y),
                      "init_and_mask_from": os.path.basename(args.checkpoint)}))


if __name__ == "__main__":
    main()
