using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

public class GemmTests
{
    public enum Form
    {
        /// <summary>C = A·Bᵀ, A m×k, B n×k.</summary>
        TransposedB,

        /// <summary>C = A·B, A m×k, B k×n.</summary>
        Plain,

        /// <summary>C = Aᵀ·B, A k×m, B k×n.</summary>
        TransposedA,
    }

    // Row counts around the 4-row blocks, column counts around the 3-row (A·Bᵀ) and 24/8-column (A·B, Aᵀ·B) blocks,
    // depths around the 8-lane vectors: every micro-kernel and every masked tail is reached.
    private static readonly int[] Rows = [1, 2, 3, 4, 5, 7, 8, 9, 13];
    private static readonly int[] Cols = [1, 2, 3, 4, 5, 7, 8, 9, 10, 16, 23, 24, 25, 31, 47, 49];
    private static readonly int[] Depths = [1, 3, 7, 8, 9, 16, 17, 31, 100];

    [Theory]
    [InlineData(Form.TransposedB)]
    [InlineData(Form.Plain)]
    [InlineData(Form.TransposedA)]
    public void MatchesDoublePrecisionReferenceOnBlockAndTailShapes(Form form)
    {
        foreach (var m in Rows)
        {
            foreach (var n in Cols)
            {
                foreach (var k in Depths)
                {
                    CheckAgainstReference(form, m, n, k, accumulate: false);
                    CheckAgainstReference(form, m, n, k, accumulate: true);
                }
            }
        }
    }

    public static TheoryData<Form, int, int, int, bool> LayerShapes()
    {
        var data = new TheoryData<Form, int, int, int, bool>();
        foreach (var form in new[] { Form.TransposedB, Form.Plain, Form.TransposedA })
        {
            foreach (var batch in new[] { 1, 60, 61 })
            {
                // LeNet-300-100 layers (out, in) and the rank-8/64 factors of fc1; TransposedA is a weight gradient,
                // so the batch is its depth.
                foreach (var (outputs, inputs) in new[] { (300, 784), (100, 300), (10, 100), (8, 784), (300, 64), (300, 8), (100, 16) })
                {
                    var (m, n, k) = form switch
                    {
                        Form.TransposedB => (batch, outputs, inputs),
                        Form.Plain => (batch, inputs, outputs),
                        _ => (outputs, inputs, batch),
                    };
                    data.Add(form, m, n, k, batch == 60);
                }
            }

            // A depth this large makes the A·Bᵀ kernel split B into panels of only three rows.
            data.Add(form, 5, 7, 70_000, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(LayerShapes))]
    public void MatchesDoublePrecisionReferenceOnLayerShapes(Form form, int m, int n, int k, bool accumulate) =>
        CheckAgainstReference(form, m, n, k, accumulate);

    [Theory]
    [InlineData(Form.TransposedB)]
    [InlineData(Form.Plain)]
    [InlineData(Form.TransposedA)]
    public void RepeatedCallsAreBitwiseIdentical(Form form)
    {
        const int m = 61, n = 300, k = 100;
        var (a, b) = RandomOperands(m, n, k, seed: 7);
        var first = new float[m * n];
        var second = new float[m * n];
        Run(form, a, b, first, m, n, k, accumulate: false);
        Run(form, a, b, second, m, n, k, accumulate: false);
        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData(Form.TransposedB)]
    [InlineData(Form.Plain)]
    [InlineData(Form.TransposedA)]
    public void ZeroDepthClearsOrKeepsC(Form form)
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        Run(form, [], [], c, 2, 3, 0, accumulate: true);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, c);
        Run(form, [], [], c, 2, 3, 0, accumulate: false);
        Assert.All(c, value => Assert.Equal(0f, value));
    }

    [Fact]
    public void WrongLengthNamesTheArgumentAndBothLengths()
    {
        var error = Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposedB(new float[11], new float[12], new float[12], 3, 4, 4));
        Assert.Equal("a", error.ParamName);
        Assert.Contains("length 11", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected 12", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[12], new float[15], new float[12], 3, 4, 4));
        Assert.Equal("b", error.ParamName);
        Assert.Contains("expected 16", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposedA(new float[12], new float[16], new float[13], 3, 4, 4));
        Assert.Equal("c", error.ParamName);
        Assert.Contains("length 13", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NegativeDimensionIsRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply([], [], [], 0, 2, -1));
        Assert.Equal("k", error.ParamName);
    }

    private static void CheckAgainstReference(Form form, int m, int n, int k, bool accumulate)
    {
        var (a, b) = RandomOperands(m, n, k, seed: (m * 7919) + (n * 104729) + k);
        var random = new Random(m + n + k);
        var c = new float[m * n];
        for (var i = 0; i < c.Length; i++)
        {
            c[i] = (float)((random.NextDouble() * 2) - 1);
        }

        var initial = (float[])c.Clone();
        Run(form, a, b, c, m, n, k, accumulate);

        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var exact = accumulate ? initial[(i * n) + j] : 0.0;
                var magnitude = accumulate ? Math.Abs(initial[(i * n) + j]) : 0.0;
                for (var p = 0; p < k; p++)
                {
                    var product = (double)A(form, a, i, p, m, k) * B(form, b, p, j, n, k);
                    exact += product;
                    magnitude += Math.Abs(product);
                }

                // Any order of k + 1 float additions of these terms errs by at most γ(k+1)·Σ|terms| with
                // γ(j) ≈ j·2⁻²⁴ (Higham, Accuracy and Stability, §3.1); the kernels' blocked order stays within it,
                // while a wrong index or a dropped tail term is off by a whole term (≈ 0.1 or more).
                var tolerance = ((k + 1) * Math.ScaleB(1.0, -24) * magnitude) + 1e-30;
                var actual = c[(i * n) + j];
                if (!(Math.Abs(actual - exact) <= tolerance))
                {
                    Assert.Fail($"{form} m={m} n={n} k={k} accumulate={accumulate}: C[{i},{j}] = {actual}, expected {exact} ± {tolerance}.");
                }
            }
        }
    }

    private static float A(Form form, float[] a, int i, int p, int m, int k) => form == Form.TransposedA ? a[(p * m) + i] : a[(i * k) + p];

    private static float B(Form form, float[] b, int p, int j, int n, int k) => form == Form.TransposedB ? b[(j * k) + p] : b[(p * n) + j];

    // A and B hold m·k and n·k entries in every form; only their layout differs.
    private static (float[] A, float[] B) RandomOperands(int m, int n, int k, int seed)
    {
        var random = new Random(seed);
        var a = new float[m * k];
        var b = new float[n * k];
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = (float)((random.NextDouble() * 2) - 1);
        }

        for (var i = 0; i < b.Length; i++)
        {
            b[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return (a, b);
    }

    private static void Run(Form form, float[] a, float[] b, float[] c, int m, int n, int k, bool accumulate)
    {
        switch (form)
        {
            case Form.TransposedB:
                Gemm.MultiplyTransposedB(a, b, c, m, n, k, accumulate);
                break;
            case Form.Plain:
                Gemm.Multiply(a, b, c, m, n, k, accumulate);
                break;
            default:
                Gemm.MultiplyTransposedA(a, b, c, m, n, k, accumulate);
                break;
        }
    }
}
