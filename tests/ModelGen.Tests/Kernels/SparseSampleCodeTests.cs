using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

/// <summary>
/// The per-sample forward walk compiled at run time (<see cref="SparseSampleCode"/>) against the walk it replaces: bit
/// for bit on random patterns, inputs with exact and negative zeros, NaN and infinities, columns longer than one
/// emitted method, batches 1 to 7, overwriting and accumulating; and the switch from walk to code after the threshold.
/// </summary>
public sealed unsafe class SparseSampleCodeTests
{
    public static TheoryData<int, int, double, int> Cases() => new()
    {
        { 1, 1, 1.0, 1 },
        { 13, 17, 0.3, 1 },
        { 300, 784, 0.02, 1 },
        { 100, 300, 0.08, 3 },
        { 10, 100, 0.44, 7 },
        // One column of 1,200 kept rows: split over three emitted methods.
        { 1200, 3, 1.0, 2 },
        { 400, 40, 0.9, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compiled_code_gives_the_walks_result_bit_for_bit(int rows, int cols, double density, int batch)
    {
        var random = new Random((rows * 31) + cols + batch);
        var mask = new float[rows * cols];
        var weights = new float[rows * cols];
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = random.NextDouble() < density ? 1f : 0f;
            weights[i] = (float)(random.NextDouble() * 2 - 1);
        }

        var x = new float[batch * cols];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (i % 11) switch
            {
                0 or 1 or 2 => 0f,
                3 => -0f,
                _ => (float)(random.NextDouble() * 2 - 1),
            };
        }

        // An infinite kept weight on column 0, whose input is zero for sample 0: skipping the zero input keeps the sum
        // finite, multiplying it would give NaN, so the comparison sees whether the code skips as the walk does.
        var firstKept = Enumerable.Range(0, rows).Select(r => r * cols).FirstOrDefault(i => mask[i] != 0f, -1);
        if (firstKept >= 0)
        {
            weights[firstKept] = float.PositiveInfinity;
        }

        if (x.Length > 20)
        {
            x[7] = float.NaN;
            x[13] = float.PositiveInfinity;
        }

        foreach (var accumulate in new[] { false, true })
        {
            var start = Enumerable.Range(0, batch * rows).Select(i => (float)Math.Sin(i)).ToArray();
            var walk = (float[])start.Clone();
            var pattern = SparsePattern.FromMask(mask, rows, cols);
            SparseGemm.MultiplyTransposedB(x, pattern, weights, walk, batch, accumulate);
            Assert.Null(pattern.SampleCodeState); // below the threshold: the walk ran

            var code = SparseSampleCode.Compile(pattern);
            Assert.NotNull(code);
            var compiled = (float[])start.Clone();
            if (!accumulate)
            {
                Array.Clear(compiled);
            }

            fixed (float* px = x)
            fixed (float* pw = weights)
            fixed (float* py = compiled)
            {
                for (var b = 0; b < batch; b++)
                {
                    code!.Run(px + (b * cols), pw, py + (b * rows));
                }
            }

            Assert.Equal(walk.Select(BitConverter.SingleToInt32Bits), compiled.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void The_forward_switches_to_compiled_code_after_the_threshold_with_the_same_results()
    {
        var random = new Random(3);
        const int rows = 100, cols = 300;
        var mask = Enumerable.Range(0, rows * cols).Select(_ => random.NextDouble() < 0.05 ? 1f : 0f).ToArray();
        var weights = Enumerable.Range(0, rows * cols).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var x = Enumerable.Range(0, cols).Select(i => i % 3 == 0 ? 0f : (float)random.NextDouble()).ToArray();
        var pattern = SparsePattern.FromMask(mask, rows, cols);
        var first = new float[rows];
        SparseGemm.MultiplyTransposedB(x, pattern, weights, first, 1);
        var y = new float[rows];
        for (var call = 1; call < SparseSampleCode.CallsBeforeCompiling - 1; call++)
        {
            SparseGemm.MultiplyTransposedB(x, pattern, weights, y, 1);
        }

        Assert.Null(pattern.SampleCodeState);
        SparseGemm.MultiplyTransposedB(x, pattern, weights, y, 1); // the call that compiles
        Assert.NotNull(pattern.SampleCodeState?.Code);
        Array.Fill(y, 9f);
        SparseGemm.MultiplyTransposedB(x, pattern, weights, y, 1);
        Assert.Equal(first, y);

        // Values are read in place: a changed kept weight changes the compiled result as it changes the walk's.
        var kept = Array.FindIndex(mask, m => m != 0f);
        weights[kept] += 1f;
        var expected = new float[rows];
        SparseGemm.MultiplyTransposedB(x, SparsePattern.FromMask(mask, rows, cols), weights, expected, 1);
        SparseGemm.MultiplyTransposedB(x, pattern, weights, y, 1);
        Assert.Equal(expected, y);
    }

    [Fact]
    public void A_pattern_above_the_size_cap_is_not_compiled()
    {
        var rows = 200;
        var cols = (SparseSampleCode.MaxEntries / rows) + 1;
        var pattern = SparsePattern.FromMask(Enumerable.Repeat(1f, rows * cols).ToArray(), rows, cols);
        Assert.True(pattern.Count > SparseSampleCode.MaxEntries);
        Assert.Null(SparseSampleCode.Compile(pattern));
        var exactly = SparsePattern.FromMask(Enumerable.Range(0, rows * cols).Select(i => i < SparseSampleCode.MaxEntries ? 1f : 0f).ToArray(), rows, cols);
        Assert.NotNull(SparseSampleCode.Compile(exactly));
    }

    [Fact]
    public void An_empty_pattern_compiles_to_nothing_and_keeps_the_walk()
    {
        var pattern = SparsePattern.FromMask(new float[12], 3, 4);
        Assert.Null(SparseSampleCode.Compile(pattern));
        var y = new float[] { 1, 2, 3 };
        for (var call = 0; call < SparseSampleCode.CallsBeforeCompiling + 2; call++)
        {
            SparseGemm.MultiplyTransposedB(new float[4], pattern, new float[12], y, 1);
        }

        Assert.Equal(new float[3], y);
        Assert.NotNull(pattern.SampleCodeState);
        Assert.Null(pattern.SampleCodeState!.Code);
    }
}
