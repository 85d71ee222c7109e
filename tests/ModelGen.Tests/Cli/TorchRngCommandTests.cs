extern alias cli;

using System.Text.Json;
using cli::ModelGen.Cli;
using ModelGen.Examples;
using ModelGen.IO;
using ModelGen.Model;
using ModelGen.Tests.Data;
using ModelGen.Tests.IO;
using Xunit;

namespace ModelGen.Tests.Cli;

/// <summary>
/// <c>--rng torch</c> through the command line: the network a run starts from is PyTorch's initialization, the record
/// says which generator ran, resumes keep to it, and models and flags it cannot serve are refused with the reason.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class TorchRngCommandTests(TinyMnist data)
{
    [Fact]
    public void A_torch_run_starts_from_pytorchs_initialization_and_its_record_says_torch()
    {
        var settings = new TrainSettings { Model = "lenet5", Rng = "torch" };
        var network = RunComponents.CreateNetwork(RunComponents.FindModel("lenet5"), settings, 3);
        var expected = new LeNet5(seed: 3);
        TorchInitialization.Initialize(expected.Parameters, 3);
        NetworkWeightsTests.AssertSameBits(expected.Parameters.Values, network.Parameters.Values);
        Assert.NotEqual(new LeNet5(seed: 3).Parameters.Values.ToArray(), network.Parameters.Values.ToArray());

        using var folder = new TempFolder();
        var torch = CliHarness.TrainJson(folder, "--epochs", "1", "--data", data.SmallFolder, "--rng", "torch");
        var ours = CliHarness.TrainJson(folder, "--epochs", "1", "--data", data.SmallFolder);
        Assert.Equal("torch", torch.GetProperty("rng").GetString());
        Assert.Equal("modelgen", ours.GetProperty("rng").GetString());
        Assert.NotEqual(ours.GetProperty("final_train_loss").GetDouble(), torch.GetProperty("final_train_loss").GetDouble());
    }

    [Fact]
    public void A_torch_run_resumed_after_its_first_epoch_ends_with_the_uninterrupted_runs_weights()
    {
        using var folder = new TempFolder();
        var checkpoints = folder.File("ck");
        string[] common = ["--data", data.SmallFolder, "--rng", "torch", "--method", "snip", "--sparsity", "0.9", "--score-samples", "200"];
        CliHarness.TrainJson(folder, ["--epochs", "1", "--checkpoint", checkpoints, .. common]);
        CliHarness.TrainJson(folder, ["--epochs", "2", "--resume", checkpoints, "--save", folder.File("resumed.safetensors"), .. common]);
        CliHarness.TrainJson(folder, ["--epochs", "2", "--save", folder.File("whole.safetensors"), .. common]);
        PersistenceCommandTests.AssertSameWeights(folder.File("whole.safetensors"), folder.File("resumed.safetensors"));

        // The checkpoint names its generator, so a resume without --rng torch would train other batches: refused.
        var withoutTorch = CliHarness.Run("train", "--epochs", "2", "--data", data.SmallFolder, "--method", "snip", "--sparsity", "0.9", "--score-samples", "200", "--resume", checkpoints);
        Assert.Equal(CliApplication.Failure, withoutTorch.ExitCode);
        Assert.Contains("written by a different run: rng torch in the checkpoint, unset in this run", withoutTorch.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lenet300-r8", "has factorized layers (U·Vt), which PyTorch has no layer for")]
    [InlineData("lenet300-ticket98", "is baked from a ticket, whose weights come from the ticket")]
    public void Models_without_a_pytorch_initialization_are_refused(string model, string reason)
    {
        var train = CliHarness.Run("train", "--model", model, "--epochs", "1", "--data", data.SmallFolder, "--rng", "torch");
        Assert.Equal(CliApplication.UsageError, train.ExitCode);
        Assert.Contains($"--rng torch: model '{model}' {reason}", train.Output, StringComparison.Ordinal);

        using var output = new TempFolder();
        var sweep = CliHarness.Run("sweep", "--models", $"lenet300,{model}", "--methods", "dense", "--seeds", "0", "--epochs", "1", "--data", data.SmallFolder, "--rng", "torch", "--out", output.Path);
        Assert.Equal(CliApplication.UsageError, sweep.ExitCode);
        Assert.Contains($"--rng torch: model '{model}' {reason}", sweep.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(output.Path, "results.json")));
    }

    [Fact]
    public void Tickets_and_unknown_generators_are_refused()
    {
        using var folder = new TempFolder();
        var ticket = CliHarness.Run("train", "--epochs", "1", "--data", data.SmallFolder, "--rng", "torch", "--method", "magnitude", "--sparsity", "0.5", "--save-ticket", folder.File("t.ticket"));
        Assert.Equal(CliApplication.UsageError, ticket.ExitCode);
        Assert.Contains("--save-ticket with --rng torch: a ticket's survivors rewind to the model's own seeded initialization", ticket.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("t.ticket")));

        var unknown = CliHarness.Run("train", "--epochs", "1", "--data", data.SmallFolder, "--rng", "numpy");
        Assert.NotEqual(CliApplication.Success, unknown.ExitCode);
        Assert.Contains("numpy", unknown.Output, StringComparison.Ordinal);
        Assert.Contains("torch", unknown.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sweep_made_with_one_generator_is_not_continued_with_the_other()
    {
        using var output = new TempFolder();
        var first = CliHarness.Run("sweep", "--methods", "dense", "--seeds", "0", "--epochs", "1", "--data", data.SmallFolder, "--rng", "torch", "--out", output.Path);
        Assert.True(first.ExitCode == CliApplication.Success, first.Output);
        using (var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output.Path, "results.json"))))
        {
            Assert.All(results.RootElement.EnumerateArray(), r => Assert.Equal("torch", r.GetProperty("rng").GetString()));
        }

        var other = CliHarness.Run("sweep", "--methods", "dense", "--seeds", "0,1", "--epochs", "1", "--data", data.SmallFolder, "--out", output.Path);
        Assert.Equal(CliApplication.UsageError, other.ExitCode);
        Assert.Contains("--rng", other.Output, StringComparison.Ordinal);
    }
}
