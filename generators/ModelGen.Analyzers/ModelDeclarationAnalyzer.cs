using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelGen.Analyzers.Diagnostics;
using ModelGen.Shapes;

namespace ModelGen.Analyzers;

/// <summary>
/// Checks model declarations against the shared rules: an overcomplete factorization (rank above min(in, out)) gets
/// an info note at its <c>Rank = …</c> argument. (A factorization that does not pay at all is the generator's
/// MG0013: it is a shape fact, reported where shapes are inferred.)
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ModelDeclarationAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(AnalyzerDescriptors.OvercompleteRank);

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
