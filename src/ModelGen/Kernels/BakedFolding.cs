using System;
using System.ComponentModel;

namespace ModelGen.Kernels;

/// <summary>
/// Moving values between a baked network (a lottery ticket compiled into a generated class) and its dense view:
/// gathering kept entries, the constant outputs of units without inputs and their fold into the next layer, and the
/// check that removed entries are 0. The index data is the generated class's constants.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)] // public for generated code in users' assemblies, hidden from their completion
public static class BakedFolding
{
    /// <summary>destination[k] = source[positions[k]].</summary>
    public static void Gather(ReadOnlySpan<float> source, ReadOnlySpan<int> positions, Span<float> destination)
    {
        KernelGuard.Length(destination.Length, positions.Length, nameof(destination), "positions");
        for (var k = 0; k < positions.Length; k++)
        {
            destination[k] = source[positions[k]];
        }
    }

    /// <summary>destination[positions[k]] = source[k] (other entries untouched).</summary>
    public static void Scatter(ReadOnlySpan<float> source, ReadOnlySpan<int> positions, Span<float> destination)
    {
        KernelGuard.Length(source.Length, positions.Length, nameof(source), "positions");
        for (var k = 0; k < positions.Length; k++)
        {
            destination[positions[k]] = source[k];
        }
    }

    /// <summary>destination[positions[k]] += source[k].</summary>
    public static void ScatterAdd(ReadOnlySpan<float> source, ReadOnlySpan<int> positions, Span<float> destination)
    {
        KernelGuard.Length(source.Length, positions.Length, nameof(source), "positions");
        for (var k = 0; k < positions.Length; k++)
        {
            destination[positions[k]] += source[k];
        }
    }

    /// <summary>destination[positions[k]] = 1 (a mask's kept entries).</summary>
    public static void Mark(ReadOnlySpan<int> positions, Span<float> destination)
    {
        foreach (var position in positions)
        {
            destination[position] = 1f;
        }
    }

    /// <summary>
    /// The pre-activations of a layer's constant units: bias[units[j]] plus, over the edges from the previous layer's
    /// constants, weights[position]·previous[source] into slot target. The caller applies the activation.
    /// </summary>
    public static void ConstantPreactivations(
        ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<int> units,
        ReadOnlySpan<int> targets, ReadOnlySpan<int> positions, ReadOnlySpan<int> sources, ReadOnlySpan<float> previous, Span<float> result)
    {
        KernelGuard.Length(result.Length, units.Length, nameof(result), "constant units");
        for (var j = 0; j < units.Length; j++)
        {
            result[j] = bias[units[j]];
        }

        Accumulate(weights, targets, positions, sources, previous, result);
    }

    /// <summary>fold[target] = Σ weights[position]·previous[source] over the edges from the previous layer's constants.</summary>
    public static void Fold(ReadOnlySpan<float> weights, ReadOnlySpan<int> targets, ReadOnlySpan<int> positions, ReadOnlySpan<int> sources, ReadOnlySpan<float> previous, Span<float> fold)
    {
        fold.Clear();
        Accumulate(weights, targets, positions, sources, previous, fold);
    }

    /// <summary>
    /// Throws unless every entry of the dense weight tensor <paramref name="name"/> outside the ticket's kept
    /// positions (ascending) is 0: LoadDense takes values under the ticket's mask, and a nonzero removed entry means
    /// the values belong to another mask.
    /// </summary>
    /// <exception cref="ArgumentException">A removed entry is not 0 (naming the tensor, the row and the column).</exception>
    public static void RequireRemovedZero(ReadOnlySpan<float> weights, ReadOnlySpan<int> kept, int cols, string name, string argument)
    {
        var next = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            if (next < kept.Length && kept[next] == i)
            {
                next++;
                continue;
            }

            if (weights[i] != 0f)
            {
                throw new ArgumentException($"'{name}'[{i / cols}, {i % cols}] is {weights[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}, but the ticket removes it (expected 0).", argument);
            }
        }
    }

    private static void Accumulate(ReadOnlySpan<float> weights, ReadOnlySpan<int> targets, ReadOnlySpan<int> positions, ReadOnlySpan<int> sources, ReadOnlySpan<float> previous, Span<float> result)
    {
        KernelGuard.Length(positions.Length, targets.Length, nameof(positions), "edges");
        KernelGuard.Length(sources.Length, targets.Length, nameof(sources), "edges");
        for (var e = 0; e < targets.Length; e++)
        {
            result[targets[e]] += weights[positions[e]] * previous[sources[e]];
        }
    }
}
