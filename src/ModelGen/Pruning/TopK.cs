using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using ModelGen.Model;

namespace ModelGen.Pruning;

/// <summary>
/// The one top-k selection every pruner uses: keeps exactly <c>k</c> entries of a group of prunable tensors, the
/// highest-scored first, never through a float threshold (which over- or under-prunes when scores tie).
/// </summary>
/// <remarks>
/// Entries are ordered by three keys: first whether they survive the mask the network already has (a pruned weight
/// ranks below every surviving one, so pruning only ever tightens a mask unless the requested count exceeds the
/// survivors), then by score, highest first, then by position in the flat parameter array, lowest first. Selection is
/// a two-digit radix select on the scores' order-preserving bit patterns (linear time, no sort): it finds the
/// boundary score exactly, keeps everything above it and as many entries equal to it, lowest index first, as the
/// count needs.
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
        return (int)Shapes.PruningRules.KeptCount(count, sparsity);
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

        var keys = ArrayPool<uint>.Shared.Rent(Math.Max(largest, 1));
        try
        {
            for (var g = 0; g < groups.Count; g++)
            {
                SelectGroup(groups[g], scores, survivors, keep[g], keys, mask);
            }
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(keys);
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

        var keys = ArrayPool<uint>.Shared.Rent(Math.Max(scores.Length, 1));
        var result = ArrayPool<float>.Shared.Rent(Math.Max(scores.Length, 1));
        try
        {
            SelectRanges([(0, scores.Length)], scores, ReadOnlySpan<float>.Empty, keep, keys, result);
            result.AsSpan(0, scores.Length).CopyTo(mask);
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(keys);
            ArrayPool<float>.Shared.Return(result);
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
        // The analyzers' rule and text (MG0100, or MG0101 for a percentage).
        if (Shapes.PruningRules.CheckSparsity(sparsity) is { } invalid)
        {
            throw new ArgumentOutOfRangeException(nameof(sparsity), sparsity, invalid.ToString());
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

    private static void SelectGroup(IReadOnlyList<ParameterTensor> group, ReadOnlySpan<float> scores, ReadOnlySpan<float> survivors, int keep, uint[] keys, float[] mask)
    {
        // Ties go to the lowest flat index, so walk the group's tensors in storage order.
        var ranges = new (int Offset, int Length)[group.Count];
        for (var t = 0; t < group.Count; t++)
        {
            ranges[t] = (group[t].Offset, group[t].Length);
        }

        Array.Sort(ranges);
        SelectRanges(ranges, scores, survivors, keep, keys, mask);
    }

    /// <summary>
    /// Exact top-<paramref name="keep"/> over the entries of <paramref name="ranges"/> (ascending, disjoint) by radix
    /// selection on order-preserving 32-bit score keys: one histogram of the high 16 bits finds the boundary bucket, a
    /// second histogram of the low 16 bits of that bucket's entries finds the boundary score T; entries above T are
    /// kept, then entries equal to T in index order until the count is met. Survivors of the current mask are
    /// selected first: if they number at least <paramref name="keep"/> the selection runs over them alone (every
    /// removed entry stays removed), otherwise all survivors are kept and the rest is selected among the removed
    /// entries. The keys are computed once into <paramref name="keys"/> (in range order), so the later passes read
    /// them sequentially instead of re-deriving them from the scores.
    /// </summary>
    private static void SelectRanges(ReadOnlySpan<(int Offset, int Length)> ranges, ReadOnlySpan<float> scores, ReadOnlySpan<float> survivors, int keep, uint[] keys, float[] mask)
    {
        var histogramArray = ArrayPool<int>.Shared.Rent(1 << 16);
        try
        {
            var histogram = histogramArray.AsSpan(0, 1 << 16);
            histogram.Clear();
            bool amongSurvivors;
            int quota;
            if (survivors.IsEmpty)
            {
                // Everything survives (and callers check keep ≤ the group's size): one pass validates, keys and counts.
                var k = 0;
                foreach (var (offset, length) in ranges)
                {
                    var slice = scores.Slice(offset, length);
                    for (var j = 0; j < slice.Length; j++)
                    {
                        var score = slice[j];
                        if (float.IsNaN(score))
                        {
                            ThrowNaN(offset + j, scores);
                        }

                        var key = OrderedKey(score);
                        keys[k++] = key;
                        histogram[(int)(key >> 16)]++;
                    }
                }

                amongSurvivors = true;
                quota = keep;
            }
            else
            {
                var surviving = 0;
                foreach (var (offset, length) in ranges)
                {
                    for (var i = offset; i < offset + length; i++)
                    {
                        if (float.IsNaN(scores[i]))
                        {
                            ThrowNaN(i, scores);
                        }

                        surviving += survivors[i] != 0f ? 1 : 0;
                    }
                }

                // The selection set: survivors when they can fill the quota, else the removed entries (survivors all kept).
                amongSurvivors = keep <= surviving;
                quota = amongSurvivors ? keep : keep - surviving;
                var k = 0;
                foreach (var (offset, length) in ranges)
                {
                    for (var i = offset; i < offset + length; i++)
                    {
                        var key = OrderedKey(scores[i]);
                        keys[k++] = key;
                        if ((survivors[i] != 0f) == amongSurvivors)
                        {
                            histogram[(int)(key >> 16)]++;
                        }
                    }
                }
            }

            SelectByKeys(ranges, survivors, amongSurvivors, quota, histogram, keys, mask);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(histogramArray);
        }
    }

    /// <summary>
    /// The boundary search and mask write of <see cref="SelectRanges(ReadOnlySpan{ValueTuple{int, int}}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, uint[], float[])"/>,
    /// given the high-digit histogram of the selection set and every entry's key.
    /// </summary>
    private static void SelectByKeys(ReadOnlySpan<(int Offset, int Length)> ranges, ReadOnlySpan<float> survivors, bool amongSurvivors, int quota, Span<int> histogram, uint[] keys, float[] mask)
    {
        // Walk buckets from the highest scores down until the quota falls inside one.
        var above = 0;
        var high = -1;
        for (var bucket = histogram.Length - 1; bucket >= 0 && quota > 0; bucket--)
        {
            if (above + histogram[bucket] >= quota)
            {
                high = bucket;
                break;
            }

            above += histogram[bucket];
        }

        // Second digit over the boundary bucket only.
        var boundary = uint.MaxValue;
        var equalToKeep = 0;
        if (high >= 0)
        {
            histogram.Clear();
            var k = 0;
            foreach (var (offset, length) in ranges)
            {
                for (var i = offset; i < offset + length; i++)
                {
                    var key = keys[k++];
                    if ((key >> 16) == (uint)high && InSelection(survivors, i, amongSurvivors))
                    {
                        histogram[(int)(key & 0xFFFF)]++;
                    }
                }
            }

            for (var low = histogram.Length - 1; low >= 0; low--)
            {
                if (above + histogram[low] >= quota)
                {
                    boundary = ((uint)high << 16) | (uint)low;
                    equalToKeep = quota - above;
                    break;
                }

                above += histogram[low];
            }
        }

        var outside = amongSurvivors ? 0f : 1f;
        var next = 0;
        foreach (var (offset, length) in ranges)
        {
            for (var i = offset; i < offset + length; i++)
            {
                var key = keys[next++];
                if (!InSelection(survivors, i, amongSurvivors))
                {
                    mask[i] = outside;
                    continue;
                }

                var kept = high >= 0 && (key > boundary || (key == boundary && equalToKeep-- > 0));
                mask[i] = kept ? 1f : 0f;
            }
        }
    }

    [DoesNotReturn]
    private static void ThrowNaN(int index, ReadOnlySpan<float> scores) =>
        throw new ArgumentException($"Score at index {index} is NaN.", nameof(scores));

    /// <summary>
    /// Narrows <paramref name="indices"/> (flat parameter indices in ascending order, the current survivors of one
    /// group) to the <paramref name="keep"/> top-scored ones, with the ordering of <see cref="SelectMask(ParameterSet, ReadOnlySpan{float}, IReadOnlyList{IReadOnlyList{ParameterTensor}}, ReadOnlySpan{int}, ReadOnlySpan{float})"/>
    /// among survivors (score, then lower index), and writes 0 into <paramref name="values"/> at each index it drops.
    /// The kept indices are compacted to the front, still ascending. Work is linear in the survivors, not in the
    /// group: the form of the selection for iterative pruners whose survivors shrink every round (SynFlow).
    /// </summary>
    /// <param name="indices">Survivor indices, ascending; overwritten with the kept ones at the front.</param>
    /// <param name="scores">Scores laid out like the parameters; finite or infinite, never NaN at a survivor (the caller checks).</param>
    /// <param name="keep">How many to keep, between 0 and <c>indices.Length</c>.</param>
    /// <param name="keys">Scratch of at least <c>indices.Length</c> entries.</param>
    /// <param name="histogram">Scratch of exactly 2¹⁶ entries.</param>
    /// <param name="values">Parameters (or any span of the parameter layout) to zero at dropped indices.</param>
    /// <returns><paramref name="keep"/>, the number of indices now at the front.</returns>
    internal static int RetainTop(Span<int> indices, ReadOnlySpan<float> scores, int keep, Span<uint> keys, Span<int> histogram, Span<float> values)
    {
        var count = indices.Length;
        if ((uint)keep > (uint)count)
        {
            throw new ArgumentOutOfRangeException(nameof(keep), keep, $"Cannot keep {keep} of {count} survivors.");
        }

        if (keep == count)
        {
            return count;
        }

        // Keys are gathered once (the indices are scattered over the parameters), then every pass is sequential.
        keys = keys[..count];
        histogram.Clear();
        for (var j = 0; j < count; j++)
        {
            var key = OrderedKey(scores[indices[j]]);
            keys[j] = key;
            histogram[(int)(key >> 16)]++;
        }

        var above = 0;
        var high = -1;
        for (var bucket = histogram.Length - 1; bucket >= 0 && keep > 0; bucket--)
        {
            if (above + histogram[bucket] >= keep)
            {
                high = bucket;
                break;
            }

            above += histogram[bucket];
        }

        if (high < 0)
        {
            foreach (var index in indices)
            {
                values[index] = 0f;
            }

            return 0;
        }

        histogram.Clear();
        foreach (var key in keys)
        {
            if ((key >> 16) == (uint)high)
            {
                histogram[(int)(key & 0xFFFF)]++;
            }
        }

        var boundary = 0u;
        var equalToKeep = 0;
        for (var low = histogram.Length - 1; low >= 0; low--)
        {
            if (above + histogram[low] >= keep)
            {
                boundary = ((uint)high << 16) | (uint)low;
                equalToKeep = keep - above;
                break;
            }

            above += histogram[low];
        }

        var kept = 0;
        for (var j = 0; j < count; j++)
        {
            var key = keys[j];
            var index = indices[j];
            if (key > boundary || (key == boundary && equalToKeep-- > 0))
            {
                indices[kept++] = index;
            }
            else
            {
                values[index] = 0f;
            }
        }

        return kept;
    }

    private static bool InSelection(ReadOnlySpan<float> survivors, int index, bool amongSurvivors) =>
        survivors.IsEmpty ? amongSurvivors : (survivors[index] != 0f) == amongSurvivors;

    /// <summary>
    /// An unsigned key whose order is the scores' order: the sign bit flipped for positives, all bits flipped for
    /// negatives; −0 is mapped to +0 so the two tie, as they compare equal.
    /// </summary>
    private static uint OrderedKey(float score)
    {
        var bits = score == 0f ? 0u : BitConverter.SingleToUInt32Bits(score);
        return (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
    }
}
