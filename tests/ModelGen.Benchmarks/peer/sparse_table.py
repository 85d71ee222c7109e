#!/usr/bin/env python3
"""Issue #7's sparsity table: `modelgen bench` and torch_sparse.py side by side, sparsity by sparsity.

For each sparsity (0 = dense, else SNIP, as `bench --method snip`), and each thread count, runs the CLI's `bench` at
batch 60 (training step and inference), 1 and 256 (inference), then torch_sparse.py for the same sparsity at the same
thread counts, so that ours and PyTorch's numbers of a row come from the same few seconds. Every result is kept in
OUT/results.json (rewritten after each measurement, so an interrupted run keeps what it has) with the `uptime` load
at its start; at the end it prints the Markdown tables of docs/BENCHMARKS.md. Never run by the tests.

    dotnet build examples/ModelGen.Cli -c Release
    /usr/bin/python3 tests/ModelGen.Benchmarks/peer/sparse_table.py --cli examples/ModelGen.Cli/bin/Release/net10.0/ModelGen.Cli --out sparse-table
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SPARSITIES = [0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99]


def load():
    return os.getloadavg()[0]


def save(path, results):
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=1)
    os.replace(path + ".tmp", path)


def ours(cli, sparsity, batch, threads, folder, data):
    path = os.path.join(folder, f"bench-s{sparsity}-b{batch}-t{threads}.json")
    method = ["--method", "dense"] if sparsity == 0 else ["--method", "snip", "--sparsity", str(sparsity)]
    command = [cli, "bench", *method, "--batch-size", str(batch), "--threads", str(threads), "--json", path]
    if data:
        command += ["--data", data]
    started, at = load(), time.strftime("%H:%M:%S", time.gmtime())
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    with open(path, encoding="utf-8") as handle:
        record = json.load(handle)
    record.update({"load": started, "utc": at})
    return record


def torch_row(sparsity, threads, folder, rounds):
    path = os.path.join(folder, f"torch-s{sparsity}.json")
    started, at = load(), time.strftime("%H:%M:%S", time.gmtime())
    subprocess.run(
        ["/usr/bin/python3", os.path.join(HERE, "torch_sparse.py"), "--threads", *map(str, threads), "--sparsities", str(sparsity),
         "--rounds", str(rounds), "--json", path],
        check=True, stdout=subprocess.DEVNULL)
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    for row in document["results"]:
        row.update({"load": started, "utc": at, "torch": document["torch"]})
    return document["results"]


def table(results, threads):
    def ours_at(s, b, t):
        return next((r for r in results["ours"] if r["sparsity"] == s and r["batch_size"] == b and r["threads"] == t), None)

    def torch_at(s, t):
        return next((r for r in results["torch"] if r["sparsity"] == s and r["threads"] == t), None)

    def pair(values, digits=0):
        return " / ".join("–" if v is None else f"{v:,.{digits}f}" for v in values)

    lines = ["Training step, batch 60 (samples/s, " + " / ".join(f"{t} thr" for t in threads) + ")", "",
             "| Sparsity | ModelGen (kernels) | ModelGen dense | speedup | PyTorch masked dense | ModelGen / PyTorch |",
             "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for s in sorted({r["sparsity"] for r in results["ours"]}):
        rows = [ours_at(s, 60, t) for t in threads]
        torch = [torch_at(s, t) for t in threads]
        kernels = "/".join("".join(layer["kernel"][0] for layer in r["layers"]) if r else "–" for r in rows)
        lines.append(
            f"| {100 * s:g}% | {pair([r and r['train_samples_per_second'] for r in rows])} ({kernels}) "
            f"| {pair([r and r['dense_train_samples_per_second'] for r in rows])} "
            f"| {pair([r and r['train_speedup'] for r in rows], 2)} "
            f"| {pair([t and t['masked_train_samples_per_second'] for t in torch])} "
            f"| {pair([r and t and r['train_samples_per_second'] / t['masked_train_samples_per_second'] for r, t in zip(rows, torch)], 1)} |")
    for batch in (1, 60, 256):
        lines += ["", f"Inference, batch {batch} (samples/s, " + " / ".join(f"{t} thr" for t in threads) + ")", "",
                  "| Sparsity | ModelGen (kernels) | µs per call | ModelGen dense | speedup | torch.sparse CSR | torch.sparse COO | PyTorch dense | ModelGen / best torch.sparse |",
                  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for s in sorted({r["sparsity"] for r in results["ours"]}):
            rows = [ours_at(s, batch, t) for t in threads]
            cells = [next((c for c in t["inference"] if c["batch"] == batch), None) if t else None for t in (torch_at(s, t) for t in threads)]
            kernels = "/".join("".join(layer["kernel"][0] for layer in r["layers"]) if r else "–" for r in rows)
            best = [c and max(c["csr_samples_per_second"], c["coo_samples_per_second"]) for c in cells]
            lines.append(
                f"| {100 * s:g}% | {pair([r and r['inference_samples_per_second'] for r in rows])} ({kernels}) "
                f"| {pair([r and 1e6 * batch / r['inference_samples_per_second'] for r in rows], 1)} "
                f"| {pair([r and r['dense_inference_samples_per_second'] for r in rows])} "
                f"| {pair([r and r['inference_speedup'] for r in rows], 2)} "
                f"| {pair([c and c['csr_samples_per_second'] for c in cells])} "
                f"| {pair([c and c['coo_samples_per_second'] for c in cells])} "
                f"| {pair([c and c['dense_samples_per_second'] for c in cells])} "
                f"| {pair([r and b and r['inference_samples_per_second'] / b for r, b in zip(rows, best)], 1)} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True, help="the built ModelGen.Cli executable")
    parser.add_argument("--out", required=True)
    parser.add_argument("--data", help="MNIST folder (default: the CLI's bundled data)")
    parser.add_argument("--sparsities", type=float, nargs="+", default=SPARSITIES)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batches", type=int, nargs="+", default=[60, 1, 256])
    parser.add_argument("--torch-rounds", type=int, default=41)
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--table-only", action="store_true", help="print the tables of an existing OUT/results.json")
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "results.json")
    if args.table_only:
        with open(path, encoding="utf-8") as handle:
            print(table(json.load(handle), args.threads))
        return

    results = {"ours": [], "torch": []}
    for sparsity in args.sparsities:
        for threads in args.threads:
            for batch in args.batches:
                results["ours"].append(ours(args.cli, sparsity, batch, threads, args.out, args.data))
                save(path, results)
                r = results["ours"][-1]
                print(f"ours  s={sparsity} b={batch} t={threads}: train {r['train_samples_per_second']:,.0f} ({r['train_speedup']:.2f}x)  "
                      f"inference {r['inference_samples_per_second']:,.0f} ({r['inference_speedup']:.2f}x)  load {r['load']:.1f}", flush=True)
        if not args.no_torch:
            results["torch"].extend(torch_row(sparsity, args.threads, args.out, args.torch_rounds))
            save(path, results)
            print(f"torch s={sparsity}: done, load {load():.1f}", flush=True)
    print(table(results, args.threads))


if __name__ == "__main__":
    sys.exit(main())
