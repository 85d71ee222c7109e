using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using ModelGen.Shapes;

namespace ModelGen.CodeFixes;

/// <summary>MG0104: sets SynFlow's <c>Iterations</c> initializer (the diagnostic's additional location) to the default.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SynFlowIterationsCodeFix)), Shared]
public sealed class SynFlowIterationsCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(PruningRules.SynFlowTooFewIterationsId);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (root is null || diagnostic.AdditionalLocations.Count == 0 || diagnostic.AdditionalLocations[0].SourceTree != root.SyntaxTree)
            {
                continue;
            }

            if (root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax value)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Use SynFlow's default iterations (100)",
                    _ =>
                    {
                        var replacement = SyntaxFactory.ParseExpression("global::ModelGen.Pruning.SynFlowPruner.DefaultIterations")
                            .WithTriviaFrom(value)
                            .WithAdditionalAnnotations(Simplifier.Annotation);
                        return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(value, replacement)));
                    },
                    equivalenceKey: diagnostic.Id),
                diagnostic);
        }
    }
}
