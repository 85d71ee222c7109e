using Microsoft.CodeAnalysis;
using ModelGen.Generators.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Generators.Tests;

/// <summary>
/// One test (at least) per diagnostic, each asserting the complete set of diagnostics of the compilation: the ID and
/// the exact span marked in the source with <c>{|ID:text|}</c>, nothing more and nothing less. Compiler errors and
/// warnings of the compilation after generation are part of that set, so generated code that fails to compile fails
/// these tests too. Test names start with the diagnostic ID (checked by <see cref="DiagnosticDocumentationTests"/>).
/// </summary>
public sealed class DiagnosticTests
{
    [Fact]
    public void ValidDeclaration_ReportsNothing() => Verify("""
        using ModelGen;

        namespace Tests;

        [Model(Input = 4, Name = "valid")]
        public partial class Valid
        {
        }

        // Every layer on one declaration (here not the one with [Model]), other members on any.
        [Dense(3, Activation.ReLU)]
        [Dense(2)]
        public partial class Valid
        {
            public int Extra => 1;

            public Valid()
                : this(seed: 0)
            {
            }
        }
        """);

    [Fact]
    public void MG0016_LayersOnTwoPartialDeclarations() => Verify("""
        using ModelGen;

        [Model(Input = 4)]
        [Dense(3, Activation.ReLU)]
        public partial class Split
        {
        }

        [{|MG0016:Dense(2)|}]
        [Dense(2)]
        public partial class Split
        {
        }
        """);

    [Theory]
    [InlineData("public int {|MG0017:InputSize|} => 3;")]
    [InlineData("public void {|MG0017:Forward|}() { }")]
    [InlineData("public static int {|MG0017:_workspace|};")]
    [InlineData("public const int {|MG0017:L1Out|} = 2;")]
    [InlineData("public {|MG0017:Clash|}(int size) { }")]
    public void MG0017_MemberCollidesWithGenerated(string member) => Verify($$"""
        using ModelGen;

        [Model(Input = 4)]
        [Dense(2)]
        public partial class Clash
        {
            {{member}}
        }
        """);

    [Fact]
    public void MG0001_ClassNotPartial() => Verify("""
        using ModelGen;

        [Model(Input = 4)]
        [Dense(2)]
        public class {|MG0001:NotPartial|}
        {
        }
        """);

    [Fact]
    public void MG0002_NestedClass() => Verify("""
        using ModelGen;

        public partial class Outer
        {
            [Model(Input = 4)]
            [Dense(2)]
            public partial class {|MG0002:Inner|}
            {
            }
        }
        """);

    [Fact]
    public void MG0003_GenericClass() => Verify("""
        using ModelGen;

        [Model(Input = 4)]
        [Dense(2)]
        public partial class {|MG0003:Generic|}<T>
        {
        }
        """);

    [Fact]
    public void MG0004_NoLayers() => Verify("""
        using ModelGen;

        [{|MG0004:Model(Input = 4)|}]
        public partial class Empty
        {
        }
        """);

    [Theory]
    [InlineData("Model(Input = 0)")]
    [InlineData("Model(Input = -5)")]
    [InlineData("Model(Channels = 1, Height = 0, Width = 28)")]
    public void MG0005_InputNotPositive(string attribute) => Verify($$"""
        using ModelGen;

        [{|MG0005:{{attribute}}|}]
        [Dense(2)]
        public partial class NoInput
        {
        }
        """);

    [Theory]
    [InlineData("Dense(0)")]
    [InlineData("Dense(-3, Activation.ReLU)")]
    [InlineData("Dense(units: 0, Name = \"hidden\")")]
    public void MG0005_UnitsNotPositive(string attribute) => Verify($$"""
        using ModelGen;

        [Model(Input = 4)]
        [Dense(3, Activation.ReLU)]
        [{|MG0005:{{attribute}}|}]
        [Dense(2)]
        public partial class ZeroUnits
        {
        }
        """);

    [Fact]
    public void MG0006_LayerWeightsOverflow() => Verify("""
        using ModelGen;

        [Model(Input = 100000)]
        [{|MG0006:Dense(100000)|}]
        public partial class Huge
        {
        }
        """);

    [Fact]
    public void MG0006_TotalParametersOverflow()
    {
        // Each layer alone fits (40000² + 40000 = 1.60004e9 < 2³¹ − 1); the second one takes the total past it.
        Verify("""
            using ModelGen;

            [Model(Input = 40000)]
            [Dense(40000, Activation.ReLU)]
            [{|MG0006:Dense(40000)|}]
            public partial class TooManyInTotal
            {
            }
            """);
    }

    [Theory]
    [InlineData("(Activation)42")]
    [InlineData("(Activation)(-1)")]
    [InlineData("activation: (Activation)4")]
    public void MG0007_UnknownActivation(string activation) => Verify($$"""
        using ModelGen;

        [Model(Input = 4)]
        [{|MG0007:Dense(3, {{activation}})|}]
        [Dense(2)]
        public partial class OddActivation
        {
        }
        """);

    [Theory]
    [InlineData("[Dense(4, Name = \"hidden\")]", "Dense(3, Name = \"hidden\")")]
    [InlineData("[Dense(4, Name = \"hidden\")]", "Dense(3, Name = \"Hidden\")")]
    [InlineData("[Dense(4, Name = \"fc2\")]", "Dense(3)")]
    public void MG0008_DuplicateLayerName(string first, string second) => Verify($$"""
        using ModelGen;

        [Model(Input = 4)]
        {{first}}
        [{|MG0008:{{second}}|}]
        [Dense(2, Name = "out")]
        public partial class Duplicates
        {
        }
        """);

    [Fact]
    public void MG0009_ModelOnStruct_CompilerAlsoReportsCS0592() => Verify("""
        using ModelGen;

        [{|MG0009:{|CS0592:Model|}(Input = 4)|}]
        public partial struct NotAClass
        {
        }
        """);

    [Fact]
    public void MG0009_ModelOnRecordStruct_CompilerAlsoReportsCS0592() => Verify("""
        using ModelGen;

        [{|MG0009:{|CS0592:Model|}(Input = 4)|}]
        public partial record struct NotAClass;
        """);

    [Fact]
    public void MG0009_ModelOnRecord() => Verify("""
        using ModelGen;

        [{|MG0009:Model(Input = 4)|}]
        [Dense(2)]
        public partial record NotAPlainClass;
        """);

    [Fact]
    public void MG0009_ModelOnInterface_CompilerAlsoReportsCS0592() => Verify("""
        using ModelGen;

        [{|MG0009:{|CS0592:Model|}(Input = 4)|}]
        public partial interface INotAClass
        {
        }
        """);

    [Theory]
    [InlineData("fc-1")]
    [InlineData("1st")]
    [InlineData("two words")]
    [InlineData("café")]
    [InlineData("fc1.weight")]
    public void MG0010_InvalidLayerName(string name) => Verify($$"""
        using ModelGen;

        [Model(Input = 4)]
        [{|MG0010:Dense(3, Name = "{{name}}")|}]
        [Dense(2)]
        public partial class BadName
        {
        }
        """);

    [Fact]
    public void MG0011_LayersWithoutModel_WarnsOnceAtFirstLayer() => Verify("""
        using ModelGen;

        [{|MG0011:Dense(4, Activation.ReLU)|}]
        [Dense(2)]
        public class Orphan
        {
        }
        """);

    [Fact]
    public void MG0011_ConvolutionLayersWithoutModel_WarnOnceAtTheFirstLayerOfAnyKind() => Verify("""
        using ModelGen;

        [{|MG0011:Conv2D(6, 5, Activation.ReLU)|}]
        [MaxPool2D(2)]
        [Flatten]
        [Dense(10)]
        public class OrphanConv
        {
        }

        [{|MG0011:MaxPool2D(2)|}]
        [Conv2D(4, 3)]
        public class OrphanPool
        {
        }

        [{|MG0011:AvgPool2D(2)|}]
        public class OrphanAverage
        {
        }

        [{|MG0011:Flatten|}]
        [Dense(2)]
        public class OrphanFlatten
        {
        }
        """);

    [Fact]
    public void MG0011_NamesTheFirstLayerKindInItsMessage()
    {
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("""
            using ModelGen;

            [AvgPool2D(2)]
            [Dense(2)]
            public class Orphan
            {
            }
            """));
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("MG0011", diagnostic.Id);
        Assert.Equal("'Orphan' has layer attributes (the first is [AvgPool2D]) but no [Model] attribute, so no network is generated for it", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void MG0012_NegativeRank() => Verify("""
        using ModelGen;

        [Model(Input = 8)]
        [{|MG0012:Dense(6, Activation.ReLU, Rank = -1)|}]
        [Dense(2)]
        public partial class NegativeRank
        {
        }
        """);

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(7)]
    public void MG0013_FactorizationDoesNotPay_WarnsAndStillGenerates(int rank)
    {
        // 8 → 6: the factors hold r·14 weights against 48, so rank 4 (below min(in, out) = 6) already costs more.
        var run = Verify($$"""
            using ModelGen;

            namespace Tests;

            [Model(Input = 8)]
            [{|MG0013:Dense(6, Activation.ReLU, Rank = {{rank}})|}]
            [Dense(2)]
            public partial class Overranked
            {
            }
            """);

        // A warning, not an error: the network is still computable, so its code is generated (and compiled clean above).
        Assert.Contains($"private const int L1Rank = {rank};", run.Source("Tests.Overranked.g.cs"), StringComparison.Ordinal);
        var message = Assert.Single(run.GeneratorDiagnostics).GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(
            $"Layer 'fc1' (8 → 6) is factorized at rank {rank}: its factors hold {rank * 14} weights, not fewer than the 48 of the plain layer, so parameters and FLOPs grow; the largest rank that pays is 3",
            message);
    }

    [Fact]
    public void MG0013_PayingRankBelowTheBreakEven_ReportsNothing() => Verify("""
        using ModelGen;

        [Model(Input = 8)]
        [Dense(6, Activation.ReLU, Rank = 3)]
        [Dense(2)]
        public partial class JustPays
        {
        }
        """);

    [Fact]
    public void MG0014_AbstractClass() => Verify("""
        using ModelGen;

        [Model(Input = 4)]
        [Dense(2)]
        public abstract partial class {|MG0014:AbstractNet|}
        {
        }
        """);

    [Fact]
    public void MG0014_StaticClass() => Verify("""
        using ModelGen;

        [Model(Input = 4)]
        [Dense(2)]
        public static partial class {|MG0014:StaticNet|}
        {
        }
        """);

    [Theory]
    [InlineData("Parameters")]
    [InlineData("Forward")]
    [InlineData("L1Out")]
    [InlineData("ModelGenWorkspace")]
    public void MG0015_ClassNamedLikeAGeneratedMember(string className) => Verify($$"""
        using ModelGen;

        [Model(Input = 4)]
        [Dense(2)]
        public partial class {|MG0015:{{className}}|}
        {
        }
        """);

    [Fact]
    public void MG0015_SimilarNamesAreFine() => Verify("""
        using ModelGen;

        [Model(Input = 4)]
        [Dense(2)]
        public partial class L1Network
        {
        }
        """);

    [Fact]
    public void ValidConvolutionalDeclaration_ReportsNothing() => Verify("""
        using ModelGen;

        [Model(Channels = 3, Height = 9, Width = 7)]
        [Conv2D(4, 3, Activation.ReLU, Padding = 1, Stride = 2, Name = "stem", Prunable = false)]
        [AvgPool2D(2, Stride = 1)]
        [MaxPool2D(2)]
        [Flatten]
        [Dense(3)]
        public partial class Conv { }
        """);

    [Theory]
    [InlineData("Model")]
    [InlineData("Model(Name = \"no-input\")")]
    public void MG0020_InputSizeMissing(string attribute) => Verify($$"""
        using ModelGen;

        [{|MG0020:{{attribute}}|}]
        [Dense(2)]
        public partial class NoInput
        {
        }
        """);

    [Fact]
    public void MG0021_InputAndImageShape() => Verify("""
        using ModelGen;

        [{|MG0021:Model(Input = 784, Channels = 1, Height = 28, Width = 28)|}]
        [Dense(2)]
        public partial class Both { }
        """);

    [Theory]
    [InlineData("Model(Channels = 1, Height = 28)")]
    [InlineData("Model(Width = 5)")]
    public void MG0022_IncompleteImageShape(string attribute) => Verify($$"""
        using ModelGen;

        [{|MG0022:{{attribute}}|}]
        [Dense(2)]
        public partial class Partial { }
        """);

    [Theory]
    [InlineData("Conv2D(5, 7)")]
    [InlineData("Conv2D(5, 9, Padding = 1)")]
    public void MG0023_KernelTooLarge(string attribute) => Verify($$"""
        using ModelGen;

        [Model(Channels = 2, Height = 6, Width = 8)]
        [{|MG0023:{{attribute}}|}]
        [Dense(2)]
        public partial class BigKernel { }
        """);

    [Fact]
    public void MG0024_PoolDoesNotFit() => Verify("""
        using ModelGen;

        [Model(Channels = 1, Height = 12, Width = 12)]
        [Conv2D(4, 5, Activation.ReLU)]
        [MaxPool2D(2)]
        [{|MG0024:AvgPool2D(5)|}]
        [Dense(2)]
        public partial class BigPool { }
        """);

    [Theory]
    [InlineData("Conv2D(4, 0)")]
    [InlineData("Conv2D(4, 3, Stride = 0)")]
    [InlineData("Conv2D(4, 3, Stride = -2)")]
    [InlineData("MaxPool2D(0)")]
    [InlineData("AvgPool2D(2, Stride = -1)")]
    public void MG0025_NonPositiveWindow(string attribute) => Verify($$"""
        using ModelGen;

        [Model(Channels = 1, Height = 8, Width = 8)]
        [{|MG0025:{{attribute}}|}]
        [Dense(2)]
        public partial class BadWindow { }
        """);

    [Fact]
    public void MG0026_NegativePadding() => Verify("""
        using ModelGen;

        [Model(Channels = 1, Height = 8, Width = 8)]
        [{|MG0026:Conv2D(4, 3, Padding = -1)|}]
        [Dense(2)]
        public partial class BadPadding { }
        """);

    [Fact]
    public void MG0027_SpatialLayerAfterVector() => Verify("""
        using ModelGen;

        [Model(Input = 64)]
        [{|MG0027:Conv2D(4, 3)|}]
        [Dense(2)]
        public partial class VectorInput { }

        [Model(Channels = 1, Height = 8, Width = 8)]
        [Conv2D(4, 3)]
        [Flatten]
        [{|MG0027:MaxPool2D(2)|}]
        [Dense(8)]
        [{|MG0027:Conv2D(2, 1)|}]
        [Dense(2)]
        public partial class AfterFlatten { }
        """);

    [Fact]
    public void ConvolutionalProblemsOfOneDeclarationAreReportedAtOnce() => Verify("""
        using ModelGen;

        [Model(Channels = 1, Height = 10, Width = 10)]
        [{|MG0025:Conv2D(4, 3, Stride = 0)|}]
        [{|MG0026:Conv2D(4, 3, Padding = -2)|}]
        [{|MG0005:Conv2D(0, 1)|}]
        [Dense(2)]
        public partial class Many { }
        """);

    [Fact]
    public void EveryProblemOfOneDeclarationIsReportedAtOnce() => Verify("""
        using ModelGen;

        [{|MG0005:Model(Input = -1)|}]
        [{|MG0010:Dense(4, Name = "bad-name")|}]
        [{|MG0005:Dense(0)|}]
        [{|MG0007:Dense(2, (Activation)9)|}]
        public class {|MG0001:{|MG0003:Broken|}|}<T>
        {
        }
        """);

    [Fact]
    public void InvalidModelNextToValidOne_OnlyValidOneIsGenerated()
    {
        var run = Verify("""
            using ModelGen;

            namespace Tests;

            [Model(Input = 4)]
            [Dense(2)]
            public class {|MG0001:Broken|}
            {
            }

            [Model(Input = 4)]
            [Dense(2)]
            public partial class Fine
            {
            }
            """);

        Assert.Equal(new[] { "Tests.Fine.g.cs", "ModelGen.Generated.ModelCatalog.g.cs" }, run.GeneratedSources.Select(s => s.HintName));
        Assert.DoesNotContain("Broken", run.Source("ModelGen.Generated.ModelCatalog.g.cs"), StringComparison.Ordinal);
    }

    /// <summary>A 4 → 3 → 2 model and a ticket of it (70% of each weight kept, every unit connected).</summary>
    private const string TicketSourceModel = """
        using ModelGen;

        namespace Tickets;

        [Model(Input = 4, Name = "small")]
        [Dense(3, Activation.ReLU)]
        [Dense(2)]
        public partial class Small
        {
        }
        """;

    private static readonly Lazy<string> s_smallTicket = new(() => Baked.BakedCompiler.TicketFor(TicketSourceModel, "Tickets.Small", static network =>
    {
        var mask = Enumerable.Repeat(1f, network.Parameters.Count).ToArray();
        mask[network.Parameters["fc1.weight"].Offset + 1] = 0f;
        mask[network.Parameters["fc2.weight"].Offset + 2] = 0f;
        return mask;
    }));

    private static string SmallBaked(string layers, string attribute) => $$"""
        using ModelGen;

        namespace Tickets;

        [Model(Input = 4, Name = "small-baked")]
        {{layers}}
        [Ticket({{attribute}})]
        public partial class SmallBaked
        {
        }
        """;

    private const string SmallLayers = "[Dense(3, Activation.ReLU)]\n[Dense(2)]";

    [Fact]
    public void ValidTicket_ReportsNothingAndBakes()
    {
        var run = Verify(SmallBaked(SmallLayers, "\"small.ticket\""), ("/src/small.ticket", s_smallTicket.Value));
        Assert.Contains("IBakedNetwork", run.Source("Tickets.SmallBaked.g.cs"), StringComparison.Ordinal);

        // Found by its path's end when it is not next to the declaring file.
        Verify(SmallBaked(SmallLayers, "\"tickets/small.ticket\""), ("/data/tickets/small.ticket", s_smallTicket.Value));
    }

    [Theory]
    [InlineData("\"missing.ticket\"")]
    [InlineData("\"small.txt\"")]
    [InlineData("\"\"")]
    [InlineData("\"small.ticket\"")]
    public void MG0040_TicketFileMissing(string path)
    {
        // The last case: two additional files end in small.ticket and neither is next to the declaring file.
        var files = path == "\"small.ticket\""
            ? new[] { ("/a/small.ticket", s_smallTicket.Value), ("/b/small.ticket", s_smallTicket.Value) }
            : new[] { ("/src/other.ticket", s_smallTicket.Value) };
        var run = Verify(SmallBaked(SmallLayers, "{|MG0040:" + path + "|}"), files);
        Assert.DoesNotContain(run.GeneratedSources, static s => s.HintName.Contains("SmallBaked", StringComparison.Ordinal));
    }

    [Fact]
    public void MG0041_TicketFileDamaged()
    {
        // One edited digit: the stated hash no longer matches the content.
        var damaged = s_smallTicket.Value.Replace("seed 0", "seed 1", StringComparison.Ordinal);
        var run = Verify(SmallBaked(SmallLayers, "{|MG0041:\"small.ticket\"|}"), ("/src/small.ticket", damaged));
        Assert.Matches("line [0-9]+: .*hash", Assert.Single(run.GeneratorDiagnostics).GetMessage(System.Globalization.CultureInfo.InvariantCulture));

        var truncated = string.Join('\n', s_smallTicket.Value.Split('\n').Where(static l => !l.StartsWith("mask fc2", StringComparison.Ordinal)));
        Verify(SmallBaked(SmallLayers, "{|MG0041:\"small.ticket\"|}"), ("/src/small.ticket", truncated));
    }

    [Theory]
    [InlineData("[Dense(4, Activation.ReLU)]\n[Dense(2)]", "its mask for 'fc1.weight' is 3×4, but layer 'fc1' is 4×4")]
    [InlineData("[Dense(3, Activation.ReLU)]\n[Dense(2, Prunable = false)]", "it masks 'fc2.weight', but layer 'fc2' is not prunable")]
    [InlineData("[Dense(3, Activation.ReLU, Name = \"hidden\")]\n[Dense(2)]", "it has no mask for 'hidden.weight'")]
    [InlineData("[Dense(3, Activation.ReLU)]\n[Dense(2, Activation.ReLU)]\n[Dense(2)]", "it has no mask for 'fc3.weight'")]
    public void MG0042_TicketDoesNotMatchLayers(string layers, string problem)
    {
        var run = Verify(SmallBaked(layers, "{|MG0042:\"small.ticket\"|}"), ("/src/small.ticket", s_smallTicket.Value));
        Assert.Contains(problem, Assert.Single(run.GeneratorDiagnostics).GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[Dense(3, Activation.ReLU, Rank = 1)]\n[Dense(2)]", "factorized")]
    public void MG0043_TicketLayerKindNotSupported(string layers, string kind)
    {
        var run = Verify(SmallBaked(layers, "{|MG0043:\"small.ticket\"|}"), ("/src/small.ticket", s_smallTicket.Value));
        Assert.Contains(kind, Assert.Single(run.GeneratorDiagnostics).GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void MG0043_TicketOnConvolution() => Verify("""
        using ModelGen;

        [Model(Channels = 1, Height = 6, Width = 6)]
        [Conv2D(2, 3, Activation.ReLU)]
        [Flatten]
        [Dense(2)]
        [Ticket({|MG0043:"conv.ticket"|})]
        public partial class ConvTicket
        {
        }
        """);

    [Theory]
    [InlineData("public string {|MG0017:TicketHash|} => \"\";")]
    [InlineData("private const int {|MG0017:L2Units|} = 1;")]
    public void MG0017_MemberCollidesWithBakedMember(string member) => Verify($$"""
        using ModelGen;

        namespace Tickets;

        [Model(Input = 4, Name = "small-baked")]
        [Dense(3, Activation.ReLU)]
        [Dense(2)]
        [Ticket("small.ticket")]
        public partial class SmallBaked
        {
            {{member}}
        }
        """, ("/src/small.ticket", s_smallTicket.Value));

    [Fact]
    public void MG0044_TicketDisconnectsOutput()
    {
        // Every weight into fc2 removed: the logits are constants.
        var ticket = Baked.BakedCompiler.TicketFor(TicketSourceModel, "Tickets.Small", static network =>
        {
            var mask = Enumerable.Repeat(1f, network.Parameters.Count).ToArray();
            var fc2 = network.Parameters["fc2.weight"];
            mask.AsSpan(fc2.Offset, fc2.Length).Clear();
            return mask;
        });
        Verify(SmallBaked(SmallLayers, "{|MG0044:\"small.ticket\"|}"), ("/src/small.ticket", ticket));
    }

    /// <summary>
    /// Runs the generator on the markup-free source and asserts that the generator's diagnostics plus the compiler's
    /// errors and warnings after generation are exactly the marked ones. Also checks each generator diagnostic's
    /// severity against its descriptor.
    /// </summary>
    private static GeneratorRun Verify(string markup, params (string Path, string Text)[] additionalFiles)
    {
        var (source, expected) = Markup.Parse(markup);
        const string path = "/src/Input.cs";
        var run = GeneratorHarness.Run(
            GeneratorHarness.CreateCompilation(new[] { new SourceFile(path, source) }),
            additionalTexts: additionalFiles.Select(static f => new InMemoryAdditionalText(f.Path, f.Text)));

        var actual = run.GeneratorDiagnostics.Concat(run.CompilerProblems()).ToList();
        foreach (var diagnostic in actual)
        {
            Assert.Equal(path, diagnostic.Location.GetLineSpan().Path);
        }

        var expectedLines = expected.Select(e => Describe(e.Id, e.Span.Start, e.Span.End, source)).OrderBy(s => s, StringComparer.Ordinal).ToList();
        var actualLines = actual.Select(d => Describe(d.Id, d.Location.SourceSpan.Start, d.Location.SourceSpan.End, source)).OrderBy(s => s, StringComparer.Ordinal).ToList();
        Assert.True(
            expectedLines.SequenceEqual(actualLines),
            $"Expected:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", expectedLines)}{Environment.NewLine}" +
            $"Actual:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", actual.Select(d => d.ToString()))}");

        foreach (var diagnostic in run.GeneratorDiagnostics)
        {
            var descriptor = Diagnostics.DiagnosticDescriptors.ById(diagnostic.Id);
            Assert.Equal(descriptor.DefaultSeverity, diagnostic.Severity);
            Assert.DoesNotContain("{", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }

        return run;
    }

    private static string Describe(string id, int start, int end, string source) =>
        $"{id} [{start}..{end}) '{(end <= source.Length ? source[start..end] : "<out of range>")}'";
}
