using ModelGen.Model;
using ModelGen.Pruning;
using System.Globalization;
using ModelGen.Cli.Output;
using Spectre.Console;

namespace ModelGen.Cli.Sweep;

/// <summary>What a <c>sweep</c> was asked to run.</summary>
/// <param name="Models">Model names (already checked).</param>
/// <param name="Methods">Method names (already checked).</param>
/// <param name="Sparsities">Target sparsities.</param>
/// <param name="Seeds">Seeds.</param>
/// <param name="OutFolder">Output folder.</param>
/// <param name="Settings">The shared training flags.</param>
/// <param name="Shard">The share of the sweep to run (<c>--shard i/n</c>); null runs all of it.</param>
public sealed record SweepRequest(string[] Models, string[] Methods, double[] Sparsities, int[] Seeds, string OutFolder, TrainSettings Settings, SweepShard? Shard = null);

/// <summary>
/// Runs a sweep: every cell not yet in <c>results.json</c>, one lottery-ticket trajectory per model and seed for lth
/// and lth-reinit, a refused cell recorded and passed over; results.json, results.md and the plots are rewritten
/// after every cell so an interrupted sweep leaves usable output and resumes where it stopped.
/// </summary>
public static class SweepRunner
{
    /// <summary>Runs <paramref name="request"/>.</summary>
    /// <returns>The exit code.</returns>
    public static int Run(SweepRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        CliApplication.ThrowIfInvalid(request.Settings.Validate(requireSparsity: false));
        CliApplication.ThrowIfInvalid(request.Models.Select(m => RunComponents.TorchRngRefusal(RunComponents.FindModel(m), request.Settings)).OfType<string>().ToList());

        // Speed only: results are bit-for-bit the same for any thread count, so it is not a setting a resumed sweep must match.
        global::ModelGen.Kernels.Gemm.MaxDegreeOfParallelism = request.Settings.Threads;
        var results = SweepResults.Open(request.OutFolder);
        var mismatches = results.DescribeMismatches(request.Settings);
        if (mismatches.Count > 0)
        {
            throw new UsageException($"{results.Path} holds runs made with other settings; rerun with the same flags or choose another --out:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", mismatches)}");
        }

        var plan = SweepPlan.Expand(request.Models, request.Methods, request.Sparsities, request.Seeds, SweepPlan.PrunesEveryWeightLayer);
        var units = SweepUnit.Group(plan);
        if (request.Shard is { } shard)
        {
            var allUnits = units.Count;
            units = shard.Select(units);
            ClaimShardFolder(request, shard, results, units.SelectMany(u => u.Cells).ToArray());
            AnsiConsole.MarkupLineInterpolated($"Shard {shard.ToString()}: {units.Count} of the sweep's {allUnits} units ({units.Sum(u => u.Cells.Count)} of {plan.Count} cells; a lottery-ticket trajectory is one unit).");
        }
        else if (ShardManifest.TryRead(request.OutFolder) is { } manifest)
        {
            throw new UsageException($"{ShardManifest.PathIn(request.OutFolder)}: this folder holds shard {manifest.Shard} of a sharded sweep; rerun it with --shard {manifest.Shard}, or combine the shards with merge.");
        }

        var cells = units.SelectMany(u => u.Cells).ToList();
        var skipped = request.Models.Where(m => !SweepPlan.PrunesEveryWeightLayer(m)).ToList();
        if (skipped.Count > 0 && request.Methods.Any(m => m != PruningMethods.Dense.Name))
        {
            // Two reasons a model has weight layers no pruner may touch: factorized layers, or a ticket baked into the class.
            var baked = skipped.Where(m => RunComponents.FindModel(m).Create(0) is IBakedNetwork).ToList();
            var reasons = new[]
            {
                (Models: skipped.Except(baked).ToList(), Reason: "factorized layers are not prunable"),
                (Models: baked, Reason: "baked from a ticket, already pruned"),
            }.Where(group => group.Models.Count > 0).Select(group => $"{string.Join(", ", group.Models)} ({group.Reason})");
            AnsiConsole.MarkupLineInterpolated($"Pruning methods skip {string.Join(" and ", reasons)}: they are trained dense only.");
        }

        var todo = cells.Where(c => !results.IsFinished(c)).ToList();
        AnsiConsole.MarkupLineInterpolated($"Sweep: {cells.Count} cells, {cells.Count - todo.Count} already in {results.Path}, {todo.Count} to run.");
        if (todo.Count == 0)
        {
            SweepReports.Write(results.Records, request.OutFolder);
            return CliApplication.Success;
        }

        var data = RunData.Load(request.Settings.DataFolder);
        var done = 0;
        void Record(RunRecord record)
        {
            results.Add(record);
            Report(record);
        }

        void Report(RunRecord record)
        {
            SweepReports.Write(results.Records, request.OutFolder);
            if (todo.Remove(SweepCell.Of(record)))
            {
                done++;
            }

            var outcome = record.Refused is not null
                ? $"[red]refused[/] ({Markup.Escape(record.Refused)})"
                : Invariant($"test {100 * record.TestAccuracy:0.00}%, sparsity {record.Sparsity:0.0000}, {record.TrainSamplesPerSecond:N0} samples/s");
            AnsiConsole.MarkupLine(Invariant($"[[{done}/{done + todo.Count}]] {Markup.Escape(record.Model)} {Markup.Escape(record.Method)} sparsity {record.TargetSparsity} seed {record.Seed}: {outcome}"));
        }

        foreach (var unit in units)
        {
            var pending = unit.Cells.Where(todo.Contains).ToArray();
            if (pending.Length == 0)
            {
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var cell = pending[0];
            var settings = request.Settings with { Model = cell.Model, Method = cell.Method, Sparsity = cell.TargetSparsity, Seed = cell.Seed };
            AnsiConsole.MarkupLineInterpolated($"[grey]{cell.Model} {cell.Method} sparsity {cell.TargetSparsity.ToString(CultureInfo.InvariantCulture)} seed {cell.Seed}[/]");
            if (!unit.IsTrajectory)
            {
                Record(ConsoleObserver.Run(observer => TrainRunner.RunOneShot(settings, data, observer, cancellationToken), clearWhenDone: true));
                continue;
            }

            // One trajectory per model and seed serves every pending lth and lth-reinit cell of both methods.
            var trajectory = pending;
            var targets = trajectory.Select(c => c.TargetSparsity).Distinct().Order().ToArray();
            var landed = new List<RunRecord>();
            ConsoleObserver.Run(
                observer =>
                {
                    TrainRunner.RunLotteryTicket(
                        settings,
                        targets,
                        ticket: trajectory.Any(c => c.Method == PruningMethods.Lth.Name),
                        reinit: trajectory.Any(c => c.Method == PruningMethods.LthReinit.Name),
                        data,
                        observer,
                        (record, _) =>
                        {
                            // A landing of a method or target that was already recorded (the trajectory passes it on
                            // its way to a later target) is not recorded again.
                            if (trajectory.Contains(SweepCell.Of(record)))
                            {
                                results.Add(record);
                                landed.Add(record);
                            }
                        },
                        cancellationToken);
                    return 0;
                },
                clearWhenDone: true);
            foreach (var record in landed)
            {
                Report(record);
            }

            foreach (var missing in trajectory.Where(c => todo.Contains(c)))
            {
                throw new InvalidOperationException($"The lottery-ticket trajectory of {missing.Model} seed {missing.Seed} ended without a result for {missing.Method} at {missing.TargetSparsity}.");
            }
        }

        AnsiConsole.MarkupLineInterpolated($"Results: [bold]{results.Path}[/], {Path.Combine(Path.GetFullPath(request.OutFolder), "results.md")}, accuracy.png, accuracy.svg, accuracy-train-time.*{(request.Settings.InferenceTimingBatch > 0 ? ", accuracy-inference-time.*" : "")}");
        return CliApplication.Success;
    }

    /// <summary>
    /// Makes <paramref name="request"/>'s output folder the folder of <paramref name="shard"/>: a folder that already
    /// holds another shard, another sweep's shard or an unsharded sweep is refused (its runs are not this shard's);
    /// otherwise the manifest is (re)written.
    /// </summary>
    private static void ClaimShardFolder(SweepRequest request, SweepShard shard, SweepResults results, IReadOnlyList<SweepCell> cells)
    {
        var manifest = ShardManifest.For(request, shard, cells);
        var existing = ShardManifest.TryRead(request.OutFolder);
        if (existing is null && results.Records.Count > 0)
        {
            throw new UsageException($"{results.Path} holds the runs of an unsharded sweep; give shard {shard} its own --out.");
        }

        if (existing is not null && !(existing.IsSameSweepAs(manifest) && existing.ParsedShard == shard))
        {
            throw new UsageException($"{ShardManifest.PathIn(request.OutFolder)} holds shard {existing.Shard} of the sweep {existing.DescribeSweep()}; give shard {shard} of this sweep its own --out.");
        }

        manifest.Write(request.OutFolder);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
