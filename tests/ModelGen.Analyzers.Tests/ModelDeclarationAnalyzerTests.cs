extern alias analyzers;

using Microsoft.CodeAnalysis.Testing;
using analyzers::ModelGen.Analyzers;
using analyzers::ModelGen.Analyzers.Diagnostics;
using ModelGen.Analyzers.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Analyzers.Tests;

/// <summary>Rules on model declarations: ID, severity, arguments and the span of the attribute argument.</summary>
public sealed class ModelDeclarationAnalyzerTests
{
    private static Task Verify(string source, params DiagnosticResult[] expected)
    {
        var test = new ModelGenAnalyzerTest<ModelDeclarationAnalyzer>(source);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    [Fact]
    public Task ValidFactorizedModel_ReportsNothing() => Verify("""
        using ModelGen;

        [Model(Input = 784)]
        [Dense(300, Activation.ReLU, Rank = 32)]
        [Dense(10)]
        public partial class Factorized
        {
        }
        """);

    [Fact]
    public Task MG0109_OvercompleteRank_IsAnInfo() => Verify("""
        using ModelGen;

        [Model(Input = 8)]
        [{|#1:Dense(6, Activation.ReLU, {|#0:Rank = 7|})|}]
        [Dense(2)]
        public partial class Overcomplete
        {
        }
        """,
        new DiagnosticResult(AnalyzerDescriptors.OvercompleteRank).WithLocation(0).WithArguments("fc1", "8", "6", "7", "6"),
        // The generator's MG0013 on the same layer: overcomplete never pays.
        DiagnosticResult.CompilerWarning("MG0013").WithLocation(1));

    [Fact]
    public Task MG0102_DeclaredPlan_IsCheckedLikeACallSite() => Verify("""
        using ModelGen;

        [Model(Input = 784)]
        [PruningPlan("magnitude", {|#0:0.99|})]
        [Dense(300, Activation.ReLU)]
        [Dense(100, Activation.ReLU)]
        [Dense(10)]
        public partial class PlannedCollapse
        {
        }
        """,
        new DiagnosticResult(AnalyzerDescriptors.LayerCollapse).WithLocation(0)
            .WithArguments("Global magnitude pruning at initialization (expected)", "0.99", "0", "235200", "fc1", "fc1.weight"));

    [Fact]
    public Task MG0108_DeclaredLotteryPlan_OutputLayerAtTheFullRate() => Verify("""
        using ModelGen;

        [Model(Input = 784)]
        [PruningPlan("lth", {|#0:90|}, {|#1:PruneRate = 0.8|}, {|#2:OutputLayerPruneRate = 0.8|})]
        [Dense(300, Activation.ReLU)]
        [Dense(10)]
        public partial class PlannedTicket
        {
        }
        """,
        new DiagnosticResult(AnalyzerDescriptors.SparsityLooksLikePercentage).WithLocation(0).WithArguments("90", "0.9"),
        new DiagnosticResult(AnalyzerDescriptors.LotteryRateTooCoarse).WithLocation(1).WithArguments("0.8", "2"),
        new DiagnosticResult(AnalyzerDescriptors.LotteryOutputAtFullRate).WithLocation(2).WithArguments("0.8", "0.8", "0.4"));

    [Fact]
    public Task SafeDeclaredPlan_ReportsNothing() => Verify("""
        using ModelGen;
        using ModelGen.Pruning;

        [Model(Input = 784)]
        [PruningPlan("snip", 0.98, Scope = PruningScope.LayerWise)]
        [Dense(300, Activation.ReLU)]
        [Dense(100, Activation.ReLU)]
        [Dense(10)]
        public partial class PlannedSafe
        {
        }
        """);
}
