using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generators.Tests.Infrastructure;
using ModelGen.Model;
using Xunit;

namespace ModelGen.Generators.Tests;

/// <summary>
/// Declarations the generator accepts must produce code that compiles, whatever the consumer's project settings and
/// whatever (valid) names the user picked: a declaration is either diagnosed or compiles, never neither.
/// </summary>
public sealed class GeneratedCodeRobustnessTests
{
    [Fact]
    public void GeneratedCode_CompilesWithoutImplicitUsings()
    {
        // Projects with ImplicitUsings disabled (src/ModelGen itself is one) have no `using System;` in scope, so
        // generated code must qualify everything it calls, extension methods such as AsSpan included.
        var compilation = GeneratorHarness.CreateCompilation(new[] { TestSources.ExampleModel("LeNet300.cs"), TestSources.ExampleModel("LeNet300Factorized.cs") }, implicitUsings: false);
        var run = GeneratorHarness.Run(compilation);

        Assert.Empty(run.GeneratorDiagnostics);
        AssertCompilesClean(run);
    }

    [Theory]
    [InlineData("with \"quotes\"")]
    [InlineData("back\\slash\\")]
    [InlineData("<tag> & 'apostrophes'")]
    [InlineData("tab\tand\nnewline")]
    public void ModelNameWithCharactersThatNeedEscaping_CompilesAndRoundTrips(string name)
    {
        var source = $$"""
            using ModelGen;

            namespace Tests;

            /// <summary>A model whose listed name needs escaping in C# and XML.</summary>
            [Model(Input = 3, Name = {{SymbolDisplay.FormatLiteral(name, quote: true)}})]
            [Dense(2)]
            public partial class Quoted
            {
            }
            """;
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(new[] { new SourceFile("/src/Quoted.cs", source) }, DocumentationMode.Diagnose));

        Assert.Empty(run.GeneratorDiagnostics);
        AssertCompilesClean(run);
        var descriptor = LoadDescriptor(run, "Tests.Quoted");
        Assert.Equal(name, descriptor.Name);
        Assert.Equal(name, descriptor.Create(0).Name);
    }

    [Theory]
    [InlineData("Rank = 2, Name = \"fc1\"", "fc1Inner")]
    [InlineData("Name = \"fc1\"", "fc1R")]
    [InlineData("Name = \"a\"", "aRPre")]
    [InlineData("Rank = 2, Name = \"hidden\"", "hiddenRInner")]
    public void LayerNamesWhoseGeneratedIdentifiersOverlap_Compile(string firstLayerArguments, string secondLayerName)
    {
        // Identifiers are built by appending suffixes to layer names (Fc1 + "InnerGradient", fc1 + "RGradient"), so a
        // second layer named like a prefix plus a suffix can land on the same identifier.
        var source = $$"""
            using ModelGen;

            namespace Tests;

            [Model(Input = 8)]
            [Dense(6, Activation.ReLU, {{firstLayerArguments}})]
            [Dense(4, Activation.Tanh, Name = "{{secondLayerName}}")]
            [Dense(2)]
            public partial class Overlapping
            {
            }
            """;
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(source));

        AssertDiagnosedOrCompilesClean(run);
    }

    [Theory]
    [InlineData("Workspace")]
    [InlineData("HessianWorkspace")]
    [InlineData("MaskedWeights")]
    [InlineData("Descriptor")]
    [InlineData("Parameters")]
    [InlineData("Masks")]
    [InlineData("Layers")]
    [InlineData("Name")]
    [InlineData("Forward")]
    public void ClassNamedLikeAGeneratedMember_IsDiagnosedOrCompiles(string className)
    {
        // A member cannot share its enclosing type's name (CS0542); the generator must avoid or report the clash.
        var source = $$"""
            using ModelGen;

            namespace Tests;

            [Model(Input = 3)]
            [Dense(2)]
            public partial class {{className}}
            {
            }
            """;
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(source));

        AssertDiagnosedOrCompilesClean(run);
    }

    [Theory]
    [InlineData("MG0011", "[Dense(4)]\npublic class Orphan { }")]
    [InlineData("MG0011", "[Conv2D(4, 3)]\n[MaxPool2D(2)]\npublic class OrphanConv { }")]
    [InlineData("MG0013", "[Model(Input = 8)]\n[Dense(6, Rank = 6)]\n[Dense(2)]\npublic partial class Overranked { }")]
    public void WarningsCanBeSuppressedWithPragma(string id, string declaration)
    {
        // Warnings exist to be judged by the user; #pragma is the usual way to accept one. That only works when the
        // diagnostic's location lies in the syntax tree (a path-only location is never matched against pragmas).
        var source = $"using ModelGen;\n\n#pragma warning disable {id}\n{declaration}\n#pragma warning restore {id}\n";
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(source));
        var unsuppressed = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(source.Replace("#pragma", "// #pragma", StringComparison.Ordinal)));

        Assert.Equal(id, Assert.Single(unsuppressed.GeneratorDiagnostics).Id);

        // The driver passes generator diagnostics through the compilation's filter (pragmas, severity options): a
        // suppressed one is dropped or flagged IsSuppressed, as in a build.
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == id && !d.IsSuppressed);
    }

    private static void AssertCompilesClean(GeneratorRun run) => run.AssertCompilesClean();

    private static void AssertDiagnosedOrCompilesClean(GeneratorRun run)
    {
        if (run.GeneratorDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            // Diagnosed: no model source may be emitted (the catalog, which then lists nothing, is emitted only for valid models).
            Assert.DoesNotContain(run.GeneratedSources, s => !s.HintName.StartsWith("ModelGen.Generated.", StringComparison.Ordinal));
            return;
        }

        AssertCompilesClean(run);
    }

    private static ModelDescriptor LoadDescriptor(GeneratorRun run, string typeName)
    {
        using var stream = new MemoryStream();
        var emitted = run.OutputCompilation.Emit(stream);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics));
        stream.Position = 0;

        // Unresolved references (ModelGen) fall back to the default context, so the descriptor's types are the test's own.
        var context = new AssemblyLoadContext(typeName, isCollectible: true);
        var type = context.LoadFromStream(stream).GetType(typeName, throwOnError: true)!;
        return (ModelDescriptor)type.GetProperty("Descriptor")!.GetValue(null)!;
    }
}
