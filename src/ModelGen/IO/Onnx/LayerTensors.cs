using System;
using ModelGen.Model;

namespace ModelGen.IO.Onnx;

/// <summary>
/// Finds a layer's parameter tensor by role (not by a spelled-out name, so any naming the generator uses works), checks
/// its shape and values, and adds it as an initializer with the mask applied: a removed weight is written as +0 exactly,
/// which is what the mask-aware generated code computes with (W ⊙ M).
/// </summary>
internal static class LayerTensors
{
    /// <summary>
    /// Adds the layer's tensor of <paramref name="role"/>, stored [rows, cols], as an initializer of its PyTorch shape
    /// (<see cref="ParameterTensor.Shape"/>; same row-major values), which must equal <paramref name="dims"/> when given;
    /// returns its name.
    /// </summary>
    public static string Add(OnnxGraphBuilder graph, INetwork network, int layerIndex, ParameterRole role, int rows, int cols, int[]? dims = null)
    {
        var layer = network.Layers[layerIndex];
        var tensor = Find(network.Parameters, layer, layerIndex, role);
        if (tensor.Rows != rows || tensor.Cols != cols)
        {
            throw new OnnxExportException(
                $"Parameter '{tensor.Name}' of layer '{layer.Name}' is [{tensor.Rows}, {tensor.Cols}], but the layer needs [{rows}, {cols}].",
                layer.Name);
        }

        var values = network.Parameters.Value(tensor);
        var mask = network.Masks.Get(tensor);
        var written = new float[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new OnnxExportException($"Parameter '{tensor.Name}' of layer '{layer.Name}' holds {values[i]} at index {i}; only finite values can be exported.", layer.Name);
            }

            written[i] = mask[i] == 0f ? 0f : values[i];
        }

        var shape = tensor.Shape;
        if (dims is not null && !shape.AsSpan().SequenceEqual(dims))
        {
            throw new OnnxExportException(
                $"Parameter '{tensor.Name}' of layer '{layer.Name}' has shape [{string.Join(", ", shape)}], but the layer needs [{string.Join(", ", dims)}].",
                layer.Name);
        }

        return graph.AddInitializer(tensor.Name, layer.Name, written, shape);
    }

    private static ParameterTensor Find(ParameterSet parameters, LayerInfo layer, int layerIndex, ParameterRole role)
    {
        ParameterTensor? found = null;
        foreach (var tensor in parameters.Tensors)
        {
            if (tensor.LayerIndex != layerIndex || tensor.Role != role)
            {
                continue;
            }

            if (found is not null)
            {
                throw new OnnxExportException($"Layer '{layer.Name}' has two {role} tensors ('{found.Name}' and '{tensor.Name}').", layer.Name);
            }

            found = tensor;
        }

        return found ?? throw new OnnxExportException($"Layer '{layer.Name}' (index {layerIndex}, {layer.Kind}) has no {role} tensor in its parameters.", layer.Name);
    }
}
