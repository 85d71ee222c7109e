using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

/// <summary>
/// The layout-aware sparse products against the sample-major ones: every combination of sample-major and
/// feature-major operands gives bit-identical real lanes (the same sums in the same order), and the padding lanes of
/// feature-major results follow <see cref="ActivationLayout"/>'s rule whatever the buffer held before: exactly zero
/// for gradients, a function of the operands' padding (zero from zero) for activations. Batches around the 8-lane
/// vectors and the 64-sample tiles, widths that are not multiples of 8.
/// </summary>
public sealed class SparseGemmLayoutTests
{
    public static TheoryData<int, int, int, double> Shapes() => new()
    {
        { 13, 29, 8, 0.3 },
        { 31, 47, 9, 0.2 },
        { 100, 300, 60, 0.05 },
        { 37, 19, 64, 0.25 },
        { 10, 100, 65, 0.3 },
        { 29, 37, 130, 0.1 },
        { 300, 784, 256, 0.02 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_layout_combination_matches_the_sample_major_products_bit_for_bit(int rows, int cols, int batch, double density)
    {
        Assert.True(SparseGemm.RunsFeatureMajor(batch), "this machine runs the vectorised kernels (AVX2 + FMA)");
        var random = new Random(rows * 7919 + cols * 31 + batch);
        var (weights, pattern) = Pattern(random, rows, cols, density);
        var x = Values(random, batch * cols, zeros: 0.5);
        var dy = Values(random, batch * rows, zeros: 0.3);
        var start = Values(random, batch * rows, zeros: 0);
        var startDx = Values(random, batch * cols, zeros: 0);
        var sm = ActivationLayout.SampleMajor(batch);
        var fm = ActivationLayout.For(true, batch);
        Assert.True(fm.IsFeatureMajor);

        var expectedY = new float[batch * rows];
        SparseGemm.MultiplyTransposedB(x, pattern, weights, expectedY, batch);
        var expectedAccumulated = (float[])start.Clone();
        SparseGemm.MultiplyTransposedB(x, pattern, weights, expectedAccumulated, batch, accumulate: true);
        var expectedDx = new float[batch * cols];
        SparseGemm.Multiply(dy, pattern, weights, expectedDx, batch);
        var expectedDxAccumulated = (float[])startDx.Clone();
        SparseGemm.Multiply(dy, pattern, weights, expectedDxAccumulated, batch, accumulate: true);
        var expectedG = Values(random, rows * cols, zeros: 0);
        var g0 = (float[])expectedG.Clone();
        SparseGemm.AccumulateWeightGradient(dy, x, pattern, expectedG, new float[pattern.Count], batch);

        foreach (var xLayout in new[] { sm, fm })
        {
            foreach (var yLayout in new[] { sm, fm })
            {
                var what = $"x {xLayout}, y {yLayout}";

                // Activations with zero padding give outputs with zero padding; stale NaNs in the target are overwritten.
                var xIn = In(x, xLayout, cols, pad: 0f);
                var y = Stale(yLayout, rows);
                SparseGemm.MultiplyTransposedB(xIn, xLayout, pattern, weights, y, yLayout);
                AssertLayout(expectedY, y, yLayout, rows, expectedPadding: 0f, what);

                // Finite padding (a sigmoid's 0.5) stays finite; accumulation adds to the real lanes as the transpose does.
                xIn = In(x, xLayout, cols, pad: 0.5f);
                var accumulated = In(start, yLayout, rows, pad: 0f);
                SparseGemm.MultiplyTransposedB(xIn, xLayout, pattern, weights, accumulated, yLayout, accumulate: true);
                AssertLayout(expectedAccumulated, accumulated, yLayout, rows, expectedPadding: null, what + ", accumulated");

                // Gradients: padding exactly zero in, exactly zero out.
                var dyIn = In(dy, yLayout, rows, pad: 0f);
                var dx = Stale(xLayout, cols);
                SparseGemm.Multiply(dyIn, yLayout, pattern, weights, dx, xLayout);
                AssertLayout(expectedDx, dx, xLayout, cols, expectedPadding: 0f, what + ", input gradient");
                var dxAccumulated = In(startDx, xLayout, cols, pad: 0f);
                SparseGemm.Multiply(dyIn, yLayout, pattern, weights, dxAccumulated, xLayout, accumulate: true);
                AssertLayout(expectedDxAccumulated, dxAccumulated, xLayout, cols, expectedPadding: 0f, what + ", input gradient accumulated");

                // The weight gradient over a zero-padded gradient and finitely padded activations adds nothing for the padding.
                var g = (float[])g0.Clone();
                SparseGemm.AccumulateWeightGradient(dyIn, yLayout, In(x, xLayout, cols, pad: 0.5f), xLayout, pattern, g, new float[pattern.Count]);
                Assert.True(expectedG.AsSpan().SequenceEqual(g), what + ", weight gradient");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_input_is_transposed_for_the_features_the_pattern_reads_with_zero_padding(int rows, int cols, int batch, double density)
    {
        var random = new Random(rows + cols + batch);
        var (weights, pattern) = Pattern(random, rows, cols, density);
        var x = Values(random, batch * cols, zeros: 0.5);
        var layout = ActivationLayout.For(true, batch);
        var transposed = Stale(layout, cols);
        SparseGemm.TransposeInput(x, pattern, transposed, layout);

        var mask = new bool[cols];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                mask[c] |= weights[r * cols + c] != 0f;
            }
        }

        for (var c = 0; c < cols; c++)
        {
            if (!mask[c])
            {
                continue;
            }

            for (var b = 0; b < layout.Stride; b++)
            {
                Assert.Equal(b < batch ? x[b * cols + c] : 0f, transposed[layout.Offset(c, b, cols)]);
            }
        }

        // What the first layer computes from the copy is what it computes from the input.
        var expected = new float[batch * rows];
        SparseGemm.MultiplyTransposedB(x, pattern, weights, expected, batch);
        var y = new float[batch * rows];
        SparseGemm.MultiplyTransposedB(transposed, layout, pattern, weights, y, ActivationLayout.SampleMajor(batch));
        Assert.Equal(expected, y);
    }

    [Fact]
    public void Layouts_are_feature_major_only_for_vectorised_batches_and_must_agree()
    {
        Assert.False(ActivationLayout.For(true, 7).IsFeatureMajor);
        Assert.False(ActivationLayout.For(false, 60).IsFeatureMajor);
        Assert.True(ActivationLayout.For(true, 8).IsFeatureMajor);
        Assert.Equal(16, ActivationLayout.For(true, 9).Stride);
        Assert.Equal(9 * 16, ActivationLayout.For(true, 9).Length(9));
        Assert.Equal(9 * 7, ActivationLayout.SampleMajor(7).Length(9));

        // Tile by tile: batch 130 is tiles of 64, 64 and 2 samples (the last one 8 lanes wide).
        var tiled = ActivationLayout.For(true, 130);
        Assert.Equal(136 * 5, tiled.Length(5));
        Assert.Equal(3 * 64 + 7, tiled.Offset(3, 7, 5));
        Assert.Equal(5 * 64 + 2 * 64 + 1, tiled.Offset(2, 65, 5));
        Assert.Equal(10 * 64 + 4 * 8 + 1, tiled.Offset(4, 129, 5));
        Assert.Equal(7 * 5 + 3, ActivationLayout.SampleMajor(130).Offset(3, 7, 5));
        var offsets = Enumerable.Range(0, 5).SelectMany(f => Enumerable.Range(0, tiled.Stride).Select(b => tiled.Offset(f, b, 5))).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, tiled.Length(5)), offsets);

        var pattern = SparsePattern.FromMask(new float[] { 1, 0, 0, 1, 1, 0 }, 2, 3);
        var error = Assert.Throws<ArgumentException>(() =>
            SparseGemm.MultiplyTransposedB(new float[3 * 16], ActivationLayout.For(true, 9), pattern, new float[6], new float[2 * 16], ActivationLayout.For(true, 10)));
        Assert.Contains("different batches", error.Message);
        error = Assert.Throws<ArgumentException>(() =>
            SparseGemm.MultiplyTransposedB(new float[3 * 9], ActivationLayout.For(true, 9), pattern, new float[6], new float[2 * 16], ActivationLayout.For(true, 9)));
        Assert.Equal("x", error.ParamName);
        Assert.Throws<ArgumentException>(() => SparseGemm.TransposeInput(new float[27], pattern, new float[27], ActivationLayout.SampleMajor(9)));
    }

    /// <summary>A [rows, cols] weight matrix with exactly zero removed entries (MaskSet's invariant) and its pattern.</summary>
    internal static (float[] Weights, SparsePattern Pattern) Pattern(Random random, int rows, int cols, double density)
    {
        var mask = new float[rows * cols];
        var weights = new float[rows * cols];
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = random.NextDouble() < density ? 1f : 0f;
            weights[i] = mask[i] * (float)(random.NextDouble() * 2 - 1);
        }

        return (weights, SparsePattern.FromMask(mask, rows, cols));
    }

    /// <summary>Values in (−1, 1) with a fraction of exact zeros (which the per-sample kernels skip).</summary>
    internal static float[] Values(Random random, int length, double zeros)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = random.NextDouble() < zeros ? 0f : (float)(random.NextDouble() * 2 - 1);
        }

        return values;
    }

    /// <summary>A sample-major [batch, features] matrix in <paramref name="layout"/>, padding lanes set to <paramref name="pad"/>.</summary>
    internal static float[] In(float[] sampleMajor, ActivationLayout layout, int features, float pad)
    {
        if (!layout.IsFeatureMajor)
        {
            return (float[])sampleMajor.Clone();
        }

        var result = new float[layout.Length(features)];
        for (var f = 0; f < features; f++)
        {
            for (var b = 0; b < layout.Stride; b++)
            {
                result[layout.Offset(f, b, features)] = b < layout.Batch ? sampleMajor[b * features + f] : pad;
            }
        }

        return result;
    }

    private static float[] Stale(ActivationLayout layout, int features) => Enumerable.Repeat(float.NaN, layout.Length(features)).ToArray();

    private static void AssertLayout(float[] expectedSampleMajor, float[] actual, ActivationLayout layout, int features, float? expectedPadding, string what)
    {
        Assert.Equal(layout.Length(features), actual.Length);
        for (var f = 0; f < features; f++)
        {
            for (var b = 0; b < layout.Stride; b++)
            {
                var value = layout.IsFeatureMajor ? actual[layout.Offset(f, b, features)] : b < layout.Batch ? actual[b * features + f] : 0f;
                if (b < layout.Batch)
                {
                    var expected = expectedSampleMajor[b * features + f];
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(value), $"{what}: feature {f}, sample {b}: expected {expected}, got {value}");
                }
                else if (expectedPadding is { } padding)
                {
                    Assert.True(value == padding, $"{what}: padding lane {b} of feature {f} is {value}, not {padding}");
                }
                else
                {
                    Assert.True(float.IsFinite(value), $"{what}: padding lane {b} of feature {f} is {value}");
                }
            }
        }
    }
}
