using ModelGen.Analyzers.Tests.Infrastructure;
using ModelGen.Data;
using ModelGen.Factorization;
using ModelGen.Pruning;
using Xunit;

namespace ModelGen.Analyzers.Tests;

/// <summary>LeNet-300-100, generated for real in this test project: the runtime side of the comparisons.</summary>
[Model(Input = 784, Name = "lenet300")]
[Dense(300, Activation.ReLU)]
[Dense(100, Activation.ReLU)]
[Dense(10)]
public partial class RuntimeLeNet300
{
}

/// <summary>
/// One test per shared rule that the runtime applies: the same configuration built at run time (a pruner, lottery
/// options, a factorization setting) gives the same ID and the same text as the analyzer's diagnostic for it as a
/// constant at build time. Both sides are real: the analyzers run on a compilation of the snippet, the runtime on a
/// generated network.
/// </summary>
public sealed class RuntimeRuleTextTests
{
    private static readonly RuntimeLeNet300 s_network = new(0);

    /// <summary>The analyzer's message for <paramref name="id"/> in a program running <paramref name="body"/> on LeNet-300-100.</summary>
    private static async Task<string> AnalyzerMessage(string id, string body)
    {
        var source = $$"""
            using ModelGen;
            using ModelGen.Data;
            using ModelGen.Factorization;
            using ModelGen.Pruning;

            {{TestProject.LeNet300}}

            public static class Program
            {
                public static void Run(Dataset data)
                {
                    var net = new LeNet300(0);
                    {{body}}
                }
            }
            """;
        var diagnostics = await ExampleCompiler.DiagnosticsAsync(source);
        return Assert.Single(diagnostics, d => d.Id == id).GetMessage(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Dataset TwoSamples() => new(new float[2 * 784], [3, 7], 784, 10);

    [Fact]
    public async Task MG0100_SparsityOutOfRange_RefusedWithTheAnalyzerText()
    {
        var expected = await AnalyzerMessage("MG0100", "new MagnitudePruner().Prune(net, -0.5);");
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MagnitudePruner().Prune(s_network, -0.5));
        Assert.StartsWith("MG0100: " + expected + " (Parameter 'sparsity')", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MG0101_Percentage_RefusedWithTheAnalyzerText()
    {
        var expected = await AnalyzerMessage("MG0101", "new SnipPruner(data).Prune(net, 90);");
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SnipPruner(TwoSamples()).Prune(s_network, 90));
        Assert.StartsWith("MG0101: " + expected + " (Parameter 'sparsity')", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MG0102_GlobalMagnitudeCollapse_CheckedBeforeScoring()
    {
        var expected = await AnalyzerMessage("MG0102", "new MagnitudePruner().Prune(net, 0.98);");
        var advice = Assert.Single(new MagnitudePruner().Check(s_network, 0.98));
        Assert.Equal(new PruningAdvice("MG0102", expected), advice);
        Assert.Equal("Global magnitude pruning at initialization (expected) at sparsity 0.98 would keep 0 of the 235200 weights of layer 'fc1' (fc1.weight): the layer collapses and passes nothing on", expected);
    }

    [Fact]
    public async Task MG0102_LayerWiseCollapse_RefusedBeforeScoringWithTheAnalyzerText()
    {
        var expected = await AnalyzerMessage("MG0102", "new RandomPruner(0) { Scope = PruningScope.LayerWise }.Prune(net, 0.9996);");
        var network = new RuntimeLeNet300(1);
        var before = network.Parameters.Snapshot();
        var error = Assert.Throws<LayerCollapseException>(() => new RandomPruner(0) { Scope = PruningScope.LayerWise }.Prune(network, 0.9996));
        Assert.Equal("MG0102: " + expected, error.Message);
        Assert.Equal(("fc3", "fc3.weight"), (error.Layer, error.Tensor));
        Assert.Equal(before, network.Parameters.Snapshot());
        Assert.False(network.Masks.IsActive);
    }

    [Fact]
    public async Task MG0103_StarvedLayer_SameAdvice()
    {
        var expected = await AnalyzerMessage("MG0103", "new RandomPruner(0) { Scope = PruningScope.LayerWise }.Prune(net, 0.995);");
        var advice = Assert.Single(new RandomPruner(0) { Scope = PruningScope.LayerWise }.Check(s_network, 0.995));
        Assert.Equal(new PruningAdvice("MG0103", expected), advice);
    }

    [Fact]
    public async Task MG0104_SynFlowIterations_SameAdvice()
    {
        var expected = await AnalyzerMessage("MG0104", "new SynFlowPruner { Iterations = 3 }.Prune(net, 0.99);");
        var advice = Assert.Single(new SynFlowPruner { Iterations = 3 }.Check(s_network, 0.99));
        Assert.Equal(new PruningAdvice("MG0104", expected), advice);
    }

    [Fact]
    public async Task MG0105_GraspTemperature_RefusedWithTheAnalyzerText()
    {
        var expected = await AnalyzerMessage("MG0105", "var grasp = new GraspPruner(data) { Temperature = -1f };");
        var pruner = new GraspPruner(TwoSamples()) { Temperature = -1f, ScoreSamples = 2, BatchSize = 2 };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => pruner.Prune(s_network, 0.5));
        Assert.StartsWith("MG0105: " + expected + " (Parameter 'Temperature')", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MG0106_LotteryRate_RefusedWithTheAnalyzerText()
    {
        var expected = await AnalyzerMessage("MG0106", "var options = new LotteryTicketOptions { PruneRate = 1.5 };");
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LotteryTicketOptions { PruneRate = 1.5 }.Validate());
        Assert.StartsWith("MG0106: " + expected + " (Parameter 'PruneRate')", error.Message, StringComparison.Ordinal);
        Assert.Equal(new PruningAdvice("MG0106", expected), Assert.Single(new LotteryTicketOptions { PruneRate = 1.5 }.Check()));
    }

    [Fact]
    public async Task MG0107_LotteryRateTooCoarse_SameAdvice()
    {
        var expected = await AnalyzerMessage("MG0107", "var options = new LotteryTicketOptions { PruneRate = 0.7 };");
        Assert.Equal(new PruningAdvice("MG0107", expected), Assert.Single(new LotteryTicketOptions { PruneRate = 0.7 }.Check()));
    }

    [Fact]
    public async Task MG0108_LotteryOutputAtFullRate_SameAdvice()
    {
        var expected = await AnalyzerMessage("MG0108", "var options = new LotteryTicketOptions { PruneRate = 0.25, OutputLayerPruneRate = 0.3 };");
        var options = new LotteryTicketOptions { PruneRate = 0.25, OutputLayerPruneRate = 0.3 };
        Assert.Equal(new PruningAdvice("MG0108", expected), Assert.Single(options.Check()));
    }

    [Fact]
    public async Task MG0110_FrobeniusDecayWithoutFactors_SameAdvice()
    {
        var expected = await AnalyzerMessage("MG0110", "var decay = new FrobeniusDecay(net, 1e-4f);");
        Assert.Equal(new PruningAdvice("MG0110", expected), FactorizedLayers.CheckSetting("Frobenius decay", s_network.Name, s_network.Layers));
    }

    [Fact]
    public void SafeConfigurations_GiveNoAdvice()
    {
        Assert.Empty(new MagnitudePruner().Check(s_network, 0.9));
        Assert.Empty(new SynFlowPruner().Check(s_network, 0.999));
        Assert.Empty(new LotteryTicketOptions().Check());
    }
}
