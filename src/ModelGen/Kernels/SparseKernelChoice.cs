namespace ModelGen.Kernels;

/// <summary>
/// Whether a masked weight matrix runs on the sparse kernels (<see cref="SparseGemm"/>) or on the dense ones with the
/// mask multiplied in. A pure function of shape and density, never of timings or thread count, so a run computes
/// the same thing on every execution. The crossover was measured on the development machine (docs/BENCHMARKS.md,
/// "Sparse crossover"): forward + input gradient + weight gradient of LeNet-300-100's layer shapes at batch 1, 60
/// and 256. The 300×784 layer gains up to 30% density, the 100×300 one up to 15–30% (batch 1 to 256). A 10×100 head
/// at batch 60 or more loses up to a few microseconds on the sparse path; no size floor is applied for that, so the
/// rule stays one number (and small test networks exercise the sparse path).
/// </summary>
public static class SparseKernelChoice
{
    /// <summary>Densities at or below this run sparse; above it, dense with the mask.</summary>
    public const double CrossoverDensity = 0.2;

    /// <summary>Whether a [rows, cols] matrix keeping <paramref name="kept"/> entries should run sparse.</summary>
    public static bool PrefersSparse(int rows, int cols, int kept)
    {
        var total = (long)rows * cols;
        return total > 0 && kept <= CrossoverDensity * total;
    }
}
