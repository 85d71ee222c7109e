using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using ModelGen.IO;
using ModelGen.Model;
using ModelGen.Pruning;

namespace ModelGen.Tickets;

/// <summary>
/// Lottery tickets between networks and files (docs/TICKETS.md): capture one from a pruned network or a
/// <see cref="LotteryTicketSearch"/>'s result, save and load it (format: <see cref="TicketText"/>), and apply it to a
/// network of the same model.
/// </summary>
/// <remarks>
/// A ticket with rewind iteration 0 carries no weights: its survivors start from θ0, the initialization of the model
/// at the ticket's <see cref="TicketDocument.Seed"/>. So create the network with that seed
/// (<c>model.Create(ticket.Seed)</c>) before <see cref="Apply"/>; <see cref="Apply"/> then only installs the masks.
/// A ticket found with late rewinding carries the rewind point's values, and <see cref="Apply"/> sets them.
/// </remarks>
public static class LotteryTickets
{
    /// <summary>
    /// The ticket of <paramref name="network"/>'s current masks, whose survivors rewind to θ0 of
    /// <paramref name="seed"/> (the seed the network was created with before it was pruned).
    /// </summary>
    /// <exception cref="ArgumentException">The network has no prunable tensor.</exception>
    public static TicketDocument Capture(INetwork network, int seed)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Capture(network, network.Masks.Values, seed, 0, ReadOnlySpan<float>.Empty);
    }

    /// <summary>
    /// The ticket of <paramref name="mask"/> (laid out like <paramref name="network"/>'s parameters) whose survivors
    /// rewind to the values after step <paramref name="rewindIteration"/>, given as <paramref name="rewindPoint"/> (the
    /// whole parameter vector at that step); with <paramref name="rewindIteration"/> 0 the ticket rewinds to θ0 of
    /// <paramref name="seed"/> and <paramref name="rewindPoint"/> is ignored.
    /// </summary>
    /// <exception cref="ArgumentException">A length does not match the network, an entry of the mask is not 0 or 1, or the network has no prunable tensor.</exception>
    public static TicketDocument Capture(INetwork network, ReadOnlySpan<float> mask, int seed, int rewindIteration, ReadOnlySpan<float> rewindPoint)
    {
        ArgumentNullException.ThrowIfNull(network);
        var parameters = network.Parameters;
        if (mask.Length != parameters.Count)
        {
            throw new ArgumentException($"The mask has {mask.Length} entries; network '{network.Name}' has {parameters.Count} parameters.", nameof(mask));
        }

        if (rewindIteration > 0 && rewindPoint.Length != parameters.Count)
        {
            throw new ArgumentException($"The rewind point has {rewindPoint.Length} entries; network '{network.Name}' has {parameters.Count} parameters.", nameof(rewindPoint));
        }

        var tensors = new List<TicketTensor>();
        var values = new List<TicketValues>();
        foreach (var tensor in parameters.Tensors)
        {
            var slice = mask.Slice(tensor.Offset, tensor.Length);
            if (!tensor.IsPrunable)
            {
                if (rewindIteration > 0)
                {
                    values.Add(new TicketValues(tensor.Name, rewindPoint.Slice(tensor.Offset, tensor.Length).ToArray()));
                }

                continue;
            }

            var kept = new List<int>();
            for (var i = 0; i < slice.Length; i++)
            {
                if (slice[i] == 1f)
                {
                    kept.Add(i);
                }
                else if (slice[i] != 0f)
                {
                    throw new ArgumentException($"The mask of '{tensor.Name}' has {slice[i]} at index {i}; masks hold 0 or 1.", nameof(mask));
                }
            }

            tensors.Add(new TicketTensor(tensor.Name, tensor.Rows, tensor.Cols, kept));
            if (rewindIteration > 0)
            {
                var point = rewindPoint.Slice(tensor.Offset, tensor.Length);
                var keptValues = new float[kept.Count];
                for (var k = 0; k < keptValues.Length; k++)
                {
                    keptValues[k] = point[kept[k]];
                }

                values.Add(new TicketValues(tensor.Name, keptValues));
            }
        }

        if (tensors.Count == 0)
        {
            throw new ArgumentException($"Network '{network.Name}' has no prunable tensor, so it has no ticket.", nameof(network));
        }

        return new TicketDocument(network.Name, seed, rewindIteration, tensors, values);
    }

    /// <summary>
    /// The ticket a <see cref="LotteryTicketSearch"/> found: <paramref name="ticket"/>'s mask (one of
    /// <paramref name="result"/>'s <see cref="LotteryTicketResult.Tickets"/>) with the search's rewind point, on the
    /// network the search ran on, created with <paramref name="seed"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The ticket or the rewind point does not fit the network.</exception>
    public static TicketDocument FromSearch(INetwork network, LotteryTicketResult result, LotteryTicket ticket, int seed)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(ticket);
        if (result.RewindIteration > 0 && result.RewindPoint is null)
        {
            throw new ArgumentException($"The search rewinds to step {result.RewindIteration} but its result holds no rewind point.", nameof(result));
        }

        return Capture(network, ticket.Mask, seed, result.RewindIteration, result.RewindPoint);
    }

    /// <summary>Writes <paramref name="ticket"/> to <paramref name="path"/> atomically (a reader never sees half a ticket).</summary>
    public static void Save(TicketDocument ticket, string path)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.WriteAllText(path, TicketText.Write(ticket));
    }

    /// <summary>Reads the ticket in <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="LotteryTicketFormatException">The file is not a valid ticket (the message names the file and the line).</exception>
    public static TicketDocument Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Ticket file '{path}' does not exist.", path);
        }

        return Parse(File.ReadAllText(path, Encoding.UTF8), path);
    }

    /// <summary>Reads a ticket from <paramref name="text"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="LotteryTicketFormatException">The text is not a valid ticket.</exception>
    public static TicketDocument Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TicketText.TryParse(text, out var ticket, out var error))
        {
            throw new LotteryTicketFormatException(source, error!.Line, error.Message);
        }

        return ticket!;
    }

    /// <summary>
    /// Installs <paramref name="ticket"/>'s masks on <paramref name="network"/> (pruned weights become 0) and, for a
    /// ticket found with late rewinding, sets every parameter to the ticket's values. Checks everything before it
    /// changes anything. For a θ0 ticket, <paramref name="network"/> must be freshly created with the ticket's seed for
    /// the survivors to start where the ticket says.
    /// </summary>
    /// <exception cref="ArgumentException">The ticket is for another model, or a tensor's name, shape or value count does not match the network (naming it).</exception>
    public static void Apply(TicketDocument ticket, INetwork network)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        ArgumentNullException.ThrowIfNull(network);
        var parameters = network.Parameters;
        if (ticket.Model != network.Name)
        {
            throw new ArgumentException($"The ticket was found on model '{ticket.Model}', not '{network.Name}'.");
        }

        var mask = new float[parameters.Count];
        Array.Fill(mask, 1f);
        foreach (var entry in ticket.Tensors)
        {
            if (!parameters.TryGet(entry.Name, out var tensor))
            {
                throw new ArgumentException($"The ticket masks '{entry.Name}', which model '{network.Name}' does not have.");
            }

            if (!tensor.IsPrunable)
            {
                throw new ArgumentException($"The ticket masks '{entry.Name}', which is not prunable in model '{network.Name}'.");
            }

            if (tensor.Rows != entry.Rows || tensor.Cols != entry.Cols)
            {
                throw new ArgumentException($"The ticket's '{entry.Name}' is {entry.Rows}×{entry.Cols}; model '{network.Name}' has it {tensor.Rows}×{tensor.Cols}.");
            }

            mask.AsSpan(tensor.Offset, tensor.Length).Clear();
            foreach (var position in entry.Kept)
            {
                mask[tensor.Offset + position] = 1f;
            }
        }

        foreach (var tensor in parameters.Tensors)
        {
            if (tensor.IsPrunable && ticket.FindTensor(tensor.Name) is null)
            {
                throw new ArgumentException($"The ticket has no mask for '{tensor.Name}', a prunable tensor of model '{network.Name}'.");
            }
        }

        var values = ticket.RewindIteration > 0 ? RewindValues(ticket, network, mask) : null;
        if (values is not null)
        {
            values.CopyTo(parameters.Values, 0);
        }

        network.Masks.Install(mask);
    }

    // The whole parameter vector a late-rewinding ticket describes (0 where its masks remove a weight).
    private static float[] RewindValues(TicketDocument ticket, INetwork network, float[] mask)
    {
        var parameters = network.Parameters;
        foreach (var entry in ticket.Values)
        {
            if (!parameters.TryGet(entry.Name, out _))
            {
                throw new ArgumentException($"The ticket has values for '{entry.Name}', which model '{network.Name}' does not have.");
            }
        }

        var values = new float[parameters.Count];
        foreach (var tensor in parameters.Tensors)
        {
            var entry = ticket.FindValues(tensor.Name)
                ?? throw new ArgumentException($"The ticket rewinds to step {ticket.RewindIteration} but has no values for '{tensor.Name}'.");
            var masked = ticket.FindTensor(tensor.Name);
            var expected = masked?.KeptCount ?? tensor.Length;
            if (entry.Values.Count != expected)
            {
                var what = masked is null ? "entries" : "kept entries";
                throw new ArgumentException($"The ticket has {entry.Values.Count} values for '{tensor.Name}', which has {expected} {what}.");
            }

            if (masked is null)
            {
                for (var i = 0; i < expected; i++)
                {
                    values[tensor.Offset + i] = entry.Values[i];
                }
            }
            else
            {
                for (var k = 0; k < expected; k++)
                {
                    values[tensor.Offset + masked.Kept[k]] = entry.Values[k];
                }
            }
        }

        return values;
    }
}
