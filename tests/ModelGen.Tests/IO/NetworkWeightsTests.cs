using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using ModelGen.Examples;
using ModelGen.IO;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Tests.Data;
using ModelGen.Tests.Generated;
using Xunit;

namespace ModelGen.Tests.IO;

public sealed class NetworkWeightsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Pruned_network_round_trips_bit_for_bit_with_masks_and_metadata()
    {
        var source = new LeNet300(seed: 3);
        new MagnitudePruner().Prune(source, 0.8);
        var path = _folder.File("lenet.safetensors");

        NetworkWeights.Save(source, path, new Dictionary<string, string> { ["method"] = "magnitude", ["sparsity"] = "0.8" });
        var target = new LeNet300(seed: 11);
        var metadata = NetworkWeights.Load(target, path);

        AssertSameBits(source.Parameters.Values, target.Parameters.Values);
        AssertSameBits(source.Masks.Values, target.Masks.Values);
        Assert.True(target.Masks.IsActive);
        Assert.Equal("magnitude", metadata["method"]);
        Assert.Equal("0.8", metadata["sparsity"]);
        Assert.Equal("lenet300", metadata[NetworkWeights.ModelKey]);
        Assert.Equal("pt", metadata["format"]);
        Assert.False(string.IsNullOrEmpty(metadata[NetworkWeights.VersionKey]));
        Assert.Single(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void Factorized_network_round_trips_with_factor_masks_only_on_prunable_tensors()
    {
        var source = new FactorizedMixNet(seed: 5);
        new RandomPruner(seed: 2).Prune(source, 0.5);
        var path = _folder.File("mix.safetensors");

        NetworkWeights.Save(source, path);
        var target = new FactorizedMixNet(seed: 6);
        NetworkWeights.Load(target, path);

        AssertSameBits(source.Parameters.Values, target.Parameters.Values);
        AssertSameBits(source.Masks.Values, target.Masks.Values);
        using var file = SafetensorsReader.Open(path);
        var names = file.Tensors.Select(t => t.Name).ToArray();
        var expected = new List<string>();
        foreach (var tensor in source.Parameters.Tensors)
        {
            expected.Add(tensor.Name);
            if (tensor.IsPrunable)
            {
                expected.Add(tensor.Name + "_mask");
            }
        }

        Assert.Equal(expected, names);
        Assert.Contains("low.U_mask", names);
        Assert.DoesNotContain("fc1.U_mask", names);
        Assert.DoesNotContain("fc2.weight_mask", names);
        Assert.Equal([6L, 2L], file.Tensors.Single(t => t.Name == "fc1.U").Shape);
        Assert.Equal([2L, 7L], file.Tensors.Single(t => t.Name == "fc1.Vt").Shape);
    }

    [Fact]
    public void File_layout_is_the_safetensors_format_with_pytorch_names_and_exact_zeros()
    {
        var network = new ReluNet(seed: 1);
        new RandomPruner(seed: 4).Prune(network, 0.5);
        // A removed weight that is not zero in memory (set behind the mask's back) must still be written as +0.
        var fc1 = network.Parameters["fc1.weight"];
        var removed = IndexOf(network.Masks.Get(fc1), 0f);
        network.Parameters.Value(fc1)[removed] = -7.5f;
        var path = _folder.File("relu.safetensors");

        NetworkWeights.Save(network, path);

        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + headerLength) % 8);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength));
        var root = header.RootElement;
        Assert.Equal("test-relu", root.GetProperty("__metadata__").GetProperty("model").GetString());
        var data = bytes.AsSpan(8 + headerLength);
        long expectedBegin = 0;
        foreach (var tensor in network.Parameters.Tensors)
        {
            var entry = root.GetProperty(tensor.Name);
            Assert.Equal("F32", entry.GetProperty("dtype").GetString());
            Assert.Equal(tensor.Shape, entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());
            var offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.Equal(expectedBegin, offsets[0]);
            Assert.Equal(expectedBegin + (4L * tensor.Length), offsets[1]);
            var stored = MemoryMarshal.Cast<byte, float>(data[(int)offsets[0]..(int)offsets[1]]).ToArray();
            var mask = network.Masks.Get(tensor);
            for (var i = 0; i < tensor.Length; i++)
            {
                // A removed entry is written as zero; a zero in memory keeps its sign, anything else becomes +0.
                var inMemory = network.Parameters.Value(tensor)[i];
                var expected = mask[i] == 0f && inMemory != 0f ? 0f : inMemory;
                Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(stored[i]));
            }

            if (tensor == fc1)
            {
                Assert.Equal(0, BitConverter.SingleToInt32Bits(stored[removed]));
            }

            expectedBegin = offsets[1];
            if (tensor.IsPrunable)
            {
                var maskEntry = root.GetProperty(tensor.Name + "_mask");
                var maskOffsets = maskEntry.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                Assert.Equal(mask.ToArray(), MemoryMarshal.Cast<byte, float>(data[(int)maskOffsets[0]..(int)maskOffsets[1]]).ToArray());
                expectedBegin = maskOffsets[1];
            }
        }

        Assert.Equal(expectedBegin, data.Length);
    }

    [Fact]
    public void Unpruned_network_writes_no_masks_and_loading_it_unprunes_the_target()
    {
        var dense = new ReluNet(seed: 2);
        var path = _folder.File("dense.safetensors");
        NetworkWeights.Save(dense, path);
        using (var file = SafetensorsReader.Open(path))
        {
            Assert.DoesNotContain(file.Tensors, t => t.Name.EndsWith("_mask", StringComparison.Ordinal));
        }

        var pruned = new ReluNet(seed: 9);
        new RandomPruner(seed: 1).Prune(pruned, 0.7);
        NetworkWeights.Load(pruned, path);

        Assert.False(pruned.Masks.IsActive);
        AssertSameBits(dense.Parameters.Values, pruned.Parameters.Values);
    }

    [Fact]
    public void Save_replaces_an_existing_file_and_leaves_no_temporary_file()
    {
        var path = _folder.File("w.safetensors");
        File.WriteAllText(path, "old content");
        var network = new ReluNet(seed: 4);

        NetworkWeights.Save(network, path);

        Assert.Equal([path], Directory.GetFiles(_folder.Path));
        var copy = new ReluNet(seed: 0);
        NetworkWeights.Load(copy, path);
        AssertSameBits(network.Parameters.Values, copy.Parameters.Values);
    }

    [Fact]
    public void Loaded_network_computes_the_same_logits()
    {
        var source = new FactorizedMixNet(seed: 8);
        new MagnitudePruner().Prune(source, 0.4);
        var path = _folder.File("mix.safetensors");
        NetworkWeights.Save(source, path);
        var target = new FactorizedMixNet(seed: 1);
        NetworkWeights.Load(target, path);

        var input = Enumerable.Range(0, 2 * 7).Select(i => (float)Math.Sin(i)).ToArray();
        var expected = new float[2 * 3];
        var actual = new float[2 * 3];
        source.Forward(input, 2, expected);
        target.Forward(input, 2, actual);
        AssertSameBits(expected, actual);
    }

    internal static void AssertSameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var e = MemoryMarshal.Cast<float, int>(expected);
        var a = MemoryMarshal.Cast<float, int>(actual);
        for (var i = 0; i < e.Length; i++)
        {
            if (e[i] != a[i])
            {
                Assert.Fail($"Entry {i} differs: {expected[i]:R} vs {actual[i]:R}.");
            }
        }
    }

    private static int IndexOf(ReadOnlySpan<float> values, float value)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] == value)
            {
                return i;
            }
        }

        throw new InvalidOperationException("Value not found.");
    }
}
