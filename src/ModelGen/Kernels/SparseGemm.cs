using System;
using System.ComponentModel;

namespace ModelGen.Kernels;

/// <summary>
/// The three products of a dense layer whose weight W [rows, cols] is mostly zero, over the kept entries of a
/// <see cref="SparsePattern"/> only: the forward pass Y = X·Wᵀ (<see cref="MultiplyTransposedB"/>), the input gradient
/// dX = dY·W (<see cref="Multiply"/>) and the weight gradient dYᵀ·X at kept positions only
/// (<see cref="AccumulateWeightGradient"/>). Activations stay row-major [batch, features], as the dense kernels have them.
/// </summary>
/// <remarks>
/// Each sample is processed on its own, walking only its nonzero inputs (MNIST pixels are 80% zero, ReLU outputs
/// about half): the forward pass and the weight gradient go column by column through the CSC order, scattering into
/// a row of Y (which stays in L1) or into the compact weight gradient; the input gradient goes row by row through the
/// CSR order, skipping zero output gradients. The cost is O(nonzero inputs × kept per column) per sample, which is
/// what makes batch 1 cheap. Values are compact arrays in the pattern's order (<see cref="SparsePattern.GatherByColumn"/>,
/// <see cref="SparsePattern.GatherByRow"/>). Every output element is summed by one thread in one fixed order, so
/// results do not depend on the thread count; a skipped zero adds exactly nothing in the dense product either
/// (for finite values), so the two paths differ only by summation order.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class SparseGemm
{
    /// <summary>
    /// Y[batch, rows] = X[batch, cols] · Wᵀ (or Y += X·Wᵀ with <paramref name="accumulate"/>), W given by its kept
    /// values in CSC order.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the pattern and batch.</exception>
    public static void MultiplyTransposedB(ReadOnlySpan<float> x, SparsePattern pattern, ReadOnlySpan<float> columnValues, Span<float> y, int batch, bool accumulate = false)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        KernelGuard.Dimension(batch, nameof(batch));
        KernelGuard.MatrixLength(x.Length, batch, pattern.Cols, nameof(x), "batch×cols");
        KernelGuard.MatrixLength(y.Length, batch, pattern.Rows, nameof(y), "batch×rows");
        KernelGuard.Length(columnValues.Length, pattern.Count, nameof(columnValues), "kept entries");
        if (!accumulate)
        {
            y.Clear();
        }

        int rows = pattern.Rows, cols = pattern.Cols;
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pv = columnValues)
        fixed (int* starts = pattern.ColumnStarts)
        fixed (int* rowIndex = pattern.RowIndices)
        {
            for (var b = 0; b < batch; b++)
            {
                var xRow = px + ((long)b * cols);
                var yRow = py + ((long)b * rows);
                for (var c = 0; c < cols; c++)
                {
                    var xv = xRow[c];
                    if (xv == 0f)
                    {
                        continue;
                    }

                    var end = starts[c + 1];
                    for (var k = starts[c]; k < end; k++)
                    {
                        yRow[rowIndex[k]] += pv[k] * xv;
                    }
                }
            }
        }
    }

    /// <summary>
    /// dX[batch, cols] = dY[batch, rows] · W (or dX += dY·W with <paramref name="accumulate"/>), W given by its kept
    /// values in CSR order.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the pattern and batch.</exception>
    public static void Multiply(ReadOnlySpan<float> dy, SparsePattern pattern, ReadOnlySpan<float> rowValues, Span<float> dx, int batch, bool accumulate = false)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        KernelGuard.Dimension(batch, nameof(batch));
        KernelGuard.MatrixLength(dy.Length, batch, pattern.Rows, nameof(dy), "batch×rows");
        KernelGuard.MatrixLength(dx.Length, batch, pattern.Cols, nameof(dx), "batch×cols");
        KernelGuard.Length(rowValues.Length, pattern.Count, nameof(rowValues), "kept entries");
        if (!accumulate)
        {
            dx.Clear();
        }

        int rows = pattern.Rows, cols = pattern.Cols;
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (float* pv = rowValues)
        fixed (int* starts = pattern.RowStarts)
        fixed (int* columnIndex = pattern.ColumnIndices)
        {
            for (var b = 0; b < batch; b++)
            {
                var dyRow = pdy + ((long)b * rows);
                var dxRow = pdx + ((long)b * cols);
                for (var r = 0; r < rows; r++)
                {
                    var gv = dyRow[r];
                    if (gv == 0f)
                    {
                        continue;
                    }

                    var end = starts[r + 1];
                    for (var k = starts[r]; k < end; k++)
                    {
                        dxRow[columnIndex[k]] += pv[k] * gv;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The weight gradient at kept positions only: for each kept (r, c), Σ_b dY[b, r]·X[b, c] is added to
    /// <paramref name="weightGradient"/>[r·cols + c] (a [rows, cols] slice); removed positions are not touched.
    /// <paramref name="scratch"/> (one float per kept entry) holds the sums in CSC order before they are added.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the pattern and batch.</exception>
    public static void AccumulateWeightGradient(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, SparsePattern pattern, Span<float> weightGradient, Span<float> scratch, int batch)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        KernelGuard.Dimension(batch, nameof(batch));
        KernelGuard.MatrixLength(dy.Length, batch, pattern.Rows, nameof(dy), "batch×rows");
        KernelGuard.MatrixLength(x.Length, batch, pattern.Cols, nameof(x), "batch×cols");
        KernelGuard.MatrixLength(weightGradient.Length, pattern.Rows, pattern.Cols, nameof(weightGradient), "rows×cols");
        KernelGuard.Length(scratch.Length, pattern.Count, nameof(scratch), "kept entries");
        scratch.Clear();
        int rows = pattern.Rows, cols = pattern.Cols;
        fixed (float* pdy = dy)
        fixed (float* px = x)
        fixed (float* ps = scratch)
        fixed (float* pg = weightGradient)
        fixed (int* starts = pattern.ColumnStarts)
        fixed (int* rowIndex = pattern.RowIndices)
        {
            for (var b = 0; b < batch; b++)
            {
                var xRow = px + ((long)b * cols);
                var dyRow = pdy + ((long)b * rows);
                for (var c = 0; c < cols; c++)
                {
                    var xv = xRow[c];
                    if (xv == 0f)
                    {
                        continue;
                    }

                    var end = starts[c + 1];
                    for (var k = starts[c]; k < end; k++)
                    {
                        ps[k] += dyRow[rowIndex[k]] * xv;
                    }
                }
            }

            for (var c = 0; c < cols; c++)
            {
                var end = starts[c + 1];
                for (var k = starts[c]; k < end; k++)
                {
                    pg[((long)rowIndex[k] * cols) + c] += ps[k];
                }
            }
        }
    }
}
