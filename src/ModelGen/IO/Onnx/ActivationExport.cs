using ModelGen.Model;

namespace ModelGen.IO.Onnx;

/// <summary>A layer's nonlinearity as an ONNX node after its affine map (none for <see cref="Activation.None"/>).</summary>
internal static class ActivationExport
{
    /// <summary>What the affine map's result is called: the layer's output itself when no activation follows.</summary>
    public static string LinearOutputName(LayerInfo layer, string output) =>
        layer.Activation == Activation.None ? output : layer.Name + ".linear";

    /// <summary>Appends the activation from <paramref name="linear"/> to <paramref name="output"/>; returns the layer's output value.</summary>
    public static string Append(OnnxGraphBuilder graph, LayerInfo layer, int index, string linear, string output)
    {
        var opType = layer.Activation switch
        {
            Activation.None => null,
            Activation.ReLU => "Relu",
            Activation.Tanh => "Tanh",
            Activation.Sigmoid => "Sigmoid",
            _ => throw new OnnxExportException(
                $"Layer '{layer.Name}' (index {index}) has activation {layer.Activation}, which the ONNX exporter does not support (supported: None, ReLU, Tanh, Sigmoid).",
                layer.Name),
        };

        return opType is null ? linear : graph.AddNode(opType, layer.Name + "." + opType, layer.Name, [linear], output);
    }
}
