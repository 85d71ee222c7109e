using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

/// <summary>
/// The sparse products against the dense kernels with the mask multiplied in (the masked dense path they replace),
/// on shapes that are not multiples of the vector width, batch 1 included, inputs with exact zeros (which the sparse
/// kernels skip), and densities from empty to full.
/// </summary>
public sealed class SparseGemmTests
{
    // Sums of at most ~800 products of O(1) floats in different orders: rounding differences stay below 1e-4
    // relative to the sum of magnitudes; any wrong or missing term changes an entry by O(0.1).
    private const float Tolerance = 2e-4f;

    public static TheoryData<int, int, int, double> Shapes() => new()
    {
        { 1, 1, 1, 1.0 },
        { 3, 5, 1, 0.5 },
        { 13, 17, 1, 0.1 },
        { 10, 100, 7, 0.02 },
        { 9, 33, 5, 0.0 },
        { 31, 47, 60, 0.2 },
        { 100, 300, 3, 0.05 },
        { 300, 784, 2, 0.02 },
        { 7, 9, 4, 1.0 },
        { 13, 29, 8, 0.3 },
        { 5, 300, 17, 0.1 },
        { 100, 300, 64, 0.05 },
        { 10, 100, 256, 0.4 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Products_match_the_masked_dense_kernels(int rows, int cols, int batch, double density)
    {
        var random = new Random(rows * 1000 + cols * 10 + batch);
        var (weights, mask, masked) = MaskedWeights(random, rows, cols, density);
        var pattern = SparsePattern.FromMask(mask, rows, cols);
        Assert.Equal(mask.Count(m => m != 0f), pattern.Count);

        // Values under the mask are nonzero in `weights`: the sparse kernels must not read them.

        var x = Activations(random, batch, cols);
        var dy = Activations(random, batch, rows);

        // Forward Y = X·Wᵀ, overwriting and accumulating.
        var expectedY = new float[batch * rows];
        Gemm.MultiplyTransposedB(x, masked, expectedY, batch, rows, cols);
        var y = Filled(batch * rows, 5f);
        SparseGemm.MultiplyTransposedB(x, pattern, weights, y, batch);
        AssertClose(expectedY, y);
        var start = Activations(random, batch, rows);
        var accumulated = (float[])start.Clone();
        SparseGemm.MultiplyTransposedB(x, pattern, weights, accumulated, batch, accumulate: true);
        AssertClose(expectedY.Zip(start, (a, b) => a + b).ToArray(), accumulated);

        // Input gradient dX = dY·W.
        var expectedDx = new float[batch * cols];
        Gemm.Multiply(dy, masked, expectedDx, batch, cols, rows);
        var dx = Filled(batch * cols, -3f);
        SparseGemm.Multiply(dy, pattern, weights, dx, batch);
        AssertClose(expectedDx, dx);

        // Weight gradient dYᵀ·X at kept positions, added to what is there; removed positions untouched.
        var initial = Activations(random, rows, cols);
        var expectedG = (float[])initial.Clone();
        Gemm.MultiplyTransposedA(dy, x, expectedG, rows, cols, batch, accumulate: true);
        var g = (float[])initial.Clone();
        SparseGemm.AccumulateWeightGradient(dy, x, pattern, g, new float[pattern.Count], batch);
        for (var i = 0; i < g.Length; i++)
        {
            if (mask[i] == 0f)
            {
                Assert.Equal(initial[i], g[i]);
            }
            else
            {
                Assert.True(Math.Abs(expectedG[i] - g[i]) <= Tolerance * (1 + Math.Abs(expectedG[i])), $"gradient {i}: {expectedG[i]} vs {g[i]}");
            }
        }
    }

    [Fact]
    public void Results_are_bit_identical_whatever_the_thread_count()
    {
        var random = new Random(5);
        var (weights, mask, _) = MaskedWeights(random, 300, 784, 0.02);
        var pattern = SparsePattern.FromMask(mask, 300, 784);
        var x = Activations(random, 60, 784);
        float[] Run()
        {
            var y = new float[60 * 300];
            SparseGemm.MultiplyTransposedB(x, pattern, weights, y, 60);
            var g = new float[300 * 784];
            SparseGemm.AccumulateWeightGradient(y, x, pattern, g, new float[pattern.Count], 60);
            return y.Concat(g).ToArray();
        }

        var previous = Gemm.MaxDegreeOfParallelism;
        try
        {
            Gemm.MaxDegreeOfParallelism = 1;
            var one = Run();
            Gemm.MaxDegreeOfParallelism = 2;
            Assert.Equal(one, Run());
        }
        finally
        {
            Gemm.MaxDegreeOfParallelism = previous;
        }
    }

    /// <summary>
    /// Products large enough to be split over threads (kept entries × lanes above the threshold), on masks whose kept
    /// entries crowd a few lines (so that the ranges of about equal entries are very unequal in lines, some empty), with
    /// two full tiles and a narrow third one: two threads give one thread's results bit for bit, every output line is
    /// written (the outputs start as a value no product gives), and both match the masked dense kernels.
    /// </summary>
    [Theory]
    [InlineData("uniform", 130)]
    [InlineData("first-rows", 60)]
    [InlineData("first-rows", 136)]
    [InlineData("last-column-block", 72)]
    public void Two_threads_split_the_lines_and_give_one_threads_products(string layout, int batch)
    {
        const int rows = 300, cols = 784;
        var random = new Random(layout.Length * 100 + batch);
        var weights = Activations(random, rows, cols);
        var mask = new float[rows * cols];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                var kept = layout switch
                {
                    "uniform" => random.NextDouble() < 0.08,
                    // Rows 0–5 dense, one entry on the last row, the rows between empty.
                    "first-rows" => r < 6 || (r == rows - 1 && c == 5),
                    // Every row keeps most of the last 24 columns: the other columns are empty.
                    _ => c >= cols - 24 && random.NextDouble() < 0.9,
                };
                mask[(r * cols) + c] = kept ? 1f : 0f;
            }
        }

        var masked = weights.Zip(mask, (w, m) => w * m).ToArray();
        var pattern = SparsePattern.FromMask(mask, rows, cols);
        var x = Activations(random, batch, cols);
        var dy = Activations(random, batch, rows);
        float[][] Run(int threads)
        {
            var previous = Gemm.MaxDegreeOfParallelism;
            try
            {
                Gemm.MaxDegreeOfParallelism = threads;
                var y = Filled(batch * rows, 5f);
                SparseGemm.MultiplyTransposedB(x, pattern, weights, y, batch);
                var dx = Filled(batch * cols, 5f);
                SparseGemm.Multiply(dy, pattern, weights, dx, batch);
                var g = Filled(rows * cols, 0.5f);
                SparseGemm.AccumulateWeightGradient(dy, x, pattern, g, new float[pattern.Count], batch);
                return [y, dx, g];
            }
            finally
            {
                Gemm.MaxDegreeOfParallelism = previous;
            }
        }

        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one[0], two[0]);
        Assert.Equal(one[1], two[1]);
        Assert.Equal(one[2], two[2]);

        var expectedY = new float[batch * rows];
        Gemm.MultiplyTransposedB(x, masked, expectedY, batch, rows, cols);
        AssertClose(expectedY, two[0]);
        var expectedDx = new float[batch * cols];
        Gemm.Multiply(dy, masked, expectedDx, batch, cols, rows);
        AssertClose(expectedDx, two[1]);
        var expectedG = new float[rows * cols];
        Gemm.MultiplyTransposedA(dy, x, expectedG, rows, cols, batch);
        for (var i = 0; i < expectedG.Length; i++)
        {
            expectedG[i] = mask[i] != 0f ? expectedG[i] + 0.5f : 0.5f;
        }

        AssertClose(expectedG, two[2]);
    }

    [Fact]
    public void Wrong_lengths_name_the_argument()
    {
        var pattern = SparsePattern.FromMask(new float[] { 1, 0, 0, 1, 1, 0 }, 2, 3);
        Assert.Equal(3, pattern.Count);
        var error = Assert.Throws<ArgumentException>(() => SparseGemm.MultiplyTransposedB(new float[5], pattern, new float[6], new float[2], 1));
        Assert.Equal("x", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => SparseGemm.Multiply(new float[2], pattern, new float[5], new float[3], 1));
        Assert.Equal("weights", error.ParamName);
        Assert.Throws<ArgumentException>(() => SparsePattern.FromMask(new float[5], 2, 3));
    }

    private static (float[] Weights, float[] Mask, float[] Masked) MaskedWeights(Random random, int rows, int cols, double density)
    {
        var weights = Activations(random, rows, cols);
        var mask = new float[rows * cols];
        var masked = new float[rows * cols];
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = random.NextDouble() < density ? 1f : 0f;
            masked[i] = weights[i] * mask[i];
        }

        return (weights, mask, masked);
    }

    /// <summary>Values in [-1, 1) with about a third exact zeros (like ReLU outputs and MNIST pixels).</summary>
    private static float[] Activations(Random random, int rows, int cols)
    {
        var values = new float[rows * cols];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = random.NextDouble() < 0.33 ? 0f : (float)(random.NextDouble() * 2 - 1);
        }

        return values;
    }

    private static float[] Filled(int length, float value) => Enumerable.Repeat(value, length).ToArray();

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * (1 + Math.Abs(expected[i])), $"entry {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
