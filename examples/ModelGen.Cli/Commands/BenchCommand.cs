using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ModelGen.Cli.Output;
using ModelGen.IO;
using ModelGen.Pruning;
using Spectre.Console;

namespace ModelGen.Cli.Commands;

/// <summary>
/// <c>bench</c>: what a user wants to know before deploying a pruned network. Prunes a fresh network as <c>train</c>
/// would, then times its training step and inference against the same dense network in the same run (issue #7).
/// </summary>
public static class BenchCommand
{
    /// <summary>Builds the command with its options.</summary>
    public static Command Create()
    {
        var defaults = new TrainSettings();
        var model = new Option<string>("--model") { Description = "Model to bench (see `models`).", DefaultValueFactory = _ => defaults.Model };
        var method = TrainingFlags.Choice("--method", "Pruning method (applied to a fresh network as `train` applies it).", defaults.Method, [.. PruningMethods.Names]);
        var sparsity = new Option<double>("--sparsity") { Description = "Fraction of prunable weights to remove (pruning methods).", DefaultValueFactory = _ => 0 };
        var batchSize = new Option<int>("--batch-size") { Description = "Samples per training step and per inference call.", DefaultValueFactory = _ => defaults.BatchSize };
        var threads = new Option<int>("--threads") { Description = "Threads a large matrix product may use (1-8).", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Seed of initialization and scoring.", DefaultValueFactory = _ => defaults.Seed };
        var data = new Option<string?>("--data") { Description = "MNIST folder the batches (and scoring data) come from. Default: the bundled examples/data/mnist-10k, as for `train`." };
        var json = new Option<string?>("--json") { Description = "Write the measurements as one JSON object to this file." };
        var command = new Command("bench", "Time the training step and inference of a pruned network against the same dense network (medians, same run).");
        foreach (var option in new Option[] { model, method, sparsity, batchSize, threads, seed, data, json })
        {
            command.Options.Add(option);
        }

        command.SetAction((result, cancellationToken) => CliApplication.Guarded(() =>
        {
            var settings = defaults with
            {
                Model = result.GetValue(model)!,
                Method = result.GetValue(method)!,
                Sparsity = result.GetValue(sparsity),
                BatchSize = result.GetValue(batchSize),
                Threads = result.GetValue(threads),
                Seed = result.GetValue(seed),
                DataFolder = result.GetValue(data),
            };
            return Run(settings, result.GetValue(json), cancellationToken);
        }));
        return command;
    }

    private static int Run(TrainSettings settings, string? jsonPath, CancellationToken cancellationToken)
    {
        var (model, data) = RunComponents.Start(settings, jsonPath);
        var timer = InterleavedTimer.For(settings.Threads);
        AnsiConsole.MarkupLineInterpolated($"[bold]{model.Name}[/] {Describe(settings)} against dense: batch {settings.BatchSize}, {settings.Threads} thread(s), seed {settings.Seed}; data {data.Record.Folder}; medians of {timer.Rounds} rounds ({timer.ClockName})");
        var record = ConsoleObserver.Run(observer => BenchRunner.Run(settings, data, observer, timer, cancellationToken), clearWhenDone: false);
        Print(record, settings);
        if (jsonPath is not null)
        {
            AtomicFile.WriteAllText(jsonPath, JsonSerializer.Serialize(record, RunJson.Options));
            AnsiConsole.MarkupLineInterpolated($"JSON written to [bold]{Path.GetFullPath(jsonPath)}[/]");
        }

        return CliApplication.Success;
    }

    private static void Print(BenchRecord record, TrainSettings settings)
    {
        var table = new Table()
            .AddColumn(Invariant($"batch {record.BatchSize}, {record.Threads} thread(s)"))
            .AddColumn(new TableColumn(Markup.Escape(Describe(settings))).RightAligned())
            .AddColumn(new TableColumn("dense").RightAligned())
            .AddColumn(new TableColumn("speedup").RightAligned());
        table.AddRow("training step", Throughput(record.TrainSamplesPerSecond, record.BatchSize), Throughput(record.DenseTrainSamplesPerSecond, record.BatchSize), Invariant($"{record.TrainSpeedup:0.00}×"));
        table.AddRow("inference", Throughput(record.InferenceSamplesPerSecond, record.BatchSize), Throughput(record.DenseInferenceSamplesPerSecond, record.BatchSize), Invariant($"{record.InferenceSpeedup:0.00}×"));
        AnsiConsole.Write(table);

        var layers = new Table().AddColumns("layer", "kernel").AddColumn(new TableColumn("density").RightAligned());
        foreach (var layer in record.Layers)
        {
            layers.AddRow(Markup.Escape(layer.Name), layer.Kernel, Invariant($"{layer.Density:0.0000}"));
        }

        AnsiConsole.Write(layers);
    }

    private static string Describe(TrainSettings settings) =>
        settings.PruningMethod.Prunes ? Invariant($"{settings.Method} {settings.Sparsity}") : settings.Method;

    /// <summary>"123,456 samples/s (486.0 µs)": throughput and the median time of one call.</summary>
    private static string Throughput(double samplesPerSecond, int batchSize) =>
        Invariant($"{samplesPerSecond:N0} samples/s ({1e6 * batchSize / samplesPerSecond:0.0} µs)");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
