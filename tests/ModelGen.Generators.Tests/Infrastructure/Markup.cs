using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace ModelGen.Generators.Tests.Infrastructure;

/// <summary>A diagnostic a test expects: its ID and the exact span it must cover in the markup-free source.</summary>
internal sealed record ExpectedDiagnostic(string Id, TextSpan Span);

/// <summary>
/// The analyzer testing framework's span markup, <c>{|MG0001:Name|}</c>, read without the framework: the text between
/// the colon and <c>|}</c> is the span the diagnostic with that ID must cover. Markups may nest
/// (<c>[{|MG0009:{|CS0592:Model|}(Input = 4)|}]</c>).
/// </summary>
internal static class Markup
{
    public static (string Source, IReadOnlyList<ExpectedDiagnostic> Expected) Parse(string markup)
    {
        var source = new StringBuilder(markup.Length);
        var open = new Stack<(string Id, int Start)>();
        var expected = new List<ExpectedDiagnostic>();
        var i = 0;
        while (i < markup.Length)
        {
            if (string.CompareOrdinal(markup, i, "{|", 0, 2) == 0)
            {
                var colon = markup.IndexOf(':', i + 2);
                if (colon < 0)
                {
                    throw new FormatException($"Markup '{{|' at offset {i} has no ':' after its diagnostic ID.");
                }

                open.Push((markup.Substring(i + 2, colon - i - 2), source.Length));
                i = colon + 1;
            }
            else if (string.CompareOrdinal(markup, i, "|}", 0, 2) == 0)
            {
                if (open.Count == 0)
                {
                    throw new FormatException($"Markup '|}}' at offset {i} closes nothing.");
                }

                var (id, start) = open.Pop();
                expected.Add(new ExpectedDiagnostic(id, TextSpan.FromBounds(start, source.Length)));
                i += 2;
            }
            else
            {
                source.Append(markup[i]);
                i++;
            }
        }

        if (open.Count > 0)
        {
            throw new FormatException($"Markup for '{open.Peek().Id}' is never closed.");
        }

        return (source.ToString(), expected);
    }
}
