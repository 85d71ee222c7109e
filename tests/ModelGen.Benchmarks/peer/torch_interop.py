#!/usr/bin/env python3
"""Checks docs/INTEROP.md: a ModelGen safetensors file loads strictly into plain PyTorch modules and into modules
pruned with torch.nn.utils.prune, and both give ModelGen's logits.

Given a file written by `modelgen train --save` and the JSON of `modelgen evaluate --json` on the same data, it
  1. reads the file (with the `safetensors` package when installed, else the 20-line reader below: the format is an
     8-byte little-endian header length, a JSON header, raw little-endian tensors),
  2. loads it into a module whose state_dict keys are ModelGen's names (fc1.weight [out, in], fc1.bias, fc1.U/fc1.Vt),
     dropping the *_mask keys, with load_state_dict(strict=True),
  3. loads it into the same module after torch.nn.utils.prune.identity on every masked weight, renaming X.weight to
     X.weight_orig and keeping X.weight_mask, again strictly,
  4. checks that both give the same logits bit for bit on the test set, that removed weights are exactly zero, and that
     test loss and accuracy agree with ModelGen's evaluation (loss within 1e-5, accuracy exactly).
Never run by the tests.

    dotnet run --project examples/ModelGen.Cli -c Release -- train --method magnitude --sparsity 0.9 --save w.safetensors
    dotnet run --project examples/ModelGen.Cli -c Release -- evaluate --weights w.safetensors --json eval.json
    python3 tests/ModelGen.Benchmarks/peer/torch_interop.py --weights w.safetensors --evaluation eval.json
"""

import argparse
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import prune

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_pruners import read_idx  # noqa: E402  (the peers' one IDX reader)

MASK = "_mask"


def read_safetensors(path):
    try:
        from safetensors.torch import load_file
        return load_file(path), "safetensors package"
    except ImportError:
        pass
    dtypes = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8}
    with open(path, "rb") as handle:
        content = handle.read()
    (length,) = struct.unpack("<Q", content[:8])
    header = json.loads(content[8:8 + length])
    header.pop("__metadata__", None)
    data = content[8 + length:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=np.dtype(dtypes[entry["dtype"]]).newbyteorder("<"))
        tensors[name] = torch.from_numpy(array.reshape(entry["shape"]).copy())
    return tensors, "the script's own reader"


class LowRank(nn.Module):
    """ModelGen's factorized dense layer: y = U (Vt x) + b, parameters named U, Vt, bias."""

    def __init__(self, inputs, outputs, rank):
        super().__init__()
        self.U = nn.Parameter(torch.empty(outputs, rank))
        self.Vt = nn.Parameter(torch.empty(rank, inputs))
        self.bias = nn.Parameter(torch.empty(outputs))

    def forward(self, x):
        return F.linear(F.linear(x, self.Vt), self.U, self.bias)


class Mlp(nn.Module):
    """A ReLU MLP with one attribute per ModelGen layer (fc1, fc2, …), built from the file's shapes."""

    def __init__(self, tensors):
        super().__init__()
        self.names = sorted({key.split(".")[0] for key in tensors}, key=lambda n: int(n[2:]))
        for name in self.names:
            if f"{name}.U" in tensors:
                outputs, rank = tensors[f"{name}.U"].shape
                layer = LowRank(tensors[f"{name}.Vt"].shape[1], outputs, rank)
            else:
                outputs, inputs = tensors[f"{name}.weight"].shape
                layer = nn.Linear(inputs, outputs)
            setattr(self, name, layer)

    def forward(self, x):
        for i, name in enumerate(self.names):
            x = getattr(self, name)(x)
            if i < len(self.names) - 1:
                x = torch.relu(x)
        return x


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", required=True)
    parser.add_argument("--evaluation", required=True, help="JSON of `modelgen evaluate --json` on the same data")
    args = parser.parse_args()

    evaluation = json.load(open(args.evaluation))
    folder = evaluation["data"]["folder"]

    def find(name):
        raw = os.path.join(folder, name)
        return raw if os.path.exists(raw) else raw + ".gz"

    images = read_idx(find("t10k-images-idx3-ubyte"))
    images = torch.from_numpy(images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255.0))
    labels = torch.from_numpy(read_idx(find("t10k-labels-idx1-ubyte")).astype(np.int64))

    tensors, reader = read_safetensors(args.weights)
    masks = {key[:-len(MASK)]: value for key, value in tensors.items() if key.endswith(MASK)}

    # 1. A plain module: drop the masks, load strictly.
    plain = Mlp(tensors)
    plain.load_state_dict({k: v for k, v in tensors.items() if not k.endswith(MASK)}, strict=True)

    # 2. A module pruned with torch.nn.utils.prune: X.weight → X.weight_orig, X.weight_mask kept, strictly.
    pruned = Mlp(tensors)
    for key in masks:
        module_name, parameter = key.rsplit(".", 1)
        prune.identity(getattr(pruned, module_name), parameter)
    renamed = {(k + "_orig" if k in masks else k): v for k, v in tensors.items()}
    pruned.load_state_dict(renamed, strict=True)

    for key, mask in masks.items():
        removed = tensors[key][mask == 0]
        assert torch.all(removed == 0), f"{key}: a removed weight is not zero"
        assert torch.equal(tensors[key], tensors[key] * mask), f"{key}: weight differs from weight_orig * weight_mask"

    with torch.no_grad():
        logits_plain = plain(images)
        logits_pruned = pruned(images)
    assert torch.equal(logits_plain, logits_pruned), "the plain and the pruned module give different logits"

    loss = F.cross_entropy(logits_plain.double(), labels).item()
    accuracy = (logits_plain.argmax(dim=1) == labels).double().mean().item()
    report = {
        "reader": reader,
        "torch": torch.__version__,
        "tensors": sorted(tensors),
        "masked": sorted(masks),
        "test_samples": len(labels),
        "torch_test_loss": loss,
        "modelgen_test_loss": evaluation["test_loss"],
        "torch_test_accuracy": accuracy,
        "modelgen_test_accuracy": evaluation["test_accuracy"],
    }
    print(json.dumps(report, indent=2))
    assert len(labels) == evaluation["test_samples"]
    assert abs(loss - evaluation["test_loss"]) < 1e-5, "test loss differs from ModelGen's"
    assert accuracy == evaluation["test_accuracy"], "test accuracy differs from ModelGen's"
    print("OK: strict loads into a plain and a torch.nn.utils.prune module, identical logits, ModelGen's loss and accuracy")


if __name__ == "__main__":
    main()
