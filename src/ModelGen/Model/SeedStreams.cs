namespace ModelGen.Model;

/// <summary>
/// Independent random streams from one user seed. Initialization draws from <c>new Random(seed)</c>; anything else
/// seeded by the same number (pruning scores, data order, factor draws) must not replay that stream, or its draws are
/// correlated with the weights (a random pruner seeded like the init keeps exactly the largest signed weights).
/// </summary>
public static class SeedStreams
{
    /// <summary>Random-pruning scores.</summary>
    public const ulong RandomPruning = 0x7072756eUL; // "prun"

    /// <summary>The trainer's shuffling of the training data.</summary>
    public const ulong Shuffling = 0x73687566UL; // "shuf"

    /// <summary>
    /// A seed for the stream named by <paramref name="salt"/> (and <paramref name="index"/>, e.g. a layer), mixed with
    /// SplitMix64's finalizer so that neighbouring seeds, indices and salts give unrelated streams.
    /// </summary>
    public static int Derive(int seed, ulong salt, int index = 0)
    {
        var z = (((ulong)(uint)seed << 32) | (uint)index) ^ (salt * 0x9E3779B97F4A7C15UL);
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & int.MaxValue);
    }
}
