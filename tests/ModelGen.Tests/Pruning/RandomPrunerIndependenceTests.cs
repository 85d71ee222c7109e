using ModelGen.Examples;
using ModelGen.Pruning;
using Xunit;

namespace ModelGen.Tests.Pruning;

/// <summary>
/// The CLI seeds the random pruner and the initialization with the same number. If both replayed one stream, the
/// scores would be a monotone function of the weights and "random" pruning would keep exactly the largest signed
/// weights (every kept fc1 weight positive), a biased mask that costs about a point of accuracy at 50%.
/// </summary>
public sealed class RandomPrunerIndependenceTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Mask_is_independent_of_the_weights_initialized_from_the_same_seed(int seed)
    {
        var network = new LeNet300(seed);
        new RandomPruner(seed) { Scope = PruningScope.LayerWise }.Prune(network, 0.5);

        var fc1 = network.Parameters["fc1.weight"];
        var weights = network.Parameters.Value(fc1);
        var mask = network.Masks.Get(fc1);
        var initial = new LeNet300(seed).Parameters.Value(fc1);
        int kept = 0, keptPositive = 0;
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 1f)
            {
                kept++;
                keptPositive += initial[i] > 0 ? 1 : 0;
                Assert.Equal(initial[i], weights[i]);
            }
        }

        // 117,600 kept weights: a fair mask keeps 50% ± 0.15% (one standard deviation) positive ones.
        Assert.Equal(117_600, kept);
        Assert.InRange(keptPositive / (double)kept, 0.49, 0.51);
    }
}
