using ModelGen.Examples;
using ModelGen.IO;
using ModelGen.IO.Onnx.Proto;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Tests.Data;
using ModelGen.Tests.Generated;
using Xunit;
using Xunit.Abstractions;

namespace ModelGen.Tests.IO;

/// <summary>
/// Image models export with an [N, C, H, W] input and Conv / MaxPool / AveragePool / Flatten nodes, and ONNX Runtime
/// gives our logits (within <see cref="LogitComparison.Tolerance"/>): LeNet-5 dense and SNIP-pruned, and the small
/// conv test nets (padding, stride, overlapping average pooling, a pool first, explicit and implied flattens).
/// </summary>
public sealed class OnnxConvExportTests(ITestOutputHelper output)
{
    public static TheoryData<string> Networks => new() { "lenet5", "lenet5-snip90", "conv-tanh", "conv-stride", "pool-first", "spatial-output" };

    [Theory]
    [MemberData(nameof(Networks))]
    public void OnnxRuntimeGivesOurLogitsForImageModelsAtBatchOneAndLarger(string name)
    {
        var network = Create(name);
        var model = ExportedModel.Bytes(network);
        Assert.Equal([network.Layers[0].InputShape.Channels, network.Layers[0].InputShape.Height, network.Layers[0].InputShape.Width], OnnxExporter.InputDimensions(network));
        foreach (var batch in new[] { 1, 13 })
        {
            var input = name.StartsWith("lenet5", StringComparison.Ordinal)
                ? BundledData.Mnist.Test.Inputs.AsSpan(0, batch * network.InputSize).ToArray()
                : TestInputs.Uniform(batch * network.InputSize, seed: batch, low: -1);
            var ours = new float[batch * network.OutputSize];
            network.Forward(input, batch, ours);
            long[] shape = [batch, .. OnnxExporter.InputDimensions(network).Select(d => (long)d)];
            var theirs = OnnxRuntimeRunner.Run(model, input, shape);
            var worst = LogitComparison.AssertClose(ours, theirs, batch, network.OutputSize, $"{name}, batch {batch}");
            output.WriteLine($"{name}, batch {batch}: largest relative difference {worst:E2}");
        }
    }

    [Fact]
    public void LeNet5IsConvReluMaxPoolTwiceThenAFlattenAndTwoGemms()
    {
        var graph = ModelProto.Parser.ParseFrom(ExportedModel.Bytes(new LeNet5(seed: 1))).Graph;
        var input = Assert.Single(graph.Input);
        Assert.Equal(["N", "1", "28", "28"], ExportedModel.Dimensions(input));
        Assert.Equal(["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm"], graph.Node.Select(n => n.OpType));
        var conv1 = graph.Node[0];
        Assert.Equal(["input", "conv1.weight", "conv1.bias"], conv1.Input);
        Assert.Equal([5L, 5L], conv1.Attribute.Single(a => a.Name == "kernel_shape").Ints);
        Assert.Equal([1L, 1L], conv1.Attribute.Single(a => a.Name == "strides").Ints);
        Assert.Equal([0L, 0L, 0L, 0L], conv1.Attribute.Single(a => a.Name == "pads").Ints);
        Assert.Equal([20L, 1L, 5L, 5L], graph.Initializer.Single(t => t.Name == "conv1.weight").Dims);
        Assert.Equal([50L, 20L, 5L, 5L], graph.Initializer.Single(t => t.Name == "conv2.weight").Dims);
        Assert.Equal([2L, 2L], graph.Node[2].Attribute.Single(a => a.Name == "strides").Ints);

        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(ExportedModel.Bytes(new LeNet5(seed: 1)));
        Assert.Equal([-1, 1, 28, 28], session.InputMetadata["input"].Dimensions);
        Assert.Equal([-1, 10], session.OutputMetadata["logits"].Dimensions);
    }

    [Fact]
    public void ANetworkEndingInAPoolFlattensItsOutputIntoTheLogits()
    {
        var graph = ModelProto.Parser.ParseFrom(ExportedModel.Bytes(new OnnxSpatialOutputNet(seed: 1))).Graph;
        Assert.Equal(["Conv", "Relu", "AveragePool", "Flatten"], graph.Node.Select(n => n.OpType));
        Assert.Equal(["N", "12"], ExportedModel.Dimensions(graph.Output[0]));
    }

    private static INetwork Create(string name)
    {
        switch (name)
        {
            case "lenet5":
                return new LeNet5(seed: 2);
            case "lenet5-snip90":
                var pruned = new LeNet5(seed: 3);
                new SnipPruner(BundledData.Mnist.Train) { ScoreSamples = 200 }.Prune(pruned, sparsity: 0.9);
                return pruned;
            case "conv-tanh":
                return new ConvTanhNet(seed: 4);
            case "conv-stride":
                return new ConvStrideNet(seed: 5);
            case "pool-first":
                return new PoolFirstNet(seed: 6);
            case "spatial-output":
                return new OnnxSpatialOutputNet(seed: 7);
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown test network.");
        }
    }

}
