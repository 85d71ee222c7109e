using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Tests.Baked;
using ModelGen.Generators.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Generators.Tests;

/// <summary>
/// What flows between incremental steps must be plain values: a symbol, syntax node, tree, compilation, semantic
/// model or location in a step's output would keep the compilation alive and make every run a cache miss.
/// </summary>
public sealed class PipelineValueTests
{
    /// <summary>Declarations that exercise every step: valid models, an invalid one (diagnostics with locations), an orphan layer.</summary>
    private const string EveryStepSource = """
        using ModelGen;

        namespace Tests;

        [Model(Input = 4)]
        [Dense(3, Activation.Tanh, Name = "hidden")]
        [Dense(2)]
        public partial class Valid
        {
        }

        [Model(Input = 8)]
        [Dense(6, Activation.ReLU, Rank = 6)]
        [Dense(2)]
        public partial class WarnedButValid
        {
        }

        [Model(Input = 0)]
        [Dense(0)]
        public class Invalid
        {
        }

        [Dense(5)]
        public class Orphan
        {
        }

        [Model(Input = 4, Name = "baked")]
        [Dense(4, Activation.ReLU)]
        [Dense(2)]
        [Ticket("baked.ticket")]
        public partial class Baked
        {
        }

        [Model(Input = 4, Name = "baked-missing")]
        [Dense(4, Activation.ReLU)]
        [Dense(2)]
        [Ticket("missing.ticket")]
        public partial class BakedWithoutFile
        {
        }
        """;

    /// <summary>A ticket for <c>Baked</c> (its source model, every weight kept but one).</summary>
    private static string BakedTicket() => BakedCompiler.TicketFor("""
        using ModelGen;

        [Model(Input = 4, Name = "baked-source")]
        [Dense(4, Activation.ReLU)]
        [Dense(2)]
        public partial class BakedSource
        {
        }
        """, "BakedSource", static network =>
    {
        var mask = Enumerable.Repeat(1f, network.Parameters.Count).ToArray();
        mask[network.Parameters["fc1.weight"].Offset] = 0f;
        return mask;
    });

    [Fact]
    public void NoStepOutputHoldsSymbolsSyntaxOrLocations()
    {
        var compilation = GeneratorHarness.CreateCompilation(EveryStepSource);
        var run = GeneratorHarness.Run(compilation, trackSteps: true, new[] { new InMemoryAdditionalText("/src/baked.ticket", BakedTicket()) });

        // A second run after an edit, so outputs of the Cached/Unchanged/Modified paths are walked as well.
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == "/src/Input.cs");
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(tree.GetText().ToString().Replace("Dense(3,", "Dense(5,", StringComparison.Ordinal))));
        var rerun = GeneratorHarness.Run(run.Driver, (CSharpCompilation)edited);

        foreach (var (label, result) in new[] { ("first run", run), ("after an edit", rerun) })
        {
            var totalVisited = 0;
            foreach (var stepName in PipelineStepNames())
            {
                Assert.True(result.Result.TrackedSteps.TryGetValue(stepName, out var steps), $"Step '{stepName}' did not run ({label}).");
                var outputs = steps.SelectMany(step => step.Outputs).ToList();
                Assert.True(outputs.Count > 0, $"Step '{stepName}' produced no output ({label}), so there is nothing to check.");
                for (var i = 0; i < outputs.Count; i++)
                {
                    var forbidden = StepOutputWalker.FindForbidden(outputs[i].Value, $"{stepName}[{i}]", out var visited);
                    totalVisited += visited;
                    Assert.True(forbidden.Count == 0, $"Step outputs hold compilation objects ({label}):{Environment.NewLine}{string.Join(Environment.NewLine, forbidden)}");
                }
            }

            // Models, layers, diagnostics and catalog entries: the walk must actually have gone inside them.
            Assert.True(totalVisited > 50, $"Only {totalVisited} objects were visited ({label}); the walk is not reaching into the step values.");
        }
    }

    [Fact]
    public void WalkerFindsALocationNestedInsideValues()
    {
        // The check above passes trivially if the walker cannot see inside records and arrays; make sure it can.
        var tree = CSharpSyntaxTree.ParseText("class C { }");
        var nested = new { Outer = new[] { new object[] { 1, "text", tree.GetRoot().GetLocation() } } };
        var found = StepOutputWalker.FindForbidden(nested, "root", out _);
        Assert.Single(found);
        Assert.Contains("Location", found[0], StringComparison.Ordinal);

        var array = new EquatableArray<string>(new[] { "a", "b" });
        Assert.Empty(StepOutputWalker.FindForbidden(array, "root", out var visited));
        Assert.True(visited >= 3, "The walker should visit an EquatableArray and its items.");
    }

    /// <summary>Every name in TrackingNames, so a step added later is checked without touching this test.</summary>
    private static IEnumerable<string> PipelineStepNames() =>
        typeof(TrackingNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!);
}
