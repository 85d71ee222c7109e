extern alias cli;

using System.Text.Json;
using cli::ModelGen.Cli;
using cli::ModelGen.Cli.Output;
using cli::ModelGen.Cli.Sweep;
using ModelGen.Tests.Data;
using Xunit;

namespace ModelGen.Tests.Cli;

/// <summary>
/// <c>--time-inference</c> and the cost plots a user picks a model from: accuracy against measured training time and
/// against measured inference time, drawn from a sweep's own records.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class CostPlotTests(TinyMnist data)
{
    [Fact]
    public void SweepWithInferenceTimingRecordsItAndDrawsBothCostPlots()
    {
        using var output = new TempFolder();
        var run = CliHarness.Run("sweep", "--models", "lenet300", "--methods", "dense,snip", "--sparsities", "0.9", "--seeds", "0",
            "--epochs", "1", "--time-inference", "4", "--data", data.Folder, "--out", output.Path);

        Assert.True(run.ExitCode == CliApplication.Success, run.Output);
        var records = RunJson.ReadArray(output.File("results.json"));
        Assert.Equal(2, records.Count);
        Assert.All(records, record =>
        {
            Assert.Equal(4, record.InferenceBatchSize);
            Assert.True(record.InferenceSamplesPerSecond is > 0 and < double.PositiveInfinity, $"{record.Method}: {record.InferenceSamplesPerSecond}");
        });
        foreach (var name in new[] { "accuracy-train-time.png", "accuracy-train-time.svg", "accuracy-inference-time.png", "accuracy-inference-time.svg" })
        {
            Assert.True(new FileInfo(output.File(name)).Length > 0, $"{name} is missing or empty");
        }

        // One series per method, x = the cell's measured cost (seconds of training, µs per inferred sample).
        var train = SweepPlot.BuildSeries(records, g => g.Runs[0].TrainSeconds);
        Assert.Equal(["dense", "snip"], train.Select(s => s.Label));
        Assert.Equal(records.Single(r => r.Method == "snip").TrainSeconds, train.Single(s => s.Label == "snip").Points.Single().X);
    }

    [Fact]
    public void TrainWithoutTheFlagRecordsNoInferenceTiming()
    {
        using var folder = new TempFolder();
        var json = CliHarness.TrainJson(folder, "--epochs", "1", "--data", data.SmallFolder);

        Assert.Equal(JsonValueKind.Null, json.GetProperty("inference_samples_per_second").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("inference_batch_size").ValueKind);
    }

    [Fact]
    public void NegativeInferenceTimingBatchIsAUsageError()
    {
        var run = CliHarness.Run("train", "--time-inference", "-1", "--data", data.SmallFolder);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("--time-inference must be 0 (off) or a batch size (got -1).", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 1.0, 3.0, 2.0 }, 2.0)]
    [InlineData(new[] { 4.0, 1.0, 3.0, 2.0 }, 2.5)]
    [InlineData(new[] { 7.0 }, 7.0)]
    public void MedianIsTheMiddleValueOrTheMeanOfTheMiddleTwo(double[] values, double median) =>
        Assert.Equal(median, Statistics.Median(values));

    [Fact]
    public void MedianOfNothingIsNaN() => Assert.True(double.IsNaN(Statistics.Median([])));
}
