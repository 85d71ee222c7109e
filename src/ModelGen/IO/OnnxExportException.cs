using System;

namespace ModelGen.IO;

/// <summary>
/// A network cannot be written as ONNX: a layer kind or activation the exporter does not know, layers whose sizes do
/// not chain, a parameter tensor that is missing or has the wrong shape, or a non-finite value. The message names the
/// layer (and the tensor and index where one is at fault).
/// </summary>
public sealed class OnnxExportException : InvalidOperationException
{
    /// <summary>Creates the exception for a problem at <paramref name="layer"/> (null when no single layer is at fault).</summary>
    public OnnxExportException(string message, string? layer = null)
        : base(message)
    {
        Layer = layer;
    }

    /// <summary>The layer at fault, or null when the problem concerns the whole network.</summary>
    public string? Layer { get; }
}
