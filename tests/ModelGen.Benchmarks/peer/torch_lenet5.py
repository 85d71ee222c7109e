#!/usr/bin/env python3
"""PyTorch peer for the LeNet-5 accuracy table in docs/RESULTS.md (issue #8).

LeNet-5-Caffe as SNIP uses it (conv 20@5x5, max-pool 2, conv 50@5x5, max-pool 2, dense 500 ReLU, dense 10; ReLU after
each conv; 431,080 parameters), PyTorch's default initialization, trained on the bundled MNIST split
(examples/data/mnist-10k: 7,996 training digits, 2,004 test digits, pixels / 255) for 10 epochs with Adam (lr 1.2e-3),
batch 60 with the last partial batch kept, a fresh shuffle per epoch. Pruning follows the definitions ModelGen
implements (see torch_pruners.py, the same scoring code for LeNet-300-100): global exact top-k over the four weight
tensors (biases never pruned); SNIP and GraSP scored on the first 1,000 training digits in batches of 100, GraSP at
T = 200, SynFlow 100 rounds on an all-ones input with |theta| (max-pool's ties go to the first maximum, PyTorch's
rule). `lth` is layer-wise iterative magnitude pruning with rewinding to the initialization: per round 10% of each
conv layer's remaining weights, 20% of each hidden dense layer's, 10% of the output layer's, the round that would
overshoot the target scaled down so that the overall kept count is exactly round(0.1 * 430,500) (the same largest-
remainder rule as ModelGen's LotteryTicketSearch). `lth-reinit` trains the ticket's mask on a fresh initialization
(seed + 1,000,003, as the CLI does).

Each finished run is appended at once as one JSON line to --out (so an interrupted run resumes where it stopped:
cells already in the file are skipped). With --speed it instead times the training step (zero_grad, forward, mean
cross-entropy, backward, Adam) at --batch on random inputs, median of timed rounds, like torch_lenet300.py. Never run
by the tests. Debian's python3-torch lives under /usr/bin/python3.

    OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE nice -n 10 /usr/bin/python3 tests/ModelGen.Benchmarks/peer/torch_lenet5.py \
        --out docs/results/lenet5-peer/peer.jsonl
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/ModelGen.Benchmarks/peer/torch_lenet5.py --speed --threads 2
"""

import argparse
import copy
import json
import os
import statistics
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_pruners import keep_top, read_idx  # noqa: E402  (one IDX reader and one top-k for both peers)

REINIT_SEED_OFFSET = 1_000_003
LTH_RATES = {"conv": 0.1, "dense": 0.2, "output": 0.1}


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(20, 50, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(800, 500), nn.ReLU(),
        nn.Linear(500, 10))


def weight_modules(model):
    return [m for m in model if isinstance(m, (nn.Conv2d, nn.Linear))]


def weights(model):
    return [m.weight for m in weight_modules(model)]


def load_split(folder, prefix):
    def find(name):
        raw = os.path.join(folder, name)
        return raw if os.path.exists(raw) else raw + ".gz"

    images = read_idx(find(f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(find(f"{prefix}-labels-idx1-ubyte"))
    x = torch.from_numpy(images.astype("float32") / 255.0).reshape(-1, 1, 28, 28)
    return x, torch.from_numpy(labels.astype("int64"))


def install(model, masks):
    """Zeroes the pruned weights and keeps them zero: gradients of masked weights are masked after each backward."""
    with torch.no_grad():
        for w, m in zip(weights(model), masks):
            w.mul_(m)
    return masks


def train(model, masks, x, y, seed, epochs, batch, lr):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    ws = weights(model)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=generator)
        for start in range(0, len(y), batch):
            index = order[start:start + batch]
            optimizer.zero_grad(set_to_none=False)
            F.cross_entropy(model(x[index]), y[index]).backward()
            if masks is not None:
                for w, m in zip(ws, masks):
                    w.grad.mul_(m)
            optimizer.step()
            if masks is not None:
                with torch.no_grad():
                    for w, m in zip(ws, masks):
                        w.mul_(m)  # Adam's moments of masked weights are zero, but keep this exact anyway


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(x[s:s + 500]).argmax(1) == y[s:s + 500]).sum()) for s in range(0, len(y), 500))
    return correct / len(y)


def snip(model, x, y, density, samples=1000, batch=100):
    model.zero_grad()
    for s in range(0, samples, batch):
        F.cross_entropy(model(x[s:s + batch]), y[s:s + batch]).backward()
    masks = keep_top([(w * w.grad).abs().detach() for w in weights(model)], density)
    model.zero_grad()
    return masks


def grasp(model, x, y, density, samples=1000, batch=100, temperature=200.0):
    ws = weights(model)
    gradient = [torch.zeros_like(w) for w in ws]
    for s in range(0, samples, batch):
        loss = F.cross_entropy(model(x[s:s + batch]) / temperature, y[s:s + batch])
        for total, part in zip(gradient, torch.autograd.grad(loss, ws)):
            total.add_(part)
    model.zero_grad()
    for s in range(0, samples, batch):
        loss = F.cross_entropy(model(x[s:s + batch]) / temperature, y[s:s + batch])
        batch_gradient = torch.autograd.grad(loss, ws, create_graph=True)
        sum((g * b).sum() for g, b in zip(gradient, batch_gradient)).backward()
    masks = keep_top([(w.detach() * w.grad) for w in ws], density)  # highest -w*Hg removed
    model.zero_grad()
    return masks


def synflow(model, density, iterations=100):
    probe = copy.deepcopy(model)
    with torch.no_grad():
        for p in probe.parameters():
            p.abs_()
    ones = torch.ones(1, 1, 28, 28)
    ws = weights(probe)
    masks = None
    for k in range(1, iterations + 1):
        probe.zero_grad()
        probe(ones).sum().backward()
        masks = keep_top([(w.grad * w).detach().abs() for w in ws], density ** (k / iterations))
        with torch.no_grad():
            for w, m in zip(ws, masks):
                w.mul_(m)
    return masks


def random_masks(model, density, seed):
    generator = torch.Generator().manual_seed(seed)
    return keep_top([torch.rand(w.shape, generator=generator) for w in weights(model)], density)


def layerwise_removals(kept, rates, needed):
    """ModelGen's LotteryTicketSearch.LayerWiseRemovals: round(rate * kept) per tensor, or the exact final round."""
    removals = [int(round(r * k)) for r, k in zip(rates, kept)]  # Python rounds half to even, as .NET's ToEven
    planned = sum(removals)
    weight = sum(r * k for r, k in zip(rates, kept))
    if 0 < planned < needed:
        return removals
    remainders = []
    assigned = 0
    for t in range(len(kept)):
        share = needed * (rates[t] * kept[t]) / weight if weight > 0 else 0.0
        removals[t] = min(kept[t], int(share // 1))
        remainders.append(share - removals[t])
        assigned += removals[t]
    while assigned < needed:
        best = -1
        for t in range(len(kept)):
            if removals[t] < kept[t] and (best < 0 or remainders[t] > remainders[best]):
                best = t
        removals[best] += 1
        remainders[best] -= 1.0
        assigned += 1
    return removals


def lottery_ticket(model, x, y, seed, sparsity, args, log):
    """Returns (trained ticket accuracy, mask, rounds)."""
    initial = copy.deepcopy(model.state_dict())
    ws = weights(model)
    kinds = ["conv" if isinstance(m, nn.Conv2d) else "dense" for m in weight_modules(model)]
    kinds[-1] = "output"
    rates = [LTH_RATES[k] for k in kinds]
    total = sum(w.numel() for w in ws)
    target_kept = int(round((1 - sparsity) * total))
    masks = [torch.ones_like(w) for w in ws]
    for round_index in range(1000):
        train(model, None if round_index == 0 else masks, x, y, seed, args.epochs, args.batch, args.lr)
        kept = [int(m.sum()) for m in masks]
        if sum(kept) == target_kept:
            return model, masks, round_index
        removals = layerwise_removals(kept, rates, sum(kept) - target_kept)
        new_masks = []
        for w, m, k, r in zip(ws, masks, kept, removals):
            score = w.detach().abs().reshape(-1).clone()
            score[m.reshape(-1) == 0] = -1.0  # pruned weights stay pruned
            keep = torch.zeros(score.numel())
            keep[torch.topk(score, k - r, sorted=False).indices] = 1.0
            new_masks.append(keep.view_as(w))
        masks = new_masks
        model.load_state_dict(initial)
        install(model, masks)
        log(f"  lth seed {seed}: round {round_index + 1}, kept {sum(int(m.sum()) for m in masks)}")
    raise RuntimeError("lth did not land on its target")


def speed(args):
    from torch_lenet300 import median_seconds  # one timing rule for both peers

    torch.manual_seed(0)
    model = lenet5()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    inputs = torch.rand(args.batch, 1, 28, 28)
    labels = torch.randint(0, 10, (args.batch,))

    def training_step():
        optimizer.zero_grad(set_to_none=False)
        F.cross_entropy(model(inputs), labels).backward()
        optimizer.step()

    # --clock cpu times by the process's CPU time (all threads), which a loaded machine distorts far less than the
    # wall clock when one thread runs; with several threads only the wall clock says what they achieved together.
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    train = median_seconds(training_step, args.rounds, round_seconds=0.2, warmup_seconds=1.0, clock=clock)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads: lenet5 batch {args.batch} training step "
          f"{train * 1e6:,.0f} us = {args.batch / train:,.0f} samples/s ({args.clock} clock)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--data", default=os.path.join(here, "..", "..", "..", "examples", "data", "mnist-10k"))
    parser.add_argument("--out", help="JSON-lines file; one line per finished run, appended (required unless --speed)")
    parser.add_argument("--speed", action="store_true", help="time the training step instead of training the cells")
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds of --speed")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall", help="what --speed times by")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--cells", nargs="+", default=[
        "dense:0", "random:0.9", "snip:0.9", "snip:0.98", "grasp:0.9", "synflow:0.98", "lth:0.9"])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=60)
    parser.add_argument("--lr", type=float, default=1.2e-3)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    if args.speed:
        return speed(args)
    if not args.out:
        raise SystemExit("--out is required (or --speed)")
    x, y = load_split(args.data, "train")
    test_x, test_y = load_split(args.data, "t10k")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    done = set()
    if os.path.exists(args.out):
        with open(args.out, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    record = json.loads(line)
                    done.add((record["method"], record["sparsity"], record["seed"]))

    def log(message):
        print(message, flush=True)

    def write(record):
        with open(args.out, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        log(f"{record['method']:10} {record['sparsity']:<5} seed {record['seed']}: {100 * record['test_accuracy']:.2f}%"
            f"  kept {record['kept']}/{record['weights']}  {record['seconds']:.0f} s")

    log(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {len(y)} training, {len(test_y)} test digits")
    for cell in args.cells:
        method, sparsity = cell.split(":")
        sparsity = float(sparsity)
        for seed in args.seeds:
            wanted = [(method, sparsity, seed)] + ([("lth-reinit", sparsity, seed)] if method == "lth" else [])
            if all(key in done for key in wanted):
                continue
            start = time.perf_counter()
            torch.manual_seed(seed)
            model = lenet5()
            density = 1 - sparsity
            masks, extra = None, {}
            if method == "dense":
                pass
            elif method == "random":
                masks = install(model, random_masks(model, density, seed))
            elif method == "snip":
                masks = install(model, snip(model, x, y, density))
            elif method == "grasp":
                masks = install(model, grasp(model, x, y, density))
            elif method == "synflow":
                masks = install(model, synflow(model, density))
            elif method == "lth":
                model, masks, rounds = lottery_ticket(model, x, y, seed, sparsity, args, log)
                extra = {"rounds": rounds}
            else:
                raise SystemExit(f"unknown method {method}")
            if method != "lth":
                train(model, masks, x, y, seed, args.epochs, args.batch, args.lr)
            kept = sum(int(m.sum()) for m in masks) if masks is not None else sum(w.numel() for w in weights(model))
            record = {"method": method, "sparsity": sparsity, "seed": seed, "test_accuracy": accuracy(model, test_x, test_y),
                      "kept": kept, "weights": sum(w.numel() for w in weights(model)),
                      "kept_per_layer": [int(m.sum()) for m in masks] if masks is not None else None,
                      "seconds": time.perf_counter() - start, "torch": torch.__version__, "threads": args.threads, **extra}
            write(record)
            if method == "lth":
                start = time.perf_counter()
                torch.manual_seed(seed + REINIT_SEED_OFFSET)
                fresh = lenet5()
                install(fresh, masks)
                train(fresh, masks, x, y, seed, args.epochs, args.batch, args.lr)
                write({**record, "method": "lth-reinit", "test_accuracy": accuracy(fresh, test_x, test_y),
                       "seconds": time.perf_counter() - start, "reinit_seed": seed + REINIT_SEED_OFFSET})


if __name__ == "__main__":
    main()
