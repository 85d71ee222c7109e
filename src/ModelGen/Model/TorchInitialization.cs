using System;
using System.Linq;

namespace ModelGen.Model;

/// <summary>
/// PyTorch's default initialization of <c>nn.Linear</c> and <c>nn.Conv2d</c>, drawn from <see cref="TorchGenerator"/>
/// so that a seed gives bit for bit the parameters that <c>torch.manual_seed(seed)</c> followed by building the same
/// model in PyTorch gives (layer by layer in declaration order, each layer's weight before its bias).
/// </summary>
/// <remarks>
/// <see cref="ParameterInitializer.InitializeDefault"/> draws the same distribution from .NET's generator; this one
/// exists so that a comparison with a PyTorch peer starts from the same θ0 rather than from two draws of it.
/// </remarks>
public static class TorchInitialization
{
    // kaiming_uniform_(w, a=√5) as torch.nn.init computes it, in Python's doubles: gain = √(2 / (1 + a²)),
    // bound = √3 · gain / √fan_in. It equals 1/√fan_in only up to rounding, and the rounding reaches float32's bounds.
    private static readonly double KaimingGain = Math.Sqrt(2.0 / (1 + (Math.Sqrt(5.0) * Math.Sqrt(5.0))));

    /// <summary>Initializes every tensor of <paramref name="parameters"/> as PyTorch does after <c>torch.manual_seed(seed)</c>.</summary>
    /// <exception cref="ArgumentException">The set holds factorized tensors (U, Vt), which have no PyTorch layer to match.</exception>
    public static void Initialize(ParameterSet parameters, long seed)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var factor = parameters.Tensors.FirstOrDefault(static t => t.Role is ParameterRole.FactorU or ParameterRole.FactorVt);
        if (factor is not null)
        {
            throw new ArgumentException($"Tensor '{factor.Name}' is a factor of a factorized layer: PyTorch has no such layer, so there is no PyTorch initialization to reproduce.", nameof(parameters));
        }

        var generator = new TorchGenerator(seed);
        foreach (var tensor in parameters.Tensors.OrderBy(static t => t.LayerIndex).ThenBy(static t => t.Role))
        {
            var bound = Bound(tensor);
            generator.FillUniform(parameters.Value(tensor), -bound, bound);
        }
    }

    /// <summary>The half-width of the uniform draw PyTorch gives <paramref name="tensor"/>: Kaiming's for weights, 1/√fan_in for biases.</summary>
    public static double Bound(ParameterTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var root = Math.Sqrt(tensor.FanIn);
        return tensor.Role == ParameterRole.Bias ? 1 / root : Math.Sqrt(3.0) * (KaimingGain / root);
    }
}
