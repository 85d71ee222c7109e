using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Generators.Tests;

/// <summary>
/// Caching of [Ticket] models: editing the ticket file re-bakes and re-emits the class; unrelated edits (C# elsewhere, a
/// comment in the model file, another ticket file) re-emit nothing.
/// </summary>
public sealed class BakedCachingTests
{
    private const string ModelPath = "/src/Models.cs";
    private const string TicketPath = "/src/small.ticket";
    private const string HintName = "Tickets.SmallBaked.g.cs";

    private const string Source = """
        using ModelGen;

        namespace Tickets;

        [Model(Input = 4, Name = "small-baked")]
        [Dense(3, Activation.ReLU)]
        [Dense(2)]
        [Ticket("small.ticket")]
        public partial class SmallBaked
        {
        }
        """;

    private const string SourceModel = """
        using ModelGen;

        namespace Tickets;

        [Model(Input = 4, Name = "small")]
        [Dense(3, Activation.ReLU)]
        [Dense(2)]
        public partial class Small
        {
        }
        """;

    private static readonly IncrementalStepRunReason[] s_notRecomputed = { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged };

    private static readonly Lazy<string> s_ticket = new(() => Ticket(removed: 1));
    private static readonly Lazy<string> s_otherTicket = new(() => Ticket(removed: 5));

    [Fact]
    public void EditingTheTicket_RebakesAndReemitsTheClass()
    {
        var (first, second) = RunTwice((driver, ticket) => driver.ReplaceAdditionalText(ticket, new InMemoryAdditionalText(TicketPath, s_otherTicket.Value)), compilation => compilation);

        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Reasons(second, TrackingNames.TicketFiles)));
        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Reasons(second, TrackingNames.BakeModel)));
        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Reasons(second, TrackingNames.BakedModels)));
        Assert.Contains(IncrementalStepRunReason.Modified, OutputReasons(second));
        Assert.NotEqual(first.Source(HintName), second.Source(HintName));

        // The parse of the C# did not run again: only the file changed.
        Assert.All(Reasons(second, TrackingNames.ParseModel), reason => Assert.Contains(reason, s_notRecomputed));
    }

    [Fact]
    public void UnrelatedCSharpFile_NothingRebakedOrReemitted()
    {
        var (_, second) = RunTwice((driver, _) => driver, compilation => compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Elsewhere; public sealed class Unrelated { }", ParseOptions, "/src/Unrelated.cs")));
        AssertNothingReemitted(second);
    }

    [Fact]
    public void CommentInTheModelFile_NothingReemitted()
    {
        var (_, second) = RunTwice((driver, _) => driver, compilation =>
        {
            var tree = compilation.SyntaxTrees.Single(t => t.FilePath == ModelPath);
            return compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(Source.Replace("[Model(", "// The ticket is baked.\n[Model(", StringComparison.Ordinal), ParseOptions, ModelPath));
        });

        // The parse result holds the [Ticket] argument's location (for diagnostics), which the comment moved: it is
        // Modified, the bake step runs again and yields an equal model, so nothing is emitted again.
        Assert.Equal(IncrementalStepRunReason.Unchanged, Assert.Single(Reasons(second, TrackingNames.BakeModel)));
        AssertNothingReemitted(second);
    }

    [Fact]
    public void CommentBelowTheAttributes_ParseUnchangedAndNothingReemitted()
    {
        var (_, second) = RunTwice((driver, _) => driver, compilation =>
        {
            var tree = compilation.SyntaxTrees.Single(t => t.FilePath == ModelPath);
            var edited = Source.Replace("public partial class SmallBaked\n{", "public partial class SmallBaked\n{\n    // Nothing here.", StringComparison.Ordinal);
            Assert.NotEqual(Source, edited);
            return compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, ParseOptions, ModelPath));
        });
        Assert.Equal(IncrementalStepRunReason.Unchanged, Assert.Single(Reasons(second, TrackingNames.ParseModel)));
        AssertNothingReemitted(second);
    }

    [Fact]
    public void AnotherTicketFile_BakesToAnEqualValueAndReemitsNothing()
    {
        var (_, second) = RunTwice((driver, _) => driver.AddAdditionalTexts(ImmutableArrayOf(new InMemoryAdditionalText("/src/other.ticket", s_otherTicket.Value))), compilation => compilation);

        // The collected ticket files changed, so the bake step ran again, and produced an equal model.
        Assert.Equal(IncrementalStepRunReason.Unchanged, Assert.Single(Reasons(second, TrackingNames.BakeModel)));
        AssertNothingReemitted(second);
    }

    /// <summary>Runs once, applies the edits (the file edit gets the ticket's additional text), runs the same driver again.</summary>
    private static (GeneratorRun First, GeneratorRun Second) RunTwice(Func<GeneratorDriver, AdditionalText, GeneratorDriver> editFiles, Func<CSharpCompilation, CSharpCompilation> editSource)
    {
        var compilation = GeneratorHarness.CreateCompilation(new[] { new SourceFile(ModelPath, Source) });
        var ticket = new InMemoryAdditionalText(TicketPath, s_ticket.Value);
        var driver = GeneratorHarness.CreateDriver(ParseOptions, trackSteps: true, new[] { ticket });
        var first = GeneratorHarness.Run(driver, compilation);
        Assert.Empty(first.GeneratorDiagnostics);
        Assert.NotEmpty(Reasons(first, TrackingNames.BakeModel));
        Assert.Contains("IBakedNetwork", first.Source(HintName), StringComparison.Ordinal);
        var second = GeneratorHarness.Run(editFiles(first.Driver, ticket), editSource(compilation));
        Assert.Empty(second.GeneratorDiagnostics);
        return (first, second);
    }

    private static void AssertNothingReemitted(GeneratorRun run)
    {
        foreach (var step in new[] { TrackingNames.BakeModel, TrackingNames.BakedModels, TrackingNames.CatalogEntries })
        {
            Assert.All(Reasons(run, step), reason => Assert.Contains(reason, s_notRecomputed));
        }

        var outputs = OutputReasons(run);
        Assert.NotEmpty(outputs);
        Assert.All(outputs, reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
    }

    private static System.Collections.Immutable.ImmutableArray<AdditionalText> ImmutableArrayOf(params AdditionalText[] texts) => System.Collections.Immutable.ImmutableArray.Create(texts);

    /// <summary>A ticket of the 4 → 3 → 2 source model with one weight of fc1 removed at <paramref name="removed"/>.</summary>
    private static string Ticket(int removed) => Baked.BakedCompiler.TicketFor(SourceModel, "Tickets.Small", network =>
    {
        var mask = Enumerable.Repeat(1f, network.Parameters.Count).ToArray();
        mask[network.Parameters["fc1.weight"].Offset + removed] = 0f;
        return mask;
    });

    private static CSharpParseOptions ParseOptions => GeneratorHarness.ParseOptions(DocumentationMode.Parse);

    private static IReadOnlyList<IncrementalStepRunReason> Reasons(GeneratorRun run, string stepName) =>
        run.Result.TrackedSteps.TryGetValue(stepName, out var steps)
            ? steps.SelectMany(step => step.Outputs).Select(output => output.Reason).ToList()
            : Array.Empty<IncrementalStepRunReason>();

    private static IReadOnlyList<IncrementalStepRunReason> OutputReasons(GeneratorRun run) =>
        run.Result.TrackedOutputSteps.SelectMany(pair => pair.Value).SelectMany(step => step.Outputs).Select(output => output.Reason).ToList();
}
