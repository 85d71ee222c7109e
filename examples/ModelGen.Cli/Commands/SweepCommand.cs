using System.CommandLine;
using ModelGen.Cli.Sweep;
using ModelGen.Pruning;

namespace ModelGen.Cli.Commands;

/// <summary><c>sweep</c>: trains every model × method × sparsity × seed cell and tabulates and plots test accuracy.</summary>
public static class SweepCommand
{
    /// <summary>Builds the command with its options.</summary>
    public static Command Create()
    {
        var shared = new TrainingFlags();
        var models = OptionExtensions.ListOption("--models", "Models, comma- or space-separated.", "lenet300");
        var methods = OptionExtensions.ListOption("--methods", $"Methods ({string.Join(", ", PruningMethods.Names)}).", PruningMethods.Dense.Name);
        var sparsities = OptionExtensions.ListOption("--sparsities", "Target sparsities in [0, 1) (dense ignores them; pruning methods skip 0).", "0");
        var seeds = OptionExtensions.ListOption("--seeds", "Seeds.", "0");
        var shard = new Option<string?>("--shard") { Description = "Run only shard i of n (1-based: 1/3, 2/3, 3/3), a balanced, deterministic share of the cells (a lottery-ticket trajectory stays whole); combine the shards' --out folders with merge." };
        var output = new Option<string>("--out") { Description = "Folder for results.json, results.md, accuracy.png and accuracy.svg; rerunning with it skips finished cells.", Required = true };
        var command = new Command("sweep", "Train every model × method × sparsity × seed cell and tabulate and plot test accuracy.");
        command.Options.Add(models);
        command.Options.Add(methods);
        command.Options.Add(sparsities);
        command.Options.Add(seeds);
        command.Options.Add(shard);
        command.Options.Add(output);
        shared.AddTo(command);
        command.SetAction((result, cancellationToken) => CliApplication.Guarded(() =>
        {
            var plan = new SweepRequest(
                ParseModels(OptionExtensions.SplitList(result.GetValue(models))),
                ParseMethods(OptionExtensions.SplitList(result.GetValue(methods))),
                CliParsing.Numbers(OptionExtensions.SplitList(result.GetValue(sparsities)), "--sparsities", s => s >= 0 && s < 1, "in [0, 1)"),
                CliParsing.Numbers(OptionExtensions.SplitList(result.GetValue(seeds)), "--seeds", s => s == Math.Floor(s) && Math.Abs(s) <= int.MaxValue, "whole numbers").Select(s => (int)s).ToArray(),
                result.GetValue(output)!,
                shared.Bind(result, new TrainSettings()),
                result.GetValue(shard) is { } text ? SweepShard.Parse(text) : null);
            return SweepRunner.Run(plan, cancellationToken);
        }));
        return command;
    }

    private static string[] ParseModels(string[] names)
    {
        foreach (var name in names)
        {
            RunComponents.FindModel(name);
        }

        return names;
    }

    private static string[] ParseMethods(string[] names)
    {
        foreach (var name in names.Where(n => PruningMethods.Find(n) is null))
        {
            throw new UsageException($"Unknown method '{name}' in --methods. Known methods: {string.Join(", ", PruningMethods.Names)}.");
        }

        return names;
    }
}
