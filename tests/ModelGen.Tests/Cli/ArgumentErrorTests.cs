extern alias cli;

using System.Buffers.Binary;
using cli::ModelGen.Cli;
using ModelGen.Tests.Data;
using Xunit;

namespace ModelGen.Tests.Cli;

/// <summary>
/// Bad arguments end with a message naming the problem and a non-zero exit code, never an exception (the harness turns
/// the default exception handler off, so a crash fails these tests) and never a training run.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class ArgumentErrorTests(TinyMnist data)
{
    [Fact]
    public void UnknownModelListsTheKnownOnes()
    {
        var run = CliHarness.Run("train", "--model", "lenet7", "--data", data.Folder);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("Unknown model 'lenet7'", run.Output, StringComparison.Ordinal);
        Assert.Contains("Known models: ", run.Output, StringComparison.Ordinal);
        foreach (var name in new[] { "lenet300", "lenet300-r8", "lenet300-r16", "lenet300-r32", "lenet300-r64", "lenet5" })
        {
            Assert.Contains(name, run.Output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("epoch", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownMethodIsRejectedByTheParserWithTheChoices()
    {
        var run = CliHarness.Run("train", "--method", "obd", "--sparsity", "0.5", "--data", data.Folder);

        Assert.NotEqual(CliApplication.Success, run.ExitCode);
        Assert.Contains("obd", run.Output, StringComparison.Ordinal);
        Assert.Contains("snip", run.Output, StringComparison.Ordinal);
        Assert.Contains("lth-reinit", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("epoch 1/", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownMethodInASweepListIsNamed()
    {
        using var output = new TempFolder();
        var run = CliHarness.Run("sweep", "--methods", "snip,obd", "--sparsities", "0.5", "--data", data.Folder, "--out", output.Path);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("Unknown method 'obd' in --methods", run.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(output.Path));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("NaN")]
    public void SparsityOutsideTheHalfOpenUnitIntervalIsRefused(string sparsity)
    {
        var run = CliHarness.Run("train", "--method", "snip", "--sparsity", sparsity, "--data", data.Folder);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("--sparsity must be in [0, 1)", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("train", "0")]
    [InlineData("train", "1")]
    [InlineData("train", "-0.2")]
    [InlineData("train", "NaN")]
    [InlineData("sweep", "1.5")]
    public void ConvolutionPruneRateOutsideTheOpenUnitIntervalIsRefused(string command, string rate)
    {
        using var output = new TempFolder();
        string[] args = command == "train"
            ? ["train", "--model", "lenet5", "--method", "lth", "--sparsity", "0.5", "--conv-prune-rate", rate, "--data", data.Folder]
            : ["sweep", "--models", "lenet5", "--methods", "lth", "--sparsities", "0.5", "--conv-prune-rate", rate, "--data", data.Folder, "--out", output.Path];
        var run = CliHarness.Run(args);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains($"--conv-prune-rate must be in (0, 1) (got {rate})", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("epoch 1/", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("snip")]
    [InlineData("lth")]
    [InlineData("random")]
    public void PruningMethodWithoutSparsityIsRefused(string method)
    {
        var run = CliHarness.Run("train", "--method", method, "--data", data.Folder);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains($"--method {method} needs --sparsity in (0, 1)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void DenseWithASparsityIsRefused()
    {
        var run = CliHarness.Run("train", "--sparsity", "0.5", "--data", data.Folder);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("needs a pruning method", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryRangeProblemIsReportedAtOnce()
    {
        var run = CliHarness.Run("train", "--epochs", "0", "--batch-size", "-1", "--lr", "0", "--data", data.Folder);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("--epochs must be positive (got 0)", run.Output, StringComparison.Ordinal);
        Assert.Contains("--batch-size must be positive (got -1)", run.Output, StringComparison.Ordinal);
        Assert.Contains("--lr must be a positive number (got 0)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingDataFolderIsNamed()
    {
        using var parent = new TempFolder();
        var missing = Path.Combine(parent.Path, "no-such-mnist");

        var run = CliHarness.Run("train", "--epochs", "1", "--data", missing);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains(missing, run.Output, StringComparison.Ordinal);
        Assert.Contains("does not exist", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void DataFolderWithoutTheFilesIsNamed()
    {
        using var empty = new TempFolder();

        var run = CliHarness.Run("train", "--epochs", "1", "--data", empty.Path);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains(empty.Path, run.Output, StringComparison.Ordinal);
        Assert.Contains("train-images-idx3-ubyte", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedDataFileFailsWithTheFileNamed()
    {
        using var broken = new TempFolder();
        foreach (var file in data.Files)
        {
            File.Copy(file, broken.File(Path.GetFileName(file)));
        }

        // A labels file whose magic number claims 4-byte integers instead of unsigned bytes.
        var labels = broken.File("t10k-labels-idx1-ubyte");
        var bytes = File.ReadAllBytes(labels);
        bytes[2] = 0x0C;
        File.WriteAllBytes(labels, bytes);

        var run = CliHarness.Run("train", "--epochs", "1", "--data", broken.Path);

        Assert.Equal(CliApplication.Failure, run.ExitCode);
        Assert.Contains("t10k-labels-idx1-ubyte", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ImagesAndLabelsOfDifferentCountsFailWithBothFilesNamed()
    {
        using var broken = new TempFolder();
        foreach (var file in data.Files)
        {
            File.Copy(file, broken.File(Path.GetFileName(file)));
        }

        // Well-formed IDX files, but one label fewer than there are test images: a FormatException, not an IDX one.
        var labels = broken.File("t10k-labels-idx1-ubyte");
        var bytes = File.ReadAllBytes(labels)[..^1];
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), TinyMnist.TestCount - 1);
        File.WriteAllBytes(labels, bytes);

        var run = CliHarness.Run("train", "--epochs", "1", "--data", broken.Path);

        Assert.Equal(CliApplication.Failure, run.ExitCode);
        Assert.Contains($"holds {TinyMnist.TestCount} images but {labels} holds {TinyMnist.TestCount - 1} labels", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonPathThatIsAFolderIsRefusedBeforeTraining()
    {
        using var folder = new TempFolder();

        var run = CliHarness.Run("train", "--epochs", "1", "--data", data.Folder, "--json", folder.Path);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("is a folder", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("epoch 1/", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void UnwritableJsonPathIsRefusedBeforeTraining()
    {
        using var folder = new TempFolder();
        var blocker = Path.Combine(folder.Path, "not-a-folder");
        File.WriteAllText(blocker, "a file where the JSON's folder should be");

        var run = CliHarness.Run("train", "--epochs", "1", "--data", data.Folder, "--json", Path.Combine(blocker, "result.json"));

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("cannot write", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("epoch 1/", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ScoreSamplesBeyondTheTrainingSetAreRefused()
    {
        var run = CliHarness.Run("train", "--method", "snip", "--sparsity", "0.5", "--score-samples", "5000", "--data", data.Folder);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains($"--score-samples 5000 exceeds the {TinyMnist.TrainCount} training samples", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidationHoldoutThatLeavesNoTrainingDataIsRefused()
    {
        var run = CliHarness.Run("train", "--epochs", "1", "--validation", "1200", "--data", data.Folder);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("--validation 1200 leaves no training data", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void UnparsableNumberIsAParseError()
    {
        var run = CliHarness.Run("train", "--epochs", "ten", "--data", data.Folder);

        Assert.NotEqual(CliApplication.Success, run.ExitCode);
        Assert.Contains("ten", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void SweepSparsityOutsideTheRangeIsNamed()
    {
        using var output = new TempFolder();

        var run = CliHarness.Run("sweep", "--methods", "snip", "--sparsities", "0.5,1", "--data", data.Folder, "--out", output.Path);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("--sparsities: '1' is not a number in [0, 1)", run.Output, StringComparison.Ordinal);
    }
}
