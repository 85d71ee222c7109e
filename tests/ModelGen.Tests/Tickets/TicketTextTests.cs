using System;
using System.Linq;
using ModelGen.Tickets;
using Xunit;

namespace ModelGen.Tests.Tickets;

public class TicketTextTests
{
    private static TicketDocument Sample(int rewind = 0)
    {
        var random = new Random(7);
        var sparse = Enumerable.Range(0, 300 * 784).Where(_ => random.NextDouble() < 0.02).ToArray();
        var dense = Enumerable.Range(0, 10 * 100).Where(_ => random.NextDouble() < 0.6).ToArray();
        var tensors = new[] { new TicketTensor("fc1.weight", 300, 784, sparse), new TicketTensor("fc3.weight", 10, 100, dense) };
        var values = rewind == 0
            ? Array.Empty<TicketValues>()
            : new[] { new TicketValues("fc1.weight", sparse.Select(i => i * 0.001f - 3.5f).ToArray()), new TicketValues("fc1.bias", new[] { 0f, -0f, 1e-30f, float.MaxValue }) };
        return new TicketDocument("lenet300", 42, rewind, tensors, values);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public void WriteThenParseGivesTheSameTicket(int rewind)
    {
        var ticket = Sample(rewind);
        var text = TicketText.Write(ticket);

        Assert.True(TicketText.TryParse(text, out var parsed, out var error), error?.ToString());
        Assert.Equal(ticket, parsed);
        Assert.Equal(ticket.ContentHash, parsed!.ContentHash);
        Assert.Equal("lenet300", parsed.Model);
        Assert.Equal(42, parsed.Seed);
        Assert.Equal(rewind, parsed.RewindIteration);
        foreach (var tensor in ticket.Tensors)
        {
            Assert.Equal(tensor.Kept, parsed.FindTensor(tensor.Name)!.Kept);
        }

        foreach (var values in ticket.Values)
        {
            Assert.Equal(values.Values.Select(BitConverter.SingleToInt32Bits), parsed.FindValues(values.Name)!.Values.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void TheShorterEncodingIsChosenPerTensor()
    {
        var text = TicketText.Write(Sample());

        Assert.Contains("mask fc1.weight 300 784", text.Split('\n').Single(l => l.Contains("fc1.weight")));
        Assert.Contains(" runs ", text.Split('\n').Single(l => l.StartsWith("mask fc1.weight", StringComparison.Ordinal)));
        Assert.Contains(" bitmap ", text.Split('\n').Single(l => l.StartsWith("mask fc3.weight", StringComparison.Ordinal)));
    }

    [Fact]
    public void SparsityIsTheRemovedFractionOfAllMaskedWeights()
    {
        var ticket = new TicketDocument("m", 0, 0, new[] { new TicketTensor("a", 2, 2, new[] { 0 }), new TicketTensor("b", 1, 4, new[] { 1, 2, 3 }) }, Array.Empty<TicketValues>());

        Assert.Equal(0.5, ticket.Sparsity);
    }

    [Fact]
    public void CommentsBlankLinesAndCrLfAreAccepted()
    {
        var text = "# a note\r\n\r\n" + TicketText.Write(Sample()).Replace("\n", "\r\n", StringComparison.Ordinal);

        Assert.True(TicketText.TryParse(text, out _, out var error), error?.ToString());
    }

    [Fact]
    public void AChangedMaskIsADamagedTicketOnTheHashLine()
    {
        var lines = TicketText.Write(Sample()).Split('\n');
        var mask = Array.FindIndex(lines, l => l.StartsWith("mask fc3.weight", StringComparison.Ordinal));
        var data = lines[mask].Split(' ');
        var bytes = Convert.FromBase64String(data[6]);
        bytes[3] ^= 0x10;
        var kept = Convert.ToString(int.Parse(data[4], System.Globalization.CultureInfo.InvariantCulture) + ((bytes[3] & 0x10) != 0 ? 1 : -1), System.Globalization.CultureInfo.InvariantCulture);
        lines[mask] = string.Join(' ', data[0], data[1], data[2], data[3], kept, data[5], Convert.ToBase64String(bytes));

        Assert.False(TicketText.TryParse(string.Join('\n', lines), out _, out var error));
        Assert.Equal(Array.FindIndex(lines, l => l.StartsWith("sha256", StringComparison.Ordinal)) + 1, error!.Line);
        Assert.Contains("hash mismatch", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", 1, "empty")]
    [InlineData("hello 1\n", 1, "Not a ModelGen ticket")]
    [InlineData("modelgen-ticket 2\n", 1, "version 2 is not supported")]
    [InlineData("modelgen-ticket 1\nmodel m\nseed x\n", 3, "'x' is not a valid seed")]
    [InlineData("modelgen-ticket 1\nmodel m\nmodel n\n", 3, "'model' appears twice")]
    [InlineData("modelgen-ticket 1\nmodel m\nseed 0\nrewind-iteration 0\nsparsity 0.5\nmask a 2 2 1 bitmap !!\n", 6, "not valid base64")]
    [InlineData("modelgen-ticket 1\nmodel m\nseed 0\nrewind-iteration 0\nsparsity 0.5\nmask a 2 2 1 bitmap AQA=\n", 6, "has 2 bytes where 4 weights need 1")]
    [InlineData("modelgen-ticket 1\nmodel m\nseed 0\nrewind-iteration 0\nsparsity 0.5\nmask a 2 2 2 bitmap AQ==\n", 6, "says it keeps 2 weights, but its mask keeps 1")]
    [InlineData("modelgen-ticket 1\nmodel m\nseed 0\nrewind-iteration 0\nsparsity 0.5\nmask a 2 2 1 runs AAU=\n", 6, "cover more than")]
    [InlineData("modelgen-ticket 1\nmodel m\nseed 0\nrewind-iteration 0\nsparsity 0.5\nmask a 2 2 1 bitmap AQ==\n", 6, "no 'sha256' line")]
    [InlineData("modelgen-ticket 1\nmodel m\nfrobnicate 3\n", 3, "Unknown entry 'frobnicate'")]
    public void BrokenTicketsNameTheLineAndTheProblem(string text, int line, string message)
    {
        Assert.False(TicketText.TryParse(text, out var ticket, out var error));
        Assert.Null(ticket);
        Assert.Equal(line, error!.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
