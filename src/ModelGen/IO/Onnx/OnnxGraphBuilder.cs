using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Google.Protobuf;
using ModelGen.IO.Onnx.Proto;

namespace ModelGen.IO.Onnx;

/// <summary>
/// Collects an ONNX graph: float32 inputs/outputs with the symbolic batch dimension first, float initializers stored
/// as little-endian raw bytes, and nodes in topological order (the order they are added). Every value and initializer
/// name must be unique in an ONNX graph; a clash is an <see cref="OnnxExportException"/> here rather than a file that
/// ONNX Runtime rejects later.
/// </summary>
internal sealed class OnnxGraphBuilder(string name)
{
    private readonly GraphProto _graph = new() { Name = name };
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>Declares a float32 graph input [N, features...].</summary>
    public void AddInput(string valueName, params int[] features)
    {
        Claim(valueName, layer: null);
        _graph.Input.Add(BatchedFloatValue(valueName, features));
    }

    /// <summary>Declares an already produced value as a float32 graph output [N, features...].</summary>
    public void AddOutput(string valueName, params int[] features) => _graph.Output.Add(BatchedFloatValue(valueName, features));

    /// <summary>Adds a constant float tensor of shape <paramref name="dims"/> (row-major values) and returns its name.</summary>
    public string AddInitializer(string tensorName, string layer, ReadOnlySpan<float> values, params int[] dims)
    {
        Claim(tensorName, layer);
        var tensor = new TensorProto { Name = tensorName, DataType = (int)TensorProto.Types.DataType.Float };
        foreach (var dim in dims)
        {
            tensor.Dims.Add(dim);
        }

        if (!BitConverter.IsLittleEndian)
        {
            // raw_data is little-endian by the ONNX spec; the runtime only targets little-endian machines today.
            throw new PlatformNotSupportedException("ONNX export writes little-endian raw tensor data and needs a little-endian machine.");
        }

        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        _graph.Initializer.Add(tensor);
        return tensorName;
    }

    /// <summary>Adds a node of the default ONNX domain that reads <paramref name="inputs"/> and produces <paramref name="output"/>.</summary>
    public string AddNode(string opType, string nodeName, string layer, IReadOnlyList<string> inputs, string output, params AttributeProto[] attributes)
    {
        Claim(output, layer);
        var node = new NodeProto { OpType = opType, Name = nodeName };
        node.Input.Add(inputs);
        node.Output.Add(output);
        node.Attribute.Add(attributes);
        _graph.Node.Add(node);
        return output;
    }

    /// <summary>An INT attribute (e.g. Gemm's <c>transB</c>).</summary>
    public static AttributeProto IntAttribute(string attributeName, long value) =>
        new() { Name = attributeName, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>The finished graph.</summary>
    public GraphProto Build() => _graph;

    private void Claim(string valueName, string? layer)
    {
        if (!_names.Add(valueName))
        {
            throw new OnnxExportException($"The ONNX graph would hold two values named '{valueName}'; rename the layer{(layer is null ? string.Empty : $" '{layer}'")}.", layer);
        }
    }

    private static ValueInfoProto BatchedFloatValue(string valueName, int[] features)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = OnnxExporter.BatchDimension });
        foreach (var feature in features)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = feature });
        }

        return new ValueInfoProto
        {
            Name = valueName,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape },
            },
        };
    }
}
