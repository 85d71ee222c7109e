using System;
using System.IO;
using System.Linq;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Tests.Data;
using ModelGen.Tests.Generated;
using ModelGen.Tests.Pruning;
using ModelGen.Tickets;
using ModelGen.Training;
using Xunit;

namespace ModelGen.Tests.Tickets;

/// <summary>Capture → save → load → apply reproduces a pruned network's masks and starting weights bit for bit.</summary>
public sealed class LotteryTicketsTests
{
    [Fact]
    public void OneShotTicketAppliedToAFreshNetworkOfItsSeedIsThePrunedNetwork()
    {
        var pruned = new PruneOddNet(seed: 5);
        new MagnitudePruner().Prune(pruned, 0.7);
        using var folder = new TempFolder();
        var path = folder.File("odd.ticket");

        LotteryTickets.Save(LotteryTickets.Capture(pruned, seed: 5), path);
        var loaded = LotteryTickets.Load(path);
        var fresh = new PruneOddNet(seed: 5);
        LotteryTickets.Apply(loaded, fresh);

        Assert.Equal("prune-odd", loaded.Model);
        Assert.Equal(5, loaded.Seed);
        Assert.Equal(0, loaded.RewindIteration);
        Assert.Empty(loaded.Values);
        Assert.Equal(["fc1.weight", "fc2.weight", "fc3.weight"], loaded.Tensors.Select(t => t.Name));
        // round(0.3 · 62) of the 62 prunable weights.
        Assert.Equal(19, loaded.Tensors.Sum(t => t.KeptCount));
        Assert.Equal(pruned.Masks.Values.ToArray(), fresh.Masks.Values.ToArray());
        Assert.Equal(pruned.Parameters.Values, fresh.Parameters.Values);
        Assert.Equal(1.0 - (loaded.Tensors.Sum(t => t.KeptCount) / 62.0), loaded.Sparsity, 15);
    }

    [Fact]
    public void ConvolutionTicketsKeepTheirMatrixShapeAndApplyBitForBit()
    {
        var pruned = new ConvTanhNet(seed: 3);
        new MagnitudePruner().Prune(pruned, 0.6);

        var ticket = LotteryTickets.Parse(TicketText.Write(LotteryTickets.Capture(pruned, seed: 3)), "conv.ticket");
        var fresh = new ConvTanhNet(seed: 3);
        LotteryTickets.Apply(ticket, fresh);

        // conv1: 3 channels of 2·3·3 patches; conv2: 4 of 3·2·2; the dense head 3 × (4·2·2).
        Assert.Equal([("conv1.weight", 3, 18), ("conv2.weight", 4, 12), ("fc1.weight", 3, 16)], ticket.Tensors.Select(t => (t.Name, t.Rows, t.Cols)));
        Assert.Equal(pruned.Masks.Values.ToArray(), fresh.Masks.Values.ToArray());
        Assert.Equal(pruned.Parameters.Values, fresh.Parameters.Values);
    }

    [Fact]
    public void LateRewindingTicketCarriesTheRewindPointAndApplyRestoresIt()
    {
        var network = new PruneOddNet(seed: 2);
        var train = PruningFixtures.Synthetic(200, 7, 4, seed: 3);
        var search = new LotteryTicketSearch(network, new Adam(network.Parameters, 1e-2f), new TrainingOptions { Epochs = 2, BatchSize = 20, Seed = 1 }, new LotteryTicketOptions { RewindIteration = 4 });
        var result = search.Run([0.6], train);
        var found = result.Tickets.Single();
        Assert.Equal(4, result.RewindIteration);
        Assert.NotNull(result.RewindPoint);

        var text = TicketText.Write(LotteryTickets.FromSearch(network, result, found, seed: 2));
        var ticket = LotteryTickets.Parse(text, "late.ticket");
        // Another seed's network: every value must come from the ticket, not from its own initialization.
        var fresh = new PruneOddNet(seed: 77);
        LotteryTickets.Apply(ticket, fresh);

        Assert.Equal(4, ticket.RewindIteration);
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"], ticket.Values.Select(v => v.Name));
        Assert.Equal(found.Mask, fresh.Masks.Values.ToArray());
        var expected = result.RewindPoint!.Zip(found.Mask, (v, m) => v * m).ToArray();
        Assert.Equal(expected, fresh.Parameters.Values);
        Assert.Equal(ticket.FindTensor("fc2.weight")!.KeptCount, ticket.FindValues("fc2.weight")!.Values.Count);
        Assert.Equal(3, ticket.FindValues("fc2.bias")!.Values.Count);
    }

    [Fact]
    public void AMissingFileIsNamed()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N") + ".ticket");

        var error = Assert.Throws<FileNotFoundException>(() => LotteryTickets.Load(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADamagedFileIsRefusedWithItsPathAndLine()
    {
        var pruned = new PruneOddNet(seed: 5);
        new MagnitudePruner().Prune(pruned, 0.5);
        using var folder = new TempFolder();
        var path = folder.File("damaged.ticket");
        var lines = TicketText.Write(LotteryTickets.Capture(pruned, seed: 5)).Split('\n');
        var seedLine = Array.FindIndex(lines, l => l.StartsWith("seed ", StringComparison.Ordinal));
        lines[seedLine] = "seed 6";
        File.WriteAllText(path, string.Join('\n', lines));

        var error = Assert.Throws<LotteryTicketFormatException>(() => LotteryTickets.Load(path));

        // The content no longer matches the hash: the message names the file and the hash line.
        var hashLine = Array.FindIndex(lines, l => l.StartsWith("sha256 ", StringComparison.Ordinal)) + 1;
        Assert.Equal(path, error.FilePath);
        Assert.Equal(hashLine, error.Line);
        Assert.StartsWith($"{path}:{hashLine}: ", error.Message, StringComparison.Ordinal);

        lines[seedLine] = "seed five";
        File.WriteAllText(path, string.Join('\n', lines));
        error = Assert.Throws<LotteryTicketFormatException>(() => LotteryTickets.Load(path));
        Assert.Equal(seedLine + 1, error.Line);
        Assert.Contains("five", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnotherModelsTicketIsRefusedBeforeAnythingChanges()
    {
        var pruned = new PruneOddNet(seed: 5);
        new MagnitudePruner().Prune(pruned, 0.5);
        var ticket = LotteryTickets.Capture(pruned, seed: 5);
        var other = new ReluNet(seed: 1);
        var before = other.Parameters.Values.ToArray();

        var error = Assert.Throws<ArgumentException>(() => LotteryTickets.Apply(ticket, other));

        Assert.Equal("The ticket was found on model 'prune-odd', not 'test-relu'.", error.Message);
        Assert.Equal(before, other.Parameters.Values);
        Assert.False(other.Masks.IsActive);
    }

    [Fact]
    public void AShapeMismatchNamesTheTensorAndBothShapes()
    {
        var ticket = new TicketDocument("prune-odd", 0, 0, [new TicketTensor("fc1.weight", 5, 7, [0, 3]), new TicketTensor("fc2.weight", 3, 4, [1]), new TicketTensor("fc3.weight", 4, 3, [2])], []);

        var error = Assert.Throws<ArgumentException>(() => LotteryTickets.Apply(ticket, new PruneOddNet(seed: 0)));

        Assert.Equal("The ticket's 'fc2.weight' is 3×4; model 'prune-odd' has it 3×5.", error.Message);
    }

    [Fact]
    public void ATicketMustCoverEveryPrunableTensorAndOnlyThose()
    {
        var missing = new TicketDocument("prune-odd", 0, 0, [new TicketTensor("fc1.weight", 5, 7, [0, 3]), new TicketTensor("fc3.weight", 4, 3, [2])], []);
        var unknown = new TicketDocument("prune-odd", 0, 0, [new TicketTensor("fc9.weight", 5, 7, [0])], []);
        var bias = new TicketDocument("prune-odd", 0, 0, [new TicketTensor("fc1.bias", 5, 1, [0])], []);

        Assert.Equal("The ticket has no mask for 'fc2.weight', a prunable tensor of model 'prune-odd'.", Assert.Throws<ArgumentException>(() => LotteryTickets.Apply(missing, new PruneOddNet(seed: 0))).Message);
        Assert.Equal("The ticket masks 'fc9.weight', which model 'prune-odd' does not have.", Assert.Throws<ArgumentException>(() => LotteryTickets.Apply(unknown, new PruneOddNet(seed: 0))).Message);
        Assert.Equal("The ticket masks 'fc1.bias', which is not prunable in model 'prune-odd'.", Assert.Throws<ArgumentException>(() => LotteryTickets.Apply(bias, new PruneOddNet(seed: 0))).Message);
    }

    [Fact]
    public void LateRewindingValuesMustMatchTheKeptCounts()
    {
        var network = new PruneOddNet(seed: 0);
        new MagnitudePruner().Prune(network, 0.5);
        var good = LotteryTickets.Capture(network, network.Masks.Values, 0, 3, network.Parameters.Values);
        var values = good.Values.Select(v => v.Name == "fc2.weight" ? new TicketValues(v.Name, v.Values.Skip(1).ToArray()) : v).ToArray();
        var bad = new TicketDocument(good.Model, good.Seed, good.RewindIteration, good.Tensors, values);

        var error = Assert.Throws<ArgumentException>(() => LotteryTickets.Apply(bad, new PruneOddNet(seed: 0)));

        Assert.Equal($"The ticket has {good.FindTensor("fc2.weight")!.KeptCount - 1} values for 'fc2.weight', which has {good.FindTensor("fc2.weight")!.KeptCount} kept entries.", error.Message);
    }
}
