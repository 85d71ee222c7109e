using ModelGen.Model;

namespace ModelGen.IO.Onnx;

/// <summary>
/// The one dispatch over layer kinds: each kind has its own exporter that writes the layer's initializers and nodes.
/// Adding a kind (Conv, MaxPool, AveragePool, Flatten …) is a new file and a case here.
/// </summary>
internal static class OnnxLayerExport
{
    /// <summary>Appends layer <paramref name="index"/> reading value <paramref name="input"/>; returns the value it produces (named <paramref name="output"/>).</summary>
    public static string Append(OnnxGraphBuilder graph, INetwork network, int index, string input, string output)
    {
        var layer = network.Layers[index];
        return layer.Kind switch
        {
            LayerKind.Dense => DenseLayerExport.Append(graph, network, index, input, output),
            LayerKind.FactorizedDense => FactorizedDenseLayerExport.Append(graph, network, index, input, output),
            _ => throw new OnnxExportException(
                $"Layer '{layer.Name}' (index {index}) is of kind {layer.Kind}, which the ONNX exporter does not support (supported: {LayerKind.Dense}, {LayerKind.FactorizedDense}).",
                layer.Name),
        };
    }
}
