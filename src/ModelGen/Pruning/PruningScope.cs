namespace ModelGen.Pruning;

/// <summary>Over which weights a pruner's top-k selection ranks scores.</summary>
public enum PruningScope
{
    /// <summary>One ranking over every prunable weight of the network: layers end at different densities.</summary>
    Global = 0,

    /// <summary>
    /// One ranking per prunable tensor, each kept at the same density. A factorized layer's U and Vt are ranked
    /// separately.
    /// </summary>
    LayerWise = 1,
}
