using System.Linq;
using ModelGen.Data;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Training;
using Xunit;

namespace ModelGen.Tests.Pruning;

/// <summary>Every pruner works unchanged on a convolutional network (issue 8): exact kept counts, masks that hold.</summary>
public sealed class ConvPruningTests
{
    private const int Prunable = 27 + 48 + 20 + 15;
    private static readonly Dataset Data = PruningFixtures.Synthetic(200, 36, 3, seed: 6);
    private static readonly TrainingOptions Options = new() { Epochs = 2, BatchSize = 20, Seed = 1 };

    public static TheoryData<string, PruningScope, double> Cases()
    {
        var data = new TheoryData<string, PruningScope, double>();
        foreach (var method in new[] { "random", "magnitude", "snip", "grasp", "synflow" })
        {
            foreach (var scope in new[] { PruningScope.Global, PruningScope.LayerWise })
            {
                data.Add(method, scope, 0.5);
                data.Add(method, scope, 0.9);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void KeptCountsAreExactAndPrunedWeightsStayZeroThroughTraining(string method, PruningScope scope, double sparsity)
    {
        var network = new PruneConvNet(seed: 5);
        Assert.Equal(Prunable, PruningFixtures.PrunableWeights(network));
        var report = PrunerTests.Create(method, scope, Data).Prune(network, sparsity);

        if (scope == PruningScope.Global)
        {
            Assert.Equal(TopK.KeptCount(Prunable, sparsity), PruningFixtures.KeptWeights(network));
        }
        else
        {
            Assert.All(network.Parameters.Tensors.Where(t => t.IsPrunable), t => Assert.Equal(TopK.KeptCount(t.Length, sparsity), network.Masks.CountKept(t)));
        }

        Assert.Equal(new[] { "conv1.weight", "conv2.weight", "fc1.weight", "fc2.weight" }, report.Tensors.Select(t => t.Tensor));
        Assert.Equal(PruningFixtures.KeptWeights(network), report.KeptWeights);

        new Trainer(network, new Adam(network.Parameters, 1e-2f), Options).Train(Data);
        var values = network.Parameters.Values;
        var mask = network.Masks.Values.ToArray();
        Assert.All(Enumerable.Range(0, values.Length).Where(i => mask[i] == 0f), i => Assert.Equal(0f, values[i]));
    }

    [Fact]
    public void LotteryTicketRoundsPruneConvolutionsAtTheirOwnRateAndLandExactly()
    {
        var network = new PruneConvNet(seed: 2);
        var result = new LotteryTicketSearch(network, new Adam(network.Parameters, 1e-2f), Options).Run([0.5, 0.8], Data);

        // Round 1: conv layers at half the 20% rate (round-half-even of 2.7 and 4.8), the hidden dense layer at 20%,
        // the output layer at 10% (1.5 → 2).
        Assert.Equal([27, 48, 20, 15], result.Rounds[0].Tensors.Select(t => t.Kept));
        Assert.Equal([24, 43, 16, 13], result.Rounds[1].Tensors.Select(t => t.Kept));
        Assert.Equal([0.5, 0.8], result.Tickets.Select(t => t.TargetSparsity));
        Assert.All(result.Tickets, t => Assert.Equal(TopK.KeptCount(Prunable, t.TargetSparsity), (int)t.Pruning.KeptWeights));

        // lth-reinit: the ticket's mask on a fresh initialization.
        var fresh = new PruneConvNet(seed: 1002);
        result.Tickets[^1].ApplyTo(fresh);
        Assert.Equal(TopK.KeptCount(Prunable, 0.8), PruningFixtures.KeptWeights(fresh));
        Assert.Equal(result.Tickets[^1].Mask, fresh.Masks.Values.ToArray());
    }

    [Fact]
    public void ConvolutionRateIsConfigurable()
    {
        var network = new PruneConvNet(seed: 2);
        var options = new LotteryTicketOptions { ConvolutionPruneRate = 0.15 };
        var result = new LotteryTicketSearch(network, new Adam(network.Parameters, 1e-2f), Options, options).Run([0.3], Data);

        // 0.15 · 27 = 4.05 → 4 and 0.15 · 48 = 7.2 → 7; dense and output as before.
        Assert.Equal([23, 41, 16, 13], result.Rounds[1].Tensors.Select(t => t.Kept));
        Assert.Throws<System.ArgumentOutOfRangeException>(() => new LotteryTicketOptions { ConvolutionPruneRate = 1.0 }.Validate());
    }
}
