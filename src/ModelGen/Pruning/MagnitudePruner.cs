using System.Numerics.Tensors;
using ModelGen.Model;

namespace ModelGen.Pruning;

/// <summary>
/// Magnitude pruning: keeps the weights of largest |w| as they are now (at initialization when pruning before
/// training).
/// </summary>
public sealed class MagnitudePruner : Pruner
{
    /// <inheritdoc />
    public override string Method => PruningMethods.Magnitude.Name;

    /// <inheritdoc />
    protected override float[] ComputeMask(INetwork network, double sparsity)
    {
        var scores = new float[network.Parameters.Count];
        TensorPrimitives.Abs(network.Parameters.Values, scores);
        return SelectTop(network, scores, sparsity);
    }
}
