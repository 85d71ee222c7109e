using System.CommandLine;
using ModelGen.Cli.Sweep;
using Spectre.Console;

namespace ModelGen.Cli.Commands;

/// <summary>
/// <c>merge SHARD_DIR… --out DIR</c>: combines the output folders of <c>sweep --shard 1/n</c> … <c>n/n</c> into the
/// results.json, results.md and plots the unsharded sweep writes.
/// </summary>
public static class MergeCommand
{
    /// <summary>Builds the command with its arguments.</summary>
    public static Command Create()
    {
        var shards = new Argument<string[]>("SHARD_DIR") { Description = "The --out folders of sweep --shard 1/n … n/n, all n of them, in any order.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "Folder for the merged results.json, results.md, accuracy.png and accuracy.svg (rewritten).", Required = true };
        var command = new Command("merge", "Combine the output folders of sweep --shard 1/n … n/n into one sweep's results, table and plots.");
        command.Arguments.Add(shards);
        command.Options.Add(output);
        command.SetAction(result => CliApplication.Guarded(() =>
        {
            var folders = result.GetValue(shards)!;
            var outFolder = Path.GetFullPath(result.GetValue(output)!);
            if (folders.Any(f => string.Equals(Path.GetFullPath(f).TrimEnd(Path.DirectorySeparatorChar), outFolder.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal)))
            {
                throw new UsageException($"--out {outFolder} is one of the shard folders; merge into a folder of its own.");
            }

            if (File.Exists(ShardManifest.PathIn(outFolder)))
            {
                throw new UsageException($"--out {outFolder} holds a shard ({ShardManifest.FileName}); merge into a folder of its own.");
            }

            var records = SweepMerge.Merge(folders);
            var results = SweepResults.Create(outFolder, records);
            SweepReports.Write(results.Records, outFolder);
            AnsiConsole.MarkupLineInterpolated($"Merged {folders.Length} shards, {records.Count} cells: [bold]{results.Path}[/], {Path.Combine(outFolder, "results.md")}, accuracy.png, accuracy.svg");
            return CliApplication.Success;
        }));
        return command;
    }
}
