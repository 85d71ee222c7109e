using System.ComponentModel;
namespace ModelGen.Kernels;

/// <summary>
/// Whether a masked weight matrix runs on the sparse kernels (<see cref="SparseGemm"/>) or on the dense ones (which read
/// W in place: removed entries are zero, <see cref="Model.MaskSet"/>'s invariant). A pure function of shape and density,
/// never of timings or thread count, so a run computes the same thing on every execution. The crossover was measured on
/// the development machine (docs/BENCHMARKS.md, "Sparse execution: crossover"): forward + input gradient + weight
/// gradient of LeNet-300-100's layer shapes at batch 1, 60 and 256, against the dense kernels reading W in place. The
/// 300×784 layer gains up to 30–40% density at every batch; the 100×300 one up to 30% at batch 60 and 256 (training's
/// batches) and up to 10% at batch 1, where it loses a few microseconds at 15–30%; a 10×100 head is level within noise
/// at any density. One number keeps the rule simple: 30%. Sample by sample the sparse walk loses earlier, hence a second
/// number for the forward and input-gradient products of small batches (<see cref="PerSampleCrossoverDensity"/>).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SparseKernelChoice
{
    /// <summary>Densities at or below this run sparse; above it, dense with the mask.</summary>
    public const double CrossoverDensity = 0.3;

    /// <summary>
    /// Densities at or below this run the forward and input-gradient products of a sparse layer on the sparse kernels
    /// when the batch is processed sample by sample (below <see cref="SparseGemm.VectorBatch"/>); above it those two
    /// run dense with the mask, while the weight gradient stays sparse (its per-sample walk is O(kept) and beats a dense
    /// outer product plus masking at every density up to the crossover above). Measured at batch 1 (`crossover`, forward
    /// + input gradient + weight gradient): the 100×300 layer gains up to 10% and loses from 15% (0.49× at 25%), the 10×100
    /// head gains up to 15%, the 300×784 layer up to 20%; and LeNet-300-100 at SNIP 90% (fc2 at 24.7%) ran batch-1
    /// inference in 8.6 µs with fc2 dense against 11.7 µs with fc2 sparse (`bench`, medians of four runs each).
    /// </summary>
    public const double PerSampleCrossoverDensity = 0.1;

    /// <summary>Whether a [rows, cols] matrix keeping <paramref name="kept"/> entries should run sparse.</summary>
    public static bool PrefersSparse(int rows, int cols, int kept) => AtMost(rows, cols, kept, CrossoverDensity);

    /// <summary>
    /// Whether a matrix that runs sparse (<see cref="PrefersSparse"/>) should also run its forward and input-gradient
    /// products sparse when samples are processed one by one.
    /// </summary>
    public static bool PrefersSparsePerSample(int rows, int cols, int kept) => AtMost(rows, cols, kept, PerSampleCrossoverDensity);

    private static bool AtMost(int rows, int cols, int kept, double density)
    {
        var total = (long)rows * cols;
        return total > 0 && kept <= density * total;
    }
}
