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
/// <see cref="InputName"/> [<see cref="BatchDimension"/>, InputSize] with a symbolic batch dimension ([N, C, H, W] when
/// the first layer is a convolution, pooling or flatten layer; the memory layout is the same), the first output
/// <see cref="OutputName"/> [N, OutputSize], the same logits as <see cref="INetwork.Forward"/>. Dense layers become
/// <c>Gemm</c> (transB = 1, weights stored [out, in] as in the <see cref="ParameterSet"/>), factorized layers two
/// <c>Gemm</c>s (x·Vtᵀ, then ·Uᵀ + b; U·Vt is never multiplied out), convolutions <c>Conv</c> (weights
/// [filters, in channels, k, k]), pooling <c>MaxPool</c>/<c>AveragePool</c>, flatten layers (declared or implied before a
/// dense layer) <c>Flatten</c>, activations <c>Relu</c>/<c>Tanh</c>/<c>Sigmoid</c>.
/// Pruned weights are written as exact zeros (W ⊙ M). Initializers keep the parameter names (<c>fc1.weight</c>).
/// </summary>
/// <remarks>
/// The exporter sees the network only through <see cref="INetwork"/> (its layers, parameters and masks), so it works
/// for every generated model. The output is deterministic: the same network gives the same bytes.
/// </remarks>
public static class OnnxExporter
{
    /// <summary>
    /// The ONNX operator set the graph imports. Opset 17 (ONNX 1.12, 2022) is read by every maintained runtime, and the
    /// operators used are at their latest form there (Gemm 13, Relu 14, Tanh 13, Sigmoid 13; for image layers Conv 11,
    /// MaxPool 12, AveragePool 11, Flatten 13).
    /// </summary>
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

    /// <summary>
    /// The per-sample dimensions of the graph's input, after the batch dimension: [C, H, W] when the first layer reads
    /// an image (a convolution, pooling or flatten layer), otherwise [InputSize].
    /// </summary>
    public static int[] InputDimensions(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var layers = network is IBakedNetwork baked ? baked.DenseLayers : network.Layers;
        if (layers.Count > 0 && OnnxLayerExport.ReadsImage(layers[0]))
        {
            var shape = layers[0].InputShape;
            return [shape.Channels, shape.Height, shape.Width];
        }

        return [network.InputSize];
    }

    /// <summary>The model message: the graph plus the versions and producer fields every ONNX reader checks.</summary>
    internal static ModelProto BuildModel(INetwork network)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "ModelGen",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0",
            // A baked network is exported as its dense view (the source model's layers, removed weights 0), the graph
            // every ONNX reader already understands.
            Graph = BuildGraph(BakedDenseView.Of(network)),
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
        var inputDimensions = InputDimensions(network);
        var image = inputDimensions.Length == 3;
        graph.AddInput(InputName, inputDimensions);

        var value = InputName;
        for (var index = 0; index < layers.Count; index++)
        {
            var layer = layers[index];
            if (image && layer.Kind is LayerKind.Dense or LayerKind.FactorizedDense)
            {
                // Shape inference lets a dense layer follow a spatial one and flatten its input (NCHW order); Gemm
                // needs the [N, C·H·W] matrix, so the graph makes that step explicit.
                value = FlattenLayerExport.AppendImplied(graph, layer, value);
            }

            image = OnnxLayerExport.OutputsImage(layer);
            var last = index == layers.Count - 1;
            value = OnnxLayerExport.Append(graph, network, index, value, last && !image ? OutputName : layer.Name);
        }

        if (image)
        {
            // A network that ends in a spatial layer still outputs [N, OutputSize] (NCHW flattened), as Forward does.
            value = FlattenLayerExport.Node(graph, layers[^1].Name + ".flatten", layers[^1].Name, value, OutputName);
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
