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
/// <param name="Kernel">Dense or sparse kernels.</param>
/// <param name="Density">Kept fraction of the layer's prunable weights (1 when nothing is removed).</param>
public readonly record struct LayerExecution(string Layer, KernelKind Kernel, double Density);
