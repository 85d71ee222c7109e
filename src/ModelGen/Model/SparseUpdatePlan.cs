using System;
using System.Collections.Generic;
using ModelGen.Kernels;

namespace ModelGen.Model;

/// <summary>
/// The parameter array cut into one piece per tensor, each either updated whole (dense, masked afterwards when it has
/// removed entries) or only at its kept positions (a prunable tensor sparse enough for the sparse kernels, by the
/// same <see cref="SparseKernelChoice"/> rule). Built by <see cref="MaskSet"/> once per mask version, so optimizer steps
/// and gradient zeroing cost O(kept weights) on sparse tensors and allocate nothing.
/// </summary>
internal sealed class SparseUpdatePlan
{
    private SparseUpdatePlan(int version, int[] starts, int[] lengths, int[]?[] kept, bool[] masked)
    {
        Version = version;
        Starts = starts;
        Lengths = lengths;
        Kept = kept;
        Masked = masked;
        foreach (var indices in kept)
        {
            HasSparse |= indices is not null;
        }
    }

    /// <summary>The mask version the plan was built for.</summary>
    public int Version { get; }

    /// <summary>Whether any piece is updated at kept positions only.</summary>
    public bool HasSparse { get; }

    /// <summary>Start of each piece in the flat parameter array, in storage order.</summary>
    public int[] Starts { get; }

    /// <summary>Length of each piece.</summary>
    public int[] Lengths { get; }

    /// <summary>Absolute positions of the kept entries of a sparse piece, ascending; null for a dense piece.</summary>
    public int[]?[] Kept { get; }

    /// <summary>Whether a dense piece has removed entries (and needs the mask after an update).</summary>
    public bool[] Masked { get; }

    public int Count => Starts.Length;

    public static SparseUpdatePlan Build(ParameterSet parameters, MaskSet masks)
    {
        var tensors = parameters.Tensors;
        var starts = new int[tensors.Count];
        var lengths = new int[tensors.Count];
        var kept = new int[]?[tensors.Count];
        var masked = new bool[tensors.Count];
        var values = masks.Values;
        for (var t = 0; t < tensors.Count; t++)
        {
            var tensor = tensors[t];
            starts[t] = tensor.Offset;
            lengths[t] = tensor.Length;
            var removed = tensor.IsPrunable ? masks.CountRemoved(tensor) : 0;
            if (removed == 0)
            {
                continue;
            }

            if (!SparseKernelChoice.PrefersSparse(tensor.Rows, tensor.Cols, tensor.Length - removed))
            {
                masked[t] = true;
                continue;
            }

            var indices = new List<int>(tensor.Length - removed);
            for (var i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                if (values[i] != 0f)
                {
                    indices.Add(i);
                }
            }

            kept[t] = indices.ToArray();
        }

        return new SparseUpdatePlan(masks.Version, starts, lengths, kept, masked);
    }
}
