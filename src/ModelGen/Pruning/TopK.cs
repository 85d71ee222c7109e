using System;
using System.Buffers;
using System.Collections.Generic;
using ModelGen.Model;

namespace ModelGen.Pruning;

/// <summary>
/// The one top-k selection every pruner uses: keeps exactly <c>k</c> entries of a group of prunable tensors, the
/// highest-scored first, never through a float threshold (which over- or under-prunes when scores tie).
/// </summary>
/// <remarks>
/// Entries are ordered by three keys: first whether they survive the mask the network already has (a pruned weight
/// ranks below every surviving one, so pruning only ever tightens a mask unless the requested count exceeds the
/// survivors), then by score, highest first, then by position in the flat parameter array, lowest first. The keys
/// are packed into one unique 64-bit integer per entry, so the k-th smallest key is a strict boundary: exactly k
/// entries lie at or below it. Selection is an expected-linear quickselect, not a sort.
/// </remarks>
public static class TopK
{
    /// <summary>
    /// Number of weights kept when a scope of <paramref name="count"/> weights is pruned to
    /// <paramref name="sparsity"/>: round((1 − sparsity)·count), halves to even (as Python's <c>round</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative count, or a sparsity outside [0, 1].</exception>
    public static int KeptCount(int count, double sparsity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ValidateSparsity(sparsity);
        return (int)Math.Round((1.0 - sparsity) * count, MidpointRounding.ToEven);
    }

    /// <summary>
    /// Builds the mask that keeps the top-scored prunable weights of <paramref name="parameters"/> at
    /// <paramref name="sparsity"/> in <paramref name="scope"/>: one group of all prunable tensors (global) or one
    /// group per prunable tensor (layer-wise; a factorized layer's U and Vt are pruned separately).
    /// </summary>
    /// <param name="parameters">The network's parameters (for the tensor layout).</param>
    /// <param name="scores">One score per parameter, laid out like <see cref="ParameterSet.Values"/>; higher is kept first. NaN is rejected.</param>
    /// <param name="sparsity">Fraction of weights to remove, in [0, 1].</param>
    /// <param name="scope">Global or layer-wise.</param>
    /// <param name="survivors">The current mask (same layout); entries at 0 rank below every surviving entry. Empty: everything survives.</param>
    /// <returns>The new mask, laid out like the parameters; non-prunable entries are 1.</returns>
    public static float[] SelectMask(ParameterSet parameters, ReadOnlySpan<float> scores, double sparsity, PruningScope scope, ReadOnlySpan<float> survivors = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ValidateSparsity(sparsity);
        var groups = Groups(parameters, scope);
        var keep = new int[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            keep[g] = KeptCount(WeightCount(groups[g]), sparsity);
        }

        return SelectMask(parameters, scores, groups, keep, survivors);
    }

    /// <summary>
    /// Builds the mask that keeps exactly <paramref name="keep"/>[g] top-scored entries of each group
    /// <paramref name="groups"/>[g] of prunable tensors (the general form behind every scope; lottery-ticket rounds
    /// use it with per-layer counts).
    /// </summary>
    /// <param name="parameters">The network's parameters.</param>
    /// <param name="scores">One score per parameter, laid out like <see cref="ParameterSet.Values"/>. NaN is rejected.</param>
    /// <param name="groups">Disjoint groups of prunable tensors of <paramref name="parameters"/>.</param>
    /// <param name="keep">Entries to keep per group, between 0 and the group's size.</param>
    /// <param name="survivors">The current mask (same layout), or empty.</param>
    /// <returns>The new mask; entries of tensors in no group are 1.</returns>
    /// <exception cref="ArgumentException">Layouts disagree, a tensor is not prunable or is in two groups, a count is out of range, or a score is NaN.</exception>
    public static float[] SelectMask(ParameterSet parameters, ReadOnlySpan<float> scores, IReadOnlyList<IReadOnlyList<ParameterTensor>> groups, ReadOnlySpan<int> keep, ReadOnlySpan<float> survivors = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(groups);
        if (scores.Length != parameters.Count)
        {
            throw new ArgumentException($"Scores have {scores.Length} entries, the parameters {parameters.Count}.", nameof(scores));
        }

        if (!survivors.IsEmpty && survivors.Length != parameters.Count)
        {
            throw new ArgumentException($"The survivor mask has {survivors.Length} entries, the parameters {parameters.Count}.", nameof(survivors));
        }

        if (keep.Length != groups.Count)
        {
            throw new ArgumentException($"{keep.Length} kept counts for {groups.Count} groups.", nameof(keep));
        }

        var mask = new float[parameters.Count];
        Array.Fill(mask, 1f);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var largest = 0;
        for (var g = 0; g < groups.Count; g++)
        {
            foreach (var tensor in groups[g])
            {
                if (!tensor.IsPrunable)
                {
                    throw new ArgumentException($"Parameter '{tensor.Name}' is not prunable.", nameof(groups));
                }

                if (!parameters.TryGet(tensor.Name, out var own) || own != tensor)
                {
                    throw new ArgumentException($"Parameter '{tensor.Name}' does not belong to this parameter set.", nameof(groups));
                }

                if (!seen.Add(tensor.Name))
                {
                    throw new ArgumentException($"Parameter '{tensor.Name}' is in two groups.", nameof(groups));
                }
            }

            var size = WeightCount(groups[g]);
            if (keep[g] < 0 || keep[g] > size)
            {
                throw new ArgumentException($"Group {g} has {size} weights; cannot keep {keep[g]}.", nameof(keep));
            }

            largest = Math.Max(largest, size);
        }

        var keys = ArrayPool<ulong>.Shared.Rent(Math.Max(largest, 1));
        try
        {
            for (var g = 0; g < groups.Count; g++)
            {
                SelectGroup(groups[g], scores, survivors, keep[g], keys, mask);
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(keys);
        }

        return mask;
    }

    /// <summary>
    /// Keeps exactly <paramref name="keep"/> entries of one span of scores: writes 1 for kept and 0 for removed
    /// entries into <paramref name="mask"/>. Same ordering as the parameter-set overloads (ties: lower index kept).
    /// </summary>
    /// <exception cref="ArgumentException">Lengths differ, the count is out of range, or a score is NaN.</exception>
    public static void Select(ReadOnlySpan<float> scores, int keep, Span<float> mask)
    {
        if (mask.Length != scores.Length)
        {
            throw new ArgumentException($"Mask has {mask.Length} entries, the scores {scores.Length}.", nameof(mask));
        }

        if (keep < 0 || keep > scores.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(keep), keep, $"Cannot keep {keep} of {scores.Length} entries.");
        }

        var keys = ArrayPool<ulong>.Shared.Rent(Math.Max(scores.Length, 1));
        try
        {
            for (var i = 0; i < scores.Length; i++)
            {
                keys[i] = Key(scores[i], survives: true, i);
            }

            var boundary = Boundary(keys.AsSpan(0, scores.Length), keep);
            for (var i = 0; i < scores.Length; i++)
            {
                mask[i] = Key(scores[i], survives: true, i) <= boundary ? 1f : 0f;
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(keys);
        }
    }

    /// <summary>The groups a scope prunes over: all prunable tensors together, or each alone.</summary>
    public static IReadOnlyList<IReadOnlyList<ParameterTensor>> Groups(ParameterSet parameters, PruningScope scope)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var prunable = new List<ParameterTensor>();
        foreach (var tensor in parameters.Tensors)
        {
            if (tensor.IsPrunable)
            {
                prunable.Add(tensor);
            }
        }

        if (prunable.Count == 0)
        {
            throw new ArgumentException("The network has no prunable weights.", nameof(parameters));
        }

        return scope switch
        {
            PruningScope.Global => new IReadOnlyList<ParameterTensor>[] { prunable },
            PruningScope.LayerWise => prunable.ConvertAll(t => (IReadOnlyList<ParameterTensor>)new[] { t }),
            _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, "Unknown pruning scope."),
        };
    }

    internal static void ValidateSparsity(double sparsity)
    {
        if (!(sparsity >= 0.0 && sparsity <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(sparsity), sparsity, "Sparsity must lie in [0, 1].");
        }
    }

    private static int WeightCount(IReadOnlyList<ParameterTensor> group)
    {
        var count = 0;
        foreach (var tensor in group)
        {
            count = checked(count + tensor.Length);
        }

        return count;
    }

    private static void SelectGroup(IReadOnlyList<ParameterTensor> group, ReadOnlySpan<float> scores, ReadOnlySpan<float> survivors, int keep, ulong[] keys, float[] mask)
    {
        var n = 0;
        foreach (var tensor in group)
        {
            for (var i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                keys[n++] = Key(scores[i], survivors.IsEmpty || survivors[i] != 0f, i);
            }
        }

        var boundary = Boundary(keys.AsSpan(0, n), keep);
        foreach (var tensor in group)
        {
            for (var i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                mask[i] = Key(scores[i], survivors.IsEmpty || survivors[i] != 0f, i) <= boundary ? 1f : 0f;
            }
        }
    }

    /// <summary>
    /// Packs (not surviving, score descending, index ascending) into one unsigned key: bit 63 is set for removed
    /// entries, bits 31–62 hold the bitwise complement of the score's order-preserving bit pattern, bits 0–30 the
    /// index. Smaller keys are kept first; keys are unique because indices are.
    /// </summary>
    private static ulong Key(float score, bool survives, int index)
    {
        if (float.IsNaN(score))
        {
            throw new ArgumentException($"Score at index {index} is NaN.", nameof(score));
        }

        if (score == 0f)
        {
            score = 0f; // −0 and +0 tie, as they compare equal.
        }

        var bits = BitConverter.SingleToUInt32Bits(score);
        var ordered = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return (survives ? 0UL : 1UL << 63) | ((ulong)~ordered << 31) | (uint)index;
    }

    /// <summary>
    /// The largest key among the <paramref name="keep"/> smallest (reorders <paramref name="keys"/>), or a key
    /// below every key when nothing is kept.
    /// </summary>
    private static ulong Boundary(Span<ulong> keys, int keep)
    {
        if (keep == 0)
        {
            // Every real key is at least 1: key 0 would need the bit pattern of a NaN score, which Key rejects.
            return 0UL;
        }

        return QuickSelect(keys, keep - 1);
    }

    private static ulong QuickSelect(Span<ulong> keys, int k)
    {
        // Hoare-partition quickselect with median-of-three pivots; falls back to sorting a range that refuses to
        // shrink, so adversarial orders cost O(n log n), never O(n²).
        var left = 0;
        var right = keys.Length - 1;
        var budget = 2 * (64 - ulong.LeadingZeroCount((ulong)keys.Length));
        while (right - left > 16)
        {
            if (budget-- == 0)
            {
                keys[left..(right + 1)].Sort();
                return keys[k];
            }

            var mid = left + ((right - left) >> 1);
            if (keys[mid] < keys[left])
            {
                (keys[mid], keys[left]) = (keys[left], keys[mid]);
            }

            if (keys[right] < keys[left])
            {
                (keys[right], keys[left]) = (keys[left], keys[right]);
            }

            if (keys[right] < keys[mid])
            {
                (keys[right], keys[mid]) = (keys[mid], keys[right]);
            }

            var pivot = keys[mid];
            var i = left;
            var j = right;
            while (i <= j)
            {
                while (keys[i] < pivot)
                {
                    i++;
                }

                while (keys[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (keys[i], keys[j]) = (keys[j], keys[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                return keys[k];
            }
        }

        keys[left..(right + 1)].Sort();
        return keys[k];
    }
}
