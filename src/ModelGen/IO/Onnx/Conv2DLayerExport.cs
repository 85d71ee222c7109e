using ModelGen.Model;

namespace ModelGen.IO.Onnx;

/// <summary>
/// y = f(W ∗ x + b) as one <c>Conv</c> (weights [filters, in channels, k, k] as PyTorch's <c>nn.Conv2d</c> stores them,
/// pruned entries zero; square kernel, the same stride and zero padding on both axes), then the activation.
/// </summary>
internal static class Conv2DLayerExport
{
    public static string Append(OnnxGraphBuilder graph, INetwork network, int index, string input, string output)
    {
        var layer = network.Layers[index];
        var k = layer.KernelSize;
        var inChannels = layer.InputShape.Channels;
        var filters = layer.OutputShape.Channels;
        var weight = LayerTensors.Add(graph, network, index, ParameterRole.Weight, filters, inChannels * k * k, [filters, inChannels, k, k]);
        var bias = LayerTensors.Add(graph, network, index, ParameterRole.Bias, filters, 1);
        var linear = ActivationExport.LinearOutputName(layer, output);
        graph.AddNode(
            "Conv",
            layer.Name,
            layer.Name,
            [input, weight, bias],
            linear,
            OnnxGraphBuilder.IntsAttribute("kernel_shape", k, k),
            OnnxGraphBuilder.IntsAttribute("strides", layer.Stride, layer.Stride),
            OnnxGraphBuilder.IntsAttribute("pads", layer.Padding, layer.Padding, layer.Padding, layer.Padding));
        return ActivationExport.Append(graph, layer, index, linear, output);
    }
}
