using System;
using System.ComponentModel;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.Kernels;

/// <summary>
/// The three products of a dense layer whose weight W [rows, cols] is mostly zero, over the kept entries of a
/// <see cref="SparsePattern"/> only: the forward pass Y = X·Wᵀ (<c>MultiplyTransposedB</c>), the input gradient
/// dX = dY·W (<c>Multiply</c>) and the weight gradient dYᵀ·X at kept positions only
/// (<c>AccumulateWeightGradient</c>). Each product comes in two forms: sample-major operands [batch, features],
/// as the dense kernels have them, and operands in a given <see cref="ActivationLayout"/> each, so activations between
/// two sparse layers stay feature-major and are never transposed.
/// </summary>
/// <remarks>
/// From <see cref="VectorBatch"/> samples on (with AVX2 and FMA) the products run batch-vectorised in SparseProp's
/// layout (Nikdan et al., ICML 2023): activations are feature-major [features, batch] (sample-major operands are
/// transposed per tile of 64 samples in 8×8 AVX blocks, feature-major ones read in place, stored tile by tile),
/// so each kept weight multiplies 8 samples per instruction, and the weight gradient at a kept position is one dot
/// product over the batch. Below that, each sample is processed on its own, walking only its nonzero inputs (MNIST pixels are 80% zero, ReLU outputs
/// about half): the forward pass and the weight gradient go column by column through the CSC order, scattering into
/// a row of Y (which stays in L1) or into the compact weight gradient; the input gradient goes row by row through the
/// CSR order, skipping zero output gradients. The cost is O(nonzero inputs × kept per column) per sample, which is
/// what makes batch 1 cheap. Values are read at the kept positions of the full row-major weight matrix W [rows, cols]
/// (only kept entries are touched). With <see cref="Gemm.MaxDegreeOfParallelism"/> above 1, a tile's output lines
/// (rows of Y and of the weight gradient, columns of dX) are split over threads when the tile holds enough work
/// (SparseGemm.Lines.cs); the per-sample path stays on one thread. Every output element is summed by one thread in one
/// fixed order, so results do not depend on the thread count; a skipped zero adds exactly nothing in the dense product either
/// (for finite values), so the two paths differ only by summation order.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe partial class SparseGemm
{
    /// <summary>Batches of at least this many samples run batch-vectorised (feature-major).</summary>
    public const int VectorBatch = 8;

    /// <summary>
    /// Samples per feature-major tile: a 784-feature input tile is 784 × 64 floats (196 KiB), which stays in L2 while
    /// every kept weight of the layer reads its row; a whole batch of 256 would not.
    /// </summary>
    private const int Tile = ActivationLayout.Tile;

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
                var layout = ActivationLayout.SampleMajor(batch);
                ForwardTiles(px, layout, pattern, pw, py, layout, accumulate);
            }

            return;
        }

        if (!accumulate)
        {
            y.Clear();
        }

        int rows = pattern.Rows, cols = pattern.Cols, active = pattern.ActiveColumns.Length;
        var code = SparseSampleCode.ForCall(pattern);
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pw = weights)
        fixed (int* starts = pattern.ColumnStarts)
        fixed (int* rowIndex = pattern.RowIndices)
        fixed (int* position = pattern.ColumnPositions)
        fixed (int* columns = pattern.ActiveColumns)
        {
            if (code is not null)
            {
                // The same walk compiled into straight-line code (SparseSampleCode.cs): the same sums in the same order.
                for (var b = 0; b < batch; b++)
                {
                    code.Run(px + ((long)b * cols), pw, py + ((long)b * rows));
                }

                return;
            }

            for (var b = 0; b < batch; b++)
            {
                var xRow = px + ((long)b * cols);
                var yRow = py + ((long)b * rows);

                // Columns without a kept entry add nothing: only the active ones are tested for a zero input.
                for (var j = 0; j < active; j++)
                {
                    var c = columns[j];
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
                var layout = ActivationLayout.SampleMajor(batch);
                InputGradientTiles(pdy, layout, pattern, pw, pdx, layout, accumulate);
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
                var layout = ActivationLayout.SampleMajor(batch);
                WeightGradientTiles(pdy, layout, px, layout, pattern, pg);
            }

            return;
        }

        scratch.Clear();
        int rows = pattern.Rows, cols = pattern.Cols, active = pattern.ActiveColumns.Length;
        fixed (float* pdy = dy)
        fixed (float* px = x)
        fixed (float* ps = scratch)
        fixed (float* pg = weightGradient)
        fixed (int* starts = pattern.ColumnStarts)
        fixed (int* rowIndex = pattern.RowIndices)
        fixed (int* position = pattern.ColumnPositions)
        fixed (int* columns = pattern.ActiveColumns)
        {
            for (var b = 0; b < batch; b++)
            {
                var xRow = px + ((long)b * cols);
                var dyRow = pdy + ((long)b * rows);
                for (var j = 0; j < active; j++)
                {
                    var c = columns[j];
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

    /// <summary>Whether the products run this batch vectorised, so its activations may be held feature-major.</summary>
    public static bool RunsFeatureMajor(int batch) => Vectorised(batch);

    /// <summary>
    /// Y = X·Wᵀ (Y += with <paramref name="accumulate"/>) with each operand in its own layout: a feature-major operand is
    /// read (or written) in place, one tile of 64 samples after the other; a sample-major one is transposed per tile as
    /// <see cref="MultiplyTransposedB(ReadOnlySpan{float}, SparsePattern, ReadOnlySpan{float}, Span{float}, int, bool)"/>
    /// does. Results are bit-identical whatever the layouts (the same sums in the same order).
    /// </summary>
    /// <exception cref="ArgumentException">The layouts' batches differ, or a span's length does not match its layout.</exception>
    public static void MultiplyTransposedB(ReadOnlySpan<float> x, ActivationLayout xLayout, SparsePattern pattern, ReadOnlySpan<float> weights, Span<float> y, ActivationLayout yLayout, bool accumulate = false)
    {
        if (!FeatureMajorOperands(pattern, x.Length, xLayout, pattern?.Cols ?? 0, nameof(x), y.Length, yLayout, pattern?.Rows ?? 0, nameof(y), weights.Length, nameof(weights)))
        {
            MultiplyTransposedB(x, pattern!, weights, y, xLayout.Batch, accumulate);
            return;
        }

        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pw = weights)
        {
            ForwardTiles(px, xLayout, pattern!, pw, py, yLayout, accumulate);
        }
    }

    /// <summary>dX = dY·W (dX += with <paramref name="accumulate"/>) with each operand in its own layout (see the layout-aware <c>MultiplyTransposedB</c>).</summary>
    /// <exception cref="ArgumentException">The layouts' batches differ, or a span's length does not match its layout.</exception>
    public static void Multiply(ReadOnlySpan<float> dy, ActivationLayout dyLayout, SparsePattern pattern, ReadOnlySpan<float> weights, Span<float> dx, ActivationLayout dxLayout, bool accumulate = false)
    {
        if (!FeatureMajorOperands(pattern, dy.Length, dyLayout, pattern?.Rows ?? 0, nameof(dy), dx.Length, dxLayout, pattern?.Cols ?? 0, nameof(dx), weights.Length, nameof(weights)))
        {
            Multiply(dy, pattern!, weights, dx, dyLayout.Batch, accumulate);
            return;
        }

        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (float* pw = weights)
        {
            InputGradientTiles(pdy, dyLayout, pattern!, pw, pdx, dxLayout, accumulate);
        }
    }

    /// <summary>The weight gradient at kept positions with each operand in its own layout (see the layout-aware <c>MultiplyTransposedB</c>).</summary>
    /// <exception cref="ArgumentException">The layouts' batches differ, or a span's length does not match its layout.</exception>
    public static void AccumulateWeightGradient(ReadOnlySpan<float> dy, ActivationLayout dyLayout, ReadOnlySpan<float> x, ActivationLayout xLayout, SparsePattern pattern, Span<float> weightGradient, Span<float> scratch)
    {
        if (!FeatureMajorOperands(pattern, dy.Length, dyLayout, pattern?.Rows ?? 0, nameof(dy), x.Length, xLayout, pattern?.Cols ?? 0, nameof(x), weightGradient.Length, nameof(weightGradient)))
        {
            AccumulateWeightGradient(dy, x, pattern!, weightGradient, scratch, dyLayout.Batch);
            return;
        }

        fixed (float* pdy = dy)
        fixed (float* px = x)
        fixed (float* pg = weightGradient)
        {
            WeightGradientTiles(pdy, dyLayout, px, xLayout, pattern!, pg);
        }
    }

    /// <summary>
    /// Transposes the network input [batch, cols] into <paramref name="featureMajor"/> [cols, stride] for a first layer
    /// that runs sparse: only the blocks of 8 input features the pattern reads (<see cref="SparsePattern.ActiveColumnBlocks"/>),
    /// their padding lanes zeroed; rows of other features are never read and keep what they held. The one copy serves the
    /// layer's forward product and its weight gradient.
    /// </summary>
    /// <exception cref="ArgumentException">The layout is not feature-major, or a span's length does not match.</exception>
    public static void TransposeInput(ReadOnlySpan<float> x, SparsePattern pattern, Span<float> featureMajor, ActivationLayout layout)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (!layout.IsFeatureMajor)
        {
            throw new ArgumentException("The input is transposed only into a feature-major layout.", nameof(layout));
        }

        int batch = layout.Batch, cols = pattern.Cols;
        KernelGuard.MatrixLength(x.Length, batch, cols, nameof(x), "batch×cols");
        KernelGuard.Length(featureMajor.Length, layout.Length(cols), nameof(featureMajor), "the layout's length of cols");
        fixed (float* px = x)
        fixed (float* pt = featureMajor)
        {
            for (var b = 0; b < batch; b += Tile)
            {
                var n = Math.Min(Tile, batch - b);
                TileOperand(px, ActivationLayout.SampleMajor(batch), b, n, cols, pt + ((long)b * cols), pattern.ActiveColumnBlocks, out _);
            }
        }
    }

    /// <summary>
    /// Checks the operands of a layout-aware product (two activation matrices of <paramref name="aFeatures"/> and
    /// <paramref name="bFeatures"/> in their layouts, and the [rows, cols] weights); false when both are sample-major,
    /// for the sample-major entry point (which checks the rest itself).
    /// </summary>
    private static bool FeatureMajorOperands(SparsePattern? pattern, int aLength, ActivationLayout a, int aFeatures, string aName, int bLength, ActivationLayout b, int bFeatures, string bName, int weightsLength, string weightsName)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        KernelGuard.SameBatch(a, b, bName);
        if (!a.IsFeatureMajor && !b.IsFeatureMajor)
        {
            return false;
        }

        if (!Vectorised(a.Batch))
        {
            // ActivationLayout.For never builds this layout; a hand-built one would read past the per-sample path.
            throw new ArgumentException($"Batch {a.Batch} does not run feature-major on this machine.", aName);
        }

        KernelGuard.Length(aLength, a.Length(aFeatures), aName, "its layout's length");
        KernelGuard.Length(bLength, b.Length(bFeatures), bName, "its layout's length");
        KernelGuard.MatrixLength(weightsLength, pattern.Rows, pattern.Cols, weightsName, "rows×cols");
        return true;
    }

    /// <summary>
    /// The operand of the tile of <paramref name="n"/> samples from <paramref name="b"/> on, feature-major with its row
    /// stride: a feature-major buffer read in place (its padding per <see cref="ActivationLayout"/>'s rule: a
    /// gradient's exactly zero), or a sample-major one transposed into <paramref name="scratch"/> with zero padding lanes
    /// (so that the padding adds nothing to a weight gradient and a feature-major result's padding is a function of
    /// the weights only); only the listed <paramref name="blocks"/> of 8 features when given (the only ones the pattern reads).
    /// </summary>
    private static float* TileOperand(float* data, ActivationLayout layout, int b, int n, int features, float* scratch, int[]? blocks, out int stride)
    {
        stride = FeatureMajor.Stride(n);
        var source = data + ((long)b * features);
        if (layout.IsFeatureMajor)
        {
            // The tile's block [features, stride] of a feature-major buffer (ActivationLayout stores it tile by tile).
            return source;
        }

        if (blocks is null)
        {
            FeatureMajor.TransposePadded(source, n, features, features, scratch, stride);
        }
        else
        {
            FeatureMajor.TransposeColumnBlocksPadded(source, n, features, features, scratch, stride, blocks);
        }

        return scratch;
    }

    /// <summary>The forward product over tiles of 64 samples; <paramref name="x"/> and <paramref name="y"/> in their layouts.</summary>
    private static void ForwardTiles(float* x, ActivationLayout xLayout, SparsePattern pattern, float* w, float* y, ActivationLayout yLayout, bool accumulate)
    {
        // W[r, c] of CSR entry k sits at row r's start plus its column index.
        fixed (int* columnIndex = pattern.ColumnIndices)
        {
            ForwardTiles(x, xLayout, pattern, w, columnIndex, pattern.Cols, y, yLayout, accumulate);
        }
    }

    /// <summary>
    /// The forward product over tiles, W's value of CSR entry k of row r at
    /// <paramref name="w"/>[r·<paramref name="weightRowStride"/> + <paramref name="weightIndex"/>[k]]: the column index
    /// and cols for the runtime's row-major matrices, the kept index and 0 for a baked layer's (BakedSparseGemm.cs).
    /// </summary>
    private static void ForwardTiles(float* x, ActivationLayout xLayout, SparsePattern pattern, float* w, int* weightIndex, long weightRowStride, float* y, ActivationLayout yLayout, bool accumulate)
    {
        int rows = pattern.Rows, cols = pattern.Cols, batch = xLayout.Batch;
        fixed (float* sx = FeatureMajor.First(cols * Tile))
        fixed (float* sy = FeatureMajor.Second(rows * Tile))
        fixed (int* starts = pattern.RowStarts)
        fixed (int* columnIndex = pattern.ColumnIndices)
        {
            for (var b = 0; b < batch; b += Tile)
            {
                int n = Math.Min(Tile, batch - b), width = FeatureMajor.Stride(n);
                var xT = TileOperand(x, xLayout, b, n, cols, sx, pattern.ActiveColumnBlocks, out var xStride);
                var yT = yLayout.IsFeatureMajor ? y + ((long)b * rows) : sy;
                var add = accumulate && yLayout.IsFeatureMajor;
                // yT[r, :] = Σ over the kept (r, c) of W[r, c]·xT[c, :]: each CSR row gathered into registers.
                GatherLines(w, weightIndex, weightRowStride, starts, columnIndex, rows, xT, xStride, width, yT, add);

                if (!yLayout.IsFeatureMajor)
                {
                    FeatureMajor.Transpose(sy, rows, n, width, y + ((long)b * rows), rows, accumulate);
                }
            }
        }
    }

    /// <summary>The input gradient over tiles of 64 samples; <paramref name="dy"/> and <paramref name="dx"/> in their layouts.</summary>
    private static void InputGradientTiles(float* dy, ActivationLayout dyLayout, SparsePattern pattern, float* w, float* dx, ActivationLayout dxLayout, bool accumulate)
    {
        fixed (int* position = pattern.ColumnPositions)
        {
            InputGradientTiles(dy, dyLayout, pattern, w, position, dx, dxLayout, accumulate);
        }
    }

    /// <summary>
    /// The input gradient over tiles, W's value of CSC entry k at <paramref name="w"/>[<paramref name="weightIndex"/>[k]]:
    /// its row-major position for the runtime's matrices, its kept index for a baked layer's (BakedSparseGemm.cs).
    /// </summary>
    private static void InputGradientTiles(float* dy, ActivationLayout dyLayout, SparsePattern pattern, float* w, int* weightIndex, float* dx, ActivationLayout dxLayout, bool accumulate)
    {
        int rows = pattern.Rows, cols = pattern.Cols, batch = dyLayout.Batch;
        fixed (float* sdy = FeatureMajor.First(rows * Tile))
        fixed (float* sdx = FeatureMajor.Second(cols * Tile))
        fixed (int* starts = pattern.ColumnStarts)
        fixed (int* rowIndex = pattern.RowIndices)
        {
            for (var b = 0; b < batch; b += Tile)
            {
                int n = Math.Min(Tile, batch - b), width = FeatureMajor.Stride(n);
                var dyT = TileOperand(dy, dyLayout, b, n, rows, sdy, null, out var dyStride);

                var dxT = dxLayout.IsFeatureMajor ? dx + ((long)b * cols) : sdx;
                var add = accumulate && dxLayout.IsFeatureMajor;
                // dxT[c, :] = Σ over the kept (r, c) of W[r, c]·dyT[r, :]: each CSC column gathered into registers.
                GatherLines(w, weightIndex, 0, starts, rowIndex, cols, dyT, dyStride, width, dxT, add);

                if (!dxLayout.IsFeatureMajor)
                {
                    FeatureMajor.Transpose(sdx, cols, n, width, dx + ((long)b * cols), cols, accumulate);
                }
            }
        }
    }

    /// <summary>
    /// target[0..width) (+)= Σ_{k in [start, end)} w[weightIndex[k]] · source[index[k]·sourceStride ..]. A full tile (64
    /// samples) keeps all of it in eight 8-lane accumulators, so each kept weight is loaded and broadcast once and its
    /// eight FMAs are independent; narrower tiles go 8 samples at a time. Every target lane is one sum over k in order,
    /// added to the target's value with <paramref name="accumulate"/> (as the transpose back adds it otherwise).
    /// </summary>
    private static void Gather(float* w, int* weightIndex, int* index, int start, int end, float* source, int sourceStride, int width, float* target, bool accumulate)
    {
        if (width == Tile)
        {
            Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (var k = start; k < end; k++)
            {
                var wv = Vector256.Create(w[weightIndex[k]]);
                var row = source + ((long)index[k] * sourceStride);
                a0 = Fma.MultiplyAdd(wv, Avx.LoadVector256(row), a0);
                a1 = Fma.MultiplyAdd(wv, Avx.LoadVector256(row + 8), a1);
                a2 = Fma.MultiplyAdd(wv, Avx.LoadVector256(row + 16), a2);
                a3 = Fma.MultiplyAdd(wv, Avx.LoadVector256(row + 24), a3);
                a4 = Fma.MultiplyAdd(wv, Avx.LoadVector256(row + 32), a4);
                a5 = Fma.MultiplyAdd(wv, Avx.LoadVector256(row + 40), a5);
                a6 = Fma.MultiplyAdd(wv, Avx.LoadVector256(row + 48), a6);
                a7 = Fma.MultiplyAdd(wv, Avx.LoadVector256(row + 56), a7);
            }

            Store(target, a0, accumulate);
            Store(target + 8, a1, accumulate);
            Store(target + 16, a2, accumulate);
            Store(target + 24, a3, accumulate);
            Store(target + 32, a4, accumulate);
            Store(target + 40, a5, accumulate);
            Store(target + 48, a6, accumulate);
            Store(target + 56, a7, accumulate);
            return;
        }

        for (var j = 0; j < width; j += 8)
        {
            var a0 = Vector256<float>.Zero;
            for (var k = start; k < end; k++)
            {
                a0 = Fma.MultiplyAdd(Vector256.Create(w[weightIndex[k]]), Avx.LoadVector256(source + ((long)index[k] * sourceStride) + j), a0);
            }

            Store(target + j, a0, accumulate);
        }
    }

    private static void Store(float* target, Vector256<float> sum, bool accumulate) =>
        Avx.Store(target, accumulate ? Avx.Add(Avx.LoadVector256(target), sum) : sum);

    /// <summary>The weight gradient over tiles of 64 samples; <paramref name="dy"/> and <paramref name="x"/> in their layouts.</summary>
    private static void WeightGradientTiles(float* dy, ActivationLayout dyLayout, float* x, ActivationLayout xLayout, SparsePattern pattern, float* g)
    {
        // ∂W[r, c] of CSR entry k sits at row r's start plus its column index, as W[r, c] does.
        fixed (int* columnIndex = pattern.ColumnIndices)
        {
            WeightGradientTiles(dy, dyLayout, x, xLayout, pattern, g, columnIndex, pattern.Cols);
        }
    }

    /// <summary>
    /// The weight gradient over tiles, CSR entry k of row r added to
    /// <paramref name="g"/>[r·<paramref name="gradientRowStride"/> + <paramref name="gradientIndex"/>[k]]: the column
    /// index and cols for the runtime's row-major matrices, the kept index and 0 for a baked layer's (BakedSparseGemm.cs).
    /// </summary>
    private static void WeightGradientTiles(float* dy, ActivationLayout dyLayout, float* x, ActivationLayout xLayout, SparsePattern pattern, float* g, int* gradientIndex, long gradientRowStride)
    {
        int rows = pattern.Rows, cols = pattern.Cols, batch = dyLayout.Batch;
        fixed (float* sdy = FeatureMajor.First(rows * Tile))
        fixed (float* sx = FeatureMajor.Second(cols * Tile))
        fixed (int* starts = pattern.RowStarts)
        fixed (int* columnIndex = pattern.ColumnIndices)
        {
            // Tiles are added in order, so each entry's sum has one fixed order.
            for (var b = 0; b < batch; b += Tile)
            {
                int n = Math.Min(Tile, batch - b), width = FeatureMajor.Stride(n);
                // Zero padding in both operands' tiles (a feature-major gradient's by the layout rule): it adds exactly nothing.
                var dyT = TileOperand(dy, dyLayout, b, n, rows, sdy, null, out var dyStride);
                var xT = TileOperand(x, xLayout, b, n, cols, sx, pattern.ActiveColumnBlocks, out var xStride);

                DotLines(dyT, dyStride, xT, xStride, starts, columnIndex, rows, width, g, gradientIndex, gradientRowStride);
            }
        }
    }

    /// <summary>
    /// gRow[gradientIndex[k]] += Dot(a, xT[index[k]·xStride ..], Tile) for the entries k in [start, end) of one CSR row:
    /// the row's 64 output gradients stay in registers across its kept entries, and each sum is formed exactly as
    /// <see cref="Dot"/> forms it.
    /// </summary>
    private static void DotsFullTile(float* a, float* xT, int xStride, int* index, int start, int end, float* gRow, int* gradientIndex)
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
            var b = xT + ((long)c * xStride);
            var s0 = Fma.MultiplyAdd(a0, Avx.LoadVector256(b), Vector256<float>.Zero);
            var s1 = Fma.MultiplyAdd(a1, Avx.LoadVector256(b + 8), Vector256<float>.Zero);
            var s2 = Fma.MultiplyAdd(a2, Avx.LoadVector256(b + 16), Vector256<float>.Zero);
            var s3 = Fma.MultiplyAdd(a3, Avx.LoadVector256(b + 24), Vector256<float>.Zero);
            s0 = Fma.MultiplyAdd(a4, Avx.LoadVector256(b + 32), s0);
            s1 = Fma.MultiplyAdd(a5, Avx.LoadVector256(b + 40), s1);
            s2 = Fma.MultiplyAdd(a6, Avx.LoadVector256(b + 48), s2);
            s3 = Fma.MultiplyAdd(a7, Avx.LoadVector256(b + 56), s3);
            gRow[gradientIndex[k]] += Vector256.Sum((s0 + s1) + (s2 + s3));
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
