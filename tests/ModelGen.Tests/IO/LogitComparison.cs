using Xunit;

namespace ModelGen.Tests.IO;

/// <summary>
/// How the ONNX tests compare our logits with ONNX Runtime's. Per sample: the largest logit difference over the largest
/// logit magnitude, at most <see cref="Tolerance"/>. Both sides compute in float32 but sum in different orders (our
/// blocked FMA GEMM, MLAS's kernels): for dot products of K ≤ 784 terms the usual random-walk rounding error is about
/// √K·2⁻²⁴ ≈ 1.7e-6 of the sum of |terms|, compounded over three layers; 1e-5 leaves that a margin of a few times,
/// while any real export fault (a transposed or unmasked weight, a missing bias or activation) is off by 1e-2 or more.
/// </summary>
internal static class LogitComparison
{
    /// <summary>The largest allowed per-sample relative difference.</summary>
    public const double Tolerance = 1e-5;

    /// <summary>Asserts every sample within <see cref="Tolerance"/> and finite; returns the largest relative difference seen.</summary>
    public static double AssertClose(ReadOnlySpan<float> ours, ReadOnlySpan<float> theirs, int batch, int classes, string what)
    {
        Assert.Equal(batch * classes, ours.Length);
        Assert.Equal(ours.Length, theirs.Length);
        var worst = 0.0;
        for (var row = 0; row < batch; row++)
        {
            double difference = 0, scale = 0;
            for (var j = row * classes; j < (row + 1) * classes; j++)
            {
                Assert.True(float.IsFinite(ours[j]) && float.IsFinite(theirs[j]), $"{what}: logit {j} is {ours[j]} (ours) / {theirs[j]} (ONNX Runtime).");
                difference = Math.Max(difference, Math.Abs(ours[j] - (double)theirs[j]));
                scale = Math.Max(scale, Math.Abs((double)theirs[j]));
            }

            var relative = difference == 0 ? 0 : difference / scale;
            Assert.True(relative <= Tolerance, $"{what}: sample {row} differs by {relative:E2} of its largest logit ({difference:E2} absolute).");
            worst = Math.Max(worst, relative);
        }

        return worst;
    }
}
