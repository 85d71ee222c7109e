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
}
