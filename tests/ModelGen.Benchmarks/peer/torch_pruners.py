#!/usr/bin/env python3
"""PyTorch peer for tests/ModelGen.Benchmarks' PrunerBenchmarks: scoring time of each one-shot pruner.

Times `prune(model, 0.9)` on LeNet-300-100 with the definitions ModelGen implements (issue #3), each call on a fresh
copy of the initial model (the state is restored outside the timed region), global scope over the three weight
matrices (biases never pruned), exact top-k:

  snip       s = |w * sum_b dL_b/dw| over the first 1,000 training samples in batches of 100
  grasp      s = -w * (H g), g = sum_b dL_b/dw with logits / T (T = 200), H g = sum_b H_b g by double backward
             (the authors' two passes: gradients without a graph, then d(g . grad L_b)/dw per batch); highest removed
  synflow    100 rounds: |theta| for every parameter, an all-ones input, R = sum(output), s = |dR/dw * w|, prune to
             density d^(k/n) after round k, masks applied to the weights between rounds
  magnitude  s = |w|
  random     s ~ U(0, 1)

and prints the median (and minimum) over several calls in milliseconds. Never run by the tests; see
docs/BENCHMARKS.md.

    python3 tests/ModelGen.Benchmarks/peer/torch_pruners.py --threads 1
"""

import argparse
import copy
import gzip
import json
import os
import statistics
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

SPARSITY = 0.9


def lenet300():
    return nn.Sequential(nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10))


def weights(model):
    return [module.weight for module in model if isinstance(module, nn.Linear)]


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        data = handle.read()
    dimensions = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dimensions)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dimensions).reshape(shape)


def load_scoring_data(folder, samples):
    def find(name):
        raw = os.path.join(folder, name)
        return raw if os.path.exists(raw) else raw + ".gz"

    images = read_idx(find("train-images-idx3-ubyte"))[:samples].reshape(samples, -1)
    labels = read_idx(find("train-labels-idx1-ubyte"))[:samples]
    return torch.from_numpy(images.astype(np.float32) / 255.0), torch.from_numpy(labels.astype(np.int64))


def keep_top(scores, density):
    """Global exact top-k mask over a list of score tensors, k = round(density * N)."""
    flat = torch.cat([s.reshape(-1) for s in scores])
    keep = int(round(density * flat.numel()))
    mask = torch.zeros_like(flat)
    mask[torch.topk(flat, keep, sorted=False).indices] = 1.0
    masks, start = [], 0
    for s in scores:
        masks.append(mask[start:start + s.numel()].view_as(s))
        start += s.numel()
    return masks


def apply_masks(model, masks):
    with torch.no_grad():
        for weight, mask in zip(weights(model), masks):
            weight.mul_(mask)
    return masks


def snip(model, inputs, labels, batch, sparsity=SPARSITY):
    model.zero_grad()
    for start in range(0, len(labels), batch):
        F.cross_entropy(model(inputs[start:start + batch]), labels[start:start + batch]).backward()
    return apply_masks(model, keep_top([(w * w.grad).abs() for w in weights(model)], 1 - sparsity))


def grasp(model, inputs, labels, batch, temperature=200.0):
    ws = weights(model)
    gradient = [torch.zeros_like(w) for w in ws]
    for start in range(0, len(labels), batch):
        loss = F.cross_entropy(model(inputs[start:start + batch]) / temperature, labels[start:start + batch])
        for total, part in zip(gradient, torch.autograd.grad(loss, ws)):
            total.add_(part)
    model.zero_grad()
    for start in range(0, len(labels), batch):
        loss = F.cross_entropy(model(inputs[start:start + batch]) / temperature, labels[start:start + batch])
        batch_gradient = torch.autograd.grad(loss, ws, create_graph=True)
        sum((g * b).sum() for g, b in zip(gradient, batch_gradient)).backward()
    # Highest s = -w * Hg removed: keep the highest w * Hg.
    return apply_masks(model, keep_top([w.detach() * w.grad for w in ws], 1 - SPARSITY))


def synflow(model, iterations=100):
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.abs_()
    ones = torch.ones(1, 784)
    ws = weights(model)
    masks = None
    for k in range(1, iterations + 1):
        model.zero_grad()
        model(ones).sum().backward()  # ReLU is the identity here: every parameter and the input are non-negative
        masks = apply_masks(model, keep_top([(w.grad * w).detach().abs() for w in ws], (1 - SPARSITY) ** (k / iterations)))
    return masks


def magnitude(model):
    return apply_masks(model, keep_top([w.detach().abs() for w in weights(model)], 1 - SPARSITY))


def random_pruning(model, generator):
    return apply_masks(model, keep_top([torch.rand(w.shape, generator=generator) for w in weights(model)], 1 - SPARSITY))


def median_milliseconds(prune, fresh, calls, warmup):
    timings = []
    for call in range(warmup + calls):
        model = fresh()
        start = time.perf_counter()
        prune(model)
        elapsed = time.perf_counter() - start
        if call >= warmup:
            timings.append(elapsed * 1e3)
    return statistics.median(timings), min(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "data", "mnist-10k"))
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--calls", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--methods", nargs="+", default=["snip", "grasp", "synflow", "magnitude", "random"])
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    inputs, labels = load_scoring_data(args.data, args.samples)
    initial = lenet300()
    generator = torch.Generator().manual_seed(0)

    def fresh():
        return copy.deepcopy(initial)

    methods = {
        "snip": lambda model: snip(model, inputs, labels, args.batch),
        "grasp": lambda model: grasp(model, inputs, labels, args.batch),
        "synflow": synflow,
        "magnitude": magnitude,
        "random": lambda model: random_pruning(model, generator),
    }

    results = []
    for name in args.methods:
        median, fastest = median_milliseconds(methods[name], fresh, args.calls, args.warmup)
        results.append({"method": name, "median_ms": median, "min_ms": fastest})
        print(f"{name:10} median {median:9.2f} ms   min {fastest:9.2f} ms", flush=True)

    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"torch": torch.__version__, "threads": args.threads, "results": results}, handle, indent=2)


if __name__ == "__main__":
    main()
