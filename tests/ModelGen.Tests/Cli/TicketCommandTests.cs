extern alias cli;

using System.Text.Json;
using cli::ModelGen.Cli;
using ModelGen.Tests.Data;
using ModelGen.Tickets;
using Xunit;

namespace ModelGen.Tests.Cli;

/// <summary>
/// <c>train --save-ticket</c> writes the run's final mask as a ticket; <c>train --ticket</c> trains exactly that ticket
/// under its masks, which for the ticket's own seed is the run that found it, step for step.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class TicketCommandTests(TinyMnist data)
{
    [Theory]
    [InlineData("lth", "0.5", "0")]
    [InlineData("lth", "0.5", "3")]
    [InlineData("magnitude", "0.9", "0")]
    public void SavedTicketParsesKeepsTheRunsCountAndRetrainsToTheSameRun(string method, string sparsity, string rewind)
    {
        using var folder = new TempFolder();
        var path = folder.File("found.ticket");
        var found = CliHarness.TrainJson(folder, "--method", method, "--sparsity", sparsity, "--rewind-iteration", rewind, "--epochs", "1", "--seed", "3", "--data", data.SmallFolder, "--save-ticket", path);

        var ticket = LotteryTickets.Load(path);
        Assert.Equal("lenet300", ticket.Model);
        Assert.Equal(3, ticket.Seed);
        Assert.Equal(method == "lth" ? int.Parse(rewind, System.Globalization.CultureInfo.InvariantCulture) : 0, ticket.RewindIteration);
        Assert.Equal(ticket.RewindIteration > 0 ? 6 : 0, ticket.Values.Count);
        var keptByLayer = Kept(found);
        Assert.Equal(keptByLayer, ticket.Tensors.ToDictionary(t => t.Name.Split('.')[0], t => (long)t.KeptCount));
        Assert.Equal(found.GetProperty("sparsity").GetDouble(), ticket.Sparsity, 12);
        var saved = found.GetProperty("ticket");
        Assert.Equal(ticket.ContentHash, saved.GetProperty("sha256").GetString());
        Assert.Equal(path, saved.GetProperty("file").GetString());
        Assert.Equal(keptByLayer.Values.Sum(), saved.GetProperty("kept").GetInt64());

        var retrained = CliHarness.TrainJson(folder, "--ticket", path, "--epochs", "1", "--data", data.SmallFolder);

        Assert.Equal("ticket", retrained.GetProperty("method").GetString());
        Assert.Equal(ticket.ContentHash, retrained.GetProperty("ticket").GetProperty("sha256").GetString());
        Assert.Equal(3, retrained.GetProperty("seed").GetInt32());
        Assert.Equal(keptByLayer, Kept(retrained));
        Assert.Equal(ticket.Sparsity, retrained.GetProperty("target_sparsity").GetDouble());
        // Same θ0 (or rewind point), same mask, same data order, fresh optimizer: the finding run's last training, bit for bit.
        Assert.Equal(found.GetProperty("final_train_loss").GetDouble(), retrained.GetProperty("final_train_loss").GetDouble());
        Assert.Equal(found.GetProperty("test_loss").GetDouble(), retrained.GetProperty("test_loss").GetDouble());
        Assert.Equal(found.GetProperty("test_accuracy").GetDouble(), retrained.GetProperty("test_accuracy").GetDouble());
    }

    [Fact]
    public void LthReinitTicketRewindsToTheControlsFreshSeed()
    {
        using var folder = new TempFolder();
        var path = folder.File("reinit.ticket");
        var control = CliHarness.TrainJson(folder, "--method", "lth-reinit", "--sparsity", "0.5", "--epochs", "1", "--data", data.SmallFolder, "--save-ticket", path);

        var ticket = LotteryTickets.Load(path);

        Assert.Equal(RunComponents.ReinitSeedOffset, ticket.Seed);
        Assert.Equal(control.GetProperty("reinit_seed").GetInt32(), ticket.Seed);
        Assert.Equal(Kept(control), ticket.Tensors.ToDictionary(t => t.Name.Split('.')[0], t => (long)t.KeptCount));
    }

    [Fact]
    public void SaveTicketWithDenseIsRefused()
    {
        using var folder = new TempFolder();
        var run = CliHarness.Run("train", "--data", data.SmallFolder, "--save-ticket", folder.File("dense.ticket"));

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("--save-ticket needs a pruning method (lth, lth-reinit or a one-shot method): --method dense removes no weight, so there is no ticket.", run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("dense.ticket")));
        Assert.DoesNotContain("epoch", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void TicketWithAPruningMethodOrAnotherModelIsRefused()
    {
        using var folder = new TempFolder();
        var path = SmallTicket(folder);

        var withMethod = CliHarness.Run("train", "--ticket", path, "--method", "snip", "--sparsity", "0.5", "--data", data.SmallFolder);
        var otherModel = CliHarness.Run("train", "--ticket", path, "--model", "lenet5", "--data", data.SmallFolder);

        Assert.Equal(CliApplication.UsageError, withMethod.ExitCode);
        Assert.Contains("--ticket trains the ticket's own masks; it does not combine with --method snip.", withMethod.Output, StringComparison.Ordinal);
        Assert.Equal(CliApplication.UsageError, otherModel.ExitCode);
        Assert.Contains($"--model lenet5 does not match the ticket {path}, which was found on model 'lenet300'", otherModel.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingAndDamagedTicketFilesAreNamedWithTheLine()
    {
        using var folder = new TempFolder();
        var path = SmallTicket(folder);
        var lines = File.ReadAllLines(path);
        var mask = Array.FindIndex(lines, l => l.StartsWith("mask fc2.weight ", StringComparison.Ordinal));
        lines[mask] = lines[mask].Replace(" runs ", " stripes ", StringComparison.Ordinal).Replace(" bitmap ", " stripes ", StringComparison.Ordinal);
        File.WriteAllLines(path, lines);

        var damaged = CliHarness.Run("train", "--ticket", path, "--data", data.SmallFolder);
        var missing = CliHarness.Run("train", "--ticket", folder.File("none.ticket"), "--data", data.SmallFolder);

        Assert.Equal(CliApplication.Failure, damaged.ExitCode);
        Assert.Contains($"{path}:{mask + 1}: Mask encoding 'stripes' of 'fc2.weight' is unknown", damaged.Output, StringComparison.Ordinal);
        Assert.Equal(CliApplication.Failure, missing.ExitCode);
        Assert.Contains($"Ticket file '{folder.File("none.ticket")}' does not exist.", missing.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("epoch", damaged.Output + missing.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ATicketWhoseShapesDoNotFitTheModelIsRefusedNamingTheTensor()
    {
        using var folder = new TempFolder();
        var path = folder.File("wrong.ticket");
        LotteryTickets.Save(new TicketDocument("lenet300", 0, 0, [new TicketTensor("fc1.weight", 300, 783, [0]), new TicketTensor("fc2.weight", 100, 300, [0]), new TicketTensor("fc3.weight", 10, 100, [0])], []), path);

        var run = CliHarness.Run("train", "--ticket", path, "--data", data.SmallFolder);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains($"{path}: The ticket's 'fc1.weight' is 300×783; model 'lenet300' has it 300×784.", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void BenchTicketNeedsAModelBakedFromItAndFixesModelAndSeed()
    {
        using var folder = new TempFolder();
        var path = SmallTicket(folder);
        var hash = LotteryTickets.Load(path).ContentHash;

        var unbaked = CliHarness.Run("bench", "--ticket", path, "--data", data.SmallFolder);
        var withModel = CliHarness.Run("bench", "--ticket", path, "--model", "lenet300", "--seed", "2", "--data", data.SmallFolder);

        Assert.Equal(CliApplication.UsageError, unbaked.ExitCode);
        Assert.Contains($"{path}: no model of this CLI is baked from this ticket (sha256 {hash})", unbaked.Output, StringComparison.Ordinal);
        Assert.Equal(CliApplication.UsageError, withModel.ExitCode);
        Assert.Contains("--ticket fixes the model, its masks and its seed (and times --batch-sizes); leave out --model, --seed.", withModel.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void ARewindIterationBeyondTheRoundIsAUsageError()
    {
        var run = CliHarness.Run("train", "--method", "lth", "--sparsity", "0.5", "--epochs", "1", "--rewind-iteration", "100000", "--data", data.SmallFolder);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("--rewind-iteration 100000 lies beyond the ", run.Output, StringComparison.Ordinal);
    }

    private string SmallTicket(TempFolder folder)
    {
        var path = folder.File("small.ticket");
        CliHarness.TrainJson(folder, "--method", "magnitude", "--sparsity", "0.5", "--epochs", "1", "--data", data.SmallFolder, "--save-ticket", path);
        return path;
    }

    private static Dictionary<string, long> Kept(JsonElement run) =>
        run.GetProperty("layers").EnumerateArray().ToDictionary(l => l.GetProperty("name").GetString()!, l => l.GetProperty("kept").GetInt64());
}
