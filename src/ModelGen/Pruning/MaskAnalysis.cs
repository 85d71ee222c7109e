using System;
using System.Collections.Generic;
using ModelGen.Model;

namespace ModelGen.Pruning;

/// <summary>
/// Structural checks of a mask before and after it is applied: tensors left empty (a collapsed layer) and output
/// units left with no incoming weight (dead units). Masks are laid out like <see cref="ParameterSet.Values"/>.
/// </summary>
public static class MaskAnalysis
{
    /// <summary>The first prunable tensor <paramref name="mask"/> empties entirely, or null when none is.</summary>
    /// <exception cref="ArgumentException">The mask's length differs from the parameters'.</exception>
    public static ParameterTensor? FirstEmptyTensor(ParameterSet parameters, ReadOnlySpan<float> mask)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckLength(parameters, mask);
        foreach (var tensor in parameters.Tensors)
        {
            if (tensor.IsPrunable && mask.Slice(tensor.Offset, tensor.Length).IndexOfAnyExcept(0f) < 0)
            {
                return tensor;
            }
        }

        return null;
    }

    /// <summary>
    /// Output units of <paramref name="layer"/> with no incoming weight under <paramref name="mask"/>: rows of W that
    /// are empty, or for a factorized layer units whose every kept U entry leads to an empty row of Vt. Such a unit
    /// outputs only its bias, whatever the input. 0 for a layer that is not prunable.
    /// </summary>
    public static int DeadOutputUnits(INetwork network, LayerInfo layer, ReadOnlySpan<float> mask)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(layer);
        var parameters = network.Parameters;
        CheckLength(parameters, mask);
        if (!layer.Prunable)
        {
            return 0;
        }

        if (layer.Kind == LayerKind.FactorizedDense)
        {
            var u = Find(parameters, layer.Name, ParameterRole.FactorU);
            var vt = Find(parameters, layer.Name, ParameterRole.FactorVt);
            var rank = layer.Rank;
            Span<bool> rankAlive = rank <= 1024 ? stackalloc bool[rank] : new bool[rank];
            for (var r = 0; r < rank; r++)
            {
                rankAlive[r] = mask.Slice(vt.Offset + (r * vt.Cols), vt.Cols).IndexOfAnyExcept(0f) >= 0;
            }

            var dead = 0;
            for (var i = 0; i < u.Rows; i++)
            {
                var row = mask.Slice(u.Offset + (i * u.Cols), u.Cols);
                var alive = false;
                for (var r = 0; r < rank && !alive; r++)
                {
                    alive = row[r] != 0f && rankAlive[r];
                }

                dead += alive ? 0 : 1;
            }

            return dead;
        }

        var weight = Find(parameters, layer.Name, ParameterRole.Weight);
        var deadRows = 0;
        for (var i = 0; i < weight.Rows; i++)
        {
            if (mask.Slice(weight.Offset + (i * weight.Cols), weight.Cols).IndexOfAnyExcept(0f) < 0)
            {
                deadRows++;
            }
        }

        return deadRows;
    }

    /// <summary>
    /// Human-readable warnings for <paramref name="mask"/>: each emptied tensor (a collapsed layer, reachable only
    /// when collapse is allowed) and each layer's count of output units left with no incoming weight.
    /// </summary>
    public static IReadOnlyList<string> Warnings(INetwork network, ReadOnlySpan<float> mask)
    {
        ArgumentNullException.ThrowIfNull(network);
        var warnings = new List<string>();
        var parameters = network.Parameters;
        CheckLength(parameters, mask);
        foreach (var tensor in parameters.Tensors)
        {
            if (tensor.IsPrunable && mask.Slice(tensor.Offset, tensor.Length).IndexOfAnyExcept(0f) < 0)
            {
                warnings.Add($"{tensor.Name}: every weight is pruned; layer '{tensor.Layer}' has collapsed.");
            }
        }

        foreach (var layer in network.Layers)
        {
            var dead = DeadOutputUnits(network, layer, mask);
            if (dead > 0)
            {
                warnings.Add($"{layer.Name}: {dead} of {layer.OutputSize} output units have no incoming weight.");
            }
        }

        return warnings;
    }

    private static ParameterTensor Find(ParameterSet parameters, string layer, ParameterRole role)
    {
        foreach (var tensor in parameters.Tensors)
        {
            if (tensor.Role == role && string.Equals(tensor.Layer, layer, StringComparison.Ordinal))
            {
                return tensor;
            }
        }

        throw new ArgumentException($"Layer '{layer}' has no {role} tensor.", nameof(layer));
    }

    private static void CheckLength(ParameterSet parameters, ReadOnlySpan<float> mask)
    {
        if (mask.Length != parameters.Count)
        {
            throw new ArgumentException($"Mask has {mask.Length} entries, the parameters {parameters.Count}.", nameof(mask));
        }
    }
}
