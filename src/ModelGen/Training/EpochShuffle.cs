using System;
using ModelGen.Model;

namespace ModelGen.Training;

/// <summary>
/// The order of one epoch's samples, drawn afresh each epoch from one stream for the whole run, so that an epoch's
/// order depends only on the seed and the epoch number (which is what lets a resumed run replay the skipped epochs).
/// </summary>
internal abstract class EpochShuffle
{
    /// <summary>The shuffle <paramref name="options"/> asks for.</summary>
    public static EpochShuffle For(TrainingOptions options) => options.Shuffling switch
    {
        RandomSource.ModelGen => new FisherYates(SeedStreams.Derive(options.Seed, SeedStreams.Shuffling)),
        RandomSource.PyTorch => new TorchPermutation(options.Seed),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Shuffling, "Unknown random source."),
    };

    /// <summary>Writes the next epoch's permutation of 0 … order.Length − 1 into <paramref name="order"/>.</summary>
    public abstract void Next(int[] order);

    // Identity, then Durstenfeld's Fisher–Yates from the back with .NET's generator.
    private sealed class FisherYates(int seed) : EpochShuffle
    {
        private readonly Random _random = new(seed);

        public override void Next(int[] order)
        {
            for (var i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            for (var i = order.Length - 1; i > 0; i--)
            {
                var j = _random.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
    }

    // torch.randperm(n, generator=torch.Generator().manual_seed(seed)) once per epoch, as a PyTorch training loop does.
    private sealed class TorchPermutation(int seed) : EpochShuffle
    {
        private readonly TorchGenerator _generator = new(seed);

        public override void Next(int[] order) => _generator.Permutation(order);
    }
}
