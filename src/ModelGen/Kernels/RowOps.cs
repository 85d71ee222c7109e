using System;
using System.ComponentModel;
using System.Numerics.Tensors;

namespace ModelGen.Kernels;

/// <summary>
/// Row-wise operations on row-major matrices that a dense layer's bias needs: adding it to every row in the
/// forward pass, and summing the output gradient's rows into its gradient in the backward pass.
/// </summary>
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
        for (var r = 0; r < rows; r++)
        {
            var target = matrix.Slice(r * cols, cols);
            TensorPrimitives.Add(target, row, target);
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
        for (var r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(sums, matrix.Slice(r * cols, cols), sums);
        }
    }
}
