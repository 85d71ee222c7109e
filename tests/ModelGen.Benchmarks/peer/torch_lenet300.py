#!/usr/bin/env python3
"""PyTorch peer for tests/ModelGen.Benchmarks: the same LeNet-300-100 training step and inference.

Times, per model and batch size, one training step (zero_grad, forward, mean cross-entropy, backward, Adam
step with lr 1.2e-3) and inference (forward under torch.inference_mode), and prints the median of several
timed rounds as samples per second. Factorized variants mirror ModelGen's `[Dense(out, Rank = r)]`:
W = U·Vt as Linear(in→r, no bias) followed by Linear(r→out). Never run by the tests; see docs/BENCHMARKS.md.

    python3 tests/ModelGen.Benchmarks/peer/torch_lenet300.py --threads 2
"""

import argparse
import json
import statistics
import time

import torch
from torch import nn


def lenet300(rank=None):
    def dense(inputs, outputs):
        if rank is None:
            return [nn.Linear(inputs, outputs)]
        return [nn.Linear(inputs, rank, bias=False), nn.Linear(rank, outputs)]

    return nn.Sequential(*dense(784, 300), nn.ReLU(), *dense(300, 100), nn.ReLU(), nn.Linear(100, 10))


def median_seconds(step, rounds, round_seconds=0.02, warmup_seconds=0.2, clock=time.perf_counter):
    """Median over `rounds` of the mean time per call within rounds of about `round_seconds` each, on `clock`."""
    calls, start, clock_start = 0, time.perf_counter(), clock()
    while time.perf_counter() - start < warmup_seconds:
        step()
        calls += 1
    operations_per_round = max(1, int(calls * round_seconds / max(clock() - clock_start, 1e-9)))
    timings = []
    for _ in range(rounds):
        start = clock()
        for _ in range(operations_per_round):
            step()
        timings.append((clock() - start) / operations_per_round)
    return statistics.median(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 60, 256])
    parser.add_argument("--ranks", type=int, nargs="*", default=[8, 16, 32, 64])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)

    results = []
    for rank in [None, *args.ranks]:
        name = "lenet300" if rank is None else f"lenet300-r{rank}"
        for batch in args.batches:
            model = lenet300(rank)
            optimizer = torch.optim.Adam(model.parameters(), lr=1.2e-3)
            loss_function = nn.CrossEntropyLoss()
            inputs = torch.rand(batch, 784)
            labels = torch.randint(0, 10, (batch,))

            def training_step():
                optimizer.zero_grad(set_to_none=False)
                loss = loss_function(model(inputs), labels)
                loss.backward()
                optimizer.step()

            def inference():
                with torch.inference_mode():
                    model(inputs)

            train = median_seconds(training_step, args.rounds)
            infer = median_seconds(inference, args.rounds)
            row = {
                "model": name,
                "batch": batch,
                "train_us": train * 1e6,
                "train_samples_per_second": batch / train,
                "inference_us": infer * 1e6,
                "inference_samples_per_second": batch / infer,
            }
            results.append(row)
            print(f"{name:14} batch {batch:4}: train {row['train_us']:9.1f} us  {row['train_samples_per_second']:10,.0f} samples/s"
                  f"   inference {row['inference_us']:9.1f} us  {row['inference_samples_per_second']:10,.0f} samples/s", flush=True)

    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"torch": torch.__version__, "threads": args.threads, "results": results}, handle, indent=2)


if __name__ == "__main__":
    main()
