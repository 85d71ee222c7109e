extern alias cli;

using System.Text.Json;
using cli::ModelGen.Cli;
using ModelGen.Tests.Data;
using ModelGen.Tests.Tickets;
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
    public void ATicketRunsCheckpointResumesOnlyWithTheSameTicket()
    {
        using var folder = new TempFolder();
        var path = SmallTicket(folder);
        var checkpoint = folder.File("ck");
        var first = CliHarness.TrainJson(folder, "--ticket", path, "--epochs", "2", "--data", data.SmallFolder, "--checkpoint", checkpoint);

        var same = CliHarness.TrainJson(folder, "--ticket", path, "--epochs", "2", "--data", data.SmallFolder, "--resume", checkpoint);
        var without = CliHarness.Run("train", "--seed", "0", "--epochs", "2", "--data", data.SmallFolder, "--resume", checkpoint);

        Assert.Equal(first.GetProperty("test_accuracy").GetDouble(), same.GetProperty("test_accuracy").GetDouble());
        Assert.Equal("ticket", same.GetProperty("method").GetString());
        Assert.Equal(CliApplication.Failure, without.ExitCode);
        Assert.Contains($"ticket {LotteryTickets.Load(path).ContentHash} in the checkpoint, unset in this run", without.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void SaveTicketRefusesARandomFactorInitOnAFactorizedModel()
    {
        using var folder = new TempFolder();
        var run = CliHarness.Run("train", "--model", "lenet300-r8", "--method", "magnitude", "--sparsity", "0.5", "--factor-init", "random", "--data", data.SmallFolder, "--save-ticket", folder.File("r8.ticket"));

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("--save-ticket with --factor-init random: a ticket's survivors rewind to the model's own seeded initialization (spectral for lenet300-r8).", run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("r8.ticket")));
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

    [Fact]
    public void BakedModelTrainsFromTheTicketsTheta0AsTheTicketDoesUnderItsMasks()
    {
        using var folder = new TempFolder();
        var ticketPath = ProjectTicket.Path;
        var weights = folder.File("baked.safetensors");
        var baked = CliHarness.TrainJson(folder, "--model", "lenet300-ticket98", "--epochs", "1", "--data", data.Folder, "--save", weights);
        var maskedWeights = folder.File("masked.safetensors");
        var masked = CliHarness.TrainJson(folder, "--ticket", ticketPath, "--epochs", "1", "--data", data.Folder, "--save", maskedWeights);

        var network = (global::ModelGen.Model.IBakedNetwork)new global::ModelGen.Examples.LeNet300Ticket98(seed: 0);
        Assert.Equal("dense", baked.GetProperty("method").GetString());
        Assert.Equal(network.Parameters.Count, baked.GetProperty("parameters").GetInt64());
        // One multiply-add per weight the baked code holds.
        Assert.Equal(2L * network.Parameters.Tensors.Where(t => t.Role == global::ModelGen.Model.ParameterRole.Weight).Sum(t => t.Length), baked.GetProperty("flops_per_sample").GetInt64());
        var layers = baked.GetProperty("layers").EnumerateArray().ToArray();
        Assert.Equal(["fc1", "fc2", "fc3"], layers.Select(l => l.GetProperty("name").GetString()));
        Assert.All(layers, l => Assert.Equal("baked", l.GetProperty("kernel").GetString()));
        Assert.Equal([300, 100, 10], layers.Select(l => l.GetProperty("rows").GetInt32()));
        Assert.Equal([235_200L, 30_000, 1_000], layers.Select(l => l.GetProperty("weights").GetInt64()));
        // The baker drops the weights of units that cannot reach the output, never a weight that matters: at most the ticket's.
        var ticketKept = Kept(masked);
        foreach (var layer in layers)
        {
            var kept = layer.GetProperty("kept").GetInt64();
            Assert.InRange(kept, 1, ticketKept[layer.GetProperty("name").GetString()!]);
            Assert.Equal((double)kept / layer.GetProperty("weights").GetInt64(), layer.GetProperty("density").GetDouble(), 12);
        }

        // Same function, same θ0, same data order: the same training up to float rounding (300 test digits: one digit is 0.0033).
        Assert.InRange(Math.Abs(baked.GetProperty("test_accuracy").GetDouble() - masked.GetProperty("test_accuracy").GetDouble()), 0, 0.004);
        Assert.Equal(masked.GetProperty("final_train_loss").GetDouble(), baked.GetProperty("final_train_loss").GetDouble(), 3);

        var evaluated = CliHarness.Run("evaluate", "--model", "lenet300-ticket98", "--weights", weights, "--data", data.Folder);
        var exported = CliHarness.Run("export", "--model", "lenet300-ticket98", "--weights", weights, "--onnx", folder.File("baked.onnx"));
        Assert.Equal(CliApplication.Success, evaluated.ExitCode);
        Assert.Contains(FormattableString.Invariant($"{100 * baked.GetProperty("test_accuracy").GetDouble():0.00}% of 300"), evaluated.Output, StringComparison.Ordinal);
        Assert.Equal(CliApplication.Success, exported.ExitCode);
        Assert.DoesNotContain("warning", exported.Output, StringComparison.Ordinal);

        // lenet300 trained under the ticket's masks loads into the baked class (weights of units the baker removed
        // are dropped) and computes what it computed.
        var maskedInBaked = CliHarness.Run("evaluate", "--model", "lenet300-ticket98", "--weights", maskedWeights, "--data", data.Folder);
        Assert.Equal(CliApplication.Success, maskedInBaked.ExitCode);
        Assert.Contains(FormattableString.Invariant($"{100 * masked.GetProperty("test_accuracy").GetDouble():0.00}% of 300"), maskedInBaked.Output, StringComparison.Ordinal);
        Assert.True(new FileInfo(folder.File("baked.onnx")).Length > 0);
    }

    [Fact]
    public void BakedModelRefusesPruningMethods()
    {
        var run = CliHarness.Run("train", "--model", "lenet300-ticket98", "--method", "magnitude", "--sparsity", "0.5", "--data", data.SmallFolder);

        Assert.Equal(CliApplication.UsageError, run.ExitCode);
        Assert.Contains("Model 'lenet300-ticket98' is baked from a lottery ticket: its structure is the ticket's pattern and it has no prunable weights, so --method magnitude has nothing to prune.", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void BenchTicketTimesBakedSparseAndDenseOnTheSameFunction()
    {
        using var folder = new TempFolder();
        var ticketPath = ProjectTicket.Path;
        var path = folder.File("bench.json");

        var run = CliHarness.Run("bench", "--ticket", ticketPath, "--batch-sizes", "1,16", "--data", data.Folder, "--json", path);

        Assert.True(run.ExitCode == CliApplication.Success, run.Output);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var json = document.RootElement;
        Assert.Equal("lenet300-ticket98", json.GetProperty("baked_model").GetString());
        Assert.Equal("lenet300", json.GetProperty("source_model").GetString());
        Assert.Equal(LotteryTickets.Load(ticketPath).ContentHash, json.GetProperty("ticket").GetProperty("sha256").GetString());
        Assert.Equal(new global::ModelGen.Examples.LeNet300Ticket98(seed: 0).Parameters.Count, json.GetProperty("baked_parameters").GetInt64());
        Assert.Equal(266_610, json.GetProperty("dense_parameters").GetInt64());
        // Same weights in both: the baked class and the masked network agree to float rounding.
        Assert.InRange(json.GetProperty("max_logit_difference").GetDouble(), 0, 1e-4);
        Assert.All(json.GetProperty("sparse_layers").EnumerateArray(), l => Assert.Equal("sparse", l.GetProperty("kernel").GetString()));
        var rows = json.GetProperty("batches").EnumerateArray().ToArray();
        Assert.Equal([1, 16], rows.Select(r => r.GetProperty("batch_size").GetInt32()));
        foreach (var row in rows)
        {
            foreach (var field in row.EnumerateObject().Where(f => f.Name != "batch_size"))
            {
                Assert.True(field.Value.GetDouble() > 0, $"{field.Name} = {field.Value}");
            }

            Assert.Equal(row.GetProperty("baked_inference_samples_per_second").GetDouble() / row.GetProperty("sparse_inference_samples_per_second").GetDouble(), row.GetProperty("inference_speedup_over_sparse").GetDouble(), 9);
        }
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
