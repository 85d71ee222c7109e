using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

/// <summary>
/// Bias add and bias-gradient sums for both layouts: over the real lanes of a feature-major buffer only (padding is
/// neither biased nor summed), equal to the sample-major forms, and the sample-major forms exact against a plain loop
/// on widths that are not multiples of the vector width.
/// </summary>
public sealed class RowOpsLayoutTests
{
    [Theory]
    [InlineData(8, 10)]
    [InlineData(9, 3)]
    [InlineData(60, 100)]
    [InlineData(65, 17)]
    [InlineData(256, 10)]
    public void Bias_add_and_gradient_sums_cover_the_real_lanes_of_either_layout(int batch, int features)
    {
        var random = new Random(batch * 100 + features);
        var values = SparseGemmLayoutTests.Values(random, batch * features, zeros: 0.2);
        var bias = SparseGemmLayoutTests.Values(random, features, zeros: 0);
        var fm = ActivationLayout.For(true, batch);

        // Sample-major: exactly the plain loop (adds are elementwise, sums in row order).
        var expected = (float[])values.Clone();
        var expectedSums = (float[])bias.Clone();
        for (var b = 0; b < batch; b++)
        {
            for (var f = 0; f < features; f++)
            {
                expected[b * features + f] += bias[f];
                expectedSums[f] += values[b * features + f];
            }
        }

        var rows = (float[])values.Clone();
        RowOps.AddBias(rows, bias, ActivationLayout.SampleMajor(batch), features);
        Assert.Equal(expected, rows);
        var sums = (float[])bias.Clone();
        RowOps.AccumulateBiasGradient(values, sums, ActivationLayout.SampleMajor(batch), features);
        Assert.Equal(expectedSums, sums);

        // Feature-major: padding (here 1e6, so a summed or biased lane would show) is left as it is.
        var featureMajor = SparseGemmLayoutTests.In(values, fm, features, pad: 1e6f);
        RowOps.AddBias(featureMajor, bias, fm, features);
        for (var f = 0; f < features; f++)
        {
            for (var b = 0; b < fm.Stride; b++)
            {
                Assert.Equal(b < batch ? expected[b * features + f] : 1e6f, featureMajor[fm.Offset(f, b, features)]);
            }
        }

        sums = (float[])bias.Clone();
        RowOps.AccumulateBiasGradient(SparseGemmLayoutTests.In(values, fm, features, pad: 1e6f), sums, fm, features);
        for (var f = 0; f < features; f++)
        {
            // Another summation order (8-lane partial sums) of at most 256 values in (−1, 1): rounding below 1e-5.
            Assert.True(Math.Abs(expectedSums[f] - sums[f]) <= 1e-5f * (1 + Math.Abs(expectedSums[f])) + 1e-5f, $"feature {f}: {expectedSums[f]} vs {sums[f]}");
        }

        Assert.Throws<ArgumentException>(() => RowOps.AddBias(new float[fm.Length(features) - 1], bias, fm, features));
    }

    [Theory]
    [InlineData(1, 300)]
    [InlineData(1, 13)]
    [InlineData(3, 7)]
    [InlineData(8, 10)]
    [InlineData(13, 300)]
    [InlineData(65, 17)]
    [InlineData(256, 100)]
    public void Bias_with_relu_in_one_pass_is_bit_identical_to_bias_then_relu_in_either_layout(int batch, int features)
    {
        var random = new Random(batch * 1000 + features);
        var values = SparseGemmLayoutTests.Values(random, batch * features, zeros: 0.2);
        var bias = SparseGemmLayoutTests.Values(random, features, zeros: 0.2);
        // Values whose maximum with 0 is easy to get wrong: NaN, both zeros (a zero sum of opposite values), infinities.
        float[] specials = { float.NaN, -0f, 0f, float.PositiveInfinity, float.NegativeInfinity, -1e-30f };
        for (var i = 0; i < specials.Length && i < values.Length; i++)
        {
            values[(i * 7919) % values.Length] = specials[i];
        }

        if (features > 1)
        {
            bias[1] = -0f;
        }

        foreach (var layout in new[] { ActivationLayout.SampleMajor(batch), ActivationLayout.For(true, batch) })
        {
            // A negative padding (here −3) shows both that the padding gets ReLU and that it gets no bias.
            var expected = layout.IsFeatureMajor ? SparseGemmLayoutTests.In(values, layout, features, pad: -3f) : (float[])values.Clone();
            var fused = (float[])expected.Clone();
            RowOps.AddBias(expected, bias, layout, features);
            ActivationKernels.ReluForward(expected);
            RowOps.AddBias(fused, bias, layout, features, relu: true);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), fused.Select(BitConverter.SingleToInt32Bits));

            var biasOnly = layout.IsFeatureMajor ? SparseGemmLayoutTests.In(values, layout, features, pad: -3f) : (float[])values.Clone();
            var unfused = (float[])biasOnly.Clone();
            RowOps.AddBias(biasOnly, bias, layout, features);
            RowOps.AddBias(unfused, bias, layout, features, relu: false);
            Assert.Equal(biasOnly.Select(BitConverter.SingleToInt32Bits), unfused.Select(BitConverter.SingleToInt32Bits));
        }

        Assert.Throws<ArgumentException>(() => RowOps.AddBias(new float[(batch * features) - 1], bias, ActivationLayout.SampleMajor(batch), features, relu: true));
    }
}
