using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelGen.Analyzers.Diagnostics;
using ModelGen.Shapes;

namespace ModelGen.Analyzers;

/// <summary>
/// Checks model declarations against the shared rules: an overcomplete factorization (rank above min(in, out)) gets
/// an info note at its <c>Rank = …</c> argument (a factorization that does not pay at all is the generator's MG0013:
/// a shape fact, reported where shapes are inferred); a declared <c>[PruningPlan]</c> is checked like a constant call
/// site (sparsity, collapse and starved layers for its method and scope, lottery-ticket rates), at the argument that
/// holds the bad value.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ModelDeclarationAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        AnalyzerDescriptors.OvercompleteRank,
        AnalyzerDescriptors.SparsityOutOfRange,
        AnalyzerDescriptors.SparsityLooksLikePercentage,
        AnalyzerDescriptors.LayerCollapse,
        AnalyzerDescriptors.StarvedLayer,
        AnalyzerDescriptors.LotteryRateOutOfRange,
        AnalyzerDescriptors.LotteryRateTooCoarse,
        AnalyzerDescriptors.LotteryOutputAtFullRate);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (ModelGenSymbols.TryCreate(start.Compilation) is { } symbols)
            {
                start.RegisterSymbolAction(c => AnalyzeModel(c, symbols), SymbolKind.NamedType);
            }
        });
    }

    private static void AnalyzeModel(SymbolAnalysisContext context, ModelGenSymbols symbols)
    {
        if (ModelShape.Read((INamedTypeSymbol)context.Symbol, symbols) is not { } model)
        {
            return;
        }

        AnalyzePlan(context, symbols, model);
        for (var i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            if (PruningRules.CheckOvercomplete(layer.Name, layer.InFeatures, layer.OutFeatures, layer.Rank) is { } finding &&
                NamedArgument(model.LayerAttributes[i], "Rank", context) is { } location)
            {
                context.ReportDiagnostic(AnalyzerDescriptors.Create(finding, location));
            }
        }
    }

    /// <summary>The declared [PruningPlan]: the method's own rules, as for a constant call site.</summary>
    private static void AnalyzePlan(SymbolAnalysisContext context, ModelGenSymbols symbols, ModelShape model)
    {
        foreach (var attribute in context.Symbol.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, symbols.PruningPlanAttribute) ||
                attribute.ConstructorArguments.Length != 2 ||
                attribute.ConstructorArguments[0].Value is not string method ||
                attribute.ConstructorArguments[1].Value is not double sparsity ||
                attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is not AttributeSyntax syntax)
            {
                continue;
            }

            PruneScopeCode? scope = null;
            double? pruneRate = null, outputRate = null;
            foreach (var argument in attribute.NamedArguments)
            {
                switch (argument.Key)
                {
                    case "Scope" when argument.Value.Value is int scopeValue:
                        scope = (PruneScopeCode)scopeValue;
                        break;
                    case "PruneRate" when argument.Value.Value is double rate:
                        pruneRate = rate;
                        break;
                    case "OutputLayerPruneRate" when argument.Value.Value is double rate:
                        outputRate = rate;
                        break;
                }
            }

            var sparsityLocation = PositionalArgument(syntax, 1) ?? syntax.GetLocation();
            if (method == "lth" || method == "lth-reinit")
            {
                var rate = pruneRate ?? PruningRules.LotteryDefaultPruneRate;
                if (PruningRules.CheckSparsity(sparsity) is { } invalid)
                {
                    context.ReportDiagnostic(AnalyzerDescriptors.Create(invalid, sparsityLocation));
                }

                if (pruneRate is not null && PruningRules.CheckLotteryRate("prune rate", rate, checkCoarse: true) is { } rateFinding)
                {
                    context.ReportDiagnostic(AnalyzerDescriptors.Create(rateFinding, NamedArgument(attribute, "PruneRate", context)!));
                }

                if (outputRate is { } output &&
                    (PruningRules.CheckLotteryRate("output-layer prune rate", output, checkCoarse: false) ?? PruningRules.CheckLotteryOutputRate(rate, output, scope ?? PruneScopeCode.LayerWise)) is { } outputFinding)
                {
                    context.ReportDiagnostic(AnalyzerDescriptors.Create(outputFinding, NamedArgument(attribute, "OutputLayerPruneRate", context)!));
                }

                continue;
            }

            if (MethodCode(method) is not { } code)
            {
                // dense, or a name the CLI will refuse with the list of known methods.
                continue;
            }

            foreach (var finding in PruningRules.CheckPrune(code, scope ?? PruneScopeCode.Global, sparsity, PruningRules.SynFlowDefaultIterations, model.Layers))
            {
                context.ReportDiagnostic(AnalyzerDescriptors.Create(finding, sparsityLocation));
            }
        }
    }

    private static PruneMethodCode? MethodCode(string method) => method switch
    {
        "random" => PruneMethodCode.Random,
        "magnitude" => PruneMethodCode.Magnitude,
        "snip" => PruneMethodCode.Snip,
        "grasp" => PruneMethodCode.Grasp,
        "synflow" => PruneMethodCode.SynFlow,
        _ => null,
    };

    /// <summary>The location of the attribute's <paramref name="index"/>-th positional argument.</summary>
    private static Location? PositionalArgument(AttributeSyntax syntax, int index)
    {
        var position = 0;
        foreach (var argument in syntax.ArgumentList?.Arguments ?? default)
        {
            if (argument.NameEquals is null && argument.NameColon is null && position++ == index)
            {
                return argument.GetLocation();
            }

            if (argument.NameColon?.Name.Identifier.ValueText == "sparsity" && index == 1)
            {
                return argument.GetLocation();
            }
        }

        return null;
    }

    /// <summary>The location of <c>name = …</c> in the attribute's syntax (the whole attribute when it is not written there).</summary>
    internal static Location? NamedArgument(AttributeData attribute, string name, SymbolAnalysisContext context)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is not AttributeSyntax syntax)
        {
            return null;
        }

        foreach (var argument in syntax.ArgumentList?.Arguments ?? default)
        {
            if (argument.NameEquals?.Name.Identifier.ValueText == name)
            {
                return argument.GetLocation();
            }
        }

        return syntax.GetLocation();
    }
}
