namespace ModelGen.Model;

/// <summary>Which generator a seed drives: ModelGen's own streams, or PyTorch's CPU generator.</summary>
public enum RandomSource
{
    /// <summary>.NET's <see cref="System.Random"/>, seeded through <see cref="SeedStreams"/> (one independent stream per use).</summary>
    ModelGen = 0,

    /// <summary>
    /// <see cref="TorchGenerator"/>: the seed gives what <c>torch.manual_seed(seed)</c> gives a PyTorch script — θ0 through
    /// <see cref="TorchInitialization"/>, and each epoch's order as <c>torch.randperm</c> on
    /// <c>torch.Generator().manual_seed(seed)</c>; the random pruner's scores as <c>torch.rand</c> on such a generator.
    /// </summary>
    PyTorch = 1,
}
