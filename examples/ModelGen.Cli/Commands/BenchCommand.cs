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
        var ticket = new Option<string?>("--ticket") { Description = "Time the class baked from this ticket against the source model under the ticket's masks (runtime sparse path) and dense, at --batch-sizes (docs/BENCHMARKS.md, \"Baked tickets\")." };
        var batchSizes = OptionExtensions.ListOption("--batch-sizes", "With --ticket: batch sizes to time training steps and inference at.", string.Join(",", TicketBenchRunner.DefaultBatchSizes));
        var command = new Command("bench", "Time the training step and inference of a pruned network against the same dense network (medians, same run).");
        foreach (var option in new Option[] { model, method, sparsity, batchSize, threads, seed, data, json, ticket, batchSizes })
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
            if (result.GetValue(ticket) is { } ticketPath)
            {
                return RunTicket(ticketPath, settings, result, [model, method, sparsity, batchSize, seed], ParseBatchSizes(result.GetValue(batchSizes)), result.GetValue(json), cancellationToken);
            }

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

    // bench --ticket: the ticket names the model and the seed; the three networks are fixed by it.
    private static int RunTicket(string path, TrainSettings settings, ParseResult result, Option[] fixedByTicket, int[] batchSizes, string? jsonPath, CancellationToken cancellationToken)
    {
        var given = fixedByTicket.Where(o => DeclaredPlan.Given(result, o)).Select(o => o.Name).ToArray();
        if (given.Length > 0)
        {
            throw new UsageException($"--ticket fixes the model, its masks and its seed (and times --batch-sizes); leave out {string.Join(", ", given)}.");
        }

        var ticket = new TicketInput(path, Tickets.LotteryTickets.Load(path));
        settings = settings with { Model = ticket.Document.Model, Seed = ticket.Document.Seed };
        var (_, data) = RunComponents.Start(settings, jsonPath);
        var timer = InterleavedTimer.For(settings.Threads);
        AnsiConsole.MarkupLineInterpolated($"ticket [bold]{path}[/] ({ticket.Document.Model}, sparsity {ticket.Document.Sparsity:0.####}): baked against sparse and dense at batch {string.Join(", ", batchSizes)}, {settings.Threads} thread(s); medians of {timer.Rounds} rounds ({timer.ClockName})");
        var record = ConsoleObserver.Run(observer => TicketBenchRunner.Run(ticket, settings, batchSizes, data, observer, timer, cancellationToken), clearWhenDone: false);
        var table = new Table()
            .AddColumn(Invariant($"{record.BakedModel} ({record.BakedParameters:N0} parameters) vs {record.SourceModel}"))
            .AddColumn(new TableColumn("batch").RightAligned())
            .AddColumn(new TableColumn("baked").RightAligned())
            .AddColumn(new TableColumn("sparse (ticket masks)").RightAligned())
            .AddColumn(new TableColumn("dense").RightAligned())
            .AddColumn(new TableColumn("baked / sparse").RightAligned());
        foreach (var row in record.Batches)
        {
            table.AddRow("training step", Invariant($"{row.BatchSize}"), Throughput(row.BakedTrainSamplesPerSecond, row.BatchSize), Throughput(row.SparseTrainSamplesPerSecond, row.BatchSize), Throughput(row.DenseTrainSamplesPerSecond, row.BatchSize), Invariant($"{row.TrainSpeedupOverSparse:0.00}×"));
            table.AddRow("inference", Invariant($"{row.BatchSize}"), Throughput(row.BakedInferenceSamplesPerSecond, row.BatchSize), Throughput(row.SparseInferenceSamplesPerSecond, row.BatchSize), Throughput(row.DenseInferenceSamplesPerSecond, row.BatchSize), Invariant($"{row.InferenceSpeedupOverSparse:0.00}×"));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"max |baked − sparse| logit: {record.MaxLogitDifference:G3}; sparse layers: {string.Join(", ", record.SparseLayers.Select(l => $"{l.Name} {l.Kernel} {l.Density:0.0000}"))}; load {record.LoadAverage?.ToString("0.00", CultureInfo.InvariantCulture) ?? "unknown"}");
        if (jsonPath is not null)
        {
            AtomicFile.WriteAllText(jsonPath, JsonSerializer.Serialize(record, RunJson.Options));
            AnsiConsole.MarkupLineInterpolated($"JSON written to [bold]{Path.GetFullPath(jsonPath)}[/]");
        }

        return CliApplication.Success;
    }

    private static int[] ParseBatchSizes(string[]? values)
    {
        var sizes = new List<int>();
        foreach (var text in OptionExtensions.SplitList(values))
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size <= 0)
            {
                throw new UsageException($"--batch-sizes: '{text}' is not a positive integer.");
            }

            sizes.Add(size);
        }

        return sizes.Count > 0 ? [.. sizes] : [.. TicketBenchRunner.DefaultBatchSizes];
    }

    private static void Print(BenchRecord record, TrainSettings settings)
    {
        var table = new Table()
            .AddColumn(Invariant($"batch {record.BatchSize}, {record.Threads} thread(s)"))
            .AddColumn(new TableColumn(Markup.Escape(Describe(settings, record.Model))).RightAligned())
            .AddColumn(new TableColumn(Markup.Escape(DenseName(record.Model))).RightAligned())
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

    private static string Describe(TrainSettings settings, string? model = null) =>
        settings.PruningMethod.Prunes ? Invariant($"{settings.Method} {settings.Sparsity}")
        : model is not null && RunComponents.IsBaked(RunComponents.FindModel(model)) ? $"{model} (baked)" : settings.Method;

    // A baked model is compared with its source model, dense.
    private static string DenseName(string model)
    {
        var counterpart = RunComponents.DenseCounterpart(RunComponents.FindModel(model));
        return counterpart.Name == model ? "dense" : $"{counterpart.Name} dense";
    }

    /// <summary>"123,456 samples/s (486.0 µs)": throughput and the median time of one call.</summary>
    private static string Throughput(double samplesPerSecond, int batchSize) =>
        Invariant($"{samplesPerSecond:N0} samples/s ({1e6 * batchSize / samplesPerSecond:0.0} µs)");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
