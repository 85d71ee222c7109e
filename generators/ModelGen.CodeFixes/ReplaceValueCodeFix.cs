using System.Collections.Immutable;
using System.Composition;
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
/// Writes the value the analyzer computed (its <c>Replacement</c> property) in place of the flagged one: a
/// percentage sparsity becomes the fraction (MG0101), an output-layer lottery rate at the full rate becomes half the
/// prune rate (MG0108).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReplaceValueCodeFix)), Shared]
public sealed class ReplaceValueCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(PruningRules.SparsityLooksLikePercentageId, PruningRules.LotteryOutputAtFullRateId);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (root is null || !diagnostic.Properties.TryGetValue(PruningCallAnalyzer.ReplacementProperty, out var replacement) || replacement is null)
            {
                continue;
            }

            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var target = node switch
            {
                AssignmentExpressionSyntax assignment => assignment.Right,
                ArgumentSyntax argument => argument.Expression,
                ExpressionSyntax expression => expression,
                _ => null,
            };
            if (target is null)
            {
                continue;
            }

            var title = diagnostic.Id == PruningRules.SparsityLooksLikePercentageId
                ? $"Use the fraction {replacement}"
                : $"Prune the output layer at half the rate ({replacement})";
            context.RegisterCodeFix(
                CodeAction.Create(title, _ => Task.FromResult(Replace(context.Document, root, target, replacement)), equivalenceKey: diagnostic.Id),
                diagnostic);
        }
    }

    private static Document Replace(Document document, SyntaxNode root, ExpressionSyntax target, string replacement)
    {
        var literal = SyntaxFactory.ParseExpression(replacement).WithTriviaFrom(target);
        return document.WithSyntaxRoot(root.ReplaceNode(target, literal));
    }
}
