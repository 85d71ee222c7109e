#!/usr/bin/env python3
"""The reverse of lenet5_cross_init.py: puts the PyTorch peer's initialization and SNIP mask for a seed into a ModelGen
step-0 checkpoint, so that `train --resume DIR` trains *their* θ0 and mask with *our* trainer.

Takes our own step-0 checkpoint of the same command as a template (its metadata is the run's identity, which
`--resume` checks) and replaces the model tensors; the optimizer's moments stay zero, as before any step.

    python3 tests/ModelGen.Benchmarks/peer/lenet5_peer_init.py --seed 0 --template theta0-s0.safetensors --out DIR/checkpoint.safetensors
"""

import argparse
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lenet5_cross_init import NAMES  # noqa: E402
from torch_lenet5 import install, lenet5, load_split, snip, weight_modules  # noqa: E402


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--sparsity", type=float, default=0.98)
    parser.add_argument("--template", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--data", default=os.path.join(here, "..", "..", "..", "examples", "data", "mnist-10k"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    x, y = load_split(args.data, "train")
    torch.manual_seed(args.seed)  # exactly as torch_lenet5.py draws the model of a cell
    model = lenet5()
    masks = install(model, snip(model, x, y, 1 - args.sparsity))
    values = {}
    for name, module, mask in zip(NAMES, weight_modules(model), masks):
        values[f"{name}.weight"] = module.weight.detach()
        values[f"{name}.weight_mask"] = mask.float()
        values[f"{name}.bias"] = module.bias.detach()
    with open(args.template, "rb") as handle:
        size = struct.unpack("<Q", handle.read(8))[0]
        header_bytes = handle.read(size)
        blob = bytearray(handle.read())
    header = json.loads(header_bytes)
    for name, tensor in values.items():
        start, end = header[name]["data_offsets"]
        data = tensor.contiguous().numpy().astype("<f4").tobytes()
        if len(data) != end - start:
            raise SystemExit(f"{name}: {len(data)} bytes, the template holds {end - start}")
        blob[start:end] = data
    temporary = args.out + ".tmp"
    with open(temporary, "wb") as handle:
        handle.write(struct.pack("<Q", size) + header_bytes + bytes(blob))
    os.replace(temporary, args.out)
    print(json.dumps({"seed": args.seed, "kept": int(sum(int(m.sum()) for m in masks))}))


if __name__ == "__main__":
    main()
