using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Generators.Tests;

/// <summary>
/// Runs the generator, edits the compilation, runs the same driver again and asserts what every tracked step did.
/// The point of an incremental generator is that edits which do not change a model do not re-emit its source.
/// </summary>
public sealed class CachingTests
{
    private const string ModelPath = "/examples/Models/LeNet300.cs";

    /// <summary>The pipeline's own steps that carry model values (diagnostics-only steps may be empty for a valid model).</summary>
    private static readonly string[] s_modelSteps = { TrackingNames.ParseModel, TrackingNames.ValidModels, TrackingNames.CatalogEntries };

    private static readonly IncrementalStepRunReason[] s_notRecomputed = { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged };

    [Fact]
    public void NewUnrelatedFile_ModelStepsCachedAndNothingReemitted()
    {
        var (first, second) = RunTwice(compilation => compilation.AddSyntaxTrees(Parse("/src/Unrelated.cs", """
            namespace Elsewhere;

            public sealed class Unrelated
            {
                public int Value => 42;
            }
            """)));

        AssertNothingRecomputedOrReemitted(second);
        Assert.Equal(first.GeneratedSources, second.GeneratedSources);
    }

    [Fact]
    public void EditOfUnrelatedClassInAnotherFile_ModelStepsCachedAndNothingReemitted()
    {
        var unrelated = Parse("/src/Unrelated.cs", "namespace Elsewhere; public sealed class Unrelated { public int Value => 1; }");
        var (_, second) = RunTwice(
            compilation => compilation.ReplaceSyntaxTree(unrelated, Parse("/src/Unrelated.cs", "namespace Elsewhere; public sealed class Unrelated { public int Value => 2; public int Other => 3; }")),
            unrelated);

        AssertNothingRecomputedOrReemitted(second);
    }

    [Fact]
    public void CommentOnlyEditInModelFile_ParseUnchangedAndNothingReemitted()
    {
        var (_, second) = RunTwice(compilation => ReplaceModelText(compilation, text =>
            text.Replace("public partial class LeNet300", "// A comment the generator must not care about.\npublic partial class LeNet300", StringComparison.Ordinal)));

        // The model's syntax tree changed, so its transform ran again, and produced an equal value.
        Assert.Equal(IncrementalStepRunReason.Unchanged, Assert.Single(Reasons(second, TrackingNames.ParseModel)));
        AssertNothingRecomputedOrReemitted(second);
    }

    [Fact]
    public void UnrelatedClassAddedToModelFile_ModelUnchangedAndNothingReemitted()
    {
        var (_, second) = RunTwice(compilation => ReplaceModelText(compilation, text => text + "\npublic sealed class Helper { }\n"));

        AssertNothingRecomputedOrReemitted(second);
    }

    [Fact]
    public void LayerSizeChange_ModelModifiedAndReemitted_CatalogKept()
    {
        var (first, second) = RunTwice(compilation => ReplaceModelText(compilation, text =>
            text.Replace("[Dense(300, Activation.ReLU)]", "[Dense(200, Activation.ReLU)]", StringComparison.Ordinal)));

        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Reasons(second, TrackingNames.ParseModel)));
        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Reasons(second, TrackingNames.ValidModels)));

        // The catalog lists names and types only; a shape change leaves it equal, so it is not re-emitted.
        Assert.Contains(Assert.Single(Reasons(second, TrackingNames.CatalogEntries)), s_notRecomputed);
        var sourceOutputs = OutputReasons(second);
        Assert.Equal(1, sourceOutputs.Count(reason => reason == IncrementalStepRunReason.Modified));

        var model = "ModelGen.Examples.LeNet300.g.cs";
        Assert.Contains("private const int L1Out = 300;", Text(first, model), StringComparison.Ordinal);
        Assert.Contains("private const int L1Out = 200;", Text(second, model), StringComparison.Ordinal);
        Assert.Equal(Text(first, "ModelGen.Generated.ModelCatalog.g.cs"), Text(second, "ModelGen.Generated.ModelCatalog.g.cs"));
    }

    [Fact]
    public void ModelNameChange_CatalogModified()
    {
        var (_, second) = RunTwice(compilation => ReplaceModelText(compilation, text =>
            text.Replace("Name = \"lenet300\"", "Name = \"lenet-300-100\"", StringComparison.Ordinal)));

        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Reasons(second, TrackingNames.ValidModels)));
        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Reasons(second, TrackingNames.CatalogEntries)));
        Assert.Contains("\"lenet-300-100\"", Text(second, "ModelGen.Examples.LeNet300.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void EditThatIntroducesAnError_ReportsItAndDropsTheModel()
    {
        var (_, second) = RunTwice(compilation => ReplaceModelText(compilation, text =>
            text.Replace("[Dense(100, Activation.ReLU)]", "[Dense(0, Activation.ReLU)]", StringComparison.Ordinal)));

        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Reasons(second, TrackingNames.ParseModel)));
        Assert.Equal("MG0005", Assert.Single(second.GeneratorDiagnostics).Id);
        Assert.Empty(second.GeneratedSources);
    }

    /// <summary>Runs LeNet300 (plus <paramref name="extraTrees"/>) once, applies <paramref name="edit"/>, runs the same driver again.</summary>
    private static (GeneratorRun First, GeneratorRun Second) RunTwice(Func<CSharpCompilation, CSharpCompilation> edit, params SyntaxTree[] extraTrees)
    {
        var model = TestSources.ExampleModel("LeNet300.cs");
        var compilation = GeneratorHarness.CreateCompilation(new[] { model }).AddSyntaxTrees(extraTrees);
        var driver = GeneratorHarness.CreateDriver(ParseOptions, trackSteps: true);
        var first = GeneratorHarness.Run(driver, compilation);
        Assert.Empty(first.GeneratorDiagnostics);
        Assert.Equal(2, first.GeneratedSources.Count);

        // Model steps must have run at all, or every "cached" assertion below would hold vacuously.
        foreach (var step in s_modelSteps)
        {
            Assert.NotEmpty(Reasons(first, step));
        }

        var second = GeneratorHarness.Run(first.Driver, edit(compilation));
        return (first, second);
    }

    private static CSharpParseOptions ParseOptions => GeneratorHarness.ParseOptions(DocumentationMode.Parse);

    private static SyntaxTree Parse(string path, string text) => CSharpSyntaxTree.ParseText(text, ParseOptions, path);

    private static CSharpCompilation ReplaceModelText(CSharpCompilation compilation, Func<string, string> change)
    {
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == ModelPath);
        var text = tree.GetText().ToString();
        var changed = change(text);
        Assert.NotEqual(text, changed);
        return compilation.ReplaceSyntaxTree(tree, Parse(ModelPath, changed));
    }

    /// <summary>Every output of every tracked model step is Cached or Unchanged, and every source output Cached.</summary>
    private static void AssertNothingRecomputedOrReemitted(GeneratorRun run)
    {
        foreach (var step in s_modelSteps)
        {
            // Steps that report nothing would make the assertion below hold vacuously.
            Assert.NotEmpty(Reasons(run, step));
        }

        foreach (var step in s_modelSteps.Append(TrackingNames.ModelDiagnostics).Append(TrackingNames.OrphanLayers))
        {
            Assert.All(Reasons(run, step), reason => Assert.Contains(reason, s_notRecomputed));
        }

        var outputs = OutputReasons(run);
        Assert.NotEmpty(outputs);
        Assert.All(outputs, reason => Assert.Equal(IncrementalStepRunReason.Cached, reason));
    }

    private static IReadOnlyList<IncrementalStepRunReason> Reasons(GeneratorRun run, string stepName) => run.StepReasons(stepName);

    private static IReadOnlyList<IncrementalStepRunReason> OutputReasons(GeneratorRun run) => run.OutputReasons();

    private static string Text(GeneratorRun run, string hintName) => run.Source(hintName);
}
