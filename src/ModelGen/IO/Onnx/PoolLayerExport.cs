using ModelGen.Model;

namespace ModelGen.IO.Onnx;

/// <summary>
/// Max or average pooling over k×k windows with the layer's stride, no padding, floor rounding (ONNX's default
/// <c>ceil_mode = 0</c>): <c>MaxPool</c> or <c>AveragePool</c>. Without padding every window lies inside the input, so
/// the average always divides by k², as ours does.
/// </summary>
internal static class PoolLayerExport
{
    public static string Append(OnnxGraphBuilder graph, INetwork network, int index, string input, string output)
    {
        var layer = network.Layers[index];
        var opType = layer.Kind == LayerKind.MaxPool2D ? "MaxPool" : "AveragePool";
        var k = layer.KernelSize;
        var pooled = ActivationExport.LinearOutputName(layer, output);
        graph.AddNode(
            opType,
            layer.Name,
            layer.Name,
            [input],
            pooled,
            OnnxGraphBuilder.IntsAttribute("kernel_shape", k, k),
            OnnxGraphBuilder.IntsAttribute("strides", layer.Stride, layer.Stride));
        return ActivationExport.Append(graph, layer, index, pooled, output);
    }
}
