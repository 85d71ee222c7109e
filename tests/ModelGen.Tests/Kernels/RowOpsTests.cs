using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

public class RowOpsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(4, 9)]
    [InlineData(60, 300)]
    public void AddRowVectorAddsToEveryRow(int rows, int cols)
    {
        var matrix = RandomValues(rows * cols, seed: rows);
        var row = RandomValues(cols, seed: cols);
        var expected = (float[])matrix.Clone();
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < cols; j++)
            {
                expected[(r * cols) + j] += row[j];
            }
        }

        RowOps.AddRowVector(matrix, row, rows, cols);

        // One float addition per element: the same rounding however it is vectorized.
        Assert.Equal(expected, matrix);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(4, 9)]
    [InlineData(60, 300)]
    public void AccumulateColumnSumsAddsRowsInOrder(int rows, int cols)
    {
        var matrix = RandomValues(rows * cols, seed: rows);
        var sums = RandomValues(cols, seed: cols);
        var expected = (float[])sums.Clone();
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < cols; j++)
            {
                expected[j] += matrix[(r * cols) + j];
            }
        }

        RowOps.AccumulateColumnSums(matrix, sums, rows, cols);

        // Each column is summed row after row, starting from its previous value: bitwise the scalar order.
        Assert.Equal(expected, sums);
    }

    [Fact]
    public void MismatchedShapesNameTheArgument()
    {
        var error = Assert.Throws<ArgumentException>(() => RowOps.AddRowVector(new float[6], new float[2], 2, 3));
        Assert.Equal("row", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => RowOps.AccumulateColumnSums(new float[5], new float[3], 2, 3));
        Assert.Equal("matrix", error.ParamName);
        Assert.Contains("expected 6", error.Message, StringComparison.Ordinal);
    }

    private static float[] RandomValues(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
