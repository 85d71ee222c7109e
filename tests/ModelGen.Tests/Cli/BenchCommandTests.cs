extern alias cli;

using System.Text.Json;
using cli::ModelGen.Cli;
using ModelGen.Tests.Data;
using Xunit;

namespace ModelGen.Tests.Cli;

/// <summary>
/// The <c>bench --json</c> contract of issue #7: every field with its type and a value that follows from the flags and
/// the mask; timings are only checked for being positive and consistent with the speedups, never for their size (the
/// machine is shared). Runs bench on <see cref="TinyMnist"/> through the real command line.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class BenchCommandTests(TinyMnist data)
{
    /// <summary>Prunable weights of LeNet-300-100's layers, in order.</summary>
    private static readonly (string Name, long Weights)[] LeNet300Layers = [("fc1", 235_200), ("fc2", 30_000), ("fc3", 1_000)];

    private static readonly string[] ContractFields =
    [
        "model", "method", "sparsity", "batch_size", "threads", "train_samples_per_second", "inference_samples_per_second",
        "dense_train_samples_per_second", "dense_inference_samples_per_second", "train_speedup", "inference_speedup", "layers",
    ];

    [Fact]
    public void SnipRunWritesExactlyTheContractFields()
    {
        using var folder = new TempFolder();
        var (json, output) = BenchJson(folder, "--method", "snip", "--sparsity", "0.9", "--batch-size", "16", "--data", data.Folder);

        Assert.Equal(ContractFields.Order(StringComparer.Ordinal), json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("lenet300", json.GetProperty("model").GetString());
        Assert.Equal("snip", json.GetProperty("method").GetString());
        Assert.Equal(0.9, json.GetProperty("sparsity").GetDouble());
        Assert.Equal(16, json.GetProperty("batch_size").GetInt32());
        Assert.Equal(1, json.GetProperty("threads").GetInt32());
        AssertThroughputsAndSpeedups(json);

        // Global SNIP keeps exactly round(10% of 266,200) weights over the three layers: the densities say where.
        var layers = AssertLayerShapes(json);
        var kept = layers.Zip(LeNet300Layers, (layer, shape) => layer.Density * shape.Weights).Sum();
        Assert.Equal(26_620, kept, 3);
        Assert.All(layers, layer => Assert.InRange(layer.Density, 0, 1));

        // The table names both measurements and every layer.
        Assert.Contains("training step", output, StringComparison.Ordinal);
        Assert.Contains("inference", output, StringComparison.Ordinal);
        Assert.Contains("speedup", output, StringComparison.Ordinal);
        Assert.All(LeNet300Layers, layer => Assert.Contains(layer.Name, output, StringComparison.Ordinal));
    }

    [Fact]
    public void DenseDefaultsBenchTheDenseNetworkAgainstItselfWithDenseKernels()
    {
        using var folder = new TempFolder();
        var (json, _) = BenchJson(folder, "--threads", "2", "--data", data.Folder);

        Assert.Equal("dense", json.GetProperty("method").GetString());
        Assert.Equal(0, json.GetProperty("sparsity").GetDouble());
        Assert.Equal(60, json.GetProperty("batch_size").GetInt32());
        Assert.Equal(2, json.GetProperty("threads").GetInt32());
        AssertThroughputsAndSpeedups(json);
        Assert.All(AssertLayerShapes(json), layer =>
        {
            Assert.Equal(1, layer.Density);
            Assert.Equal("dense", layer.Kernel);
        });
    }

    [Fact]
    public void LotteryTicketIsPrunedByItsTrainingRoundsAsTrainDoes()
    {
        using var folder = new TempFolder();
        var (json, output) = BenchJson(folder, "--method", "lth", "--sparsity", "0.2", "--batch-size", "1", "--data", data.SmallFolder);

        Assert.Equal("lth", json.GetProperty("method").GetString());
        Assert.Equal(1, json.GetProperty("batch_size").GetInt32());
        Assert.Contains("lth round 1", output, StringComparison.Ordinal);
        AssertThroughputsAndSpeedups(json);
        // lth prunes layer by layer (fc3 at half the rate), so every layer lost weights.
        Assert.All(AssertLayerShapes(json), layer => Assert.InRange(layer.Density, 0.5, 0.95));
    }

    [Fact]
    public void BatchLargerThanTheTestSetIsAUsageError()
    {
        var run = CliHarness.Run("bench", "--batch-size", "500", "--data", data.Folder);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("--batch-size 500 exceeds the 300 samples of the test set", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void PruningMethodWithoutSparsityIsAUsageError()
    {
        var run = CliHarness.Run("bench", "--method", "snip", "--data", data.Folder);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("--method snip needs --sparsity in (0, 1).", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("training step", run.Output, StringComparison.Ordinal);
    }

    private (JsonElement Json, string Output) BenchJson(TempFolder folder, params string[] args)
    {
        var path = folder.File("bench.json");
        var run = CliHarness.Run(["bench", .. args, "--json", path]);
        Assert.True(run.ExitCode == CliApplication.Success, $"bench {string.Join(' ', args)} exited with {run.ExitCode}:\n{run.Output}");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return (document.RootElement.Clone(), run.Output);
    }

    /// <summary>Positive, finite throughputs, and each speedup is the ratio of the two throughputs it compares.</summary>
    private static void AssertThroughputsAndSpeedups(JsonElement json)
    {
        foreach (var field in new[] { "train_samples_per_second", "inference_samples_per_second", "dense_train_samples_per_second", "dense_inference_samples_per_second" })
        {
            var value = json.GetProperty(field).GetDouble();
            Assert.True(double.IsFinite(value) && value > 0, $"{field} = {value}");
        }

        Assert.Equal(
            json.GetProperty("train_samples_per_second").GetDouble() / json.GetProperty("dense_train_samples_per_second").GetDouble(),
            json.GetProperty("train_speedup").GetDouble(),
            9);
        Assert.Equal(
            json.GetProperty("inference_samples_per_second").GetDouble() / json.GetProperty("dense_inference_samples_per_second").GetDouble(),
            json.GetProperty("inference_speedup").GetDouble(),
            9);
    }

    /// <summary>One entry per weight layer, in order, each exactly name, kernel (dense or sparse) and density.</summary>
    private static (string Name, string Kernel, double Density)[] AssertLayerShapes(JsonElement json)
    {
        var layers = json.GetProperty("layers").EnumerateArray().ToArray();
        Assert.Equal(LeNet300Layers.Select(l => l.Name), layers.Select(l => l.GetProperty("name").GetString()));
        foreach (var layer in layers)
        {
            Assert.Equal(["density", "kernel", "name"], layer.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Contains(layer.GetProperty("kernel").GetString(), new[] { "dense", "sparse" });
        }

        return layers.Select(l => (l.GetProperty("name").GetString()!, l.GetProperty("kernel").GetString()!, l.GetProperty("density").GetDouble())).ToArray();
    }
}
