using System;

namespace ModelGen.Kernels;

/// <summary>
/// The batch-vectorised sparse products for weights stored by kept index (a baked layer's parameter, in its own
/// column order) rather than at their positions in a row-major [rows, cols] matrix: the same tiles, the same
/// <see cref="Gather"/>, <see cref="Dot"/> and <see cref="DotsFullTile"/> kernels, the same summation order, with each
/// kept entry's weight read through an index map (<see cref="BakedPattern"/>'s CSR → kept index and CSC → kept index).
/// The weights are read in place, so no scatter into (and no gather out of) a mostly-zero matrix larger than L2 is
/// needed per call. At least one operand is feature-major (<see cref="ActivationLayout"/>); the caller checks lengths.
/// </summary>
public static unsafe partial class SparseGemm
{
    /// <summary>Y = X·Wᵀ (Y += with <paramref name="accumulate"/>), W's kept value of CSR entry k at <paramref name="weights"/>[csrKept[k]].</summary>
    internal static void MultiplyTransposedBKept(ReadOnlySpan<float> x, ActivationLayout xLayout, SparsePattern pattern, int[] csrKept, ReadOnlySpan<float> weights, Span<float> y, ActivationLayout yLayout, bool accumulate)
    {
        RequireVectorised(xLayout, yLayout);
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pw = weights)
        fixed (int* kept = csrKept)
        {
            ForwardTiles(px, xLayout, pattern, pw, kept, 0, py, yLayout, accumulate);
        }
    }

    /// <summary>dX = dY·W (dX += with <paramref name="accumulate"/>), W's kept value of CSC entry k at <paramref name="weights"/>[cscKept[k]].</summary>
    internal static void MultiplyKept(ReadOnlySpan<float> dy, ActivationLayout dyLayout, SparsePattern pattern, int[] cscKept, ReadOnlySpan<float> weights, Span<float> dx, ActivationLayout dxLayout, bool accumulate)
    {
        RequireVectorised(dyLayout, dxLayout);
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (float* pw = weights)
        fixed (int* kept = cscKept)
        {
            InputGradientTiles(pdy, dyLayout, pattern, pw, kept, pdx, dxLayout, accumulate);
        }
    }

    /// <summary>
    /// Adds Σ_b dY[b, r]·X[b, c] of CSR entry k to <paramref name="weightGradient"/>[csrKept[k]], tile after tile (the
    /// order of the row-major kernel). A full tile's dots go through <see cref="DotsFullTile"/> into
    /// <paramref name="rowScratch"/> (cols floats, zero; left zero), which stays in L1, and from there to their kept slots.
    /// </summary>
    internal static void AccumulateWeightGradientKept(ReadOnlySpan<float> dy, ActivationLayout dyLayout, ReadOnlySpan<float> x, ActivationLayout xLayout, SparsePattern pattern, int[] csrKept, Span<float> weightGradient, Span<float> rowScratch)
    {
        RequireVectorised(dyLayout, xLayout);
        int rows = pattern.Rows, cols = pattern.Cols, batch = dyLayout.Batch;
        KernelGuard.Length(rowScratch.Length, cols, nameof(rowScratch), "cols");
        fixed (float* pdy = dy)
        fixed (float* px = x)
        fixed (float* pg = weightGradient)
        fixed (float* row = rowScratch)
        fixed (float* sdy = FeatureMajor.First(rows * Tile))
        fixed (float* sx = FeatureMajor.Second(cols * Tile))
        fixed (int* starts = pattern.RowStarts)
        fixed (int* columnIndex = pattern.ColumnIndices)
        fixed (int* kept = csrKept)
        {
            for (var b = 0; b < batch; b += Tile)
            {
                int n = Math.Min(Tile, batch - b), width = FeatureMajor.Stride(n);
                var dyT = TileOperand(pdy, dyLayout, b, n, rows, sdy, null, out var dyStride);
                var xT = TileOperand(px, xLayout, b, n, cols, sx, pattern.ActiveColumnBlocks, out var xStride);
                for (var r = 0; r < rows; r++)
                {
                    var dyr = dyT + ((long)r * dyStride);
                    int start = starts[r], end = starts[r + 1];
                    if (width == Tile)
                    {
                        DotsFullTile(dyr, xT, xStride, columnIndex, start, end, row);
                        for (var k = start; k < end; k++)
                        {
                            var c = columnIndex[k];
                            pg[kept[k]] += row[c];
                            row[c] = 0f;
                        }

                        continue;
                    }

                    for (var k = start; k < end; k++)
                    {
                        pg[kept[k]] += Dot(dyr, xT + ((long)columnIndex[k] * xStride), width);
                    }
                }
            }
        }
    }

    private static void RequireVectorised(ActivationLayout a, ActivationLayout b)
    {
        if (a.Batch != b.Batch)
        {
            throw new ArgumentException($"The operands' layouts have different batches ({a.Batch} and {b.Batch}).", nameof(b));
        }

        if (!Vectorised(a.Batch) || (!a.IsFeatureMajor && !b.IsFeatureMajor))
        {
            throw new ArgumentException($"The kept-index products run feature-major operands only (batch {a.Batch}).", nameof(a));
        }
    }
}
