using ModelGen.Examples;
using ModelGen.IO;
using ModelGen.Model;
using ModelGen.Tests.Data;
using ModelGen.Tests.Tickets;
using ModelGen.Tickets;
using Xunit;

namespace ModelGen.Tests.IO;

/// <summary>The generated <c>lenet300-ticket98</c> through the savers and the exporter: its dense view is an ordinary pruned LeNet-300-100.</summary>
public sealed class BakedLeNet300IOTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void SavedFileLoadsIntoLeNet300AndBackIntoTheBakedClassWithTheSameLogits()
    {
        var baked = Trained();
        var path = _folder.File("ticket98.safetensors");
        NetworkWeights.Save(baked, path);

        var source = new LeNet300(seed: 5);
        var metadata = NetworkWeights.Load(source, path);
        var again = new LeNet300Ticket98(seed: 9);
        NetworkWeights.Load(again, path);

        Assert.Equal("lenet300", metadata[NetworkWeights.ModelKey]);
        Assert.Equal("lenet300-ticket98", metadata[NetworkWeights.BakedModelKey]);
        Assert.Equal(baked.TicketHash, metadata[NetworkWeights.TicketKey]);
        Assert.Equal(baked.Parameters.Values, again.Parameters.Values);
        // The ticket's pattern survives in the masks: every weight the baked class lacks is masked out in LeNet300.
        var ticket = LotteryTickets.Load(ProjectTicket.Path);
        foreach (var entry in ticket.Tensors)
        {
            var tensor = source.Parameters[entry.Name];
            var mask = source.Masks.Get(tensor);
            for (var i = 0; i < mask.Length; i++)
            {
                Assert.True(mask[i] == 0f || entry.IsKept(i / entry.Cols, i % entry.Cols), $"{entry.Name}[{i}] is kept in the file but removed by the ticket");
            }
        }

        var input = TestInputs.Uniform(8 * 784, seed: 4);
        var expected = Logits(baked, input, 8);
        LogitComparison.AssertClose(expected, Logits(source, input, 8), 8, 10, "LeNet300 loaded from the baked file");
        Assert.Equal(expected, Logits(again, input, 8));
    }

    [Fact]
    public void OnnxExportIsTheDenseViewAndOnnxRuntimeComputesTheBakedLogits()
    {
        var baked = Trained();
        using var stream = new MemoryStream();

        OnnxExporter.Export(baked, stream);

        var input = TestInputs.Uniform(4 * 784, seed: 6);
        var theirs = OnnxRuntimeRunner.Run(stream.ToArray(), input, 4, 784);
        LogitComparison.AssertClose(Logits(baked, input, 4), theirs, 4, 10, "ONNX export of lenet300-ticket98");
    }

    [Fact]
    public void AFileWithAWeightTheTicketRemovesIsRefusedNamingTheFile()
    {
        var dense = new LeNet300(seed: 0);
        var path = _folder.File("dense.safetensors");
        NetworkWeights.Save(dense, path);
        var baked = new LeNet300Ticket98(seed: 0);
        var before = baked.Parameters.Values.ToArray();

        var error = Assert.Throws<InvalidDataException>(() => NetworkWeights.Load(baked, path));

        Assert.StartsWith($"{path}: does not fit baked network 'lenet300-ticket98': ", error.Message, StringComparison.Ordinal);
        Assert.Contains("fc1.weight", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, baked.Parameters.Values);
    }

    // Weights that are not θ0: a few deterministic nudges, so the test does not pass on initial values alone.
    private static LeNet300Ticket98 Trained()
    {
        var baked = new LeNet300Ticket98(seed: 0);
        for (var i = 0; i < baked.Parameters.Count; i++)
        {
            baked.Parameters.Values[i] += 0.01f * ((i % 5) - 2);
        }

        return baked;
    }

    private static float[] Logits(INetwork network, float[] input, int batch)
    {
        var logits = new float[batch * network.OutputSize];
        network.Forward(input, batch, logits);
        return logits;
    }
}
