using System.CommandLine;
using System.Globalization;
using ModelGen.Cli.Output;
using ModelGen.Pruning;
using Spectre.Console;

namespace ModelGen.Cli.Commands;

/// <summary><c>train</c>: trains one model (optionally pruned) and reports test accuracy.</summary>
public static class TrainCommand
{
    /// <summary>Builds the command with its options.</summary>
    public static Command Create()
    {
        var shared = new TrainingFlags();
        var defaults = new TrainSettings();
        var model = new Option<string>("--model") { Description = "Model to train (see `models`).", DefaultValueFactory = _ => defaults.Model };
        var method = TrainingFlags.Choice("--method", "Pruning method.", defaults.Method, [.. PruningMethods.Names]);
        var sparsity = new Option<double>("--sparsity") { Description = "Fraction of prunable weights to remove (pruning methods).", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Seed of initialization, data order and scoring.", DefaultValueFactory = _ => defaults.Seed };
        var json = new Option<string?>("--json") { Description = "Write the run's results as one JSON object to this file." };
        var command = new Command("train", "Train one model (optionally pruned) and report test accuracy.");
        command.Options.Add(model);
        command.Options.Add(method);
        command.Options.Add(sparsity);
        command.Options.Add(seed);
        command.Options.Add(json);
        shared.AddTo(command);
        command.SetAction((result, cancellationToken) => CliApplication.Guarded(() =>
        {
            var settings = shared.Bind(result, defaults) with
            {
                Model = result.GetValue(model)!,
                Method = result.GetValue(method)!,
                Sparsity = result.GetValue(sparsity),
                Seed = result.GetValue(seed),
            };
            settings = DeclaredPlan.Apply(settings, result, method, sparsity, shared);
            return Run(settings, result.GetValue(json), cancellationToken);
        }));
        return command;
    }

    private static int Run(TrainSettings settings, string? jsonPath, CancellationToken cancellationToken)
    {
        CliApplication.ThrowIfInvalid(settings.Validate());
        global::ModelGen.Kernels.Gemm.MaxDegreeOfParallelism = settings.Threads;
        var model = RunComponents.FindModel(settings.Model);
        OutputPath.RequireWritableFile(jsonPath, "--json");

        var data = RunData.Load(settings.DataFolder);
        AnsiConsole.MarkupLineInterpolated($"[bold]{model.Name}[/] {settings.Method}{(settings.PruningMethod.Prunes ? Invariant($" to sparsity {settings.Sparsity}") : "")}: {settings.Epochs} epochs, batch {settings.BatchSize}, {settings.Optimizer} lr {settings.LearningRate.ToString(CultureInfo.InvariantCulture)}, seed {settings.Seed}; data {data.Record.Folder} ({data.Train.Count} train, {data.Test.Count} test)");

        var record = ConsoleObserver.Run(observer => RunSingle(settings, data, observer, cancellationToken), clearWhenDone: false);
        PrintSummary(record);
        if (jsonPath is not null)
        {
            AtomicFile.WriteAllText(jsonPath, RunJson.Serialize(record));
            AnsiConsole.MarkupLineInterpolated($"JSON written to [bold]{Path.GetFullPath(jsonPath)}[/]");
        }

        return record.Refused is null ? CliApplication.Success : CliApplication.Failure;
    }

    /// <summary>Runs one train cell (any method) and returns its record.</summary>
    public static RunRecord RunSingle(TrainSettings settings, RunData data, IRunObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.PruningMethod.Kind != PruningMethodKind.LotteryTicket)
        {
            return TrainRunner.RunOneShot(settings, data, observer, cancellationToken);
        }

        RunRecord? landed = null;
        TrainRunner.RunLotteryTicket(
            settings,
            [settings.Sparsity],
            ticket: settings.PruningMethod == PruningMethods.Lth,
            reinit: settings.PruningMethod == PruningMethods.LthReinit,
            data,
            observer,
            record => landed = record,
            cancellationToken);
        return landed ?? throw new InvalidOperationException($"The lottery-ticket search ended without reaching sparsity {settings.Sparsity}.");
    }

    private static void PrintSummary(RunRecord record)
    {
        if (record.Refused is not null)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Refused:[/] {record.Refused}");
            return;
        }

        var table = new Table().HideHeaders().AddColumns("", "");
        table.AddRow("test accuracy", Invariant($"{100 * record.TestAccuracy:0.00}%"));
        table.AddRow("test loss", Invariant($"{record.TestLoss:0.0000}"));
        table.AddRow("final train loss", Invariant($"{record.FinalTrainLoss:0.0000}"));
        table.AddRow("sparsity", Invariant($"{record.Sparsity:0.0000} (target {record.TargetSparsity})"));
        table.AddRow("parameters", Invariant($"{record.Parameters:N0}"));
        table.AddRow("layers kept", Markup.Escape(string.Join(", ", record.Layers.Select(l => Invariant($"{l.Name} {l.Kept:N0}/{l.Weights:N0}")))));
        table.AddRow("training", Invariant($"{record.TrainSeconds:0.00} s, {record.TrainSamplesPerSecond:N0} samples/s"));
        if (record.ScoreSeconds > 0) table.AddRow("scoring", Invariant($"{record.ScoreSeconds:0.000} s"));
        if (record.BestValidationStep is { } best) table.AddRow("best validation step", Invariant($"{best}"));
        AnsiConsole.Write(table);
        foreach (var warning in record.Warnings)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]warning:[/] {warning}");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
