using ModelGen.Model;

namespace ModelGen.IO.Onnx;

/// <summary>
/// [N, C, H, W] to [N, C·H·W] in NCHW order (<c>Flatten</c>, axis 1): a declared flatten layer, the one shape inference
/// implies before a dense layer that follows a spatial one, and the one after a network's last spatial layer.
/// </summary>
internal static class FlattenLayerExport
{
    public static string Append(OnnxGraphBuilder graph, INetwork network, int index, string input, string output)
    {
        var layer = network.Layers[index];
        return Node(graph, layer.Name, layer.Name, input, output);
    }

    /// <summary>The flatten implied before <paramref name="layer"/> (a dense layer after a spatial one); returns its output.</summary>
    public static string AppendImplied(OnnxGraphBuilder graph, LayerInfo layer, string input) =>
        Node(graph, layer.Name + ".flatten", layer.Name, input, layer.Name + ".flatten");

    /// <summary>A <c>Flatten</c> node from <paramref name="input"/> to <paramref name="output"/>.</summary>
    public static string Node(OnnxGraphBuilder graph, string nodeName, string layer, string input, string output) =>
        graph.AddNode("Flatten", nodeName, layer, [input], output, OnnxGraphBuilder.IntAttribute("axis", 1));
}
