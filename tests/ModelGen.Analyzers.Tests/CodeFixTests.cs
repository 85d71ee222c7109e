extern alias analyzers;

using Microsoft.CodeAnalysis.Testing;
using analyzers::ModelGen.Analyzers;
using analyzers::ModelGen.Analyzers.Diagnostics;
using ModelGen.Analyzers.Tests.Infrastructure;
using ModelGen.CodeFixes;
using Xunit;

namespace ModelGen.Analyzers.Tests;

/// <summary>
/// Each code fix: the diagnostic in the source, the fixed source exactly, and no diagnostic at all left in it (the
/// verifier compiles the fixed code with the generator and re-runs the analyzer: it compiles and the rule is silent).
/// </summary>
public sealed class CodeFixTests
{
    private static string Program(string body) => $$"""
        using ModelGen;
        using ModelGen.Pruning;

        {{TestProject.LeNet300}}

        public static class Program
        {
            public static void Run()
            {
                var net = new LeNet300(0);
                {{body}}
            }
        }
        """;

    [Fact]
    public Task MG0101_PercentageBecomesAFraction()
    {
        var test = new ModelGenCodeFixTest<PruningCallAnalyzer, ReplaceValueCodeFix>(
            Program("new MagnitudePruner().Prune(net, {|#0:90|});"),
            Program("new MagnitudePruner().Prune(net, 0.9);"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(AnalyzerDescriptors.SparsityLooksLikePercentage).WithLocation(0).WithArguments("90", "0.9"));
        return test.RunAsync();
    }

    [Fact]
    public Task MG0108_OutputLayerRateBecomesHalf()
    {
        var test = new ModelGenCodeFixTest<PruningCallAnalyzer, ReplaceValueCodeFix>(
            Program("var options = new LotteryTicketOptions { PruneRate = 0.3, {|#0:OutputLayerPruneRate = 0.3|} };"),
            Program("var options = new LotteryTicketOptions { PruneRate = 0.3, OutputLayerPruneRate = 0.15 };"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(AnalyzerDescriptors.LotteryOutputAtFullRate).WithLocation(0).WithArguments("0.3", "0.3", "0.15"));
        return test.RunAsync();
    }

    [Fact]
    public Task MG0104_SynFlowIterationsBecomeTheDefault()
    {
        var test = new ModelGenCodeFixTest<PruningCallAnalyzer, SynFlowIterationsCodeFix>(
            Program("new SynFlowPruner { Iterations = {|#1:5|} }.Prune(net, {|#0:0.99|});"),
            Program("new SynFlowPruner { Iterations = SynFlowPruner.DefaultIterations }.Prune(net, 0.99);"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult(AnalyzerDescriptors.SynFlowTooFewIterations).WithLocation(0).WithLocation(1).WithArguments("5", "0.99", "60.2", "21"));
        return test.RunAsync();
    }

    [Fact]
    public Task MG0013_RankBecomesTheLargestThatPays()
    {
        // 8 → 6: r·14 < 48 holds up to r = 3.
        const string Source = """
            using ModelGen;

            [Model(Input = 8)]
            [{|#0:Dense(6, Activation.ReLU, Rank = 4)|}]
            [Dense(2)]
            public partial class Net
            {
            }
            """;
        var test = new ModelGenCodeFixTest<GeneratorDiagnosticsAnalyzer, FactorizationRankCodeFix>(Source, Source.Replace("{|#0:", "").Replace(")|}]", ")]").Replace("Rank = 4", "Rank = 3"), runGenerator: false);
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerWarning("MG0013").WithLocation(0).WithArguments("fc1", "8", "6", "4", "56", "48", "3"));
        return test.RunAsync();
    }

    [Fact]
    public Task MG0001_ClassBecomesPartial()
    {
        var test = new ModelGenCodeFixTest<GeneratorDiagnosticsAnalyzer, MakeModelPartialCodeFix>(
            """
            using ModelGen;

            [Model(Input = 4)]
            [Dense(2)]
            public sealed class {|#0:Net|}
            {
            }
            """,
            """
            using ModelGen;

            [Model(Input = 4)]
            [Dense(2)]
            public sealed partial class Net
            {
            }
            """,
            runGenerator: false);
        test.ExpectedDiagnostics.Add(DiagnosticResult.CompilerError("MG0001").WithLocation(0).WithArguments("Net"));
        return test.RunAsync();
    }
}
