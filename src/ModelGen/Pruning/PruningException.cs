using System;

namespace ModelGen.Pruning;

/// <summary>
/// A pruner refused to produce a mask (for example a layer would collapse, or SynFlow's score overflowed). The
/// network is left as it was before the call.
/// </summary>
public class PruningException : InvalidOperationException
{
    /// <summary>Creates the exception with a message saying what was refused and why.</summary>
    public PruningException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public PruningException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A mask would leave a prunable tensor with no weight at all, so its layer passes nothing on (a disconnected
/// network). Thrown unless the pruner's <c>AllowCollapse</c> is set.
/// </summary>
public sealed class LayerCollapseException : PruningException
{
    /// <summary>Creates the exception for <paramref name="layer"/>'s tensor <paramref name="tensor"/>.</summary>
    public LayerCollapseException(string layer, string tensor, string method, double sparsity)
        : base($"Pruning with '{method}' at sparsity {sparsity:0.####} would remove every weight of '{tensor}', collapsing layer '{layer}'. Lower the sparsity, use layer-wise scope, or allow collapse explicitly.")
    {
        Layer = layer;
        Tensor = tensor;
    }

    /// <summary>Creates the exception with the pruning rules' own message (the text the analyzers report as MG0102).</summary>
    internal LayerCollapseException(string layer, string tensor, string message)
        : base(message)
    {
        Layer = layer;
        Tensor = tensor;
    }

    /// <summary>The layer that would collapse (<c>fc1</c>).</summary>
    public string Layer { get; }

    /// <summary>Its tensor left empty (<c>fc1.weight</c>, or <c>fc1.U</c> / <c>fc1.Vt</c> when factorized).</summary>
    public string Tensor { get; }
}
