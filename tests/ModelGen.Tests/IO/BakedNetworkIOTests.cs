using ModelGen.IO;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Tests.Data;
using ModelGen.Tests.Generated;
using ModelGen.Tickets;
using Xunit;

namespace ModelGen.Tests.IO;

/// <summary>
/// A baked network is saved and exported as its dense view (the source model's names, shapes and masks, zeros where
/// pruned), and loads a dense file through <see cref="IBakedNetwork.LoadDense"/>.
/// </summary>
public sealed class BakedNetworkIOTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void SavedBakedNetworkIsTheMaskedSourceNetworksFile()
    {
        var (baked, masked) = Pair();
        var bakedPath = _folder.File("baked.safetensors");
        var maskedPath = _folder.File("masked.safetensors");

        NetworkWeights.Save(baked, bakedPath);
        NetworkWeights.Save(masked, maskedPath);

        using (var bakedFile = SafetensorsReader.Open(bakedPath))
        using (var maskedFile = SafetensorsReader.Open(maskedPath))
        {
            Assert.Equal(maskedFile.Tensors.Select(t => (t.Name, t.ShapeText)), bakedFile.Tensors.Select(t => (t.Name, t.ShapeText)));
            Assert.Contains(bakedFile.Tensors, t => t.Name == "fc1.weight_mask");
            foreach (var info in maskedFile.Tensors)
            {
                bakedFile.TryGet(info.Name, out var other);
                var expected = new float[info.ElementCount];
                var actual = new float[info.ElementCount];
                maskedFile.ReadFloat32(info, expected);
                bakedFile.ReadFloat32(other, actual);
                Assert.Equal(expected, actual);
            }

            Assert.Equal("test-relu", bakedFile.Metadata[NetworkWeights.ModelKey]);
            Assert.Equal("test-relu-baked", bakedFile.Metadata[NetworkWeights.BakedModelKey]);
            Assert.Equal(baked.TicketHash, bakedFile.Metadata[NetworkWeights.TicketKey]);
        }

        // The file loads into the source model and computes the baked network's logits.
        var source = new ReluNet(seed: 40);
        NetworkWeights.Load(source, bakedPath);
        var input = Enumerable.Range(0, 2 * 5).Select(i => (i % 7) * 0.3f - 1f).ToArray();
        var expectedLogits = new float[6];
        var actualLogits = new float[6];
        baked.Forward(input, 2, expectedLogits);
        source.Forward(input, 2, actualLogits);
        Assert.Equal(expectedLogits, actualLogits);
    }

    [Fact]
    public void BakedNetworkLoadsADenseFileThroughLoadDense()
    {
        var (baked, masked) = Pair();
        for (var i = 0; i < masked.Parameters.Count; i++)
        {
            masked.Parameters.Values[i] += 0.25f * (i % 3);
        }

        masked.Masks.ApplyToParameters();
        var path = _folder.File("masked.safetensors");
        NetworkWeights.Save(masked, path);

        NetworkWeights.Load(baked, path);

        var values = new float[masked.Parameters.Count];
        var mask = new float[masked.Parameters.Count];
        baked.ExpandToDense(values, mask);
        Assert.Equal(masked.Parameters.Values, values);
        Assert.Equal(masked.Masks.Values.ToArray(), mask);
    }

    [Fact]
    public void ANonzeroWeightTheTicketRemovesIsAnErrorNamingFileTensorAndIndex()
    {
        var (baked, _) = Pair();
        var dense = new ReluNet(seed: 3);
        var removed = Enumerable.Range(0, 20).First(i => DenseMask(baked)[i] == 0f);
        dense.Parameters.Values[removed] = 0.5f;
        var path = _folder.File("dense.safetensors");
        NetworkWeights.Save(dense, path);
        var before = baked.Parameters.Values.ToArray();

        var error = Assert.Throws<InvalidDataException>(() => NetworkWeights.Load(baked, path));

        Assert.StartsWith($"{path}: does not fit baked network 'test-relu-baked': ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'fc1.weight' index {removed} is 0.5", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, baked.Parameters.Values);
    }

    [Fact]
    public void OnnxExportOfABakedNetworkIsThatOfTheMaskedSourceNetwork()
    {
        var (baked, masked) = Pair();
        using var bakedStream = new MemoryStream();
        using var maskedStream = new MemoryStream();

        OnnxExporter.Export(baked, bakedStream);
        OnnxExporter.Export(masked, maskedStream);

        Assert.Equal(maskedStream.ToArray(), bakedStream.ToArray());
        Assert.Equal([5], OnnxExporter.InputDimensions(baked));
    }

    // The fc1.weight entries of the baked network's dense mask (fc1.weight is the first tensor).
    private static float[] DenseMask(IBakedNetwork baked)
    {
        var values = new float[baked.DenseTensors.Sum(t => t.Length)];
        var mask = new float[values.Length];
        baked.ExpandToDense(values, mask);
        return mask;
    }

    // A baked double of a magnitude-pruned ReluNet and the same ticket on the source model (same seed, same weights).
    private static (IBakedNetwork Baked, INetwork Masked) Pair()
    {
        var found = new ReluNet(seed: 8);
        new MagnitudePruner().Prune(found, 0.5);
        var ticket = LotteryTickets.Capture(found, seed: 8);
        var masked = new ReluNet(seed: 8);
        LotteryTickets.Apply(ticket, masked);
        return (new FakeBakedNetwork(new ReluNet(seed: 8), ticket), masked);
    }
}
