using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using ModelGen.IO;
using ModelGen.IO.Onnx.Proto;
using ModelGen.Model;
using ModelGen.Tests.Data;
using Xunit;
using Xunit.Abstractions;

namespace ModelGen.Tests.IO;

/// <summary>
/// Exported networks run in ONNX Runtime and give our logits (within <see cref="LogitComparison.Tolerance"/>, justified
/// there), have the graph shape the exporter promises, and bad networks are refused with errors that name the place.
/// </summary>
public sealed class OnnxExportTests(ITestOutputHelper output)
{
    public static TheoryData<string> Networks => new() { "dense", "pruned", "factorized", "mixed" };

    [Theory]
    [MemberData(nameof(Networks))]
    public void OnnxRuntimeGivesOurLogitsOnRandomInputsAtBatchOneAndLarger(string name)
    {
        var network = OnnxNetworks.Get(name);
        var model = ExportedModel.Bytes(network);
        foreach (var batch in new[] { 1, 37 })
        {
            var input = TestInputs.Uniform(batch * network.InputSize, seed: batch);
            AssertSameLogits(network, model, input, batch, $"{name}, random batch {batch}");
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void OnnxRuntimeGivesOurLogitsOnTheBundledTestSet(string name)
    {
        var network = OnnxNetworks.Get(name);
        var test = BundledData.Mnist.Test;
        var ours = AssertSameLogits(network, ExportedModel.Bytes(network), test.Inputs, test.Count, $"{name}, test set");

        // Trained networks, not trivial ones: at least three times chance (10%), so the compared logits carry real
        // decisions (the dense, pruned and factorized LeNets reach 83–90% after one epoch, the mixed net 43% after three).
        var correct = 0;
        for (var i = 0; i < test.Count; i++)
        {
            correct += ArgMax(ours.AsSpan(i * network.OutputSize, network.OutputSize)) == test.Labels[i] ? 1 : 0;
        }

        output.WriteLine($"{name}: {correct}/{test.Count} test digits correct");
        Assert.True(correct > 0.3 * test.Count, $"{name}: {correct}/{test.Count} correct after training.");
    }

    [Fact]
    public void TheGraphHasOneFloatInputWithASymbolicBatchAndLogitsAsItsFirstOutput()
    {
        var network = OnnxNetworks.Dense;
        var model = ModelProto.Parser.ParseFrom(ExportedModel.Bytes(network));
        Assert.Equal(OnnxExporter.IrVersion, model.IrVersion);
        Assert.Equal(OnnxExporter.OpsetVersion, Assert.Single(model.OpsetImport).Version);

        var input = Assert.Single(model.Graph.Input);
        Assert.Equal("input", input.Name);
        Assert.Equal((int)TensorProto.Types.DataType.Float, input.Type.TensorType.ElemType);
        Assert.Equal(["N", "784"], ExportedModel.Dimensions(input));
        var output1 = model.Graph.Output[0];
        Assert.Equal("logits", output1.Name);
        Assert.Equal(["N", "10"], ExportedModel.Dimensions(output1));

        // ONNX Runtime reads the same: batch unknown (-1), features fixed.
        using var session = new InferenceSession(ExportedModel.Bytes(network));
        Assert.Equal([-1, 784], session.InputMetadata["input"].Dimensions);
        Assert.Equal([-1, 10], session.OutputMetadata["logits"].Dimensions);
        Assert.Equal("logits", session.OutputNames[0]);
    }

    [Fact]
    public void DenseLayersAreGemmsWithTransposedWeightsAndActivationsAreTheirOwnNodes()
    {
        var graph = ModelProto.Parser.ParseFrom(ExportedModel.Bytes(OnnxNetworks.Dense)).Graph;
        Assert.Equal(["Gemm", "Relu", "Gemm", "Relu", "Gemm"], graph.Node.Select(n => n.OpType));
        foreach (var gemm in graph.Node.Where(n => n.OpType == "Gemm"))
        {
            var transB = Assert.Single(gemm.Attribute);
            Assert.Equal(("transB", 1L), (transB.Name, transB.I));
        }

        Assert.Equal(["input", "fc1.weight", "fc1.bias"], graph.Node[0].Input);
        Assert.Equal(
            [("fc1.weight", "300x784"), ("fc1.bias", "300"), ("fc2.weight", "100x300"), ("fc2.bias", "100"), ("fc3.weight", "10x100"), ("fc3.bias", "10")],
            graph.Initializer.Select(t => (t.Name, string.Join("x", t.Dims))));
    }

    [Fact]
    public void FactorizedLayersAreTwoProductsAndUTimesVtIsNeverFormed()
    {
        var network = OnnxNetworks.Factorized;
        var graph = ModelProto.Parser.ParseFrom(ExportedModel.Bytes(network)).Graph;
        Assert.Equal(["Gemm", "Gemm", "Relu", "Gemm", "Gemm", "Relu", "Gemm"], graph.Node.Select(n => n.OpType));
        Assert.Equal(["input", "fc1.Vt"], graph.Node[0].Input);
        Assert.Equal([graph.Node[0].Output[0], "fc1.U", "fc1.bias"], graph.Node[1].Input);

        var shapes = graph.Initializer.ToDictionary(t => t.Name, t => string.Join("x", t.Dims));
        Assert.Equal("16x784", shapes["fc1.Vt"]);
        Assert.Equal("300x16", shapes["fc1.U"]);
        Assert.DoesNotContain(graph.Initializer, t => t.Dims.SequenceEqual([300L, 784L]) || t.Dims.SequenceEqual([100L, 300L]));

        // The file holds the factors' entries, not the 266k of the dense product.
        Assert.Equal(network.Parameters.Count, graph.Initializer.Sum(t => t.RawData.Length / sizeof(float)));
    }

    [Fact]
    public void RemovedWeightsAreWrittenAsExactZerosEvenWhenTheNetworkStillHoldsValuesThere()
    {
        // MaskSet.Set zeroes the removed weights; a caller writing values under the mask afterwards breaks that
        // invariant (until ApplyToParameters). The export must still write W ⊙ M, not the stored values.
        var network = new ModelGen.Examples.LeNet300(seed: 9);
        var weight = network.Parameters["fc1.weight"];
        var mask = new float[weight.Length];
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = i % 3 == 0 ? 1f : 0f;
        }

        network.Masks.Set(weight, mask);
        var values = network.Parameters.Value(weight);
        for (var i = 0; i < mask.Length; i++)
        {
            values[i] = mask[i] == 0f ? 0.25f : values[i];
        }

        var stored = network.Parameters.Value(weight).ToArray();
        Assert.Contains(stored.Where((_, i) => mask[i] == 0f), v => v != 0f);

        var model = ExportedModel.Bytes(network);
        var written = InitializerValues(ModelProto.Parser.ParseFrom(model), "fc1.weight");
        for (var i = 0; i < written.Length; i++)
        {
            if (mask[i] == 0f)
            {
                Assert.True(BitConverter.SingleToInt32Bits(written[i]) == 0, $"fc1.weight[{i}] is {written[i]}, removed weights must be +0.");
            }
            else
            {
                Assert.Equal(stored[i], written[i]);
            }
        }

        network.Masks.ApplyToParameters();
        AssertSameLogits(network, model, TestInputs.Uniform(5 * 784, seed: 2), 5, "masked, weights written under the mask");
    }

    [Fact]
    public void APrunedNetworkWritesAsManyZerosAsItsMaskRemoved()
    {
        var network = OnnxNetworks.Pruned;
        var model = ModelProto.Parser.ParseFrom(ExportedModel.Bytes(network));
        foreach (var tensor in network.Parameters.Tensors.Where(t => t.IsPrunable))
        {
            var removed = tensor.Length - network.Masks.CountKept(tensor);
            Assert.Equal(removed, InitializerValues(model, tensor.Name).Count(v => v == 0f));
        }
    }

    [Fact]
    public void ALastLayerWithAnActivationGivesTheActivatedValuesAsLogits()
    {
        var network = new OnnxSigmoidOutputNet(seed: 1);
        var model = ExportedModel.Bytes(network);
        Assert.Equal("Sigmoid", ModelProto.Parser.ParseFrom(model).Graph.Node[^1].OpType);
        AssertSameLogits(network, model, TestInputs.Uniform(4 * 6, seed: 3), 4, "sigmoid output");
    }

    [Fact]
    public void TheSameNetworkGivesTheSameBytesAndTheFileMatchesTheStream()
    {
        using var folder = new TempFolder();
        var path = folder.File("mixed.onnx");
        OnnxExporter.Export(OnnxNetworks.Mixed, path);
        Assert.Equal(ExportedModel.Bytes(OnnxNetworks.Mixed), File.ReadAllBytes(path));
        Assert.Equal(ExportedModel.Bytes(OnnxNetworks.Mixed), ExportedModel.Bytes(OnnxNetworks.Mixed));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void ExportingOverAnExistingFileReplacesIt()
    {
        using var folder = new TempFolder();
        var path = folder.File("model.onnx");
        File.WriteAllBytes(path, new byte[1_000_000]);
        OnnxExporter.Export(new OnnxSigmoidOutputNet(seed: 2), path);
        Assert.Equal(ExportedModel.Bytes(new OnnxSigmoidOutputNet(seed: 2)), File.ReadAllBytes(path));
    }

    [Fact]
    public void AnUnsupportedLayerKindIsAClearErrorNamingTheLayerAndLeavesNoFile()
    {
        var network = FakeNetwork.Dense(
            new LayerInfo("fc1", LayerKind.Dense, 4, 3, Activation.ReLU, 0, true),
            new LayerInfo("odd", (LayerKind)99, 3, 2, Activation.None, 0, true));
        using var folder = new TempFolder();
        var path = folder.File("odd.onnx");
        File.WriteAllText(path, "old");

        var error = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(network, path));
        Assert.Equal("odd", error.Layer);
        Assert.Contains("Layer 'odd' (index 1) is of kind 99", error.Message);
        Assert.Contains("does not support", error.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void AnUnsupportedActivationIsAClearErrorNamingTheLayer()
    {
        var network = FakeNetwork.Dense(new LayerInfo("fc1", LayerKind.Dense, 4, 3, (Activation)42, 0, true));
        var error = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(network, Stream.Null));
        Assert.Equal("fc1", error.Layer);
        Assert.Contains("has activation 42", error.Message);
    }

    [Fact]
    public void LayersWhoseSizesDoNotChainAreRejected()
    {
        var network = FakeNetwork.Dense(
            new LayerInfo("fc1", LayerKind.Dense, 4, 3, Activation.ReLU, 0, true),
            new LayerInfo("fc2", LayerKind.Dense, 5, 2, Activation.None, 0, true));
        var error = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(network, Stream.Null));
        Assert.Equal("fc2", error.Layer);
        Assert.Equal("Layer 'fc2' takes 5 inputs, but 3 come into it.", error.Message);
    }

    [Fact]
    public void AMissingOrMisshapenTensorIsNamed()
    {
        var layer = new LayerInfo("fc1", LayerKind.Dense, 4, 3, Activation.None, 0, true);
        var missingBias = new FakeNetwork([layer], [new ParameterTensor("fc1.weight", "fc1", 0, ParameterRole.Weight, 3, 4, 0, 4, true)]);
        var missing = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(missingBias, Stream.Null));
        Assert.Equal("Layer 'fc1' (index 0, Dense) has no Bias tensor in its parameters.", missing.Message);

        var transposed = new FakeNetwork(
            [layer],
            [new ParameterTensor("fc1.weight", "fc1", 0, ParameterRole.Weight, 4, 3, 0, 4, true), new ParameterTensor("fc1.bias", "fc1", 0, ParameterRole.Bias, 3, 1, 12, 4, false)]);
        var misshapen = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(transposed, Stream.Null));
        Assert.Equal("Parameter 'fc1.weight' of layer 'fc1' is [4, 3], but the layer needs [3, 4].", misshapen.Message);
    }

    [Fact]
    public void ANonFiniteWeightIsNamedWithItsIndex()
    {
        var network = new OnnxSigmoidOutputNet(seed: 3);
        network.Parameters.Value(network.Parameters["fc2.weight"])[7] = float.NaN;
        var error = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(network, Stream.Null));
        Assert.Equal("Parameter 'fc2.weight' of layer 'fc2' holds NaN at index 7; only finite values can be exported.", error.Message);
    }

    [Fact]
    public void AValueNameUsedTwiceIsAnErrorBeforeOnnxRuntimeSeesTheFile()
    {
        // A hidden layer called "logits" would collide with the graph's output name.
        var network = FakeNetwork.Dense(
            new LayerInfo("logits", LayerKind.Dense, 4, 3, Activation.None, 0, true),
            new LayerInfo("fc2", LayerKind.Dense, 3, 2, Activation.None, 0, true));
        var error = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(network, Stream.Null));
        Assert.Contains("two values named 'logits'", error.Message);
    }


    /// <summary>Runs both, asserts the per-sample relative difference, logs the largest one; returns our logits.</summary>
    private float[] AssertSameLogits(INetwork network, byte[] model, float[] input, int batch, string what)
    {
        var ours = new float[batch * network.OutputSize];
        network.Forward(input, batch, ours);
        var theirs = OnnxRuntimeRunner.Run(model, input, batch, network.InputSize);
        var worst = LogitComparison.AssertClose(ours, theirs, batch, network.OutputSize, what);
        output.WriteLine($"{what}: largest relative difference {worst:E2} over {batch} samples");
        return ours;
    }

    private static float[] InitializerValues(ModelProto model, string name)
    {
        var tensor = model.Graph.Initializer.Single(t => t.Name == name);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }

        return best;
    }
}
