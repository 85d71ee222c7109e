using System;
using System.ComponentModel;

namespace ModelGen.Kernels;

/// <summary>
/// Where the kept entries of a row-major [rows, cols] weight matrix are, in both compressed orders: by row (CSR,
/// for the input gradient dX = dY·W) and by column (CSC, for the forward pass and the weight gradient, which walk
/// the nonzero inputs of each sample). Positions only: values stay in the caller's parameter array and are gathered
/// into compact arrays (<see cref="GatherByColumn"/>, <see cref="GatherByRow"/>) when they are needed, so rewinding
/// or restoring parameters needs no synchronisation with the pattern.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SparsePattern
{
    private SparsePattern(int rows, int cols, int[] rowStarts, int[] columnIndices, int[] columnStarts, int[] rowIndices)
    {
        Rows = rows;
        Cols = cols;
        RowStarts = rowStarts;
        ColumnIndices = columnIndices;
        ColumnStarts = columnStarts;
        RowIndices = rowIndices;
    }

    /// <summary>Rows of the matrix (output features).</summary>
    public int Rows { get; }

    /// <summary>Columns of the matrix (input features).</summary>
    public int Cols { get; }

    /// <summary>Number of kept entries.</summary>
    public int Count => ColumnIndices.Length;

    /// <summary>Kept fraction of the matrix, in [0, 1].</summary>
    public double Density => Rows == 0 || Cols == 0 ? 0 : (double)Count / ((long)Rows * Cols);

    /// <summary>CSR: the kept entries of row r are [RowStarts[r], RowStarts[r+1]) in <see cref="ColumnIndices"/>.</summary>
    internal int[] RowStarts { get; }

    /// <summary>CSR column of each kept entry, ascending within a row.</summary>
    internal int[] ColumnIndices { get; }

    /// <summary>CSC: the kept entries of column c are [ColumnStarts[c], ColumnStarts[c+1]) in <see cref="RowIndices"/>.</summary>
    internal int[] ColumnStarts { get; }

    /// <summary>CSC row of each kept entry, ascending within a column.</summary>
    internal int[] RowIndices { get; }

    /// <summary>The pattern of the nonzero entries of a 0/1 <paramref name="mask"/> laid out [rows, cols].</summary>
    /// <exception cref="ArgumentException">The mask's length is not rows·cols.</exception>
    public static SparsePattern FromMask(ReadOnlySpan<float> mask, int rows, int cols)
    {
        KernelGuard.Dimension(rows, nameof(rows));
        KernelGuard.Dimension(cols, nameof(cols));
        KernelGuard.MatrixLength(mask.Length, rows, cols, nameof(mask), "rows×cols");
        var count = 0;
        var columnCounts = new int[cols + 1];
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] != 0f)
            {
                count++;
                columnCounts[(i % cols) + 1]++;
            }
        }

        var rowStarts = new int[rows + 1];
        var columnIndices = new int[count];
        var columnStarts = new int[cols + 1];
        for (var c = 0; c < cols; c++)
        {
            columnStarts[c + 1] = columnStarts[c] + columnCounts[c + 1];
        }

        var rowIndices = new int[count];
        var next = (int[])columnStarts.Clone();
        var k = 0;
        for (var r = 0; r < rows; r++)
        {
            var row = mask.Slice(r * cols, cols);
            for (var c = 0; c < cols; c++)
            {
                if (row[c] != 0f)
                {
                    columnIndices[k++] = c;
                    rowIndices[next[c]++] = r;
                }
            }

            rowStarts[r + 1] = k;
        }

        return new SparsePattern(rows, cols, rowStarts, columnIndices, columnStarts, rowIndices);
    }

    /// <summary>Copies the kept entries of <paramref name="weights"/> [rows, cols] into <paramref name="values"/> in CSC order.</summary>
    public void GatherByColumn(ReadOnlySpan<float> weights, Span<float> values)
    {
        KernelGuard.MatrixLength(weights.Length, Rows, Cols, nameof(weights), "rows×cols");
        KernelGuard.Length(values.Length, Count, nameof(values), "kept entries");
        var cols = Cols;
        for (var c = 0; c < cols; c++)
        {
            for (var k = ColumnStarts[c]; k < ColumnStarts[c + 1]; k++)
            {
                values[k] = weights[(RowIndices[k] * cols) + c];
            }
        }
    }

    /// <summary>Copies the kept entries of <paramref name="weights"/> [rows, cols] into <paramref name="values"/> in CSR order.</summary>
    public void GatherByRow(ReadOnlySpan<float> weights, Span<float> values)
    {
        KernelGuard.MatrixLength(weights.Length, Rows, Cols, nameof(weights), "rows×cols");
        KernelGuard.Length(values.Length, Count, nameof(values), "kept entries");
        for (var r = 0; r < Rows; r++)
        {
            var row = weights.Slice(r * Cols, Cols);
            for (var k = RowStarts[r]; k < RowStarts[r + 1]; k++)
            {
                values[k] = row[ColumnIndices[k]];
            }
        }
    }
}
