using System.CommandLine;
using System.Globalization;
using ModelGen.Cli.Output;
using ModelGen.IO;
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
        var save = new Option<string?>("--save") { Description = "Write the trained weights (and masks) to this safetensors file." };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Write a checkpoint into this folder before the first step and at every epoch end." };
        var resume = new Option<string?>("--resume") { Description = "Continue from the checkpoint in this folder (start from the beginning if it holds none yet), and keep checkpointing there." };
        var command = new Command("train", "Train one model (optionally pruned) and report test accuracy.");
        command.Options.Add(model);
        command.Options.Add(method);
        command.Options.Add(sparsity);
        command.Options.Add(seed);
        command.Options.Add(json);
        command.Options.Add(save);
        command.Options.Add(checkpoint);
        command.Options.Add(resume);
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
            var persistence = Persistence(result.GetValue(save), result.GetValue(checkpoint), result.GetValue(resume), settings);
            return Run(settings, result.GetValue(json), persistence, cancellationToken);
        }));
        return command;
    }

    // --checkpoint starts a new run and refuses to overwrite another's checkpoint; --resume continues one.
    private static RunPersistence Persistence(string? save, string? checkpoint, string? resume, TrainSettings settings)
    {
        var errors = new List<string>();
        if (checkpoint is not null && resume is not null)
        {
            errors.Add("--checkpoint and --resume both name a checkpoint folder; --resume DIR keeps checkpointing into DIR.");
        }

        var folder = checkpoint ?? resume;
        if (folder is not null && settings.PruningMethod == PruningMethods.LthReinit)
        {
            errors.Add($"--checkpoint and --resume do not support --method {settings.Method} yet (the control's training after the search is not checkpointed); --method lth is.");
        }

        if (checkpoint is not null && global::ModelGen.Training.TrainingCheckpoint.Exists(checkpoint))
        {
            errors.Add($"--checkpoint {checkpoint} already holds a checkpoint; continue it with --resume {checkpoint} or remove it.");
        }

        if (folder is not null && File.Exists(folder))
        {
            errors.Add($"{(checkpoint is not null ? "--checkpoint" : "--resume")} {folder} is a file; give a folder.");
        }

        CliApplication.ThrowIfInvalid(errors);
        return new RunPersistence(save, folder, Resume: resume is not null);
    }

    private static int Run(TrainSettings settings, string? jsonPath, RunPersistence persistence, CancellationToken cancellationToken)
    {
        var (model, data) = RunComponents.Start(settings, jsonPath);
        OutputPath.RequireWritableFile(persistence.SavePath, "--save");
        if (persistence.Resume && !global::ModelGen.Training.TrainingCheckpoint.Exists(persistence.CheckpointFolder!))
        {
            AnsiConsole.MarkupLineInterpolated($"No checkpoint in [bold]{persistence.CheckpointFolder}[/] yet: starting from the beginning.");
        }

        AnsiConsole.MarkupLineInterpolated($"[bold]{model.Name}[/] {settings.Method}{(settings.PruningMethod.Prunes ? Invariant($" to sparsity {settings.Sparsity}") : "")}: {settings.Epochs} epochs, batch {settings.BatchSize}, {settings.Optimizer} lr {settings.LearningRate.ToString(CultureInfo.InvariantCulture)}, seed {settings.Seed}; data {data.Record.Folder} ({data.Train.Count} train, {data.Test.Count} test)");

        var record = ConsoleObserver.Run(observer => RunSingle(settings, data, observer, cancellationToken, persistence), clearWhenDone: false);
        PrintSummary(record);
        if (jsonPath is not null)
        {
            AtomicFile.WriteAllText(jsonPath, RunJson.Serialize(record));
            AnsiConsole.MarkupLineInterpolated($"JSON written to [bold]{Path.GetFullPath(jsonPath)}[/]");
        }

        if (persistence.SavePath is not null && record.Refused is null)
        {
            AnsiConsole.MarkupLineInterpolated($"Weights written to [bold]{Path.GetFullPath(persistence.SavePath)}[/]");
        }

        return record.Refused is null ? CliApplication.Success : CliApplication.Failure;
    }

    /// <summary>Runs one train cell (any method) and returns its record; <paramref name="persistence"/> says what it keeps on disk.</summary>
    public static RunRecord RunSingle(TrainSettings settings, RunData data, IRunObserver observer, CancellationToken cancellationToken, RunPersistence? persistence = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.PruningMethod.Kind != PruningMethodKind.LotteryTicket)
        {
            return TrainRunner.RunOneShot(settings, data, observer, cancellationToken, persistence);
        }

        RunRecord? landed = null;
        TrainRunner.RunLotteryTicket(
            settings,
            [settings.Sparsity],
            ticket: settings.PruningMethod == PruningMethods.Lth,
            reinit: settings.PruningMethod == PruningMethods.LthReinit,
            data,
            observer,
            (record, _) => landed = record,
            cancellationToken,
            persistence);
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
        if (record.InferenceSamplesPerSecond is { } inference) table.AddRow("inference", Invariant($"{inference:N0} samples/s at batch {record.InferenceBatchSize}"));
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
