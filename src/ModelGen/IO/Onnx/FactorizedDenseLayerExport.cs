using ModelGen.Model;

namespace ModelGen.IO.Onnx;

/// <summary>
/// y = f((x·Vtᵀ)·Uᵀ + b) as two <c>Gemm</c>s through the rank-r bottleneck, the way the generated code computes it:
/// r·(in + out) multiply-adds per sample instead of in·out, and U·Vt is never formed.
/// </summary>
internal static class FactorizedDenseLayerExport
{
    public static string Append(OnnxGraphBuilder graph, INetwork network, int index, string input, string output)
    {
        var layer = network.Layers[index];
        if (layer.Rank <= 0)
        {
            throw new OnnxExportException($"Factorized layer '{layer.Name}' has rank {layer.Rank}; a factorized layer needs a positive rank.", layer.Name);
        }

        var vt = LayerTensors.Add(graph, network, index, ParameterRole.FactorVt, layer.Rank, layer.InputSize);
        var u = LayerTensors.Add(graph, network, index, ParameterRole.FactorU, layer.OutputSize, layer.Rank);
        var bias = LayerTensors.Add(graph, network, index, ParameterRole.Bias, layer.OutputSize, 1);
        var bottleneck = graph.AddNode("Gemm", layer.Name + ".Vt", layer.Name, [input, vt], layer.Name + ".bottleneck", OnnxGraphBuilder.IntAttribute("transB", 1));
        var linear = ActivationExport.LinearOutputName(layer, output);
        graph.AddNode("Gemm", layer.Name + ".U", layer.Name, [bottleneck, u, bias], linear, OnnxGraphBuilder.IntAttribute("transB", 1));
        return ActivationExport.Append(graph, layer, index, linear, output);
    }
}
