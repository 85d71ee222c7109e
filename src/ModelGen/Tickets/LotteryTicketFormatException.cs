using System;

namespace ModelGen.Tickets;

/// <summary>
/// A ticket file could not be read: it is not a ticket, is damaged, or its hash does not match its content. The message
/// names the file and the line, e.g. <c>lenet300-lth98.ticket:7: Tensor 'fc1.weight' says it keeps 4704 weights, but its
/// mask keeps 4703.</c>
/// </summary>
public sealed class LotteryTicketFormatException : FormatException
{
    /// <summary>Creates the exception for a problem on <paramref name="line"/> of <paramref name="filePath"/>.</summary>
    /// <param name="filePath">The file as the caller named it.</param>
    /// <param name="line">1-based line of the problem.</param>
    /// <param name="problem">What is wrong, without the file name or line (they are prefixed).</param>
    public LotteryTicketFormatException(string filePath, int line, string problem)
        : base($"{filePath}:{line}: {problem}")
    {
        FilePath = filePath;
        Line = line;
        Problem = problem;
    }

    /// <summary>The file as the caller named it.</summary>
    public string FilePath { get; }

    /// <summary>1-based line of the problem.</summary>
    public int Line { get; }

    /// <summary>What is wrong, without the file name and line.</summary>
    public string Problem { get; }
}
