using ModelGen.Model;

namespace ModelGen.IO.Onnx;

/// <summary>y = f(x·Wᵀ + b) as one <c>Gemm</c> (transB = 1, W stored [out, in] as trained, pruned entries zero), then the activation.</summary>
internal static class DenseLayerExport
{
    public static string Append(OnnxGraphBuilder graph, INetwork network, int index, string input, string output)
    {
        var layer = network.Layers[index];
        var weight = LayerTensors.Add(graph, network, index, ParameterRole.Weight, layer.OutputSize, layer.InputSize);
        var bias = LayerTensors.Add(graph, network, index, ParameterRole.Bias, layer.OutputSize, 1);
        var linear = ActivationExport.LinearOutputName(layer, output);
        graph.AddNode("Gemm", layer.Name, layer.Name, [input, weight, bias], linear, OnnxGraphBuilder.IntAttribute("transB", 1));
        return ActivationExport.Append(graph, layer, index, linear, output);
    }
}
