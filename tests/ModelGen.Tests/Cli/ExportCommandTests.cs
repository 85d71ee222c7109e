extern alias cli;

using cli::ModelGen.Cli;
using ModelGen.Examples;
using ModelGen.IO;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Tests.Data;
using ModelGen.Tests.IO;
using Xunit;

namespace ModelGen.Tests.Cli;

/// <summary><c>export --model M --weights FILE --onnx OUT</c>: saved weights (with masks) become an ONNX file ONNX Runtime runs.</summary>
[Collection(CliCollection.Name)]
public sealed class ExportCommandTests
{
    [Fact]
    public void APrunedModelsSavedWeightsExportToOnnxThatGivesItsLogits()
    {
        using var folder = new TempFolder();
        var network = new LeNet300(seed: 12);
        new RandomPruner(seed: 3).Prune(network, sparsity: 0.9);
        var weights = folder.File("lenet300.safetensors");
        NetworkWeights.Save(network, weights);
        var onnx = folder.File("out/lenet300.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(onnx)!);

        var run = CliHarness.Run("export", "--model", "lenet300", "--weights", weights, "--onnx", onnx);

        Assert.True(run.ExitCode == CliApplication.Success, run.Output);
        Assert.Contains("lenet300 from " + weights + " (sparsity 0.9000, 266,610 parameters) → ONNX opset 17: input [N, 784] → logits [N, 10]", run.Output, StringComparison.Ordinal);
        Assert.Contains("ONNX written to " + onnx, run.Output, StringComparison.Ordinal);
        AssertRunsLike(network, File.ReadAllBytes(onnx));
    }

    [Fact]
    public void AFactorizedModelExportsItsFactors()
    {
        using var folder = new TempFolder();
        var network = new LeNet300Rank8(seed: 4);
        var weights = folder.File("r8.safetensors");
        NetworkWeights.Save(network, weights);
        var onnx = folder.File("r8.onnx");

        var run = CliHarness.Run("export", "--model", "lenet300-r8", "--weights", weights, "--onnx", onnx);

        Assert.True(run.ExitCode == CliApplication.Success, run.Output);
        AssertRunsLike(network, File.ReadAllBytes(onnx));
    }

    [Fact]
    public void WeightsOfAnotherModelAreRefusedNamingTheFileAndNoOnnxIsWritten()
    {
        using var folder = new TempFolder();
        var weights = folder.File("r8.safetensors");
        NetworkWeights.Save(new LeNet300Rank8(seed: 1), weights);
        var onnx = folder.File("wrong.onnx");

        var run = CliHarness.Run("export", "--model", "lenet300", "--weights", weights, "--onnx", onnx);

        Assert.Equal(CliApplication.Failure, run.ExitCode);
        Assert.Contains("error:", run.Output, StringComparison.Ordinal);
        Assert.Contains(weights, run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(onnx));
    }

    [Fact]
    public void AMissingWeightsFileOrUnknownModelIsAUsageError()
    {
        using var folder = new TempFolder();
        var missing = folder.File("none.safetensors");

        var noFile = CliHarness.Run("export", "--model", "lenet300", "--weights", missing, "--onnx", folder.File("a.onnx"));
        Assert.Equal(CliApplication.UsageError, noFile.ExitCode);
        Assert.Contains($"error: --weights {missing} does not exist.", noFile.Output, StringComparison.Ordinal);

        var unknown = CliHarness.Run("export", "--model", "lenet7", "--weights", missing, "--onnx", folder.File("a.onnx"));
        Assert.Equal(CliApplication.UsageError, unknown.ExitCode);
        Assert.Contains("Unknown model 'lenet7'", unknown.Output, StringComparison.Ordinal);

        var noOnnx = CliHarness.Run("export", "--model", "lenet300", "--weights", missing);
        Assert.NotEqual(CliApplication.Success, noOnnx.ExitCode);
        Assert.Contains("--onnx", noOnnx.Output, StringComparison.Ordinal);
    }

    /// <summary>ONNX Runtime on the file gives the network's logits on 20 test digits.</summary>
    private static void AssertRunsLike(INetwork network, byte[] model)
    {
        const int batch = 20;
        var input = BundledData.Mnist.Test.Inputs.AsSpan(0, batch * network.InputSize).ToArray();
        var ours = new float[batch * network.OutputSize];
        network.Forward(input, batch, ours);
        var theirs = OnnxRuntimeRunner.Run(model, input, batch, network.InputSize);
        LogitComparison.AssertClose(ours, theirs, batch, network.OutputSize, "exported through the CLI");
    }
}
