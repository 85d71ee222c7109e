using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using ModelGen.Shapes;

namespace ModelGen.Analyzers.Diagnostics;

/// <summary>
/// The analyzers' descriptors, one per shared rule of <see cref="PruningRules"/> (IDs MG0100–MG0199): title, message
/// format and severity come from the rule, so the build and the runtime say the same thing.
/// </summary>
internal static class AnalyzerDescriptors
{
    private const string Category = "ModelGen";

    public static readonly DiagnosticDescriptor SparsityOutOfRange = Create(PruningRules.SparsityOutOfRangeId, PruningRules.SparsityOutOfRange);
    public static readonly DiagnosticDescriptor SparsityLooksLikePercentage = Create(PruningRules.SparsityLooksLikePercentageId, PruningRules.SparsityLooksLikePercentage);
    public static readonly DiagnosticDescriptor LayerCollapse = Create(PruningRules.LayerCollapseId, PruningRules.LayerCollapse);
    public static readonly DiagnosticDescriptor StarvedLayer = Create(PruningRules.StarvedLayerId, PruningRules.StarvedLayer);
    public static readonly DiagnosticDescriptor SynFlowTooFewIterations = Create(PruningRules.SynFlowTooFewIterationsId, PruningRules.SynFlowTooFewIterations);
    public static readonly DiagnosticDescriptor GraspTemperatureInvalid = Create(PruningRules.GraspTemperatureInvalidId, PruningRules.GraspTemperatureInvalid);
    public static readonly DiagnosticDescriptor LotteryRateOutOfRange = Create(PruningRules.LotteryRateOutOfRangeId, PruningRules.LotteryRateOutOfRange);
    public static readonly DiagnosticDescriptor LotteryRateTooCoarse = Create(PruningRules.LotteryRateTooCoarseId, PruningRules.LotteryRateTooCoarse);
    public static readonly DiagnosticDescriptor LotteryOutputAtFullRate = Create(PruningRules.LotteryOutputAtFullRateId, PruningRules.LotteryOutputAtFullRate);
    public static readonly DiagnosticDescriptor OvercompleteRank = Create(PruningRules.OvercompleteRankId, PruningRules.OvercompleteRank);
    public static readonly DiagnosticDescriptor FactorSettingWithoutFactors = Create(PruningRules.FactorSettingWithoutFactorsId, PruningRules.FactorSettingWithoutFactors);

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = Index(
        SparsityOutOfRange, SparsityLooksLikePercentage, LayerCollapse, StarvedLayer, SynFlowTooFewIterations,
        GraspTemperatureInvalid, LotteryRateOutOfRange, LotteryRateTooCoarse, LotteryOutputAtFullRate, OvercompleteRank,
        FactorSettingWithoutFactors);

    /// <summary>The descriptor of a shared rule.</summary>
    public static DiagnosticDescriptor For(PruningRule rule) => s_byId[rule.Id];

    /// <summary>A diagnostic for <paramref name="finding"/>: the rule's descriptor and the finding's message arguments.</summary>
    public static Diagnostic Create(RuleFinding finding, Location location, IEnumerable<Location>? additionalLocations = null, ImmutableDictionary<string, string?>? properties = null)
    {
        var arguments = new object[finding.Arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = finding.Arguments[i];
        }

        return Diagnostic.Create(For(finding.Rule), location, additionalLocations, properties, arguments);
    }

    private static DiagnosticDescriptor Create(string id, PruningRule rule) =>
        new(id, rule.Title, rule.MessageFormat, Category, Severity(rule.Severity), isEnabledByDefault: true, helpLinkUri: DiagnosticHelp.Link(rule.Id));

    private static DiagnosticSeverity Severity(RuleSeverity severity) => severity switch
    {
        RuleSeverity.Error => DiagnosticSeverity.Error,
        RuleSeverity.Info => DiagnosticSeverity.Info,
        _ => DiagnosticSeverity.Warning,
    };

    private static Dictionary<string, DiagnosticDescriptor> Index(params DiagnosticDescriptor[] descriptors)
    {
        var map = new Dictionary<string, DiagnosticDescriptor>();
        foreach (var descriptor in descriptors)
        {
            map.Add(descriptor.Id, descriptor);
        }

        return map;
    }
}
