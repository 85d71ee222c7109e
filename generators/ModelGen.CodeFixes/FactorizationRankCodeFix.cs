using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Analyzers;
using ModelGen.Shapes;

namespace ModelGen.CodeFixes;

/// <summary>
/// MG0013 (the generator's "factorization does not reduce the layer"): sets <c>Rank</c> to the largest rank whose
/// factors hold fewer weights than the plain layer, r·(in + out) &lt; in·out.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FactorizationRankCodeFix)), Shared]
public sealed class FactorizationRankCodeFix : CodeFixProvider
{
    /// <summary>The generator's diagnostic ID this fixes.</summary>
    public const string FactorizationDoesNotPayId = "MG0013";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(FactorizationDoesNotPayId);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var semanticModel = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || semanticModel is null || ModelGenSymbols.TryCreate(semanticModel.Compilation) is not { } symbols)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var attribute = root.FindNode(diagnostic.Location.SourceSpan).AncestorsAndSelf().OfType<AttributeSyntax>().FirstOrDefault();
            var rankArgument = attribute?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == "Rank");
            if (attribute is null || rankArgument is null ||
                attribute.FirstAncestorOrSelf<ClassDeclarationSyntax>() is not { } declaration ||
                semanticModel.GetDeclaredSymbol(declaration, context.CancellationToken) is not { } type ||
                ModelShape.Read(type, symbols) is not { } model)
            {
                continue;
            }

            // The layer whose [Dense] is this attribute (a model's attributes may span several partial declarations).
            var index = -1;
            for (var i = 0; i < model.LayerAttributes.Count; i++)
            {
                var reference = model.LayerAttributes[i].ApplicationSyntaxReference;
                if (reference is not null && reference.SyntaxTree == attribute.SyntaxTree && reference.Span == attribute.Span)
                {
                    index = i;
                }
            }

            if (index < 0)
            {
                continue;
            }

            var layer = model.Layers[index];
            var rank = PruningRules.LargestPayingRank(layer.InFeatures, layer.OutFeatures);
            if (rank <= 0)
            {
                continue;
            }

            var text = rank.ToString(CultureInfo.InvariantCulture);
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Use rank {text}, the largest that reduces layer '{layer.Name}'",
                    _ =>
                    {
                        var value = SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(rank)).WithTriviaFrom(rankArgument.Expression);
                        return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(rankArgument.Expression, value)));
                    },
                    equivalenceKey: diagnostic.Id),
                diagnostic);
        }
    }
}
