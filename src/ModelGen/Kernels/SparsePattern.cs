using System;
using System.ComponentModel;

namespace ModelGen.Kernels;

/// <summary>
/// Where the kept entries of a row-major [rows, cols] weight matrix are, in both compressed orders: by row (CSR,
/// for the input gradient dX = dY·W) and by column (CSC, for the forward pass and the weight gradient, which walk
/// the nonzero inputs of each sample). Positions only: the kernels read values from the caller's row-major weight
/// matrix (parameters or a direction), so rewinding or restoring parameters needs no synchronisation with the pattern.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SparsePattern
{
    private SparsePattern(int rows, int cols, int[] rowStarts, int[] columnIndices, int[] columnStarts, int[] rowIndices, int[] columnPositions)
    {
        ActiveColumnBlocks = ActiveBlocks(columnStarts, cols);
        ActiveColumns = Active(columnStarts, cols);
        ColumnPositions = columnPositions;
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

    /// <summary>CSC: the position r·cols + c of each kept entry in the row-major matrix.</summary>
    internal int[] ColumnPositions { get; }

    /// <summary>
    /// The blocks of 8 columns (block b: columns 8b … 8b+7) holding at least one kept entry: the only input features the
    /// batch-vectorised forward pass reads, so the only ones it transposes (at 98% sparsity SNIP keeps weights on 275 of
    /// MNIST's 784 pixels, in 55 of the 98 blocks; the input is read from memory once per call, which dominates large
    /// batches).
    /// </summary>
    internal int[] ActiveColumnBlocks { get; }

    /// <summary>
    /// The columns holding at least one kept entry, ascending: the only input features the per-sample kernels visit
    /// (at 98% SNIP keeps weights on 275 of MNIST's 784 pixels, so batch 1 tests a third of the inputs for zero).
    /// </summary>
    internal int[] ActiveColumns { get; }

    /// <summary>Per-sample forward calls so far, until the walk is compiled (<see cref="SparseSampleCode.ForCall"/>).</summary>
    internal int SampleForwardCalls;

    /// <summary>The compiled per-sample forward walk, once <see cref="SparseSampleCode.ForCall"/> has tried (volatile: read without a lock).</summary>
    internal volatile SparseSampleCode.Compiled? SampleCodeState;

    private static int[] Active(int[] starts, int count)
    {
        var columns = new System.Collections.Generic.List<int>();
        for (var c = 0; c < count; c++)
        {
            if (starts[c + 1] > starts[c])
            {
                columns.Add(c);
            }
        }

        return columns.ToArray();
    }

    private static int[] ActiveBlocks(int[] starts, int count)
    {
        var blocks = new System.Collections.Generic.List<int>();
        for (var b = 0; b * 8 < count; b++)
        {
            if (starts[Math.Min(count, (b * 8) + 8)] > starts[b * 8])
            {
                blocks.Add(b);
            }
        }

        return blocks.ToArray();
    }

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

        var columnPositions = new int[count];
        for (var c = 0; c < cols; c++)
        {
            for (var j = columnStarts[c]; j < columnStarts[c + 1]; j++)
            {
                columnPositions[j] = (rowIndices[j] * cols) + c;
            }
        }

        return new SparsePattern(rows, cols, rowStarts, columnIndices, columnStarts, rowIndices, columnPositions);
    }
}
