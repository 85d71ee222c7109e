using ModelGen.Cli.Output;
using ModelGen.Tickets;

namespace ModelGen.Cli;

/// <summary>A ticket file a <c>train --ticket</c> run trains: the path as given and the parsed ticket.</summary>
/// <param name="File">The path as given on the command line.</param>
/// <param name="Document">The parsed ticket.</param>
public sealed record TicketInput(string File, TicketDocument Document)
{
    /// <summary>The JSON entry of this ticket.</summary>
    public TicketRecord Record => TicketOutput.Describe(File, Document);
}

/// <summary><c>train --save-ticket</c>: the run's final mask as a ticket file, and its entry in the run's JSON.</summary>
public static class TicketOutput
{
    /// <summary>
    /// Writes <paramref name="ticket"/> to the <c>--save-ticket</c> path, if one was given and the run was not refused,
    /// and records it in <paramref name="record"/>.
    /// </summary>
    /// <param name="persistence">The run's files.</param>
    /// <param name="record">The run; gets its <see cref="RunRecord.Ticket"/>.</param>
    /// <param name="ticket">Makes the ticket (only called when one is to be written).</param>
    public static void Save(RunPersistence? persistence, RunRecord record, Func<TicketDocument> ticket)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(ticket);
        if (persistence?.TicketPath is not { } path || record.Refused is not null)
        {
            return;
        }

        var document = ticket();
        LotteryTickets.Save(document, path);
        record.Ticket = Describe(path, document);
    }

    /// <summary>The JSON entry of <paramref name="ticket"/>, read from or written to <paramref name="file"/>.</summary>
    public static TicketRecord Describe(string file, TicketDocument ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        return new TicketRecord(file, ticket.ContentHash, ticket.Model, ticket.Seed, ticket.RewindIteration, ticket.Sparsity, ticket.Tensors.Sum(t => (long)t.KeptCount));
    }
}
