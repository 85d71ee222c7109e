extern alias analyzers;

using Microsoft.CodeAnalysis.Testing;
using analyzers::ModelGen.Analyzers;
using analyzers::ModelGen.Analyzers.Diagnostics;
using ModelGen.Analyzers.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Analyzers.Tests;

/// <summary>
/// Each rule at a call site: ID, severity (from the descriptor), message arguments and the exact span (markup
/// <c>{|#n:…|}</c>); and the cases that must stay silent (safe values, non-constant arguments, INetwork receivers,
/// unknown pruners). The compilations run the generator, so the sources use the generated constructors.
/// </summary>
public sealed class PruningCallAnalyzerTests
{
    private static string Program(string body) => $$"""
        using ModelGen;
        using ModelGen.Data;
        using ModelGen.Factorization;
        using ModelGen.Model;
        using ModelGen.Pruning;

        {{TestProject.LeNet300}}

        public static class Program
        {
            public static void Run(Dataset data, double variable, INetwork untyped)
            {
                var net = new LeNet300(0);
                {{body}}
            }
        }
        """;

    private static Task Verify(string body, params DiagnosticResult[] expected)
    {
        var test = new ModelGenAnalyzerTest<PruningCallAnalyzer>(Program(body));
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    private static DiagnosticResult At(int marker, Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, params object[] arguments) =>
        new DiagnosticResult(descriptor).WithLocation(marker).WithArguments(arguments);

    [Fact]
    public Task ConvolutionalModels_AreNotJudgedOnTheirDenseLayersAlone()
    {
        // Layer-wise 99.9% would starve a 4-unit dense layer; the rules model vector layers only, so a network with a
        // convolution is left alone rather than judged with wrong shapes.
        var test = new ModelGenAnalyzerTest<PruningCallAnalyzer>("""
            using ModelGen;
            using ModelGen.Pruning;

            [Model(Channels = 1, Height = 8, Width = 8)]
            [Conv2D(2, 3, Activation.ReLU)]
            [Dense(4)]
            public partial class TinyConv
            {
            }

            public static class Program
            {
                public static void Run() => new MagnitudePruner { Scope = PruningScope.LayerWise }.Prune(new TinyConv(0), 0.999);
            }
            """);
        return test.RunAsync();
    }

    [Fact]
    public Task SafeConfigurations_ReportNothing() => Verify("""
        new MagnitudePruner().Prune(net, 0.9);
                new SnipPruner(data) { Scope = PruningScope.LayerWise }.Prune(net, 0.98);
                new SynFlowPruner().Prune(net, 0.99);
                new SynFlowPruner { Iterations = 25 }.Prune(net, 0.99);
                new GraspPruner(data) { Temperature = 200f }.Prune(net, 0.98);
                new RandomPruner(1).Prune(net, 0.9);
                var options = new LotteryTicketOptions { PruneRate = 0.2, OutputLayerPruneRate = 0.1 };
        """);

    [Fact]
    public Task MG0100_SparsityOutsideTheUnitInterval() => Verify("""
        new MagnitudePruner().Prune(net, {|#0:-0.5|});
                new MagnitudePruner().Prune(untyped, {|#1:150|});
        """,
        At(0, AnalyzerDescriptors.SparsityOutOfRange, "-0.5"),
        At(1, AnalyzerDescriptors.SparsityOutOfRange, "150"));

    [Fact]
    public Task MG0101_PercentageSparsity_ForAnyNetwork() => Verify("""
        new MagnitudePruner().Prune(net, {|#0:90|});
                new SnipPruner(data).Prune(untyped, sparsity: {|#1:99.5|});
        """,
        At(0, AnalyzerDescriptors.SparsityLooksLikePercentage, "90", "0.9"),
        At(1, AnalyzerDescriptors.SparsityLooksLikePercentage, "99.5", "0.995"));

    [Fact]
    public Task MG0102_GlobalMagnitudeAtInitialization_EmptiesFc1() => Verify("""
        new MagnitudePruner().Prune(net, {|#0:0.99|});
        """,
        At(0, AnalyzerDescriptors.LayerCollapse, "Global magnitude pruning at initialization (expected)", "0.99", "0", "235200", "fc1", "fc1.weight"));

    [Fact]
    public Task MG0102_KnownThroughALocal() => Verify("""
        var pruner = new MagnitudePruner { Scope = PruningScope.Global };
                pruner.Prune(net, {|#0:0.98|});
        """,
        At(0, AnalyzerDescriptors.LayerCollapse, "Global magnitude pruning at initialization (expected)", "0.98", "0", "235200", "fc1", "fc1.weight"));

    [Fact]
    public Task MG0102_LayerWiseIsExactForEveryMethod() => Verify("""
        new SynFlowPruner { Scope = PruningScope.LayerWise }.Prune(net, {|#0:0.9996|});
        """,
        At(0, AnalyzerDescriptors.StarvedLayer, "Layer-wise pruning", "0.9996", "94", "235200", "fc1", "fc1.weight", "300", "206"),
        At(0, AnalyzerDescriptors.StarvedLayer, "Layer-wise pruning", "0.9996", "12", "30000", "fc2", "fc2.weight", "100", "88"),
        At(0, AnalyzerDescriptors.LayerCollapse, "Layer-wise pruning", "0.9996", "0", "1000", "fc3", "fc3.weight"));

    [Fact]
    public Task MG0103_LayerWiseSnip_StarvesTheOutputLayer() => Verify("""
        new SnipPruner(data) { Scope = PruningScope.LayerWise }.Prune(net, {|#0:0.995|});
        """,
        At(0, AnalyzerDescriptors.StarvedLayer, "Layer-wise pruning", "0.995", "5", "1000", "fc3", "fc3.weight", "10", "5"));

    [Fact]
    public Task MG0103_GlobalRandom_ExpectedShares() => Verify("""
        new RandomPruner(seed: 3).Prune(net, {|#0:0.999|});
        """,
        At(0, AnalyzerDescriptors.StarvedLayer, "Global random pruning (expected)", "0.999", "235", "235200", "fc1", "fc1.weight", "300", "65"),
        At(0, AnalyzerDescriptors.StarvedLayer, "Global random pruning (expected)", "0.999", "30", "30000", "fc2", "fc2.weight", "100", "70"),
        At(0, AnalyzerDescriptors.StarvedLayer, "Global random pruning (expected)", "0.999", "1", "1000", "fc3", "fc3.weight", "10", "9"));

    [Fact]
    public Task MG0104_SynFlowWithOneIteration() => Verify("""
        new SynFlowPruner { Iterations = {|#1:1|} }.Prune(net, {|#0:0.99|});
        """,
        // The initializer's value rides along as an additional location: the code fix edits it.
        At(0, AnalyzerDescriptors.SynFlowTooFewIterations, "1", "0.99", "99", "21").WithLocation(1));

    [Fact]
    public Task MG0105_GraspTemperature_IsAnError() => Verify("""
        new GraspPruner(data) { {|#0:Temperature = 0f|} }.Prune(net, 0.5);
                var grasp = new GraspPruner(data) { {|#1:Temperature = float.NaN|}, ScoreSamples = 100 };
        """,
        At(0, AnalyzerDescriptors.GraspTemperatureInvalid, "0"),
        At(1, AnalyzerDescriptors.GraspTemperatureInvalid, "NaN"));

    [Fact]
    public Task MG0106_LotteryRateOutsideTheOpenInterval() => Verify("""
        var a = new LotteryTicketOptions { {|#0:PruneRate = 1.5|} };
                var b = new LotteryTicketOptions { {|#1:OutputLayerPruneRate = 0|} };
        """,
        At(0, AnalyzerDescriptors.LotteryRateOutOfRange, "prune rate", "1.5"),
        At(1, AnalyzerDescriptors.LotteryRateOutOfRange, "output-layer prune rate", "0"));

    [Fact]
    public Task MG0107_LotteryRateTooCoarse() => Verify("""
        var options = new LotteryTicketOptions { {|#0:PruneRate = 0.8|} };
        """,
        At(0, AnalyzerDescriptors.LotteryRateTooCoarse, "0.8", "2"));

    [Fact]
    public Task MG0108_LotteryOutputLayerAtTheFullRate() => Verify("""
        var options = new LotteryTicketOptions { {|#0:OutputLayerPruneRate = 0.2|} };
                var global = new LotteryTicketOptions { OutputLayerPruneRate = 0.2, Scope = PruningScope.Global };
        """,
        At(0, AnalyzerDescriptors.LotteryOutputAtFullRate, "0.2", "0.2", "0.1"));

    [Fact]
    public Task MG0110_FactorSettingsOnAPlainModel() => Verify("""
        var decay = {|#0:new FrobeniusDecay(net, 1e-4f)|};
                {|#1:SpectralInitializer.Initialize(net.Parameters, net.Layers, 0)|};
                var untypedDecay = new FrobeniusDecay(untyped, 1e-4f);
        """,
        At(0, AnalyzerDescriptors.FactorSettingWithoutFactors, "Frobenius decay", "lenet300"),
        At(1, AnalyzerDescriptors.FactorSettingWithoutFactors, "Factor initialization", "lenet300"));

    [Fact]
    public Task UnknownConfigurations_ReportNothing() => Verify("""
        new MagnitudePruner().Prune(untyped, 0.99);
                new MagnitudePruner().Prune(net, variable);
                var reassigned = new MagnitudePruner();
                reassigned = new MagnitudePruner { Scope = PruningScope.LayerWise };
                reassigned.Prune(net, 0.99);
                new MagnitudePruner { Scope = variable > 0 ? PruningScope.Global : PruningScope.LayerWise }.Prune(net, 0.99);
                new SynFlowPruner { Iterations = (int)variable }.Prune(net, 0.99);
                new GraspPruner(data) { Temperature = (float)variable };
                var options = new LotteryTicketOptions { PruneRate = variable, OutputLayerPruneRate = 0.5 };
        """);

    [Fact]
    public Task Pragma_SilencesOneOccurrence()
    {
        var test = new ModelGenAnalyzerTest<PruningCallAnalyzer>(Program("""
            #pragma warning disable MG0102 // fc1 is meant to go
                    new MagnitudePruner().Prune(net, 0.99);
            #pragma warning restore MG0102
                    new MagnitudePruner().Prune(net, {|#0:0.99|});
            """));
        // The framework's own check wraps the whole file in a disable; the restore above re-enables MG0102 there.
        test.TestBehaviors |= TestBehaviors.SkipSuppressionCheck;
        test.ExpectedDiagnostics.Add(At(0, AnalyzerDescriptors.LayerCollapse, "Global magnitude pruning at initialization (expected)", "0.99", "0", "235200", "fc1", "fc1.weight"));
        return test.RunAsync();
    }

    [Fact]
    public Task EditorConfig_SilencesARule()
    {
        var test = new ModelGenAnalyzerTest<PruningCallAnalyzer>(Program("""
            new MagnitudePruner().Prune(net, {|#0:90|});
                    new MagnitudePruner().Prune(net, 0.99);
            """));
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", """
            root = true

            [*.cs]
            dotnet_diagnostic.MG0102.severity = none
            """));
        // MG0102 is off for these files; MG0101 keeps its default severity.
        test.ExpectedDiagnostics.Add(At(0, AnalyzerDescriptors.SparsityLooksLikePercentage, "90", "0.9"));
        return test.RunAsync();
    }
}
