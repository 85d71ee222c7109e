namespace ModelGen.Model;

/// <summary>Which kernels a layer's weights currently run on.</summary>
public enum KernelKind
{
    /// <summary>Dense products (with the mask multiplied in when the layer is pruned). JSON: <c>dense</c>.</summary>
    Dense = 0,

    /// <summary>Sparse products over the kept weights only. JSON: <c>sparse</c>.</summary>
    Sparse = 1,
}

/// <summary>How one layer with weights is executed under the current masks.</summary>
/// <param name="Layer">The layer's name (<c>fc1</c>).</param>
/// <param name="Kernel">Dense or sparse kernels for batched products.</param>
/// <param name="Density">Kept fraction of the layer's prunable weights (1 when nothing is removed).</param>
/// <param name="PerSampleKernel">
/// The kernels of the forward and input-gradient products when samples are processed one by one (batches below
/// <see cref="Kernels.SparseGemm.VectorBatch"/>); null: the same as <paramref name="Kernel"/>.
/// </param>
public readonly record struct LayerExecution(string Layer, KernelKind Kernel, double Density, KernelKind? PerSampleKernel = null)
{
    /// <summary>The kernels of the forward pass at <paramref name="batch"/> samples.</summary>
    public KernelKind KernelAt(int batch) => Kernels.SparseGemm.RunsFeatureMajor(batch) ? Kernel : PerSampleKernel ?? Kernel;
}
