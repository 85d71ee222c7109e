using System.Collections.Generic;
using ModelGen.Model;
using ModelGen.Shapes;

namespace ModelGen.Pruning;

/// <summary>
/// A finding of the pruning-safety rules about a configuration, with the ID and the exact text the build's
/// analyzers report for the same configuration (see docs/diagnostics/<see cref="Id"/>.md).
/// </summary>
/// <param name="Id">The diagnostic ID (<c>MG0102</c>).</param>
/// <param name="Message">The message, identical to the analyzer's.</param>
public sealed record PruningAdvice(string Id, string Message)
{
    /// <summary><c>MG0102: message</c>, as a build log shows it after the severity.</summary>
    public override string ToString() => Id + ": " + Message;

    internal static PruningAdvice From(RuleFinding finding) => new(finding.Rule.Id, finding.Message);

    internal static IReadOnlyList<PruningAdvice> From(List<RuleFinding> findings)
    {
        var advice = new List<PruningAdvice>(findings.Count);
        foreach (var finding in findings)
        {
            advice.Add(From(finding));
        }

        return advice;
    }

    /// <summary>A network's layers as the shared rules see them.</summary>
    internal static List<RuleLayer> Layers(IReadOnlyList<LayerInfo> layers)
    {
        var rules = new List<RuleLayer>(layers.Count);
        foreach (var layer in layers)
        {
            rules.Add(new RuleLayer(layer.Name, layer.InputSize, layer.OutputSize, layer.Kind == LayerKind.FactorizedDense ? layer.Rank : 0, layer.Prunable));
        }

        return rules;
    }
}
