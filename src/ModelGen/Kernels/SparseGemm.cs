using System;
using System.ComponentModel;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.Kernels;

/// <summary>
/// The three products of a dense layer whose weight W [rows, cols] is mostly zero, over the kept entries of a
/// <see cref="SparsePattern"/> only: the forward pass Y = X·Wᵀ (<see cref="MultiplyTransposedB"/>), the input gradient
/// dX = dY·W (<see cref="Multiply"/>) and the weight gradient dYᵀ·X at kept positions only
/// (<see cref="AccumulateWeightGradient"/>). Activations stay row-major [batch, features], as the dense kernels have them.
/// </summary>
/// <remarks>
/// From <see cref="VectorBatch"/> samples on (with AVX2 and FMA) the products run batch-vectorised in SparseProp's
/// layout (Nikdan et al., ICML 2023): activations are transposed to feature-major [features, batch] (8×8 AVX blocks),
/// so each kept weight multiplies 8 samples per instruction, and the weight gradient at a kept position is one dot
/// product over the batch. Below that, each sample is processed on its own, walking only its nonzero inputs (MNIST pixels are 80% zero, ReLU outputs
/// about half): the forward pass and the weight gradient go column by column through the CSC order, scattering into
/// a row of Y (which stays in L1) or into the compact weight gradient; the input gradient goes row by row through the
/// CSR order, skipping zero output gradients. The cost is O(nonzero inputs × kept per column) per sample, which is
/// what makes batch 1 cheap. Values are read at the kept positions of the full row-major weight matrix W [rows, cols]
/// (only kept entries are touched). Every output element is summed by one thread in one fixed order, so
/// results do not depend on the thread count; a skipped zero adds exactly nothing in the dense product either
/// (for finite values), so the two paths differ only by summation order.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class SparseGemm
{
    /// <summary>Batches of at least this many samples run batch-vectorised (feature-major).</summary>
    public const int VectorBatch = 8;

    /// <summary>
    /// Samples per feature-major tile: a 784-feature input tile is 784 × 64 floats (196 KiB), which stays in L2 while
    /// every kept weight of the layer reads its row; a whole batch of 256 would not.
    /// </summary>
    private const int Tile = 64;

    private static bool Vectorised(int batch) => batch >= VectorBatch && Fma.IsSupported && Avx2.IsSupported;

    /// <summary>
    /// Y[batch, rows] = X[batch, cols] · Wᵀ (or Y += X·Wᵀ with <paramref name="accumulate"/>) over the kept entries of
    /// <paramref name="weights"/> [rows, cols].
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the pattern and batch.</exception>
    public static void MultiplyTransposedB(ReadOnlySpan<float> x, SparsePattern pattern, ReadOnlySpan<float> weights, Span<float> y, int batch, bool accumulate = false)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        KernelGuard.Dimension(batch, nameof(batch));
        KernelGuard.MatrixLength(x.Length, batch, pattern.Cols, nameof(x), "batch×cols");
        KernelGuard.MatrixLength(y.Length, batch, pattern.Rows, nameof(y), "batch×rows");
        KernelGuard.MatrixLength(weights.Length, pattern.Rows, pattern.Cols, nameof(weights), "rows×cols");
        if (Vectorised(batch))
        {
            fixed (float* px = x)
            fixed (float* py = y)
            fixed (float* pw = weights)
            {
                for (var b = 0; b < batch; b += Tile)
                {
                    ForwardFeatureMajor(px + ((long)b * pattern.Cols), pattern, pw, py + ((long)b * pattern.Rows), Math.Min(Tile, batch - b), accumulate);
                }
            }

            return;
        }

        if (!accumulate)
        {
            y.Clear();
        }

        int rows = pattern.Rows, cols = pattern.Cols;
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pw = weights)
        fixed (int* starts = pattern.ColumnStarts)
        fixed (int* rowIndex = pattern.RowIndices)
        fixed (int* position = pattern.ColumnPositions)
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
                        yRow[rowIndex[k]] += pw[position[k]] * xv;
                    }
                }
            }
        }
    }

    /// <summary>
    /// dX[batch, cols] = dY[batch, rows] · W (or dX += dY·W with <paramref name="accumulate"/>) over the kept entries
    /// of <paramref name="weights"/> [rows, cols].
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the pattern and batch.</exception>
    public static void Multiply(ReadOnlySpan<float> dy, SparsePattern pattern, ReadOnlySpan<float> weights, Span<float> dx, int batch, bool accumulate = false)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        KernelGuard.Dimension(batch, nameof(batch));
        KernelGuard.MatrixLength(dy.Length, batch, pattern.Rows, nameof(dy), "batch×rows");
        KernelGuard.MatrixLength(dx.Length, batch, pattern.Cols, nameof(dx), "batch×cols");
        KernelGuard.MatrixLength(weights.Length, pattern.Rows, pattern.Cols, nameof(weights), "rows×cols");
        if (Vectorised(batch))
        {
            fixed (float* pdy = dy)
            fixed (float* pdx = dx)
            fixed (float* pw = weights)
            {
                for (var b = 0; b < batch; b += Tile)
                {
                    InputGradientFeatureMajor(pdy + ((long)b * pattern.Rows), pattern, pw, pdx + ((long)b * pattern.Cols), Math.Min(Tile, batch - b), accumulate);
                }
            }

            return;
        }

        if (!accumulate)
        {
            dx.Clear();
        }

        int rows = pattern.Rows, cols = pattern.Cols;
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (float* pw = weights)
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

                    var wRow = pw + ((long)r * cols);
                    var end = starts[r + 1];
                    for (var k = starts[r]; k < end; k++)
                    {
                        var c = columnIndex[k];
                        dxRow[c] += wRow[c] * gv;
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
        if (Vectorised(batch))
        {
            fixed (float* pdy = dy)
            fixed (float* px = x)
            fixed (float* pg = weightGradient)
            {
                // Tiles are added in order, so each entry's sum has one fixed order.
                for (var b = 0; b < batch; b += Tile)
                {
                    WeightGradientFeatureMajor(pdy + ((long)b * pattern.Rows), px + ((long)b * pattern.Cols), pattern, pg, Math.Min(Tile, batch - b));
                }
            }

            return;
        }

        scratch.Clear();
        int rows = pattern.Rows, cols = pattern.Cols;
        fixed (float* pdy = dy)
        fixed (float* px = x)
        fixed (float* ps = scratch)
        fixed (float* pg = weightGradient)
        fixed (int* starts = pattern.ColumnStarts)
        fixed (int* rowIndex = pattern.RowIndices)
        fixed (int* position = pattern.ColumnPositions)
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

            for (var k = 0; k < scratch.Length; k++)
            {
                pg[position[k]] += ps[k];
            }
        }
    }

    private static void ForwardFeatureMajor(float* x, SparsePattern pattern, float* w, float* y, int batch, bool accumulate)
    {
        int rows = pattern.Rows, cols = pattern.Cols, stride = FeatureMajor.Stride(batch);
        fixed (float* xT = FeatureMajor.First(cols * stride))
        fixed (float* yT = FeatureMajor.Second(rows * stride))
        fixed (int* starts = pattern.RowStarts)
        fixed (int* columnIndex = pattern.ColumnIndices)
        {
            // Rows of xT for features without a kept weight are never read: only the active blocks are transposed.
            FeatureMajor.TransposeColumnBlocks(x, batch, cols, cols, xT, stride, pattern.ActiveColumnBlocks);
            for (var r = 0; r < rows; r++)
            {
                // yT[r, :] = Σ over the kept (r, c) of W[r, c]·xT[c, :]: a CSR row gathered into registers.
                var wRow = w + ((long)r * cols);
                Gather(wRow, columnIndex, columnIndex, starts[r], starts[r + 1], xT, stride, yT + ((long)r * stride));
            }

            FeatureMajor.Transpose(yT, rows, batch, stride, y, rows, accumulate);
        }
    }

    private static void InputGradientFeatureMajor(float* dy, SparsePattern pattern, float* w, float* dx, int batch, bool accumulate)
    {
        int rows = pattern.Rows, cols = pattern.Cols, stride = FeatureMajor.Stride(batch);
        fixed (float* dyT = FeatureMajor.First(rows * stride))
        fixed (float* dxT = FeatureMajor.Second(cols * stride))
        fixed (int* starts = pattern.ColumnStarts)
        fixed (int* rowIndex = pattern.RowIndices)
        fixed (int* position = pattern.ColumnPositions)
        {
            FeatureMajor.Transpose(dy, batch, rows, rows, dyT, stride, accumulate: false);
            for (var c = 0; c < cols; c++)
            {
                // dxT[c, :] = Σ over the kept (r, c) of W[r, c]·dyT[r, :]: a CSC column gathered into registers.
                Gather(w, position, rowIndex, starts[c], starts[c + 1], dyT, stride, dxT + ((long)c * stride));
            }

            FeatureMajor.Transpose(dxT, cols, batch, stride, dx, cols, accumulate);
        }
    }

    /// <summary>
    /// target[0..stride) = Σ_{k in [start, end)} w[weightIndex[k]] · source[index[k]·stride ..]. A full tile (64 samples)
    /// keeps all of it in eight 8-lane accumulators, so each kept weight is loaded and broadcast once and its eight
    /// FMAs are independent; shorter strides go 8 samples at a time. Every target lane is one sum over k in order.
    /// </summary>
    private static void Gather(float* w, int* weightIndex, int* index, int start, int end, float* source, int stride, float* target)
    {
        if (stride == Tile)
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (var k = start; k < end; k++)
            {
                var wv = Vector256.Create(w[weightIndex[k]]);
                var row = source + ((long)index[k] * Tile);
                a0 = Fma.MultiplyAdd(wv, Avx.LoadVector256(row), a0);
                a1 = Fma.MultiplyAdd(wv, Avx.LoadVector256(row + 8), a1);
                a2 = Fma.MultiplyAdd(wv, Avx.LoadVector256(row + 16), a2);
                a3 = Fma.MultiplyAdd(wv, Avx.LoadVector256(row + 24), a3);
                a4 = Fma.MultiplyAdd(wv, Avx.LoadVector256(row + 32), a4);
                a5 = Fma.MultiplyAdd(wv, Avx.LoadVector256(row + 40), a5);
                a6 = Fma.MultiplyAdd(wv, Avx.LoadVector256(row + 48), a6);
                a7 = Fma.MultiplyAdd(wv, Avx.LoadVector256(row + 56), a7);
            }

            Avx.Store(target, a0);
            Avx.Store(target + 8, a1);
            Avx.Store(target + 16, a2);
            Avx.Store(target + 24, a3);
            Avx.Store(target + 32, a4);
            Avx.Store(target + 40, a5);
            Avx.Store(target + 48, a6);
            Avx.Store(target + 56, a7);
            return;
        }

        for (var j = 0; j < stride; j += 8)
        {
            var a0 = Vector256<float>.Zero;
            for (var k = start; k < end; k++)
            {
                a0 = Fma.MultiplyAdd(Vector256.Create(w[weightIndex[k]]), Avx.LoadVector256(source + ((long)index[k] * stride) + j), a0);
            }

            Avx.Store(target + j, a0);
        }
    }

    private static void WeightGradientFeatureMajor(float* dy, float* x, SparsePattern pattern, float* g, int batch)
    {
        int rows = pattern.Rows, cols = pattern.Cols, stride = FeatureMajor.Stride(batch);
        fixed (float* dyT = FeatureMajor.First(rows * stride))
        fixed (float* xT = FeatureMajor.Second(cols * stride))
        fixed (int* starts = pattern.RowStarts)
        fixed (int* columnIndex = pattern.ColumnIndices)
        {
            FeatureMajor.Transpose(dy, batch, rows, rows, dyT, stride, accumulate: false);
            FeatureMajor.Transpose(x, batch, cols, cols, xT, stride, accumulate: false);

            // The lanes past the batch must add nothing to the dot products.
            for (var r = 0; r < rows; r++)
            {
                new Span<float>(dyT + ((long)r * stride) + batch, stride - batch).Clear();
            }

            for (var r = 0; r < rows; r++)
            {
                var dyr = dyT + ((long)r * stride);
                var gRow = g + ((long)r * cols);
                var start = starts[r];
                var end = starts[r + 1];
                if (stride == Tile)
                {
                    DotsFullTile(dyr, xT, columnIndex, start, end, gRow);
                    continue;
                }

                for (var k = start; k < end; k++)
                {
                    var c = columnIndex[k];
                    gRow[c] += Dot(dyr, xT + ((long)c * stride), stride);
                }
            }
        }
    }

    /// <summary>
    /// gRow[c] += Dot(a, xT[c·Tile ..], Tile) for the columns c = index[start..end) of one CSR row: the row's 64 output
    /// gradients stay in registers across its kept entries, and each sum is formed exactly as <see cref="Dot"/> forms it.
    /// </summary>
    private static void DotsFullTile(float* a, float* xT, int* index, int start, int end, float* gRow)
    {
        var a0 = Avx.LoadVector256(a);
        var a1 = Avx.LoadVector256(a + 8);
        var a2 = Avx.LoadVector256(a + 16);
        var a3 = Avx.LoadVector256(a + 24);
        var a4 = Avx.LoadVector256(a + 32);
        var a5 = Avx.LoadVector256(a + 40);
        var a6 = Avx.LoadVector256(a + 48);
        var a7 = Avx.LoadVector256(a + 56);
        for (var k = start; k < end; k++)
        {
            var c = index[k];
            var b = xT + ((long)c * Tile);
            var s0 = Fma.MultiplyAdd(a0, Avx.LoadVector256(b), Vector256<float>.Zero);
            var s1 = Fma.MultiplyAdd(a1, Avx.LoadVector256(b + 8), Vector256<float>.Zero);
            var s2 = Fma.MultiplyAdd(a2, Avx.LoadVector256(b + 16), Vector256<float>.Zero);
            var s3 = Fma.MultiplyAdd(a3, Avx.LoadVector256(b + 24), Vector256<float>.Zero);
            s0 = Fma.MultiplyAdd(a4, Avx.LoadVector256(b + 32), s0);
            s1 = Fma.MultiplyAdd(a5, Avx.LoadVector256(b + 40), s1);
            s2 = Fma.MultiplyAdd(a6, Avx.LoadVector256(b + 48), s2);
            s3 = Fma.MultiplyAdd(a7, Avx.LoadVector256(b + 56), s3);
            gRow[c] += Vector256.Sum((s0 + s1) + (s2 + s3));
        }
    }

    /// <summary>
    /// Σ a[j]·b[j] over <paramref name="length"/> (a multiple of 8) in a fixed order: four independent 8-lane chains
    /// per 32 values (so the FMA latency is hidden), then the chains and lanes summed.
    /// </summary>
    private static float Dot(float* a, float* b, int length)
    {
        Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
        var j = 0;
        for (; j + 32 <= length; j += 32)
        {
            s0 = Fma.MultiplyAdd(Avx.LoadVector256(a + j), Avx.LoadVector256(b + j), s0);
            s1 = Fma.MultiplyAdd(Avx.LoadVector256(a + j + 8), Avx.LoadVector256(b + j + 8), s1);
            s2 = Fma.MultiplyAdd(Avx.LoadVector256(a + j + 16), Avx.LoadVector256(b + j + 16), s2);
            s3 = Fma.MultiplyAdd(Avx.LoadVector256(a + j + 24), Avx.LoadVector256(b + j + 24), s3);
        }

        for (; j < length; j += 8)
        {
            s0 = Fma.MultiplyAdd(Avx.LoadVector256(a + j), Avx.LoadVector256(b + j), s0);
        }

        return Vector256.Sum((s0 + s1) + (s2 + s3));
    }
}
