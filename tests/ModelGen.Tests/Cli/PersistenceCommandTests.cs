extern alias cli;

using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using cli::ModelGen.Cli;
using ModelGen.Examples;
using ModelGen.IO;
using ModelGen.Tests.Data;
using ModelGen.Tests.IO;
using ModelGen.Training;
using Xunit;

namespace ModelGen.Tests.Cli;

/// <summary>
/// <c>train --save/--checkpoint/--resume</c>, <c>evaluate</c> and <c>inspect</c> through the real command line (in
/// process), and the error line every refused file gets: <c>error: &lt;file&gt;: &lt;tensor&gt;: &lt;what&gt; at byte &lt;offset&gt;</c>.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class PersistenceCommandTests(TinyMnist data)
{
    [Fact]
    public void Saved_weights_evaluate_to_the_accuracy_train_reported_and_inspect_lists_them()
    {
        using var folder = new TempFolder();
        var weights = folder.File("w.safetensors");
        var train = CliHarness.TrainJson(folder, "--epochs", "1", "--data", data.SmallFolder, "--method", "magnitude", "--sparsity", "0.5", "--save", weights);

        var evaluationPath = folder.File("eval.json");
        var run = CliHarness.Run("evaluate", "--weights", weights, "--data", data.SmallFolder, "--json", evaluationPath);
        Assert.True(run.ExitCode == CliApplication.Success, run.Output);
        using var document = JsonDocument.Parse(File.ReadAllText(evaluationPath));
        var evaluation = document.RootElement;
        Assert.Equal("lenet300", evaluation.GetProperty("model").GetString());
        Assert.Equal(train.GetProperty("test_accuracy").GetDouble(), evaluation.GetProperty("test_accuracy").GetDouble());
        Assert.Equal(train.GetProperty("test_loss").GetDouble(), evaluation.GetProperty("test_loss").GetDouble());
        Assert.Equal(train.GetProperty("sparsity").GetDouble(), evaluation.GetProperty("sparsity").GetDouble());
        Assert.Equal(train.GetProperty("parameters").GetInt64(), evaluation.GetProperty("parameters").GetInt64());
        Assert.Equal(train.GetProperty("layers").GetRawText(), evaluation.GetProperty("layers").GetRawText());
        Assert.Equal(TinyMnist.TestCount / 4, evaluation.GetProperty("test_samples").GetInt32());
        Assert.Equal("magnitude", evaluation.GetProperty("metadata").GetProperty("method").GetString());

        var inspect = CliHarness.Run("inspect", weights);
        Assert.True(inspect.ExitCode == CliApplication.Success, inspect.Output);
        foreach (var expected in new[] { "fc1.weight_mask", "fc3.bias", "[300, 784]", "F32", "magnitude", "lenet300" })
        {
            Assert.Contains(expected, inspect.Output, StringComparison.Ordinal);
        }

        foreach (var layer in train.GetProperty("layers").EnumerateArray())
        {
            var weightsCount = layer.GetProperty("weights").GetInt64();
            var removed = weightsCount - layer.GetProperty("kept").GetInt64();
            var row = $@"{layer.GetProperty("name").GetString()}\s*│\s*{weightsCount.ToString("N0", CultureInfo.InvariantCulture)}\s*│\s*{removed.ToString("N0", CultureInfo.InvariantCulture)}\s*│";
            Assert.Matches(new Regex(row), inspect.Output);
        }
    }

    [Fact]
    public void Damaged_weights_end_with_one_error_line_naming_file_tensor_and_offset()
    {
        using var folder = new TempFolder();
        var weights = folder.File("w.safetensors");
        CliHarness.TrainJson(folder, "--epochs", "1", "--data", data.SmallFolder, "--save", weights);
        long offset;
        using (var file = SafetensorsReader.Open(weights))
        {
            Assert.True(file.TryGet("fc1.weight", out var tensor));
            offset = tensor.HeaderOffset;
        }

        var damaged = folder.File("damaged.safetensors");
        File.WriteAllBytes(damaged, File.ReadAllBytes(weights)[..100_000]);

        foreach (var args in new[] { new[] { "evaluate", "--weights", damaged, "--data", data.SmallFolder }, ["inspect", damaged] })
        {
            var run = CliHarness.Run(args);

            Assert.Equal(CliApplication.Failure, run.ExitCode);
            var line = Assert.Single(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Assert.StartsWith($"error: {damaged}: fc1.weight: data_offsets [0, 940800] run past the end of the data section", line, StringComparison.Ordinal);
            Assert.EndsWith($" at byte {offset}", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Checkpoint_of_another_model_or_run_is_refused_and_left_intact()
    {
        using var folder = new TempFolder();
        var checkpoints = folder.File("ck");
        var first = CliHarness.Run("train", "--epochs", "1", "--data", data.SmallFolder, "--checkpoint", checkpoints);
        Assert.True(first.ExitCode == CliApplication.Success, first.Output);
        var path = TrainingCheckpoint.FilePath(checkpoints);
        var bytes = File.ReadAllBytes(path);

        var otherModel = CliHarness.Run("train", "--epochs", "2", "--data", data.SmallFolder, "--resume", checkpoints, "--model", "lenet300-r8");
        Assert.Equal(CliApplication.Failure, otherModel.ExitCode);
        Assert.Contains($"error: {path}: __metadata__: a checkpoint of model 'lenet300', this run trains 'lenet300-r8' at byte 8", otherModel.Output, StringComparison.Ordinal);

        var otherSeed = CliHarness.Run("train", "--epochs", "2", "--data", data.SmallFolder, "--resume", checkpoints, "--seed", "5");
        Assert.Equal(CliApplication.Failure, otherSeed.ExitCode);
        Assert.Contains("written by a different run: seed 0 in the checkpoint, 5 in this run", otherSeed.Output, StringComparison.Ordinal);

        var overwrite = CliHarness.Run("train", "--epochs", "1", "--data", data.SmallFolder, "--checkpoint", checkpoints);
        Assert.Equal(CliApplication.UsageError, overwrite.ExitCode);
        Assert.Contains("already holds a checkpoint; continue it with --resume", overwrite.Output, StringComparison.Ordinal);

        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.DoesNotContain("   at ", otherModel.Output + otherSeed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Resume_from_a_folder_without_checkpoint_starts_from_the_beginning_and_says_so()
    {
        using var folder = new TempFolder();
        var checkpoints = folder.File("new");
        var resumed = CliHarness.TrainJson(folder, "--epochs", "1", "--data", data.SmallFolder, "--resume", checkpoints, "--save", folder.File("a.safetensors"));
        var plain = CliHarness.TrainJson(folder, "--epochs", "1", "--data", data.SmallFolder, "--save", folder.File("b.safetensors"));

        Assert.True(TrainingCheckpoint.Exists(checkpoints));
        Assert.Equal(plain.GetProperty("test_accuracy").GetDouble(), resumed.GetProperty("test_accuracy").GetDouble());
        var run = CliHarness.Run("train", "--epochs", "1", "--data", data.SmallFolder, "--resume", folder.File("other"));
        Assert.Contains($"No checkpoint in {folder.File("other")} yet: starting from the beginning.", run.Output, StringComparison.Ordinal);
        AssertSameWeights(folder.File("a.safetensors"), folder.File("b.safetensors"));
    }

    [Fact]
    public void Diverging_loss_stops_with_epoch_and_batch()
    {
        var run = CliHarness.Run("train", "--epochs", "1", "--data", data.SmallFolder, "--lr", "1e30");

        Assert.Equal(CliApplication.Failure, run.ExitCode);
        Assert.Matches(new Regex(@"error: the training loss is \S+ at epoch 1, batch \d+ \(step \d+\); training stopped before that step"), run.Output);
    }

    internal static void AssertSameWeights(string expectedPath, string actualPath)
    {
        var expected = new LeNet300(seed: 1);
        var actual = new LeNet300(seed: 2);
        NetworkWeights.Load(expected, expectedPath);
        NetworkWeights.Load(actual, actualPath);
        NetworkWeightsTests.AssertSameBits(expected.Parameters.Values, actual.Parameters.Values);
        NetworkWeightsTests.AssertSameBits(expected.Masks.Values, actual.Masks.Values);
    }
}
