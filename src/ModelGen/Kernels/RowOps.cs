using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Kernels;

/// <summary>
/// Row-wise operations on row-major matrices that a dense layer's bias needs: adding it to every row in the
/// forward pass, and summing the output gradient's rows into its gradient in the backward pass; and the same two for
/// activations held feature-major (<see cref="ActivationLayout"/>), over the real lanes of the batch only.
/// </summary>
/// <remarks>
/// Plain <see cref="Vector256{T}"/> loops in our own methods rather than one TensorPrimitives call per row: for short
/// rows (a head's 10 logits) TensorPrimitives' small-size paths run in tier-0 code for the first second of a process,
/// and a call per row costs more than the adds.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)] // public for generated code in users' assemblies, hidden from their completion (as STJ hides JsonMetadataServices)
public static class RowOps
{
    /// <summary>Adds <paramref name="row"/> to every row: matrix[r, :] += row.</summary>
    /// <param name="matrix">The matrix, rows×cols, updated in place.</param>
    /// <param name="row">The vector added to each row, length <paramref name="cols"/>.</param>
    /// <param name="rows">Rows of the matrix.</param>
    /// <param name="cols">Columns of the matrix.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A span's length does not match the dimensions.</exception>
    public static void AddRowVector(Span<float> matrix, ReadOnlySpan<float> row, int rows, int cols)
    {
        KernelGuard.Dimension(rows, nameof(rows));
        KernelGuard.Dimension(cols, nameof(cols));
        KernelGuard.MatrixLength(matrix.Length, rows, cols, nameof(matrix), "rows×cols");
        KernelGuard.Length(row.Length, cols, nameof(row), "cols");
        ref var m = ref MemoryMarshal.GetReference(matrix);
        ref var v = ref MemoryMarshal.GetReference(row);
        for (var r = 0; r < rows; r++)
        {
            AddInPlace(ref Unsafe.Add(ref m, r * cols), ref v, cols);
        }
    }

    /// <summary>Adds the sum of all rows to <paramref name="sums"/>: sums += Σ_r matrix[r, :].</summary>
    /// <param name="matrix">The matrix, rows×cols.</param>
    /// <param name="sums">The running column sums, length <paramref name="cols"/>, added to.</param>
    /// <param name="rows">Rows of the matrix.</param>
    /// <param name="cols">Columns of the matrix.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A span's length does not match the dimensions.</exception>
    public static void AccumulateColumnSums(ReadOnlySpan<float> matrix, Span<float> sums, int rows, int cols)
    {
        KernelGuard.Dimension(rows, nameof(rows));
        KernelGuard.Dimension(cols, nameof(cols));
        KernelGuard.MatrixLength(matrix.Length, rows, cols, nameof(matrix), "rows×cols");
        KernelGuard.Length(sums.Length, cols, nameof(sums), "cols");

        // Rows are added one after another, so each column is summed in row order whatever the vector width.
        ref var m = ref MemoryMarshal.GetReference(matrix);
        ref var s = ref MemoryMarshal.GetReference(sums);
        for (var r = 0; r < rows; r++)
        {
            AddInPlace(ref s, ref Unsafe.Add(ref m, r * cols), cols);
        }
    }

    /// <summary>
    /// Adds the bias to activations of <paramref name="features"/> in <paramref name="layout"/>: every row when
    /// sample-major (<see cref="AddRowVector"/>); bias[f] to the real lanes of feature f's row in each tile when
    /// feature-major (the padding lanes stay bias-free, see <see cref="ActivationLayout"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the layout.</exception>
    public static void AddBias(Span<float> activations, ReadOnlySpan<float> bias, ActivationLayout layout, int features)
    {
        if (!layout.IsFeatureMajor)
        {
            AddRowVector(activations, bias, layout.Batch, features);
            return;
        }

        CheckFeatureMajor(activations.Length, nameof(activations), bias.Length, nameof(bias), layout, features);
        ForEachFeatureRow<AddToLanes>(ref MemoryMarshal.GetReference(activations), ref MemoryMarshal.GetReference(bias), layout, features);
    }

    /// <summary>
    /// <see cref="AddBias(Span{float}, ReadOnlySpan{float}, ActivationLayout, int)"/> and then, with
    /// <paramref name="relu"/>, <see cref="ActivationKernels.ReluForward"/> over the whole buffer, in one pass: every
    /// real lane becomes max(a + bias[f], 0) and every padding lane max(a, 0), bit for bit what the two calls give
    /// (the same IEEE maximum as TensorPrimitives.Max: NaN propagates, +0 over −0). At batch 256 the two passes over a
    /// 300-feature activation cost about as much as the sparse product that wrote it; one pass costs a fifth of that.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the layout.</exception>
    public static void AddBias(Span<float> activations, ReadOnlySpan<float> bias, ActivationLayout layout, int features, bool relu)
    {
        if (!relu)
        {
            AddBias(activations, bias, layout, features);
            return;
        }

        ref var data = ref MemoryMarshal.GetReference(activations);
        ref var b = ref MemoryMarshal.GetReference(bias);
        if (!layout.IsFeatureMajor)
        {
            KernelGuard.Dimension(features, nameof(features));
            KernelGuard.MatrixLength(activations.Length, layout.Batch, features, nameof(activations), "batch×features");
            KernelGuard.Length(bias.Length, features, nameof(bias), "features");
            for (var r = 0; r < layout.Batch; r++)
            {
                AddRelu(ref Unsafe.Add(ref data, r * features), ref b, features);
            }

            return;
        }

        CheckFeatureMajor(activations.Length, nameof(activations), bias.Length, nameof(bias), layout, features);
        ForEachFeatureRow<AddToLanesThenRelu>(ref data, ref b, layout, features);
    }

    /// <summary>
    /// Adds the bias gradient of output gradients of <paramref name="features"/> in <paramref name="layout"/> to
    /// <paramref name="sums"/>: the column sums when sample-major (<see cref="AccumulateColumnSums"/>); over the real
    /// lanes when feature-major, tile after tile, each tile's sum in one fixed order (8-lane partial sums, then the
    /// lanes, then the tail), whatever the thread count.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the layout.</exception>
    public static void AccumulateBiasGradient(ReadOnlySpan<float> gradients, Span<float> sums, ActivationLayout layout, int features)
    {
        if (!layout.IsFeatureMajor)
        {
            AccumulateColumnSums(gradients, sums, layout.Batch, features);
            return;
        }

        CheckFeatureMajor(gradients.Length, nameof(gradients), sums.Length, nameof(sums), layout, features);
        ForEachFeatureRow<SumOfLanes>(ref MemoryMarshal.GetReference(gradients), ref MemoryMarshal.GetReference(sums), layout, features);
    }

    /// <summary>
    /// Applies <typeparamref name="TOp"/> to every feature's row in every tile of a feature-major buffer
    /// (ActivationLayout: a tile is a block [features, width] whose first n lanes are samples, the rest padding), tile
    /// after tile, with the feature's entry of <paramref name="perFeature"/>.
    /// </summary>
    private static void ForEachFeatureRow<TOp>(ref float data, ref float perFeature, ActivationLayout layout, int features)
        where TOp : struct, IFeatureRowOp
    {
        for (var tile = 0; tile < layout.Batch; tile += ActivationLayout.Tile)
        {
            int n = Math.Min(ActivationLayout.Tile, layout.Batch - tile), width = Math.Min(ActivationLayout.Tile, layout.Stride - tile);
            ref var block = ref Unsafe.Add(ref data, tile * features);
            for (var f = 0; f < features; f++)
            {
                TOp.Apply(ref Unsafe.Add(ref block, f * width), n, width, ref Unsafe.Add(ref perFeature, f));
            }
        }
    }

    private interface IFeatureRowOp
    {
        /// <summary>One feature's row of a tile: <paramref name="lanes"/> real lanes, then padding up to <paramref name="width"/>.</summary>
        static abstract void Apply(ref float row, int lanes, int width, ref float value);
    }

    /// <summary>row[0..lanes) += value.</summary>
    private struct AddToLanes : IFeatureRowOp
    {
        public static void Apply(ref float row, int lanes, int width, ref float value)
        {
            var vector = Vector256.Create(value);
            var j = 0;
            for (; j + 8 <= lanes; j += 8)
            {
                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref row, (nuint)j) + vector, ref row, (nuint)j);
            }

            for (; j < lanes; j++)
            {
                Unsafe.Add(ref row, j) += value;
            }
        }
    }

    /// <summary>
    /// row[0..lanes) = max(row + value, 0) and row[lanes..width) = max(row, 0): what <see cref="AddToLanes"/> and then
    /// ReLU over the whole buffer (padding included) give.
    /// </summary>
    private struct AddToLanesThenRelu : IFeatureRowOp
    {
        public static void Apply(ref float row, int lanes, int width, ref float value)
        {
            AddScalarRelu(ref row, value, ref row, lanes);
            for (var j = lanes; j < width; j++)
            {
                Unsafe.Add(ref row, j) = MathF.Max(Unsafe.Add(ref row, j), 0f);
            }
        }
    }

    /// <summary>
    /// target[0..length) = max(source[0..length) + value, 0): one rounding for the sum, then the IEEE maximum (NaN
    /// propagates, +0 over −0), bit for bit what TensorPrimitives.Add and then Max give. source and target may be the
    /// same. The one bias-and-ReLU rule of the dense feature-major rows and the convolutions' copy-out.
    /// </summary>
    internal static void AddScalarRelu(ref float source, float value, ref float target, int length)
    {
        var vector = Vector256.Create(value);
        var j = 0;
        for (; j + 8 <= length; j += 8)
        {
            Vector256.StoreUnsafe(Vector256.Max(Vector256.LoadUnsafe(ref source, (nuint)j) + vector, Vector256<float>.Zero), ref target, (nuint)j);
        }

        for (; j < length; j++)
        {
            Unsafe.Add(ref target, j) = MathF.Max(Unsafe.Add(ref source, j) + value, 0f);
        }
    }

    /// <summary>value += Σ row[0..lanes) in one fixed order: 8-lane partial sums, then their lanes, then the tail.</summary>
    private struct SumOfLanes : IFeatureRowOp
    {
        public static void Apply(ref float row, int lanes, int width, ref float value)
        {
            var partial = Vector256<float>.Zero;
            var j = 0;
            for (; j + 8 <= lanes; j += 8)
            {
                partial += Vector256.LoadUnsafe(ref row, (nuint)j);
            }

            var sum = Vector256.Sum(partial);
            for (; j < lanes; j++)
            {
                sum += Unsafe.Add(ref row, j);
            }

            value += sum;
        }
    }

    private static void CheckFeatureMajor(int matrixLength, string matrixName, int vectorLength, string vectorName, ActivationLayout layout, int features)
    {
        KernelGuard.Dimension(features, nameof(features));
        KernelGuard.Length(matrixLength, layout.Length(features), matrixName, "the layout's length of features");
        KernelGuard.Length(vectorLength, features, vectorName, "features");
    }

    /// <summary>target[0..length) = max(target + source, 0), elementwise.</summary>
    private static void AddRelu(ref float target, ref float source, int length)
    {
        var j = 0;
        for (; j + 8 <= length; j += 8)
        {
            var sum = Vector256.LoadUnsafe(ref target, (nuint)j) + Vector256.LoadUnsafe(ref source, (nuint)j);
            Vector256.StoreUnsafe(Vector256.Max(sum, Vector256<float>.Zero), ref target, (nuint)j);
        }

        for (; j < length; j++)
        {
            Unsafe.Add(ref target, j) = MathF.Max(Unsafe.Add(ref target, j) + Unsafe.Add(ref source, j), 0f);
        }
    }

    /// <summary>target[0..length) += source[0..length), elementwise (so in any vector width the same result).</summary>
    private static void AddInPlace(ref float target, ref float source, int length)
    {
        var j = 0;
        for (; j + 8 <= length; j += 8)
        {
            Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref target, (nuint)j) + Vector256.LoadUnsafe(ref source, (nuint)j), ref target, (nuint)j);
        }

        for (; j < length; j++)
        {
            Unsafe.Add(ref target, j) += Unsafe.Add(ref source, j);
        }
    }
}
