extern alias cli;

using System.Security.Cryptography;
using System.Text.Json;
using ModelGen.IO;
using ModelGen.Tests.Data;
using Xunit;
using cli::ModelGen.Cli;
using cli::ModelGen.Cli.Output;

namespace ModelGen.Tests.Cli;

/// <summary>
/// The <c>train --json</c> contract of issues #2–#4, which outside scripts read: every field present with its type and a
/// value that follows from the run. Runs train one epoch on <see cref="TinyMnist"/> through the real command line.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class TrainCommandTests(TinyMnist data)
{
    /// <summary>Prunable weights of LeNet-300-100: 784·300 + 300·100 + 100·10.</summary>
    private const long LeNet300Weights = 266_200;

    /// <summary>Its biases: 300 + 100 + 10 (never pruned, always counted in parameters).</summary>
    private const long LeNet300Biases = 410;

    private static readonly string[] ContractFields =
    [
        "model", "method", "target_sparsity", "sparsity", "test_accuracy", "test_loss", "final_train_loss", "epochs",
        "batch_size", "lr", "optimizer", "seed", "train_seconds", "train_samples_per_second", "parameters",
        "flops_per_sample", "modelgen_version", "data", "layers", "score_seconds", "warnings", "rounds",
    ];

    [Fact]
    public void DenseRunWithDefaultFlagsWritesEveryContractField()
    {
        using var folder = new TempFolder();
        var json = CliHarness.TrainJson(folder, "--epochs", "1", "--data", data.Folder);

        foreach (var field in ContractFields)
        {
            Assert.True(json.TryGetProperty(field, out _), $"field '{field}' is missing");
        }

        // The defaults of the contract's main command (issue #2).
        Assert.Equal("lenet300", json.GetProperty("model").GetString());
        Assert.Equal("dense", json.GetProperty("method").GetString());
        Assert.Equal(0, json.GetProperty("target_sparsity").GetDouble());
        Assert.Equal(0, json.GetProperty("sparsity").GetDouble());
        Assert.Equal(1, json.GetProperty("epochs").GetInt32());
        Assert.Equal(60, json.GetProperty("batch_size").GetInt32());
        Assert.Equal(0.0012, json.GetProperty("lr").GetDouble());
        Assert.Equal("adam", json.GetProperty("optimizer").GetString());
        Assert.Equal(0, json.GetProperty("seed").GetInt32());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("rounds").ValueKind);
        Assert.Equal(0, json.GetProperty("score_seconds").GetDouble());
        Assert.Equal(JsonValueKind.Array, json.GetProperty("warnings").ValueKind);
        Assert.Empty(json.GetProperty("warnings").EnumerateArray());

        // One epoch on 1,200 digits already lifts accuracy far above chance (0.1) and the loss below chance's ln 10.
        var accuracy = json.GetProperty("test_accuracy").GetDouble();
        Assert.InRange(accuracy, 0.5, 1.0);
        Assert.InRange(json.GetProperty("test_loss").GetDouble(), 0.01, Math.Log(10));
        Assert.InRange(json.GetProperty("final_train_loss").GetDouble(), 0.01, Math.Log(10));
        // Accuracy is a count of the 300 test digits over 300.
        Assert.Equal(Math.Round(accuracy * TinyMnist.TestCount), accuracy * TinyMnist.TestCount, 6);

        // Throughput is the training samples over the training time (evaluation excluded).
        var seconds = json.GetProperty("train_seconds").GetDouble();
        var samplesPerSecond = json.GetProperty("train_samples_per_second").GetDouble();
        Assert.True(seconds > 0, $"train_seconds {seconds}");
        Assert.Equal(1.0, samplesPerSecond * seconds / TinyMnist.TrainCount, 2);

        Assert.Equal(LeNet300Weights + LeNet300Biases, json.GetProperty("parameters").GetInt64());
        Assert.Equal(266_610, json.GetProperty("parameters").GetInt64());
        // One forward pass, a multiply-add counted as 2 FLOPs.
        Assert.Equal(2 * LeNet300Weights, json.GetProperty("flops_per_sample").GetInt64());
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("modelgen_version").GetString()));

        AssertLayers(json, ("fc1", 300, 784, 0, 235_200, 235_200), ("fc2", 100, 300, 0, 30_000, 30_000), ("fc3", 10, 100, 0, 1_000, 1_000));
    }

    [Fact]
    public void DataRecordNamesTheFolderAndTheSha256OfEachFile()
    {
        using var folder = new TempFolder();
        var json = CliHarness.TrainJson(folder, "--epochs", "1", "--data", data.Folder);

        var record = json.GetProperty("data");
        Assert.Equal(Path.GetFullPath(data.Folder), record.GetProperty("folder").GetString());
        var files = record.GetProperty("files").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(
            ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "train-images-idx3-ubyte", "train-labels-idx1-ubyte"],
            files.Keys.Order(StringComparer.Ordinal));
        foreach (var path in data.Files)
        {
            var expected = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
            Assert.Equal(expected, files[Path.GetFileName(path)]);
        }
    }

    [Fact]
    public void SnipRunPrunesExactlyTheTargetFractionOfPrunableWeights()
    {
        using var folder = new TempFolder();
        var json = CliHarness.TrainJson(folder, "--method", "snip", "--sparsity", "0.9", "--epochs", "1", "--seed", "3", "--data", data.Folder);

        Assert.Equal("snip", json.GetProperty("method").GetString());
        Assert.Equal(3, json.GetProperty("seed").GetInt32());
        Assert.Equal(0.9, json.GetProperty("target_sparsity").GetDouble());
        // Exact top-k: round(0.1 · 266,200) = 26,620 weights kept, so the achieved sparsity is 0.9 to rounding.
        const long kept = 26_620;
        Assert.Equal(0.9, json.GetProperty("sparsity").GetDouble(), 12);
        Assert.Equal(kept + LeNet300Biases, json.GetProperty("parameters").GetInt64());
        var layers = json.GetProperty("layers").EnumerateArray().ToArray();
        Assert.Equal(kept, layers.Sum(l => l.GetProperty("kept").GetInt64()));
        Assert.All(layers, l => Assert.InRange(l.GetProperty("kept").GetInt64(), 1, l.GetProperty("weights").GetInt64()));

        // Per layer the kernel the pruned network runs on and its density, chosen by density alone.
        foreach (var layer in layers)
        {
            var density = layer.GetProperty("density").GetDouble();
            Assert.Equal(layer.GetProperty("kept").GetInt64() / (double)layer.GetProperty("weights").GetInt64(), density, 12);
            Assert.Equal(density <= ModelGen.Kernels.SparseKernelChoice.CrossoverDensity ? "sparse" : "dense", layer.GetProperty("kernel").GetString());
        }

        Assert.Equal("sparse", layers[0].GetProperty("kernel").GetString());
        // FLOPs describe the layer shapes as executed (dense kernels), not the mask.
        Assert.Equal(2 * LeNet300Weights, json.GetProperty("flops_per_sample").GetInt64());
        Assert.True(json.GetProperty("score_seconds").GetDouble() > 0, "SNIP scoring takes measurable time");
        Assert.InRange(json.GetProperty("test_accuracy").GetDouble(), 0.3, 1.0);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("rounds").ValueKind);
    }

    [Fact]
    public void LotteryTicketRunReportsItsRoundsAndLandsOnTheTarget()
    {
        using var folder = new TempFolder();
        // Five or more rounds of training: the small folder keeps them quick (accuracy is not the point here).
        var json = CliHarness.TrainJson(folder, "--method", "lth", "--sparsity", "0.5", "--epochs", "1", "--data", data.SmallFolder);

        Assert.Equal("lth", json.GetProperty("method").GetString());
        // The last round scales its rates so that the overall sparsity lands exactly: 133,100 of 266,200 kept.
        Assert.Equal(0.5, json.GetProperty("sparsity").GetDouble(), 12);
        var kept = json.GetProperty("layers").EnumerateArray().ToDictionary(l => l.GetProperty("name").GetString()!, l => l.GetProperty("kept").GetInt64());
        Assert.Equal(LeNet300Weights / 2, kept.Values.Sum());
        Assert.Equal(kept.Values.Sum() + LeNet300Biases, json.GetProperty("parameters").GetInt64());
        // Layer-wise 20/20/10%: fc1 and fc2 keep the same fraction, the output layer (pruned at half rate) more.
        Assert.Equal(kept["fc1"] / 235_200.0, kept["fc2"] / 30_000.0, 3);
        Assert.True(kept["fc3"] / 1_000.0 > kept["fc1"] / 235_200.0, $"fc3 kept {kept["fc3"]}, fc1 {kept["fc1"]}");

        var rounds = json.GetProperty("rounds").EnumerateArray().ToArray();
        // Round 0 trains dense; 20% per round needs at least ceil(log 0.5 / log 0.8) = 4 pruning rounds for fc1.
        Assert.True(rounds.Length >= 5, $"{rounds.Length} rounds");
        for (var i = 0; i < rounds.Length; i++)
        {
            Assert.Equal(i, rounds[i].GetProperty("round").GetInt32());
            Assert.InRange(rounds[i].GetProperty("test_accuracy").GetDouble(), 0, 1);
            Assert.Equal(["fc1.weight", "fc2.weight", "fc3.weight"], rounds[i].GetProperty("layer_density").EnumerateObject().Select(p => p.Name));
        }

        Assert.Equal(0, rounds[0].GetProperty("sparsity").GetDouble());
        var sparsities = rounds.Select(r => r.GetProperty("sparsity").GetDouble()).ToArray();
        Assert.Equal(sparsities.Order(), sparsities);
        Assert.Equal(0.5, sparsities[^1], 12);
        // The record's accuracy is the last round's (the landed ticket).
        Assert.Equal(rounds[^1].GetProperty("test_accuracy").GetDouble(), json.GetProperty("test_accuracy").GetDouble());
    }

    [Fact]
    public void LeNet5At98PercentKeepsExactly8610WeightsAndDescribesItsConvolutions()
    {
        using var folder = new TempFolder();
        var json = CliHarness.TrainJson(folder, "--model", "lenet5", "--method", "synflow", "--sparsity", "0.98", "--synflow-iterations", "10", "--epochs", "1", "--data", data.Folder);

        // All four weight tensors are prunable: round(0.02 · 430,500) = 8,610 kept; biases 20 + 50 + 500 + 10.
        var layers = json.GetProperty("layers").EnumerateArray().ToArray();
        Assert.Equal(["conv1", "conv2", "fc1", "fc2"], layers.Select(l => l.GetProperty("name").GetString()));
        Assert.Equal(8_610, layers.Sum(l => l.GetProperty("kept").GetInt64()));
        Assert.Equal(430_500, layers.Sum(l => l.GetProperty("weights").GetInt64()));
        Assert.Equal(8_610 + 580, json.GetProperty("parameters").GetInt64());
        Assert.Equal(0.98, json.GetProperty("sparsity").GetDouble(), 12);

        // A convolution's weight is [out channels, in channels·kh·kw] with its window; dense layers have no window fields.
        Assert.Equal((20, 25, 500), (layers[0].GetProperty("rows").GetInt32(), layers[0].GetProperty("cols").GetInt32(), layers[0].GetProperty("weights").GetInt32()));
        Assert.Equal((50, 500), (layers[1].GetProperty("rows").GetInt32(), layers[1].GetProperty("cols").GetInt32()));
        foreach (var conv in layers[..2])
        {
            Assert.Equal([5, 5], conv.GetProperty("kernel_size").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(1, conv.GetProperty("stride").GetInt32());
            Assert.Equal(0, conv.GetProperty("padding").GetInt32());
        }

        Assert.Equal((500, 800), (layers[2].GetProperty("rows").GetInt32(), layers[2].GetProperty("cols").GetInt32()));
        Assert.False(layers[2].TryGetProperty("kernel_size", out _));
        Assert.InRange(json.GetProperty("test_accuracy").GetDouble(), 0.2, 1.0);
    }

    [Fact]
    public void ConvolutionPruneRateSetsTheConvolutionLayersRatePerLotteryTicketRound()
    {
        using var folder = new TempFolder();
        // 30% is two pruning rounds: the first at the full rates (convolutions 40%, fc1 20%, the output layer 10%)
        // removes 90,700 of 430,500 weights, short of the target; the second is scaled to land on it.
        var json = CliHarness.TrainJson(folder, "--model", "lenet5", "--method", "lth", "--sparsity", "0.3", "--prune-rate", "0.2", "--conv-prune-rate", "0.4", "--epochs", "1", "--data", data.SmallFolder);

        Assert.Equal(0.4, json.GetProperty("conv_prune_rate").GetDouble());
        Assert.Equal(0.2, json.GetProperty("prune_rate").GetDouble());
        var first = json.GetProperty("rounds").EnumerateArray().ElementAt(1).GetProperty("layer_density");
        Assert.Equal(0.6, first.GetProperty("conv1.weight").GetDouble(), 12);
        Assert.Equal(0.6, first.GetProperty("conv2.weight").GetDouble(), 12);
        Assert.Equal(0.8, first.GetProperty("fc1.weight").GetDouble(), 12);
        Assert.Equal(0.9, first.GetProperty("fc2.weight").GetDouble(), 12);
        Assert.Equal(0.3, json.GetProperty("sparsity").GetDouble(), 12);
    }

    [Fact]
    public void FactorizedModelReportsRankAndFactorWeights()
    {
        using var folder = new TempFolder();
        // Rank 8 learns slowly from its spectral init (about 36% after one epoch here, 52% after three); it is cheap.
        var json = CliHarness.TrainJson(folder, "--model", "lenet300-r8", "--epochs", "3", "--data", data.Folder);

        Assert.Equal("lenet300-r8", json.GetProperty("model").GetString());
        Assert.Equal(3, json.GetProperty("epochs").GetInt32());
        // weights = r·(rows + cols) for a factorized layer; fc3 stays a plain dense layer.
        const long fc1 = 8 * (300 + 784), fc2 = 8 * (100 + 300), fc3 = 1_000;
        AssertLayers(json, ("fc1", 300, 784, 8, fc1, fc1), ("fc2", 100, 300, 8, fc2, fc2), ("fc3", 10, 100, 0, fc3, fc3));
        Assert.Equal(fc1 + fc2 + fc3 + LeNet300Biases, json.GetProperty("parameters").GetInt64());
        Assert.Equal(2 * (fc1 + fc2 + fc3), json.GetProperty("flops_per_sample").GetInt64());
        Assert.InRange(json.GetProperty("test_accuracy").GetDouble(), 0.3, 1.0);
    }

    [Fact]
    public void SameSeedGivesTheSameRun()
    {
        using var first = new TempFolder();
        using var second = new TempFolder();
        string[] args = ["--method", "random", "--sparsity", "0.8", "--epochs", "1", "--seed", "5", "--data", data.SmallFolder];

        var a = CliHarness.TrainJson(first, args);
        var b = CliHarness.TrainJson(second, args);

        // The contract promises the same result for the same seed on one machine, bit for bit.
        Assert.Equal(a.GetProperty("test_accuracy").GetDouble(), b.GetProperty("test_accuracy").GetDouble());
        Assert.Equal(a.GetProperty("test_loss").GetDouble(), b.GetProperty("test_loss").GetDouble());
        Assert.Equal(a.GetProperty("final_train_loss").GetDouble(), b.GetProperty("final_train_loss").GetDouble());
        Assert.Equal(
            a.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("kept").GetInt64()),
            b.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("kept").GetInt64()));
    }

    [Fact]
    public void ThreadCountChangesSpeedOnlyNotTheRun()
    {
        using var first = new TempFolder();
        using var second = new TempFolder();
        string[] args = ["--method", "snip", "--sparsity", "0.5", "--score-samples", "200", "--epochs", "1", "--seed", "3", "--data", data.SmallFolder];

        try
        {
            var one = CliHarness.TrainJson(first, [.. args, "--threads", "1"]);
            var two = CliHarness.TrainJson(second, [.. args, "--threads", "2"]);

            // Fixed work partitioning: every output element is summed by one thread in one order, so the runs agree bit for bit.
            Assert.Equal(1, one.GetProperty("threads").GetInt32());
            Assert.Equal(2, two.GetProperty("threads").GetInt32());
            Assert.Equal(one.GetProperty("test_accuracy").GetDouble(), two.GetProperty("test_accuracy").GetDouble());
            Assert.Equal(one.GetProperty("test_loss").GetDouble(), two.GetProperty("test_loss").GetDouble());
            Assert.Equal(one.GetProperty("final_train_loss").GetDouble(), two.GetProperty("final_train_loss").GetDouble());
        }
        finally
        {
            ModelGen.Kernels.Gemm.MaxDegreeOfParallelism = 1;
        }
    }

    [Fact]
    public void JsonReplacesAnExistingFileWithoutLeavingATemporaryFile()
    {
        using var folder = new TempFolder();
        var path = folder.File("result.json");
        File.WriteAllText(path, "stale content from an earlier run");

        var run = CliHarness.Run("train", "--epochs", "1", "--data", data.Folder, "--json", path);

        Assert.Equal(CliApplication.Success, run.ExitCode);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal("lenet300", document.RootElement.GetProperty("model").GetString());
        Assert.Equal([path], Directory.GetFiles(folder.Path));
        Assert.Contains(path, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void AtomicWriteThatFailsKeepsTheOldFileAndCleansUp()
    {
        using var folder = new TempFolder();
        var path = folder.File("results.json");
        File.WriteAllText(path, "old");

        Assert.Throws<IOException>(() => AtomicFile.Write(path, temp =>
        {
            File.WriteAllText(temp, "half written");
            throw new IOException("disk full");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void AtomicWriteCreatesMissingFoldersAndKeepsTheExtensionForFormatWriters()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "sweep", "out", "accuracy.png");
        string? seenTemp = null;

        AtomicFile.Write(path, temp =>
        {
            seenTemp = temp;
            File.WriteAllText(temp, "image");
        });

        Assert.Equal("image", File.ReadAllText(path));
        Assert.Equal(".png", Path.GetExtension(seenTemp));
        Assert.Equal(Path.GetDirectoryName(path), Path.GetDirectoryName(seenTemp));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void RecordRoundTripsThroughTheSnakeCaseJson()
    {
        var record = SweepRecords.Make("lenet300-r16", "lth-reinit", 0.95, seed: 2, accuracy: 0.9123);
        record.Rounds = [new RoundRecord(0, 0, new SortedDictionary<string, double>(StringComparer.Ordinal) { ["fc3.weight"] = 1 }, 0.9, 0.3, null)];
        record.ReinitSeed = 1_000_005;

        var text = RunJson.Serialize(record);
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;

        Assert.Equal(0.95, root.GetProperty("target_sparsity").GetDouble());
        Assert.Equal(1_000_005, root.GetProperty("reinit_seed").GetInt32());
        Assert.Equal(1.0, root.GetProperty("rounds")[0].GetProperty("layer_density").GetProperty("fc3.weight").GetDouble());
        // A round without validation does not carry a null best step.
        Assert.False(root.GetProperty("rounds")[0].TryGetProperty("best_validation_step", out _));
        // Names are not escaped for HTML: scripts read '+' in versions as is.
        Assert.Contains("\"modelgen_version\": \"1.0.0+abc\"", text, StringComparison.Ordinal);

        using var folder = new TempFolder();
        var path = folder.File("results.json");
        File.WriteAllText(path, RunJson.Serialize([record]));
        var read = Assert.Single(RunJson.ReadArray(path));
        Assert.Equal(RunJson.Serialize(record), RunJson.Serialize(read));
    }

    private static void AssertLayers(JsonElement json, params (string Name, int Rows, int Cols, int Rank, long Weights, long Kept)[] expected)
    {
        var layers = json.GetProperty("layers").EnumerateArray()
            .Select(l => (
                l.GetProperty("name").GetString()!,
                l.GetProperty("rows").GetInt32(),
                l.GetProperty("cols").GetInt32(),
                l.GetProperty("rank").GetInt32(),
                l.GetProperty("weights").GetInt64(),
                l.GetProperty("kept").GetInt64()))
            .ToArray();
        Assert.Equal(expected, layers);
    }
}
