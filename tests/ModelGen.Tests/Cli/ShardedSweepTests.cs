extern alias cli;

using System.Diagnostics;
using cli::ModelGen.Cli;
using cli::ModelGen.Cli.Output;
using cli::ModelGen.Cli.Sweep;
using ModelGen.Tests.Data;
using Xunit;

namespace ModelGen.Tests.Cli;

/// <summary>
/// <c>sweep --shard i/n</c> and <c>merge</c>: three shards run as separate processes (as a cluster's array job would)
/// and merged give the unsharded sweep's cells and accuracies; merge refuses folders that are not the complete,
/// matching shards of one sweep.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class ShardedSweepTests(TinyMnist data)
{
    [Fact]
    public void ThreeShardProcessesMergeIntoTheUnshardedSweep()
    {
        using var root = new TempFolder();
        // 8 units (dense ×2, snip ×4, one lth/lth-reinit trajectory per seed): shards of 3, 3 and 2 units.
        string[] sweep = ["sweep", "--models", "lenet300", "--methods", "dense,snip,lth,lth-reinit", "--sparsities", "0.5,0.75", "--seeds", "0,1",
            "--epochs", "1", "--prune-rate", "0.5", "--score-samples", "100", "--data", data.SmallFolder];
        var unshardedFolder = root.File("unsharded");
        var shardFolders = Enumerable.Range(1, 3).Select(i => root.File($"shard{i}")).ToArray();

        var shards = Enumerable.Range(1, 3).Select(i => StartCli([.. sweep, "--shard", $"{i}/3", "--out", shardFolders[i - 1]])).ToArray();
        var unsharded = CliHarness.Run([.. sweep, "--out", unshardedFolder]);
        foreach (var shard in shards)
        {
            var (exitCode, output) = Finish(shard);
            Assert.True(exitCode == CliApplication.Success, output);
        }

        Assert.True(unsharded.ExitCode == CliApplication.Success, unsharded.Output);
        // Shards are given in any order.
        var merged = CliHarness.Run("merge", shardFolders[2], shardFolders[0], shardFolders[1], "--out", root.File("merged"));
        Assert.True(merged.ExitCode == CliApplication.Success, merged.Output);
        Assert.Contains("Merged 3 shards, 14 cells", merged.Output, StringComparison.Ordinal);

        var shardCounts = shardFolders.Select(f => RunJson.ReadArray(Path.Combine(f, "results.json")).Count).ToArray();
        var expected = RunJson.ReadArray(Path.Combine(unshardedFolder, "results.json"));
        var actual = RunJson.ReadArray(root.File("merged/results.json"));
        Assert.Equal(14, expected.Count);
        Assert.Equal(14, shardCounts.Sum());
        // Units 3/3/2; a trajectory unit holds four cells, so cell counts differ more.
        Assert.Equal([3, 3, 2], shardFolders.Select(f => SweepUnit.Group(ShardManifest.TryRead(f)!.Cells).Count));
        // The same cells in the same order, with the same results bit for bit (timings aside).
        Assert.Equal(expected.Select(SweepCell.Of), actual.Select(SweepCell.Of));
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal(e.TestAccuracy, a.TestAccuracy);
            Assert.Equal(e.TestLoss, a.TestLoss);
            Assert.Equal(e.FinalTrainLoss, a.FinalTrainLoss);
            Assert.Equal(e.Sparsity, a.Sparsity);
            Assert.Equal(e.Layers, a.Layers);
            Assert.Equal(e.Refused, a.Refused);
            Assert.Equal(e.ReinitSeed, a.ReinitSeed);
            Assert.Equal(e.Rounds?.Select(r => (r.Round, r.Sparsity, r.TestAccuracy, r.TestLoss)), a.Rounds?.Select(r => (r.Round, r.Sparsity, r.TestAccuracy, r.TestLoss)));
        }

        // results.md: the accuracy table is identical; the per-cell table differs only in the two timing columns.
        var expectedMarkdown = File.ReadAllText(Path.Combine(unshardedFolder, "results.md"));
        var actualMarkdown = File.ReadAllText(root.File("merged/results.md"));
        Assert.Equal(WithoutTimings(expectedMarkdown), WithoutTimings(actualMarkdown));
        Assert.Contains("| lenet300 | lth-reinit |", actualMarkdown, StringComparison.Ordinal);
        Assert.Equal(
            SweepPlot.BuildSeries(expected).Select(s => (s.Label, string.Join(';', s.Points))),
            SweepPlot.BuildSeries(actual).Select(s => (s.Label, string.Join(';', s.Points))));
        foreach (var name in new[] { "accuracy.png", "accuracy.svg" })
        {
            Assert.True(new FileInfo(root.File($"merged/{name}")).Length > 0, $"{name} is missing or empty");
        }

        Assert.False(File.Exists(root.File("merged/" + ShardManifest.FileName)));
    }

    [Fact]
    public void MergeRefusesAMissingShard()
    {
        using var root = new TempFolder();
        var folders = WriteShards(root, 3);

        var run = CliHarness.Run("merge", folders[0], folders[2], "--out", root.File("merged"));
        var two = CliHarness.Run("merge", folders[1], "--out", root.File("merged"));

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("shard 2/3 is missing: give the output folders of all 3 shards.", run.Output, StringComparison.Ordinal);
        Assert.Contains("shards 1/3, 3/3 are missing", two.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(root.File("merged")));
    }

    [Fact]
    public void MergeRefusesTheSameShardTwice()
    {
        using var root = new TempFolder();
        var folders = WriteShards(root, 2);
        var copy = root.File("copy-of-1");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(folders[0]))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        var run = CliHarness.Run("merge", folders[0], copy, folders[1], "--out", root.File("merged"));

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains($"{folders[0]} and {copy} are both shard 1/2: their cells overlap.", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void MergeRefusesAnUnfinishedShardNamingItsMissingCells()
    {
        using var root = new TempFolder();
        var folders = WriteShards(root, 2);
        var path = Path.Combine(folders[1], "results.json");
        var records = RunJson.ReadArray(path);
        File.WriteAllText(path, RunJson.Serialize(records.Skip(1).ToList()));

        var run = CliHarness.Run("merge", folders[0], folders[1], "--out", root.File("merged"));

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        var first = records[0];
        Assert.Contains($"{folders[1]} (shard 2/2) has not finished 1 of its {records.Count} cells ({first.Model} {first.Method} sparsity {first.TargetSparsity} seed {first.Seed})", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void MergeRefusesShardsOfDifferentSweepsAndOfOtherSettings()
    {
        using var root = new TempFolder();
        var a = WriteShards(root, 2, seeds: [0, 1], prefix: "a");
        var b = WriteShards(root, 2, seeds: [0, 1, 2], prefix: "b");
        var c = WriteShards(root, 2, seeds: [0, 1], prefix: "c", epochs: 2);

        var different = CliHarness.Run("merge", a[0], b[1], "--out", root.File("merged"));
        var settings = CliHarness.Run("merge", a[0], c[1], "--out", root.File("merged"));

        Assert.Equal(CliApplication.UsageError, different.ExitCode);
        Assert.Contains($"{b[1]} and {a[0]} are shards of different sweeps", different.Output, StringComparison.Ordinal);
        Assert.Contains("--seeds 0,1,2", different.Output, StringComparison.Ordinal);
        Assert.Equal(CliApplication.UsageError, settings.ExitCode);
        Assert.Contains($"{c[1]} holds runs made with other settings than {a[0]}", settings.Output, StringComparison.Ordinal);
        Assert.Contains("--epochs: recorded 2, requested 1", settings.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void MergeRefusesAFolderThatIsNotAShard()
    {
        using var root = new TempFolder();
        var folders = WriteShards(root, 2);
        Directory.CreateDirectory(root.File("plain"));

        var notShard = CliHarness.Run("merge", folders[0], root.File("plain"), "--out", root.File("merged"));
        var intoShard = CliHarness.Run("merge", folders[0], folders[1], "--out", folders[1]);

        Assert.Equal(CliApplication.UsageError, notShard.ExitCode);
        Assert.Contains($"{root.File("plain")} has no shard.json: it is not the --out folder of a sweep --shard i/n.", notShard.Output, StringComparison.Ordinal);
        Assert.Equal(CliApplication.UsageError, intoShard.ExitCode);
        Assert.Contains("is one of the shard folders", intoShard.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void AShardFolderIsNotReusedForAnotherShardOrAnUnshardedSweep()
    {
        using var root = new TempFolder();
        var folders = WriteShards(root, 2);
        // A missing data folder: the refusals come before any data is read.
        string[] sweep = ["sweep", "--methods", "dense,snip", "--sparsities", "0.5,0.9", "--seeds", "0,1", "--epochs", "1", "--data", root.File("absent")];

        var otherShard = CliHarness.Run([.. sweep, "--shard", "1/2", "--out", folders[1]]);
        var unsharded = CliHarness.Run([.. sweep, "--out", folders[1]]);
        var resumed = CliHarness.Run([.. sweep, "--shard", "2/2", "--out", folders[1]]);
        var badShard = CliHarness.Run([.. sweep, "--shard", "3/2", "--out", root.File("x")]);

        Assert.Equal(CliApplication.UsageError, otherShard.ExitCode);
        Assert.Contains("holds shard 2/2 of the sweep --models lenet300 --methods dense,snip --sparsities 0.5,0.9 --seeds 0,1; give shard 1/2 of this sweep its own --out.", otherShard.Output, StringComparison.Ordinal);
        Assert.Equal(CliApplication.UsageError, unsharded.ExitCode);
        Assert.Contains("holds shard 2/2 of a sharded sweep; rerun it with --shard 2/2, or combine the shards with merge.", unsharded.Output, StringComparison.Ordinal);
        // The same shard again finds every cell finished.
        Assert.True(resumed.ExitCode == CliApplication.Success, resumed.Output);
        Assert.Contains("0 to run", resumed.Output, StringComparison.Ordinal);
        Assert.Equal(CliApplication.UsageError, badShard.ExitCode);
        Assert.Contains("--shard: '3/2' is not i/n", badShard.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Writes the folders of a finished n-shard sweep over dense and snip (hand-made records, nothing trained), as
    /// <c>sweep --shard</c> would leave them.
    /// </summary>
    private static string[] WriteShards(TempFolder root, int count, int[]? seeds = null, string prefix = "shard", int epochs = 1)
    {
        var request = new SweepRequest(["lenet300"], ["dense", "snip"], [0.5, 0.9], seeds ?? [0, 1], "", new TrainSettings { Epochs = epochs });
        var units = SweepUnit.Group(SweepPlan.Expand(request.Models, request.Methods, request.Sparsities, request.Seeds));
        var folders = new string[count];
        for (var i = 1; i <= count; i++)
        {
            var shard = new SweepShard(i, count);
            var cells = shard.Select(units).SelectMany(u => u.Cells).ToArray();
            folders[i - 1] = root.File($"{prefix}{i}");
            Directory.CreateDirectory(folders[i - 1]);
            ShardManifest.For(request, shard, cells).Write(folders[i - 1]);
            SweepResults.Create(folders[i - 1], cells.Select(c => SweepRecords.Make(c.Model, c.Method, c.TargetSparsity, c.Seed, 0.9, epochs: epochs)).ToArray());
        }

        return folders;
    }

    /// <summary>The Markdown report without the per-cell table's last two columns (train samples/s, score s).</summary>
    private static string WithoutTimings(string markdown) =>
        string.Join('\n', markdown.ReplaceLineEndings("\n").Split('\n').Select(line =>
        {
            var cells = line.Split('|');
            return cells.Length == 13 ? string.Join('|', cells[..^3]) : line;
        }));

    /// <summary>
    /// Starts <c>ModelGen.Cli</c> as its own process (the same build the tests reference) with <paramref name="args"/>,
    /// reading its output as it comes so that a full pipe never blocks it.
    /// </summary>
    private static (Process Process, Task<string> Output, Task<string> Error) StartCli(string[] args)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(CliApplication).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
        return (process, process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
    }

    private static (int ExitCode, string Output) Finish((Process Process, Task<string> Output, Task<string> Error) run)
    {
        using var process = run.Process;
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("a shard did not finish within 3 minutes");
        }

        return (process.ExitCode, run.Output.Result + run.Error.Result);
    }
}
