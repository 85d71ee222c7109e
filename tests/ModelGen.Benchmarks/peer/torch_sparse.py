#!/usr/bin/env python3
"""PyTorch peer for `modelgen bench`: LeNet-300-100 with SNIP masks, masked dense training and torch.sparse inference.

For each sparsity (default 0, 50, 80, 90, 95, 98, 99%) the masks come from SNIP on the initial model (|w * sum_b
dL_b/dw| over the first 1,000 bundled training digits in batches of 100, global exact top-k over the three weight
matrices, as in torch_pruners.py). Then, at each thread count:

  training   what a PyTorch user gets for a pruned network: torch.nn.utils.prune.custom_from_mask on every Linear
             (weight = weight_orig * mask recomputed in each forward), one step = zero_grad, forward, mean
             cross-entropy, backward, Adam (lr 1.2e-3), at batch 60. Dense work at every sparsity.
  inference  torch.sparse: each masked weight matrix stored as CSR and as COO, activations kept feature-major
             ([features, batch], one transpose of the input), per layer h = relu(W_sparse @ h + b); timed under
             torch.inference_mode at batch 1, 60 and 256, next to the dense forward of the masked model. Inputs are
             the first digits of the bundled training set, so zero pixels are as frequent as in real use.

Medians of 41 rounds of about 5 ms (torch_lenet300.median_seconds), timed as `modelgen bench` times: one thread by
its own CPU time (time.thread_time), two by the wall clock. OMP_WAIT_POLICY defaults to PASSIVE here (set
before torch loads), because OpenMP's spinning threads collapse on a shared 2-core machine. Never run by the tests;
see docs/BENCHMARKS.md.

    /usr/bin/python3 tests/ModelGen.Benchmarks/peer/torch_sparse.py --threads 1 2 --json torch-sparse.json
"""

import argparse
import copy
import json
import os
import time
import warnings

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402  (after OMP_WAIT_POLICY on purpose)
from torch import nn  # noqa: E402
from torch.nn.utils import prune  # noqa: E402

from torch_lenet300 import median_seconds  # noqa: E402
from torch_pruners import lenet300, load_scoring_data, snip, weights  # noqa: E402

SPARSITIES = [0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99]


def snip_masks(initial, inputs, labels, sparsity):
    """SNIP masks of a copy of `initial` (all ones at sparsity 0)."""
    if sparsity == 0:
        return [torch.ones_like(w) for w in weights(initial)]
    return [mask.clone() for mask in snip(copy.deepcopy(initial), inputs, labels, 100, sparsity)]


def masked_training_step(initial, masks, inputs, labels):
    model = copy.deepcopy(initial)
    for module, mask in zip([m for m in model if isinstance(m, nn.Linear)], masks):
        prune.custom_from_mask(module, "weight", mask)
    optimizer = torch.optim.Adam(model.parameters(), lr=1.2e-3)
    loss_function = nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad(set_to_none=False)
        loss_function(model(inputs), labels).backward()
        optimizer.step()

    return step


def sparse_layers(initial, masks, layout):
    """(W as CSR or COO, bias as an [out, 1] column, ReLU after?) per Linear of the masked model."""
    linears = [m for m in initial if isinstance(m, nn.Linear)]
    layers = []
    for index, (module, mask) in enumerate(zip(linears, masks)):
        weight = (module.weight.detach() * mask).contiguous()
        sparse = weight.to_sparse_csr() if layout == "csr" else weight.to_sparse().coalesce()
        layers.append((sparse, module.bias.detach().reshape(-1, 1).clone(), index < len(linears) - 1))
    return layers


def sparse_inference(layers, inputs):
    def forward():
        with torch.inference_mode():
            h = inputs.t().contiguous()
            for weight, bias, relu in layers:
                h = torch.sparse.mm(weight, h).add_(bias)
                if relu:
                    h.relu_()
            return h.t()

    return forward


def dense_inference(initial, masks, inputs):
    model = copy.deepcopy(initial)
    with torch.no_grad():
        for weight, mask in zip(weights(model), masks):
            weight.mul_(mask)

    def forward():
        with torch.inference_mode():
            return model(inputs)

    return forward


def check_sparse_matches_dense(initial, masks, inputs):
    """The sparse forward must compute the masked model's logits (float rounding apart) before it is timed."""
    expected = dense_inference(initial, masks, inputs)()
    for layout in ("csr", "coo"):
        actual = sparse_inference(sparse_layers(initial, masks, layout), inputs)()
        if not torch.allclose(actual, expected, rtol=1e-4, atol=1e-5):
            raise SystemExit(f"{layout} forward differs from the dense masked forward by {(actual - expected).abs().max():.3g}")


def main():
    # torch 1.13 flags CSR as beta on every conversion; once is enough to know.
    warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta state")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sparsities", type=float, nargs="+", default=SPARSITIES)
    parser.add_argument("--train-batch", type=int, default=60)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 60, 256])
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--round-seconds", type=float, default=0.005)
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "data", "mnist-10k"))
    parser.add_argument("--json", help="also write the results to this file (rewritten after every row)")
    args = parser.parse_args()

    torch.manual_seed(0)
    initial = lenet300()
    scoring_inputs, scoring_labels = load_scoring_data(args.data, 1000)
    largest = max([args.train_batch, *args.batches])
    inputs, labels = scoring_inputs[:largest], scoring_labels[:largest]
    print(f"torch {torch.__version__}, OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}, threads {args.threads}", flush=True)

    results = []
    for sparsity in args.sparsities:
        masks = snip_masks(initial, scoring_inputs, scoring_labels, sparsity)
        kept = sum(int(m.sum()) for m in masks)
        total = sum(m.numel() for m in masks)
        check_sparse_matches_dense(initial, masks, inputs[:max(args.batches)])
        for threads in args.threads:
            torch.set_num_threads(threads)
            # As `modelgen bench`: one thread is timed by its own CPU time (immune to preemption on a loaded
            # machine; with one OpenMP thread the work runs on the calling thread), more threads by the wall clock.
            clock = time.thread_time if threads == 1 else time.perf_counter
            train = median_seconds(masked_training_step(initial, masks, inputs[:args.train_batch], labels[:args.train_batch]), args.rounds, round_seconds=args.round_seconds, clock=clock)
            row = {
                "sparsity": sparsity,
                "density": kept / total,
                "layer_density": [float(m.mean()) for m in masks],
                "threads": threads,
                "train_batch": args.train_batch,
                "masked_train_us": train * 1e6,
                "masked_train_samples_per_second": args.train_batch / train,
                "inference": [],
            }
            line = f"sparsity {sparsity:5.3f} threads {threads}: masked train b{args.train_batch} {args.train_batch / train:9,.0f}/s"
            for batch in args.batches:
                x = inputs[:batch]
                cell = {"batch": batch}
                for name, forward in (
                    ("dense", dense_inference(initial, masks, x)),
                    ("csr", sparse_inference(sparse_layers(initial, masks, "csr"), x)),
                    ("coo", sparse_inference(sparse_layers(initial, masks, "coo"), x)),
                ):
                    seconds = median_seconds(forward, args.rounds, round_seconds=args.round_seconds, clock=clock)
                    cell[f"{name}_us"] = seconds * 1e6
                    cell[f"{name}_samples_per_second"] = batch / seconds
                row["inference"].append(cell)
                line += (f" | b{batch} dense {cell['dense_samples_per_second']:10,.0f} csr {cell['csr_samples_per_second']:10,.0f}"
                         f" coo {cell['coo_samples_per_second']:10,.0f}/s")
            results.append(row)
            print(line, flush=True)
            if args.json:
                with open(args.json + ".tmp", "w", encoding="utf-8") as handle:
                    json.dump({"torch": torch.__version__, "omp_wait_policy": os.environ["OMP_WAIT_POLICY"], "clock_1_thread": "thread CPU time", "results": results}, handle, indent=2)
                os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main()
