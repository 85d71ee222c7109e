using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using Google.Protobuf;
using ModelGen.IO.Onnx;
using ModelGen.IO.Onnx.Proto;
using ModelGen.Model;

namespace ModelGen.IO;

/// <summary>
/// Writes a network as a standard ONNX model that ONNX Runtime (or any ONNX reader) runs: one float32 input
/// <see cref="InputName"/> [<see cref="BatchDimension"/>, InputSize] with a symbolic batch dimension, the first output
/// <see cref="OutputName"/> [N, OutputSize], the same logits as <see cref="INetwork.Forward"/>. Dense layers become
/// <c>Gemm</c> (transB = 1, weights stored [out, in] as in the <see cref="ParameterSet"/>), factorized layers two
/// <c>Gemm</c>s (x·Vtᵀ, then ·Uᵀ + b; U·Vt is never multiplied out), activations <c>Relu</c>/<c>Tanh</c>/<c>Sigmoid</c>.
/// Pruned weights are written as exact zeros (W ⊙ M). Initializers keep the parameter names (<c>fc1.weight</c>).
/// </summary>
/// <remarks>
/// The exporter sees the network only through <see cref="INetwork"/> (its layers, parameters and masks), so it works
/// for every generated model. The output is deterministic: the same network gives the same bytes.
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The ONNX operator set the graph imports (opset 17: every operator used has had its current form since 13).</summary>
    public const int OpsetVersion = 17;

    /// <summary>The IR version that goes with <see cref="OpsetVersion"/> (ONNX 1.12: IR 8, opset 17).</summary>
    public const long IrVersion = 8;

    /// <summary>Name of the graph's input.</summary>
    public const string InputName = "input";

    /// <summary>Name of the graph's first (and only) output, the logits.</summary>
    public const string OutputName = "logits";

    /// <summary>The symbolic batch dimension of the input and output.</summary>
    public const string BatchDimension = "N";

    /// <summary>Writes <paramref name="network"/> to <paramref name="path"/> atomically (a reader sees the old file or the whole new one).</summary>
    /// <exception cref="OnnxExportException">The network cannot be expressed (the message names the layer and tensor).</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Export(INetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);

        // Build the whole model before touching the file system, so an unexportable network leaves no file behind.
        var model = BuildModel(network);
        AtomicFile.Write(path, stream => model.WriteTo(stream));
    }

    /// <summary>Writes <paramref name="network"/> to <paramref name="stream"/> (left open, not flushed to disk).</summary>
    /// <exception cref="OnnxExportException">The network cannot be expressed (the message names the layer and tensor).</exception>
    public static void Export(INetwork network, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        BuildModel(network).WriteTo(stream);
    }

    /// <summary>The model message: the graph plus the versions and producer fields every ONNX reader checks.</summary>
    internal static ModelProto BuildModel(INetwork network)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "ModelGen",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0",
            Graph = BuildGraph(network),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        return model;
    }

    private static GraphProto BuildGraph(INetwork network)
    {
        var layers = network.Layers;
        if (layers.Count == 0)
        {
            throw new OnnxExportException($"Network '{network.Name}' has no layers.");
        }

        CheckSizesChain(network, layers);

        var graph = new OnnxGraphBuilder(network.Name);
        graph.AddInput(InputName, network.InputSize);

        var value = InputName;
        for (var index = 0; index < layers.Count; index++)
        {
            var layer = layers[index];
            var output = index == layers.Count - 1 ? OutputName : layer.Name;
            value = OnnxLayerExport.Append(graph, network, index, value, output);
        }

        graph.AddOutput(value, network.OutputSize);
        return graph.Build();
    }

    private static void CheckSizesChain(INetwork network, IReadOnlyList<LayerInfo> layers)
    {
        var features = network.InputSize;
        foreach (var layer in layers)
        {
            if (layer.InputSize != features)
            {
                throw new OnnxExportException($"Layer '{layer.Name}' takes {layer.InputSize} inputs, but {features} come into it.", layer.Name);
            }

            features = layer.OutputSize;
        }

        if (features != network.OutputSize)
        {
            throw new OnnxExportException($"The last layer '{layers[^1].Name}' gives {features} outputs, but network '{network.Name}' reports {network.OutputSize}.", layers[^1].Name);
        }
    }
}
