using System;
using System.ComponentModel;
using System.Runtime.InteropServices;

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
}

/// <summary>
/// The three products of one baked dense layer, y = x·Wᵀ, dx = dy·W and the weight gradient dyᵀ·x at kept entries,
/// with W's kept values stored contiguously in <see cref="BakedPattern"/>'s column order (the layer's weight
/// parameter). Below <see cref="SparseGemm.VectorBatch"/> samples each sample walks its nonzero inputs column by
/// column, reading weights and their rows sequentially (no gather through a full-size matrix, no mask); from there on
/// the weights are scattered into a compact row-major matrix and the runtime's batch-vectorised sparse kernels run
/// over the constant pattern (one kernel for every sparse layer). Holds that scratch, so one instance per network.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)] // public for generated code in users' assemblies, hidden from their completion
public sealed unsafe class BakedDenseLayer
{
    private readonly BakedPattern _pattern;
    private float[]? _matrix;
    private float[]? _scattered;
    private float[]? _gradientMatrix;
    private float[]? _scratch;

    /// <summary>A layer over <paramref name="pattern"/>.</summary>
    public BakedDenseLayer(BakedPattern pattern)
    {
        _pattern = pattern ?? throw new ArgumentNullException(nameof(pattern));
    }

    /// <summary>y[batch, units] = x[batch, inputs]·Wᵀ (or += with <paramref name="accumulate"/>); <paramref name="weights"/> in column order.</summary>
    public void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weights, Span<float> y, int batch, bool accumulate = false)
    {
        var (units, inputs) = Check(x.Length, y.Length, weights.Length, batch, nameof(x), nameof(y));
        if (batch >= SparseGemm.VectorBatch)
        {
            SparseGemm.MultiplyTransposedB(x, _pattern.Sparse, Scatter(weights), y, batch, accumulate);
            return;
        }

        if (!accumulate)
        {
            y.Slice(0, batch * units).Clear();
        }

        Walk(x, weights, y, batch);
    }

    /// <summary>
    /// A whole layer of the forward pass, y[batch, units] = act(x·Wᵀ + bias + fold), act being ReLU when
    /// <paramref name="relu"/> and the identity otherwise (the caller applies any other activation). One call and one
    /// set of checks per layer, which is most of what a single sample costs besides its ~1k multiply-adds: below
    /// <see cref="SparseGemm.VectorBatch"/> each output row starts from bias + fold and the walk adds the products.
    /// </summary>
    /// <param name="x">The layer's input, [batch, inputs].</param>
    /// <param name="weights">The kept weights in column order.</param>
    /// <param name="bias">The bias per live unit.</param>
    /// <param name="fold">Constants of the previous layer folded into this one, per unit, or empty for none.</param>
    /// <param name="y">The output, [batch, units] (overwritten).</param>
    /// <param name="batch">Samples.</param>
    /// <param name="relu">Apply ReLU in place after the sums.</param>
    public void ForwardLayer(ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> fold, Span<float> y, int batch, bool relu)
    {
        var (units, _) = Check(x.Length, y.Length, weights.Length, batch, nameof(x), nameof(y));
        KernelGuard.Length(bias.Length, units, nameof(bias), "units");
        if (!fold.IsEmpty)
        {
            KernelGuard.Length(fold.Length, units, nameof(fold), "units");
        }

        var output = y.Slice(0, batch * units);
        if (batch >= SparseGemm.VectorBatch)
        {
            SparseGemm.MultiplyTransposedB(x, _pattern.Sparse, Scatter(weights), y, batch, accumulate: false);
            RowOps.AddRowVector(output, bias, batch, units);
            if (!fold.IsEmpty)
            {
                RowOps.AddRowVector(output, fold, batch, units);
            }
        }
        else
        {
            for (var b = 0; b < batch; b++)
            {
                var row = output.Slice(b * units, units);
                bias.CopyTo(row);
                if (!fold.IsEmpty)
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(row, fold, row);
                }
            }

            Walk(x, weights, output, batch);
        }

        if (relu)
        {
            ActivationKernels.ReluForward(output);
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

    /// <summary>dx[batch, inputs] = dy[batch, units]·W (or += with <paramref name="accumulate"/>).</summary>
    public void InputGradient(ReadOnlySpan<float> dy, ReadOnlySpan<float> weights, Span<float> dx, int batch, bool accumulate = false)
    {
        var (units, inputs) = Check(dx.Length, dy.Length, weights.Length, batch, nameof(dx), nameof(dy));
        if (batch >= SparseGemm.VectorBatch)
        {
            SparseGemm.Multiply(dy, _pattern.Sparse, Scatter(weights), dx, batch, accumulate);
            return;
        }

        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (float* pw = weights)
        fixed (int* starts = _pattern.ColumnStarts)
        fixed (int* rows = _pattern.RowIndices)
        {
            for (var b = 0; b < batch; b++)
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

    /// <summary>Adds Σ_b dy[b, r]·x[b, c] of every kept (r, c) to <paramref name="weightGradient"/> (column order, like the weights).</summary>
    public void AccumulateWeightGradient(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> weightGradient, int batch)
    {
        var (units, inputs) = Check(x.Length, dy.Length, weightGradient.Length, batch, nameof(x), nameof(dy));
        var positions = _pattern.CompactPositions;
        if (batch >= SparseGemm.VectorBatch)
        {
            var matrix = _gradientMatrix ??= new float[units * inputs];
            _scratch ??= new float[_pattern.Count];
            for (var k = 0; k < positions.Length; k++)
            {
                matrix[positions[k]] = 0f;
            }

            SparseGemm.AccumulateWeightGradient(dy, x, _pattern.Sparse, matrix, _scratch, batch);
            for (var k = 0; k < positions.Length; k++)
            {
                weightGradient[k] += matrix[positions[k]];
            }

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
            for (var b = 0; b < batch; b++)
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

    /// <summary>
    /// The weights in the compact row-major matrix the runtime sparse kernels read (zeros stay zero). The scatter
    /// writes one cache line per kept weight all over a matrix larger than L2 (213 × 784 floats for the project's
    /// fc1); between two inference calls the weights are the same, so a bitwise compare with the last scattered values
    /// (contiguous, vectorised) skips it. Training changes them every step: the compare fails at once.
    /// </summary>
    private float[] Scatter(ReadOnlySpan<float> weights)
    {
        var scattered = _scattered ??= new float[_pattern.Count];
        if (_matrix is { } current && MemoryMarshal.Cast<float, int>(weights).SequenceEqual(MemoryMarshal.Cast<float, int>(scattered)))
        {
            return current;
        }

        var matrix = _matrix ??= new float[_pattern.Units * _pattern.Inputs];
        var positions = _pattern.CompactPositions;
        for (var k = 0; k < positions.Length; k++)
        {
            matrix[positions[k]] = weights[k];
        }

        weights.CopyTo(scattered);
        return matrix;
    }

    private (int Units, int Inputs) Check(int inputLength, int outputLength, int weightLength, int batch, string inputName, string outputName)
    {
        KernelGuard.Dimension(batch, nameof(batch));
        KernelGuard.MatrixLength(inputLength, batch, _pattern.Inputs, inputName, "batch×inputs");
        KernelGuard.MatrixLength(outputLength, batch, _pattern.Units, outputName, "batch×units");
        KernelGuard.Length(weightLength, _pattern.Count, "weights", "kept entries");
        return (_pattern.Units, _pattern.Inputs);
    }
}
