using System.ComponentModel;
namespace ModelGen.Kernels;

/// <summary>
/// Whether a masked weight matrix runs on the sparse kernels (<see cref="SparseGemm"/>) or on the dense ones with the
/// mask multiplied in. A pure function of shape and density, never of timings or thread count, so a run computes
/// the same thing on every execution. The crossover was measured on the development machine (docs/BENCHMARKS.md,
/// "Sparse crossover"): LeNet-300-100's layers, batch 1 to 256.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
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
