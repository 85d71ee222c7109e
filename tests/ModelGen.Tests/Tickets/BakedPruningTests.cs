using System;
using ModelGen.Examples;
using ModelGen.Pruning;
using ModelGen.Tests.Pruning;
using ModelGen.Training;
using Xunit;

namespace ModelGen.Tests.Tickets;

/// <summary>
/// A baked network has no prunable weights (its structure is the ticket's pattern): the library's pruners say so
/// instead of pruning nothing silently, which is why the CLI refuses pruning methods on baked models up front.
/// </summary>
public sealed class BakedPruningTests
{
    [Fact]
    public void OneShotPrunersRefuseABakedNetwork()
    {
        var baked = new LeNet300Ticket98();
        var before = baked.Parameters.Values.ToArray();

        var error = Assert.Throws<ArgumentException>(() => new MagnitudePruner().Prune(baked, 0.5));

        Assert.StartsWith("The network has no prunable weights.", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, baked.Parameters.Values);
    }

    [Fact]
    public void LotteryTicketSearchRefusesABakedNetwork()
    {
        var baked = new LeNet300Ticket98();
        var search = new LotteryTicketSearch(baked, new Adam(baked.Parameters, 1e-3f), new TrainingOptions { Epochs = 1, BatchSize = 10, Seed = 0 });

        var error = Assert.Throws<ArgumentException>(() => search.Run([0.5], PruningFixtures.Synthetic(20, 784, 10, seed: 1)));

        Assert.StartsWith("The network has no prunable weights.", error.Message, StringComparison.Ordinal);
    }
}
