extern alias cli;

using cli::ModelGen.Cli;
using cli::ModelGen.Cli.Output;
using cli::ModelGen.Cli.Sweep;
using ModelGen.Pruning;
using ModelGen.Tests.Data;
using Xunit;

namespace ModelGen.Tests.Cli;

/// <summary>Hand-made run records for the sweep bookkeeping tests.</summary>
internal static class SweepRecords
{
    /// <summary>
    /// A LeNet-300-100 run with the CLI's default settings except one epoch; <paramref name="accuracy"/> null makes it a
    /// refused run with <paramref name="refused"/> as its reason.
    /// </summary>
    public static RunRecord Make(string model, string method, double target, int seed, double? accuracy, string refused = "would collapse layer 'fc1'", int epochs = 1)
    {
        var record = new RunRecord
        {
            Model = model,
            Method = method,
            TargetSparsity = target,
            Epochs = epochs,
            BatchSize = 60,
            Lr = 0.0012,
            Optimizer = "adam",
            Seed = seed,
            ModelgenVersion = "1.0.0+abc",
            Data = new DataRecord("/data/mnist", new SortedDictionary<string, string>(StringComparer.Ordinal) { ["train-images-idx3-ubyte"] = "00ff" }),
            Scope = method == PruningMethods.Dense.Name ? null : PruningMethods.Get(method).Kind == PruningMethodKind.LotteryTicket ? "layer" : "global",
            ScoreSamples = PruningMethods.Get(method).UsesScoringData ? 1000 : null,
            PruneRate = PruningMethods.Get(method).Kind == PruningMethodKind.LotteryTicket ? 0.2 : null,
            RewindIteration = PruningMethods.Get(method).Kind == PruningMethodKind.LotteryTicket ? 0 : null,
            Sparsity = target,
            TestAccuracy = accuracy,
            TestLoss = accuracy is null ? null : 1 - accuracy,
            FinalTrainLoss = accuracy is null ? null : 0.5,
            TrainSeconds = accuracy is null ? 0 : 1,
            TrainSamplesPerSecond = accuracy is null ? 0 : 8000,
            Parameters = 266_610,
            FlopsPerSample = 532_400,
            Layers = [new LayerRecord("fc1", 300, 784, 0, 235_200, 235_200), new LayerRecord("fc2", 100, 300, 0, 30_000, 30_000), new LayerRecord("fc3", 10, 100, 0, 1_000, 1_000)],
        };
        if (accuracy is null)
        {
            record.Refused = refused;
        }

        return record;
    }
}

/// <summary>
/// The sweep's bookkeeping: plan expansion, mean ± sample std, results.json resume and refusal of mismatched settings,
/// mostly on hand-made records; one end-to-end sweep trains on <see cref="TinyMnist"/>.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class SweepTests(TinyMnist data)
{
    [Fact]
    public void PlanGivesDenseOneCellPerSeedAndSkipsZeroForPruningMethods()
    {
        var cells = SweepPlan.Expand(["lenet300"], ["dense", "snip", "lth"], [0.9, 0, 0.5, 0.9], [0, 1]);

        SweepCell[] expected =
        [
            new("lenet300", "dense", 0, 0), new("lenet300", "dense", 0, 1),
            // Ordered seed, then sparsity ascending: one lottery-ticket trajectory per seed meets its targets in turn.
            new("lenet300", "snip", 0.5, 0), new("lenet300", "snip", 0.9, 0), new("lenet300", "snip", 0.5, 1), new("lenet300", "snip", 0.9, 1),
            new("lenet300", "lth", 0.5, 0), new("lenet300", "lth", 0.9, 0), new("lenet300", "lth", 0.5, 1), new("lenet300", "lth", 0.9, 1),
        ];
        Assert.Equal(expected, cells);
    }

    [Fact]
    public void PlanCrossesModelsAndDropsDuplicates()
    {
        var cells = SweepPlan.Expand(["lenet300", "lenet300-r8", "lenet300"], ["dense", "dense"], [0.5], [2, 2]);

        Assert.Equal([new SweepCell("lenet300", "dense", 0, 2), new SweepCell("lenet300-r8", "dense", 0, 2)], cells);
    }

    [Fact]
    public void PlanGivesFactorizedModelsWithFixedFactorsOnlyDenseCells()
    {
        // Pruning lenet300-r8 would only thin its dense output layer: in a sweep it is trained dense, beside the pruned lenet300.
        var cells = SweepPlan.Expand(["lenet300", "lenet300-r8"], ["dense", "snip"], [0.9], [0], model => model == "lenet300");

        Assert.Equal(
            [new SweepCell("lenet300", "dense", 0, 0), new SweepCell("lenet300", "snip", 0.9, 0), new SweepCell("lenet300-r8", "dense", 0, 0)],
            cells);
    }

    [Fact]
    public void PlanWithOnlyZeroSparsityGivesPruningMethodsNoCells()
    {
        Assert.Empty(SweepPlan.Expand(["lenet300"], ["snip", "magnitude"], [0], [0, 1, 2]));
    }

    [Fact]
    public void StatisticsUseTheSampleStandardDeviation()
    {
        // Mean 0.92; squared deviations 0.0004 + 0 + 0.0004 over n − 1 = 2 → variance 0.0004, std 0.02.
        double[] values = [0.90, 0.92, 0.94];

        Assert.Equal(0.92, Statistics.Mean(values), 12);
        Assert.Equal(0.02, Statistics.SampleStandardDeviation(values), 12);
        Assert.Equal(0, Statistics.SampleStandardDeviation([0.5]));
        Assert.True(double.IsNaN(Statistics.Mean([])));
    }

    [Fact]
    public void TableShowsMeanAndSampleStdPerMethodAndSparsity()
    {
        RunRecord[] records =
        [
            SweepRecords.Make("lenet300", "dense", 0, 0, 0.9464),
            SweepRecords.Make("lenet300", "dense", 0, 1, 0.9441),
            SweepRecords.Make("lenet300", "dense", 0, 2, 0.9487),
            SweepRecords.Make("lenet300", "snip", 0.9, 0, 0.93),
            SweepRecords.Make("lenet300", "snip", 0.9, 1, 0.94),
            SweepRecords.Make("lenet300", "snip", 0.9, 2, 0.95),
            SweepRecords.Make("lenet300", "snip", 0.5, 0, 0.955),
        ];

        var markdown = SweepTable.ToMarkdown(records);

        // Columns are the sorted target sparsities 0, 0.5, 0.9. dense: mean 94.64, std sqrt(0.0529e-4) = 0.23.
        Assert.Contains("| model | method | 0 | 0.5 | 0.9 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| lenet300 | dense | 94.64 ± 0.23 |  |  |", markdown, StringComparison.Ordinal);
        // snip at 0.9: mean 94.00, std 1.00; at 0.5 a single seed shows no ± at all.
        Assert.Contains("| lenet300 | snip |  | 95.50 | 94.00 ± 1.00 |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusedSeedsAreShownWithTheirReason()
    {
        RunRecord[] all = [SweepRecords.Make("lenet300", "magnitude", 0.98, 0, null, "collapses 'fc1' | lower it"), SweepRecords.Make("lenet300", "magnitude", 0.98, 1, null, "collapses 'fc1' | lower it")];
        RunRecord[] some = [SweepRecords.Make("lenet300", "random", 0.99, 0, 0.30), SweepRecords.Make("lenet300", "random", 0.99, 1, null, "collapses 'fc2'")];

        var allRefused = SweepGroup.Build(all).Single();
        var someRefused = SweepGroup.Build(some).Single();

        // A '|' in the reason would split the Markdown cell.
        Assert.Equal("refused: collapses 'fc1' / lower it", SweepTable.CellText(allRefused));
        Assert.Equal("30.00 (1 refused: collapses 'fc2')", SweepTable.CellText(someRefused));
        Assert.Empty(allRefused.Accuracies);
        Assert.Contains("| lenet300 | magnitude | refused: collapses 'fc1' / lower it |", SweepTable.ToMarkdown(all), StringComparison.Ordinal);
    }

    [Fact]
    public void ResultsFileRecordsRunsAndReopensWithThemFinished()
    {
        using var folder = new TempFolder();
        var results = SweepResults.Open(folder.Path);
        Assert.Empty(results.Records);
        Assert.False(File.Exists(results.Path));

        results.Add(SweepRecords.Make("lenet300", "snip", 0.9, 0, 0.93));
        results.Add(SweepRecords.Make("lenet300", "magnitude", 0.98, 0, null));
        // The same cell again replaces the earlier run rather than counting it twice.
        results.Add(SweepRecords.Make("lenet300", "snip", 0.9, 0, 0.94));

        var reopened = SweepResults.Open(folder.Path);
        Assert.Equal(2, reopened.Records.Count);
        Assert.True(reopened.IsFinished(new SweepCell("lenet300", "snip", 0.9, 0)));
        Assert.True(reopened.IsFinished(new SweepCell("lenet300", "magnitude", 0.98, 0)));
        Assert.False(reopened.IsFinished(new SweepCell("lenet300", "snip", 0.9, 1)));
        Assert.Equal(0.94, reopened.Records.Single(r => r.Method == "snip").TestAccuracy);
        Assert.Equal("would collapse layer 'fc1'", reopened.Records.Single(r => r.Method == "magnitude").Refused);
        Assert.Equal(["results.json"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void MismatchedSettingsAreDescribedPerFlag()
    {
        using var folder = new TempFolder();
        var results = SweepResults.Open(folder.Path);
        results.Add(SweepRecords.Make("lenet300", "snip", 0.9, 0, 0.93));
        var recorded = new TrainSettings { Epochs = 1 };

        Assert.Empty(results.DescribeMismatches(recorded));
        Assert.Equal(
            ["--epochs: recorded 1, requested 10", "--lr: recorded 0.0012, requested 0.01", "--score-samples: recorded 1000, requested 500"],
            results.DescribeMismatches(recorded with { Epochs = 10, LearningRate = 0.01, ScoreSamples = 500 }));
        // lth's settings do not matter to a sweep that holds no lth run.
        Assert.Empty(results.DescribeMismatches(recorded with { PruneRate = 0.3 }));
    }

    [Fact]
    public void RerunOfAFinishedSweepSkipsEveryCellWithoutTraining()
    {
        using var output = new TempFolder();
        var results = SweepResults.Open(output.Path);
        results.Add(SweepRecords.Make("lenet300", "dense", 0, 0, 0.95));
        results.Add(SweepRecords.Make("lenet300", "dense", 0, 1, 0.94));
        results.Add(SweepRecords.Make("lenet300", "magnitude", 0.98, 0, null));
        results.Add(SweepRecords.Make("lenet300", "magnitude", 0.98, 1, null));
        var before = File.ReadAllText(results.Path);

        // A missing data folder proves nothing is trained: the data is only loaded when a cell remains.
        var run = CliHarness.Run("sweep", "--methods", "dense,magnitude", "--sparsities", "0,0.98", "--seeds", "0", "1", "--epochs", "1", "--data", Path.Combine(output.Path, "absent"), "--out", output.Path);

        Assert.Equal(CliApplication.Success, run.ExitCode);
        Assert.Contains("Sweep: 4 cells, 4 already in", run.Output, StringComparison.Ordinal);
        Assert.Contains("0 to run", run.Output, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(results.Path));
        var markdown = File.ReadAllText(Path.Combine(output.Path, "results.md"));
        Assert.Contains("| lenet300 | dense | 94.50 ± 0.71 |", markdown, StringComparison.Ordinal);
        Assert.Contains("refused: would collapse layer 'fc1'", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void RerunWithOtherSettingsIsRefusedAndLeavesTheResultsAlone()
    {
        using var output = new TempFolder();
        var results = SweepResults.Open(output.Path);
        results.Add(SweepRecords.Make("lenet300", "dense", 0, 0, 0.95));
        var before = File.ReadAllText(results.Path);

        var run = CliHarness.Run("sweep", "--epochs", "2", "--batch-size", "100", "--data", data.Folder, "--out", output.Path);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("holds runs made with other settings", run.Output, StringComparison.Ordinal);
        Assert.Contains("--epochs: recorded 1, requested 2", run.Output, StringComparison.Ordinal);
        Assert.Contains("--batch-size: recorded 60, requested 100", run.Output, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(results.Path));
    }

    [Fact]
    public void UnreadableResultsFileFailsWithItsPath()
    {
        using var output = new TempFolder();
        File.WriteAllText(output.File("results.json"), "{ \"not\": \"an array\" }");

        var run = CliHarness.Run("sweep", "--epochs", "1", "--data", data.Folder, "--out", output.Path);

        Assert.Equal(CliApplication.Failure, run.ExitCode);
        Assert.Contains(output.File("results.json"), run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void SweepTrainsEveryCellRecordsRefusalsFollowsOneTrajectoryPerSeedAndResumes()
    {
        using var output = new TempFolder();
        // lth at half the remaining weights per round reaches 98% in about 7 rounds instead of 18 at the default 20%.
        string[] args = ["sweep", "--models", "lenet300", "--methods", "dense,magnitude,lth", "--sparsities", "0,0.5,0.98", "--seeds", "0,1", "--epochs", "1", "--prune-rate", "0.5", "--data", data.SmallFolder, "--out", output.Path];

        var first = CliHarness.Run(args);

        Assert.True(first.ExitCode == CliApplication.Success, first.Output);
        Assert.Contains("Sweep: 10 cells, 0 already in", first.Output, StringComparison.Ordinal);
        var records = RunJson.ReadArray(output.File("results.json"));
        var expectedCells = SweepPlan.Expand(["lenet300"], ["dense", "magnitude", "lth"], [0, 0.5, 0.98], [0, 1]);
        Assert.Equal(expectedCells.ToHashSet(), records.Select(SweepCell.Of).ToHashSet());
        Assert.Equal(10, records.Count);
        foreach (var name in new[] { "results.md", "accuracy.png", "accuracy.svg" })
        {
            Assert.True(new FileInfo(output.File(name)).Length > 0, $"{name} is missing or empty");
        }

        Assert.Empty(Directory.GetFiles(output.Path, "*.tmp*"));

        // Global magnitude pruning at 98% keeps only fc2/fc3 weights (their init range is wider than fc1's): refused,
        // recorded with the reason, and the sweep went on.
        foreach (var refused in records.Where(r => r.Method == "magnitude" && r.TargetSparsity == 0.98))
        {
            Assert.Null(refused.TestAccuracy);
            Assert.Contains("'fc1'", refused.Refused, StringComparison.Ordinal);
        }

        // Accuracy itself is the train tests' concern (one epoch on 300 digits is barely trained).
        Assert.All(records.Where(r => !(r.Method == "magnitude" && r.TargetSparsity == 0.98)), r =>
        {
            Assert.Null(r.Refused);
            Assert.InRange(r.TestAccuracy!.Value, 0.0, 1.0);
            Assert.Equal(r.TargetSparsity, r.Sparsity, 12);
            Assert.Equal(r.Method == "lth" ? 0.5 : null, r.PruneRate);
        });

        // One lth trajectory per seed: the 98% ticket's rounds continue the 50% ticket's.
        foreach (var seed in new[] { 0, 1 })
        {
            var half = records.Single(r => r.Method == "lth" && r.Seed == seed && r.TargetSparsity == 0.5).Rounds!;
            var sparse = records.Single(r => r.Method == "lth" && r.Seed == seed && r.TargetSparsity == 0.98).Rounds!;
            Assert.True(sparse.Count > half.Count, $"seed {seed}: {sparse.Count} rounds to 98%, {half.Count} to 50%");
            Assert.Equal(half.Select(r => (r.Round, r.Sparsity, r.TestAccuracy)), sparse.Take(half.Count).Select(r => (r.Round, r.Sparsity, r.TestAccuracy)));
        }

        var markdown = File.ReadAllText(output.File("results.md"));
        Assert.Contains("| lenet300 | magnitude |  | ", markdown, StringComparison.Ordinal);
        Assert.Contains("refused: Pruning with 'magnitude'", markdown, StringComparison.Ordinal);

        // Interrupted sweep: drop a dense run and the end of seed 1's lth trajectory, then rerun. The trajectory is
        // retrained from its start and passes 50% on the way, which must not be recorded a second time.
        bool Dropped(RunRecord r) => (r.Method == "dense" && r.Seed == 0) || (r.Method == "lth" && r.Seed == 1 && r.TargetSparsity == 0.98);
        File.WriteAllText(output.File("results.json"), RunJson.Serialize(records.Where(r => !Dropped(r)).ToList()));

        var second = CliHarness.Run(args);

        Assert.True(second.ExitCode == CliApplication.Success, second.Output);
        Assert.Contains("Sweep: 10 cells, 8 already in", second.Output, StringComparison.Ordinal);
        Assert.Contains("2 to run", second.Output, StringComparison.Ordinal);
        var resumed = RunJson.ReadArray(output.File("results.json"));
        Assert.Equal(10, resumed.Count);
        Assert.Equal(expectedCells.ToHashSet(), resumed.Select(SweepCell.Of).ToHashSet());
        // Kept cells are the very same records (not retrained: their timings match); rerun cells reproduce their
        // results, training being deterministic per seed.
        foreach (var record in records)
        {
            var again = resumed.Single(r => SweepCell.Of(r) == SweepCell.Of(record));
            Assert.Equal(record.TestAccuracy, again.TestAccuracy);
            if (!Dropped(record))
            {
                Assert.Equal(record.TrainSeconds, again.TrainSeconds);
            }
        }
    }
}
