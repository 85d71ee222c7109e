using System;
using System.ComponentModel;

namespace ModelGen.Kernels;

/// <summary>
/// The constant structure of one baked dense layer (a lottery ticket compiled into a generated class): the kept
/// weights of a compact [units, inputs] matrix in column order (CSC). Built once per generated type from its constant
/// index data; immutable, shared by every instance.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)] // public for generated code in users' assemblies, hidden from their completion
public sealed class BakedPattern
{
    /// <summary>Creates the pattern from CSC data: the kept entries of input c are [columnStarts[c], columnStarts[c+1]) in <paramref name="rowIndices"/>.</summary>
    /// <exception cref="ArgumentException">The data is not a valid CSC structure of a [units, inputs] matrix.</exception>
    public BakedPattern(int units, int inputs, ReadOnlySpan<int> columnStarts, ReadOnlySpan<int> rowIndices)
    {
        KernelGuard.Dimension(units, nameof(units));
        KernelGuard.Dimension(inputs, nameof(inputs));
        KernelGuard.Length(columnStarts.Length, inputs + 1, nameof(columnStarts), "inputs + 1");
        if (columnStarts[0] != 0 || columnStarts[inputs] != rowIndices.Length)
        {
            throw new ArgumentException("Column starts must run from 0 to the number of kept entries.", nameof(columnStarts));
        }

        // The same entries as a 0/1 mask over the compact matrix, for the batch-vectorised runtime sparse kernels.
        var mask = new float[units * inputs];
        CompactPositions = new int[rowIndices.Length];
        for (var c = 0; c < inputs; c++)
        {
            if (columnStarts[c + 1] < columnStarts[c])
            {
                throw new ArgumentException($"Column starts decrease at input {c}.", nameof(columnStarts));
            }

            for (var k = columnStarts[c]; k < columnStarts[c + 1]; k++)
            {
                var r = rowIndices[k];
                if ((uint)r >= (uint)units)
                {
                    throw new ArgumentException($"Kept entry {k} names unit {r} of {units}.", nameof(rowIndices));
                }

                CompactPositions[k] = (r * inputs) + c;
                mask[CompactPositions[k]] = 1f;
            }
        }

        // The columns with at least one kept entry, so that a sample's walk never visits an input that feeds nothing
        // (most MNIST border pixels at 98% sparsity): their entries are [LiveStarts[j], LiveStarts[j + 1]).
        var live = 0;
        for (var c = 0; c < inputs; c++)
        {
            live += columnStarts[c + 1] > columnStarts[c] ? 1 : 0;
        }

        LiveColumns = new int[live];
        LiveStarts = new int[live + 1];
        live = 0;
        for (var c = 0; c < inputs; c++)
        {
            if (columnStarts[c + 1] > columnStarts[c])
            {
                LiveColumns[live] = c;
                LiveStarts[live++] = columnStarts[c];
            }
        }

        LiveStarts[live] = rowIndices.Length;
        Units = units;
        Inputs = inputs;
        ColumnStarts = columnStarts.ToArray();
        RowIndices = rowIndices.ToArray();
        Sparse = SparsePattern.FromMask(mask, units, inputs);

        // Where each entry of the runtime pattern's two orders lies in the baked (column-order) weights, so the
        // batch-vectorised kernels read the layer's parameter in place.
        var keptAt = new int[units * inputs];
        for (var k = 0; k < CompactPositions.Length; k++)
        {
            keptAt[CompactPositions[k]] = k;
        }

        CsrKept = new int[rowIndices.Length];
        for (var r = 0; r < units; r++)
        {
            for (var e = Sparse.RowStarts[r]; e < Sparse.RowStarts[r + 1]; e++)
            {
                CsrKept[e] = keptAt[(r * inputs) + Sparse.ColumnIndices[e]];
            }
        }

        CscKept = new int[rowIndices.Length];
        for (var e = 0; e < CscKept.Length; e++)
        {
            CscKept[e] = keptAt[Sparse.ColumnPositions[e]];
        }
    }

    /// <summary>Live output units (rows of the compact matrix).</summary>
    public int Units { get; }

    /// <summary>Live inputs (columns of the compact matrix).</summary>
    public int Inputs { get; }

    /// <summary>Kept weights.</summary>
    public int Count => RowIndices.Length;

    internal int[] ColumnStarts { get; }

    internal int[] RowIndices { get; }

    /// <summary>The inputs with at least one kept entry, ascending.</summary>
    internal int[] LiveColumns { get; }

    /// <summary>Kept entries of <see cref="LiveColumns"/>[j] are [LiveStarts[j], LiveStarts[j + 1]) (length live + 1).</summary>
    internal int[] LiveStarts { get; }

    /// <summary>Row-major position in the compact [units, inputs] matrix of each kept entry (CSC order).</summary>
    internal int[] CompactPositions { get; }

    /// <summary>The same pattern for <see cref="SparseGemm"/>.</summary>
    internal SparsePattern Sparse { get; }

    /// <summary>The kept index (position in the baked weights) of each CSR entry of <see cref="Sparse"/>.</summary>
    internal int[] CsrKept { get; }

    /// <summary>The kept index of each CSC entry of <see cref="Sparse"/>.</summary>
    internal int[] CscKept { get; }
}

/// <summary>
/// The three products of one baked dense layer, y = x·Wᵀ, dx = dy·W and the weight gradient dyᵀ·x at kept entries,
/// with W's kept values stored contiguously in <see cref="BakedPattern"/>'s column order (the layer's weight
/// parameter), each operand in an <see cref="ActivationLayout"/>. When an operand is feature-major (batches the
/// sparse kernels run vectorised) the runtime's batch-vectorised sparse kernels run over the constant pattern and read
/// the weights in place through the pattern's kept-index maps (one kernel for every sparse layer, baked or not); when
/// both are sample-major (a few samples) each sample walks its nonzero inputs column by column, reading weights and
/// their rows sequentially. Holds no scratch of its own (the runtime kernels' tile buffers are per thread).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)] // public for generated code in users' assemblies, hidden from their completion
public sealed unsafe class BakedDenseLayer
{
    private readonly BakedPattern _pattern;

    /// <summary>A layer over <paramref name="pattern"/>.</summary>
    public BakedDenseLayer(BakedPattern pattern)
    {
        _pattern = pattern ?? throw new ArgumentNullException(nameof(pattern));
    }

    /// <summary>
    /// The layer's input in <paramref name="layout"/>: <paramref name="input"/> [batch, inputs] itself when sample-major,
    /// else its transpose into <paramref name="featureMajor"/> (only the blocks of inputs the pattern reads), which then
    /// serves the forward product and the weight gradient.
    /// </summary>
    public ReadOnlySpan<float> TransposeInput(ReadOnlySpan<float> input, float[] featureMajor, ActivationLayout layout)
    {
        if (!layout.IsFeatureMajor)
        {
            return input;
        }

        var target = featureMajor.AsSpan(0, layout.Length(_pattern.Inputs));
        SparseGemm.TransposeInput(input, _pattern.Sparse, target, layout);
        return target;
    }

    /// <summary>y = x·Wᵀ (or += with <paramref name="accumulate"/>), x [inputs] and y [units] in their layouts; <paramref name="weights"/> in column order.</summary>
    public void Forward(ReadOnlySpan<float> x, ActivationLayout xLayout, ReadOnlySpan<float> weights, Span<float> y, ActivationLayout yLayout, bool accumulate = false)
    {
        Check(x.Length, xLayout, _pattern.Inputs, nameof(x), y.Length, yLayout, _pattern.Units, nameof(y), weights.Length);
        if (xLayout.IsFeatureMajor || yLayout.IsFeatureMajor)
        {
            SparseGemm.MultiplyTransposedBKept(x, xLayout, _pattern.Sparse, _pattern.CsrKept, weights, y, yLayout, accumulate);
            return;
        }

        var batch = xLayout.Batch;
        if (!accumulate)
        {
            y.Slice(0, batch * _pattern.Units).Clear();
        }

        Walk(x, weights, y, batch);
    }

    /// <summary>
    /// A whole layer of the forward pass, y = act(x·Wᵀ + bias + fold), act being ReLU when <paramref name="relu"/> and
    /// the identity otherwise (the caller applies any other activation). One call and one set of checks per layer,
    /// which is most of what a few samples cost besides their multiply-adds: sample-major, each output row starts from
    /// bias + fold and the walk adds the products; feature-major, bias and fold go to the real lanes only (see
    /// <see cref="ActivationLayout"/>).
    /// </summary>
    /// <param name="x">The layer's input in <paramref name="xLayout"/>.</param>
    /// <param name="xLayout">The input's layout.</param>
    /// <param name="weights">The kept weights in column order.</param>
    /// <param name="bias">The bias per live unit.</param>
    /// <param name="fold">Constants of the previous layer folded into this one, per unit, or empty for none.</param>
    /// <param name="y">The output in <paramref name="yLayout"/> (overwritten).</param>
    /// <param name="yLayout">The output's layout.</param>
    /// <param name="relu">Apply ReLU in place after the sums.</param>
    public void ForwardLayer(ReadOnlySpan<float> x, ActivationLayout xLayout, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> fold, Span<float> y, ActivationLayout yLayout, bool relu)
    {
        var units = _pattern.Units;
        Check(x.Length, xLayout, _pattern.Inputs, nameof(x), y.Length, yLayout, units, nameof(y), weights.Length);
        KernelGuard.Length(bias.Length, units, nameof(bias), "units");
        if (!fold.IsEmpty)
        {
            KernelGuard.Length(fold.Length, units, nameof(fold), "units");
        }

        if (xLayout.IsFeatureMajor || yLayout.IsFeatureMajor)
        {
            SparseGemm.MultiplyTransposedBKept(x, xLayout, _pattern.Sparse, _pattern.CsrKept, weights, y, yLayout, accumulate: false);
            // ReLU goes with the last addition (one pass less; bit-identical to adding and then applying it).
            if (fold.IsEmpty)
            {
                RowOps.AddBias(y, bias, yLayout, units, relu);
            }
            else
            {
                RowOps.AddBias(y, bias, yLayout, units);
                RowOps.AddBias(y, fold, yLayout, units, relu);
            }

            return;
        }

        var batch = xLayout.Batch;
        for (var b = 0; b < batch; b++)
        {
            var row = y.Slice(b * units, units);
            bias.CopyTo(row);
            if (!fold.IsEmpty)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(row, fold, row);
            }
        }

        Walk(x, weights, y, batch);
        if (relu)
        {
            ActivationKernels.ReluForward(y);
        }
    }

    /// <summary>y[b, rows[k]] += w[k]·x[b, c] over the kept entries of every live input c with x[b, c] ≠ 0, sample by sample.</summary>
    private void Walk(ReadOnlySpan<float> x, ReadOnlySpan<float> weights, Span<float> y, int batch)
    {
        var (units, inputs) = (_pattern.Units, _pattern.Inputs);
        var liveCount = _pattern.LiveColumns.Length;
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pw = weights)
        fixed (int* live = _pattern.LiveColumns)
        fixed (int* starts = _pattern.LiveStarts)
        fixed (int* rows = _pattern.RowIndices)
        {
            for (var b = 0; b < batch; b++)
            {
                var xRow = px + ((long)b * inputs);
                var yRow = py + ((long)b * units);
                for (var j = 0; j < liveCount; j++)
                {
                    var xv = xRow[live[j]];
                    if (xv == 0f)
                    {
                        continue;
                    }

                    for (int k = starts[j], end = starts[j + 1]; k < end; k++)
                    {
                        yRow[rows[k]] += pw[k] * xv;
                    }
                }
            }
        }
    }

    /// <summary>dx = dy·W (or += with <paramref name="accumulate"/>), dy [units] and dx [inputs] in their layouts.</summary>
    public void InputGradient(ReadOnlySpan<float> dy, ActivationLayout dyLayout, ReadOnlySpan<float> weights, Span<float> dx, ActivationLayout dxLayout, bool accumulate = false)
    {
        var (units, inputs) = (_pattern.Units, _pattern.Inputs);
        Check(dx.Length, dxLayout, inputs, nameof(dx), dy.Length, dyLayout, units, nameof(dy), weights.Length);
        if (dyLayout.IsFeatureMajor || dxLayout.IsFeatureMajor)
        {
            SparseGemm.MultiplyKept(dy, dyLayout, _pattern.Sparse, _pattern.CscKept, weights, dx, dxLayout, accumulate);
            return;
        }

        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (float* pw = weights)
        fixed (int* starts = _pattern.ColumnStarts)
        fixed (int* rows = _pattern.RowIndices)
        {
            for (var b = 0; b < dyLayout.Batch; b++)
            {
                var dyRow = pdy + ((long)b * units);
                var dxRow = pdx + ((long)b * inputs);
                var k = 0;
                for (var c = 0; c < inputs; c++)
                {
                    var sum = 0f;
                    for (var end = starts[c + 1]; k < end; k++)
                    {
                        sum += pw[k] * dyRow[rows[k]];
                    }

                    dxRow[c] = accumulate ? dxRow[c] + sum : sum;
                }
            }
        }
    }

    /// <summary>Adds Σ_b dy[b, r]·x[b, c] of every kept (r, c) to <paramref name="weightGradient"/> (column order, like the weights); dy [units] and x [inputs] in their layouts.</summary>
    public void AccumulateWeightGradient(ReadOnlySpan<float> dy, ActivationLayout dyLayout, ReadOnlySpan<float> x, ActivationLayout xLayout, Span<float> weightGradient)
    {
        var (units, inputs) = (_pattern.Units, _pattern.Inputs);
        Check(x.Length, xLayout, inputs, nameof(x), dy.Length, dyLayout, units, nameof(dy), weightGradient.Length);
        if (dyLayout.IsFeatureMajor || xLayout.IsFeatureMajor)
        {
            SparseGemm.AccumulateWeightGradientKept(dy, dyLayout, x, xLayout, _pattern.Sparse, _pattern.CsrKept, weightGradient);
            return;
        }

        var liveCount = _pattern.LiveColumns.Length;
        fixed (float* pdy = dy)
        fixed (float* px = x)
        fixed (float* pg = weightGradient)
        fixed (int* live = _pattern.LiveColumns)
        fixed (int* starts = _pattern.LiveStarts)
        fixed (int* rows = _pattern.RowIndices)
        {
            for (var b = 0; b < dyLayout.Batch; b++)
            {
                var xRow = px + ((long)b * inputs);
                var dyRow = pdy + ((long)b * units);
                for (var j = 0; j < liveCount; j++)
                {
                    var xv = xRow[live[j]];
                    if (xv == 0f)
                    {
                        continue;
                    }

                    for (int k = starts[j], end = starts[j + 1]; k < end; k++)
                    {
                        pg[k] += dyRow[rows[k]] * xv;
                    }
                }
            }
        }
    }

    /// <summary>The operands' lengths against their layouts (same batch) and the weights' against the kept entries.</summary>
    private void Check(int inputLength, ActivationLayout inputLayout, int inputFeatures, string inputName, int outputLength, ActivationLayout outputLayout, int outputFeatures, string outputName, int weightLength)
    {
        KernelGuard.SameBatch(inputLayout, outputLayout, outputName);
        KernelGuard.Length(inputLength, inputLayout.Length(inputFeatures), inputName, "its layout's length");
        KernelGuard.Length(outputLength, outputLayout.Length(outputFeatures), outputName, "its layout's length");
        KernelGuard.Length(weightLength, _pattern.Count, "weights", "kept entries");
    }
}
