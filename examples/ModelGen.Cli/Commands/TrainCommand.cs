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
        var saveTicket = new Option<string?>("--save-ticket") { Description = "Write the run's final mask as a lottery ticket (docs/TICKETS.md) to this file: lth, lth-reinit and one-shot methods." };
        var ticketFile = new Option<string?>("--ticket") { Description = "Train the network this ticket file describes under its masks (model and initialization from the ticket; --seed then sets the data order only)." };
        var command = new Command("train", "Train one model (optionally pruned) and report test accuracy.");
        command.Options.Add(model);
        command.Options.Add(method);
        command.Options.Add(sparsity);
        command.Options.Add(seed);
        command.Options.Add(json);
        command.Options.Add(save);
        command.Options.Add(checkpoint);
        command.Options.Add(resume);
        command.Options.Add(saveTicket);
        command.Options.Add(ticketFile);
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
            TicketInput? ticket = null;
            if (result.GetValue(ticketFile) is { } ticketPath)
            {
                (settings, ticket) = TicketRun(settings, ticketPath, result, model, method, seed);
            }
            else
            {
                settings = DeclaredPlan.Apply(settings, result, method, sparsity, shared);
            }

            var persistence = Persistence(result.GetValue(save), result.GetValue(checkpoint), result.GetValue(resume), settings)
                with { TicketPath = SaveTicketPath(result.GetValue(saveTicket), settings, ticket) };
            return Run(settings, result.GetValue(json), persistence, cancellationToken, ticket);
        }));
        return command;
    }

    // train --ticket FILE: the ticket names the model and the seed of θ0; the run trains the ticket's own masks, so it
    // takes no pruning method, and --seed (when given) only sets the data order.
    private static (TrainSettings Settings, TicketInput Ticket) TicketRun(TrainSettings settings, string path, ParseResult result, Option<string> model, Option<string> method, Option<int> seed)
    {
        var document = Tickets.LotteryTickets.Load(path);
        var errors = new List<string>();
        if (settings.PruningMethod.Prunes)
        {
            errors.Add($"--ticket trains the ticket's own masks; it does not combine with --method {settings.Method}.");
        }

        if (DeclaredPlan.Given(result, model) && settings.Model != document.Model)
        {
            errors.Add($"--model {settings.Model} does not match the ticket {path}, which was found on model '{document.Model}'; leave --model out.");
        }

        settings = settings with { Model = document.Model, Seed = DeclaredPlan.Given(result, seed) ? settings.Seed : document.Seed };
        errors.AddRange(TicketInitErrors(settings, "--ticket"));
        CliApplication.ThrowIfInvalid(errors);
        return (settings, new TicketInput(path, document));
    }

    // --save-ticket needs a mask that a pruning method made.
    private static string? SaveTicketPath(string? path, TrainSettings settings, TicketInput? ticket)
    {
        if (path is null)
        {
            return null;
        }

        var errors = new List<string>();
        if (ticket is not null)
        {
            errors.Add($"--save-ticket with --ticket would only copy {ticket.File}; copy the file instead.");
        }
        else if (!settings.PruningMethod.Prunes)
        {
            errors.Add($"--save-ticket needs a pruning method (lth, lth-reinit or a one-shot method): --method {settings.Method} removes no weight, so there is no ticket.");
        }

        errors.AddRange(TicketInitErrors(settings, "--save-ticket"));
        CliApplication.ThrowIfInvalid(errors);
        OutputPath.RequireWritableFile(path, "--save-ticket");
        return path;
    }

    // A ticket's θ0 is the model's own seeded initialization; --factor-init random and --rng torch replace it.
    private static IEnumerable<string> TicketInitErrors(TrainSettings settings, string flag)
    {
        if (settings.RandomSource == ModelGen.Model.RandomSource.PyTorch)
        {
            yield return $"{flag} with --rng torch: a ticket's survivors rewind to the model's own seeded initialization (ModelGen's generator), not PyTorch's.";
        }

        if (settings.FactorInit == "random" && ModelGen.Generated.ModelCatalog.Find(settings.Model) is { } found && RunComponents.IsFactorized(found))
        {
            yield return $"{flag} with --factor-init random: a ticket's survivors rewind to the model's own seeded initialization (spectral for {settings.Model}).";
        }
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

    private static int Run(TrainSettings settings, string? jsonPath, RunPersistence persistence, CancellationToken cancellationToken, TicketInput? ticket)
    {
        var (model, data) = RunComponents.Start(settings, jsonPath);
        OutputPath.RequireWritableFile(persistence.SavePath, "--save");
        if (persistence.Resume && !global::ModelGen.Training.TrainingCheckpoint.Exists(persistence.CheckpointFolder!))
        {
            AnsiConsole.MarkupLineInterpolated($"No checkpoint in [bold]{persistence.CheckpointFolder}[/] yet: starting from the beginning.");
        }

        var what = ticket is not null ? Invariant($"ticket {ticket.File} (sparsity {ticket.Document.Sparsity:0.####}, θ0 of seed {ticket.Document.Seed})")
            : settings.Method + (settings.PruningMethod.Prunes ? Invariant($" to sparsity {settings.Sparsity}") : "");
        AnsiConsole.MarkupLineInterpolated($"[bold]{model.Name}[/] {what}: {settings.Epochs} epochs, batch {settings.BatchSize}, {settings.Optimizer} lr {settings.LearningRate.ToString(CultureInfo.InvariantCulture)}, seed {settings.Seed}; data {data.Record.Folder} ({data.Train.Count} train, {data.Test.Count} test)");

        var record = ConsoleObserver.Run(observer => RunSingle(settings, data, observer, cancellationToken, persistence, ticket), clearWhenDone: false);
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

        if (persistence.TicketPath is not null && record.Ticket is { } saved)
        {
            AnsiConsole.MarkupLineInterpolated($"Ticket written to [bold]{Path.GetFullPath(persistence.TicketPath)}[/] (sha256 {saved.Sha256})");
        }

        return record.Refused is null ? CliApplication.Success : CliApplication.Failure;
    }

    /// <summary>Runs one train cell (any method) and returns its record; <paramref name="persistence"/> says what it keeps on disk.</summary>
    /// <param name="ticket">With <c>--ticket</c>: the ticket to train under its masks (the method is then dense).</param>
    public static RunRecord RunSingle(TrainSettings settings, RunData data, IRunObserver observer, CancellationToken cancellationToken, RunPersistence? persistence = null, TicketInput? ticket = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.PruningMethod.Kind != PruningMethodKind.LotteryTicket)
        {
            return TrainRunner.RunOneShot(settings, data, observer, cancellationToken, persistence, ticket);
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
