using System;
using ModelGen.Model;

namespace ModelGen.Pruning;

/// <summary>
/// Random pruning: every prunable weight gets a uniform random score from a seeded stream, so the same seed on the
/// same network gives the same mask. The baseline every informed pruner must beat.
/// </summary>
/// <param name="seed">Seed of the score stream (independent of the network's initialization seed).</param>
public sealed class RandomPruner(int seed) : Pruner
{
    /// <summary>The seed of the score stream.</summary>
    public int Seed { get; } = seed;

    /// <inheritdoc />
    public override string Method => PruningMethods.Random.Name;

    /// <inheritdoc />
    protected override float[] ComputeMask(INetwork network, double sparsity)
    {
        var scores = new float[network.Parameters.Count];
        var random = new Random(SeedStreams.Derive(Seed, SeedStreams.RandomPruning));
        foreach (var tensor in network.Parameters.Tensors)
        {
            if (tensor.IsPrunable)
            {
                // Drawn for prunable tensors only, in storage order, so adding a bias elsewhere does not reshuffle.
                for (var i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
                {
                    scores[i] = random.NextSingle();
                }
            }
        }

        return SelectTop(network, scores, sparsity);
    }
}
