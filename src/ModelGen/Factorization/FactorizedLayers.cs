using System;
using System.Collections.Generic;
using ModelGen.Kernels;
using ModelGen.Model;

namespace ModelGen.Factorization;

/// <summary>
/// Helpers for factorized dense layers (y = U (Vt x) + b, U [out, rank], Vt [rank, in]): their effective matrix
/// U·Vt and the weight-decay filter that leaves the factors to <see cref="FrobeniusDecay"/>.
/// </summary>
public static class FactorizedLayers
{
    /// <summary>
    /// Weight-decay filter for the optimizers' <c>decayFilter</c> (true = the tensor gets coupled L2 weight decay):
    /// excludes factorized layers' factors (<see cref="ParameterRole.FactorU"/>, <see cref="ParameterRole.FactorVt"/>)
    /// and keeps every other tensor, plain weights and biases alike. Used when Frobenius decay takes over the factors'
    /// regularization, so they are not decayed twice.
    /// </summary>
    public static Func<ParameterTensor, bool> ExcludeFactors { get; } = static tensor => !IsFactor(tensor);

    /// <summary>
    /// The pruning-safety rules' MG0110 for a factorization setting (<c>"Frobenius decay"</c>, <c>"Factor
    /// initialization"</c>) given to model <paramref name="model"/>: advice when none of its layers is factorized (the
    /// setting does nothing), else null. Same ID and text as the analyzer's diagnostic.
    /// </summary>
    public static Pruning.PruningAdvice? CheckSetting(string setting, string model, IReadOnlyList<LayerInfo> layers)
    {
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layers);
        return Shapes.PruningRules.CheckFactorSetting(setting, model, Pruning.PruningAdvice.Layers(layers)) is { } finding
            ? Pruning.PruningAdvice.From(finding)
            : null;
    }

    /// <summary>Whether <paramref name="tensor"/> is a factor (U or Vt) of a factorized layer.</summary>
    public static bool IsFactor(ParameterTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.Role is ParameterRole.FactorU or ParameterRole.FactorVt;
    }

    /// <summary>
    /// The effective [out, in] weight matrix of layer <paramref name="layerName"/>, row-major: U·Vt for a factorized
    /// layer, a copy of the weight for a plain one (so export code can treat every layer alike). Masked entries are
    /// already zero in the parameters, so the product is what the network computes with.
    /// </summary>
    /// <exception cref="ArgumentException">The network has no layer of that name.</exception>
    public static float[] EffectiveWeight(INetwork network, string layerName)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(layerName);
        var layer = FindLayer(network.Layers, layerName);
        var result = new float[checked(layer.OutputSize * layer.InputSize)];
        EffectiveWeight(network.Parameters, layer, result);
        return result;
    }

    /// <summary>
    /// Writes the effective [out, in] weight of <paramref name="layer"/> into <paramref name="destination"/>
    /// (U·Vt for a factorized layer, the weight itself for a plain one). Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="destination"/> does not hold out·in entries, or the parameters do not match the layer.
    /// </exception>
    public static void EffectiveWeight(ParameterSet parameters, LayerInfo layer, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(layer);
        var length = checked(layer.OutputSize * layer.InputSize);
        if (destination.Length != length)
        {
            throw new ArgumentException(
                $"Destination has {destination.Length} entries; layer '{layer.Name}' has {layer.OutputSize}×{layer.InputSize} = {length}.",
                nameof(destination));
        }

        if (layer.Kind == LayerKind.FactorizedDense)
        {
            var (u, vt, _) = Resolve(parameters, layer);
            Gemm.Multiply(parameters.Value(u), parameters.Value(vt), destination, layer.OutputSize, layer.InputSize, layer.Rank, false);
            return;
        }

        var weight = parameters[layer.Name + ".weight"];
        if (weight.Rows != layer.OutputSize || weight.Cols != layer.InputSize)
        {
            throw new ArgumentException(
                $"Parameter '{weight.Name}' is [{weight.Rows}, {weight.Cols}]; layer '{layer.Name}' needs [{layer.OutputSize}, {layer.InputSize}].",
                nameof(parameters));
        }

        parameters.Value(weight).CopyTo(destination);
    }

    /// <summary>The layer named <paramref name="layerName"/>.</summary>
    /// <exception cref="ArgumentException">No layer has that name.</exception>
    internal static LayerInfo FindLayer(IReadOnlyList<LayerInfo> layers, string layerName)
    {
        foreach (var layer in layers)
        {
            if (string.Equals(layer.Name, layerName, StringComparison.Ordinal))
            {
                return layer;
            }
        }

        throw new ArgumentException($"The network has no layer named '{layerName}'.", nameof(layerName));
    }

    /// <summary>
    /// The U, Vt and bias tensors of factorized layer <paramref name="layer"/>, checked against its shape, so the
    /// products below can trust the dimensions.
    /// </summary>
    /// <exception cref="ArgumentException">The layer is not factorized or its tensors are missing or misshapen.</exception>
    internal static (ParameterTensor U, ParameterTensor Vt, ParameterTensor Bias) Resolve(ParameterSet parameters, LayerInfo layer)
    {
        if (layer.Kind != LayerKind.FactorizedDense || layer.Rank <= 0)
        {
            throw new ArgumentException($"Layer '{layer.Name}' is not a factorized layer.", nameof(layer));
        }

        var u = Require(parameters, layer, ".U", layer.OutputSize, layer.Rank);
        var vt = Require(parameters, layer, ".Vt", layer.Rank, layer.InputSize);
        var bias = Require(parameters, layer, ".bias", layer.OutputSize, 1);
        return (u, vt, bias);
    }

    private static ParameterTensor Require(ParameterSet parameters, LayerInfo layer, string suffix, int rows, int cols)
    {
        var name = layer.Name + suffix;
        if (!parameters.TryGet(name, out var tensor))
        {
            throw new ArgumentException($"Factorized layer '{layer.Name}' has no parameter '{name}'.", nameof(parameters));
        }

        if (tensor.Rows != rows || tensor.Cols != cols)
        {
            throw new ArgumentException(
                $"Parameter '{name}' is [{tensor.Rows}, {tensor.Cols}]; layer '{layer.Name}' (rank {layer.Rank}) needs [{rows}, {cols}].",
                nameof(parameters));
        }

        return tensor;
    }
}
