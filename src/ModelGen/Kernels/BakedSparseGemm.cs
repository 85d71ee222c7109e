using System;

namespace ModelGen.Kernels;

/// <summary>
/// The batch-vectorised sparse products for weights stored by kept index (a baked layer's parameter, in its own
/// column order) rather than at their positions in a row-major [rows, cols] matrix: the same tiles, the same
/// tile loops and kernels, the same summation order, with each kept entry's weight (and its gradient) addressed through an index map (<see cref="BakedPattern"/>'s CSR → kept index and CSC → kept index).
/// The weights are read in place, so no scatter into (and no gather out of) a mostly-zero matrix larger than L2 is
/// needed per call. At least one operand is feature-major (<see cref="ActivationLayout"/>); the caller checks lengths.
/// </summary>
public static unsafe partial class SparseGemm
{
    /// <summary>Y = X·Wᵀ (Y += with <paramref name="accumulate"/>), W's kept value of CSR entry k at <paramref name="weights"/>[csrKept[k]].</summary>
    internal static void MultiplyTransposedBKept(ReadOnlySpan<float> x, ActivationLayout xLayout, SparsePattern pattern, int[] csrKept, ReadOnlySpan<float> weights, Span<float> y, ActivationLayout yLayout, bool accumulate)
    {
        RequireVectorised(xLayout, yLayout);
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pw = weights)
        fixed (int* kept = csrKept)
        {
            ForwardTiles(px, xLayout, pattern, pw, kept, 0, py, yLayout, accumulate);
        }
    }

    /// <summary>dX = dY·W (dX += with <paramref name="accumulate"/>), W's kept value of CSC entry k at <paramref name="weights"/>[cscKept[k]].</summary>
    internal static void MultiplyKept(ReadOnlySpan<float> dy, ActivationLayout dyLayout, SparsePattern pattern, int[] cscKept, ReadOnlySpan<float> weights, Span<float> dx, ActivationLayout dxLayout, bool accumulate)
    {
        RequireVectorised(dyLayout, dxLayout);
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (float* pw = weights)
        fixed (int* kept = cscKept)
        {
            InputGradientTiles(pdy, dyLayout, pattern, pw, kept, pdx, dxLayout, accumulate);
        }
    }

    /// <summary>Adds Σ_b dY[b, r]·X[b, c] of CSR entry k to <paramref name="weightGradient"/>[csrKept[k]], tile after tile (the order of the row-major kernel).</summary>
    internal static void AccumulateWeightGradientKept(ReadOnlySpan<float> dy, ActivationLayout dyLayout, ReadOnlySpan<float> x, ActivationLayout xLayout, SparsePattern pattern, int[] csrKept, Span<float> weightGradient)
    {
        RequireVectorised(dyLayout, xLayout);
        fixed (float* pdy = dy)
        fixed (float* px = x)
        fixed (float* pg = weightGradient)
        fixed (int* kept = csrKept)
        {
            WeightGradientTiles(pdy, dyLayout, px, xLayout, pattern, pg, kept, 0);
        }
    }

    private static void RequireVectorised(ActivationLayout a, ActivationLayout b)
    {
        KernelGuard.SameBatch(a, b, nameof(b));
        if (!Vectorised(a.Batch) || (!a.IsFeatureMajor && !b.IsFeatureMajor))
        {
            throw new ArgumentException($"The kept-index products run feature-major operands only (batch {a.Batch}).", nameof(a));
        }
    }
}
