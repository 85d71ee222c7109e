using System;
using ModelGen.Model;

namespace ModelGen.Pruning;

/// <summary>
/// Random pruning: every prunable weight gets a uniform random score from a seeded stream, so the same seed on the
/// same network gives the same mask. The baseline every informed pruner must beat.
/// </summary>
/// <param name="seed">Seed of the score stream (independent of the network's initialization seed).</param>
/// <param name="source">
/// ModelGen's stream (derived from the seed), or PyTorch's: each prunable tensor in order gets
/// <c>torch.rand(shape, generator=g)</c> with <c>g = torch.Generator().manual_seed(seed)</c>, the peers' random scores.
/// </param>
public sealed class RandomPruner(int seed, RandomSource source = RandomSource.ModelGen) : Pruner
{
    /// <summary>The seed of the score stream.</summary>
    public int Seed { get; } = seed;

    /// <summary>The generator the scores come from.</summary>
    public RandomSource Source { get; } = Enum.IsDefined(source) ? source : throw new ArgumentOutOfRangeException(nameof(source), source, "Unknown random source.");

    /// <inheritdoc />
    public override string Method => PruningMethods.Random.Name;

    /// <inheritdoc />
    protected override float[] ComputeMask(INetwork network, double sparsity)
    {
        var scores = new float[network.Parameters.Count];
        var random = Source == RandomSource.ModelGen ? new Random(SeedStreams.Derive(Seed, SeedStreams.RandomPruning)) : null;
        var torch = Source == RandomSource.PyTorch ? new TorchGenerator(Seed) : null;
        foreach (var tensor in network.Parameters.Tensors)
        {
            if (!tensor.IsPrunable)
            {
                continue; // drawn for prunable tensors only, in storage order, so adding a bias elsewhere does not reshuffle
            }

            if (torch is not null)
            {
                torch.FillUniform(scores.AsSpan(tensor.Offset, tensor.Length), 0, 1);
                continue;
            }

            for (var i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                scores[i] = random!.NextSingle();
            }
        }

        return SelectTop(network, scores, sparsity);
    }
}
