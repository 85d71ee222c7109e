extern alias generator;

using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;

namespace ModelGen.Analyzers.Tests.Infrastructure;

/// <summary>
/// How every analyzer and code-fix test compiles its sources: against the .NET 10 reference assemblies of
/// Basic.Reference.Assemblies (nothing downloaded at test time) and the real ModelGen runtime, with the ModelGen
/// generator running so that models implement INetwork as they do in a user's build.
/// </summary>
internal static class TestProject
{
    public static void Configure(SolutionState state)
    {
        state.AdditionalReferences.AddRange(Net100.References.All);
        state.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(ModelAttribute).Assembly.Location));
        // Generated code calls TensorPrimitives directly.
        state.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.Location));
    }

    /// <summary>No reference-assembly package: the references come from <see cref="Configure"/>.</summary>
    public static ReferenceAssemblies ReferenceAssemblies { get; } = new("net10.0");

    /// <summary>The generator, for tests whose sources use generated members (constructors, INetwork).</summary>
    public static Type Generator { get; } = typeof(generator::ModelGen.Generators.ModelGenerator);

    public static CompilationOptions WithNullable(CompilationOptions options) =>
        ((CSharpCompilationOptions)options).WithNullableContextOptions(NullableContextOptions.Enable);

    /// <summary>The declarations most tests use: LeNet-300-100 as the examples declare it.</summary>
    public const string LeNet300 = """
        [Model(Input = 784, Name = "lenet300")]
        [Dense(300, Activation.ReLU)]
        [Dense(100, Activation.ReLU)]
        [Dense(10)]
        public partial class LeNet300
        {
        }
        """;
}

/// <summary>An analyzer test with the generator running and the project settings of <see cref="TestProject"/>.</summary>
internal sealed class ModelGenAnalyzerTest<TAnalyzer> : Microsoft.CodeAnalysis.CSharp.Testing.CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    where TAnalyzer : Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer, new()
{
    public ModelGenAnalyzerTest(string source)
    {
        TestCode = source;
        ReferenceAssemblies = TestProject.ReferenceAssemblies;
        TestProject.Configure(TestState);
        TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
    }

    protected override IEnumerable<Type> GetSourceGenerators() => [TestProject.Generator];

    protected override CompilationOptions CreateCompilationOptions() => TestProject.WithNullable(base.CreateCompilationOptions());
}

/// <summary>A code-fix test: the analyzer's diagnostics in <c>source</c>, none left in <c>fixedSource</c>.</summary>
internal sealed class ModelGenCodeFixTest<TAnalyzer, TCodeFix> : Microsoft.CodeAnalysis.CSharp.Testing.CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    where TAnalyzer : Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer, new()
    where TCodeFix : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new()
{
    private readonly bool _runGenerator;

    public ModelGenCodeFixTest(string source, string fixedSource, bool runGenerator = true)
    {
        _runGenerator = runGenerator;
        TestCode = source;
        FixedCode = fixedSource;
        ReferenceAssemblies = TestProject.ReferenceAssemblies;
        TestProject.Configure(TestState);
        TestProject.Configure(FixedState);
        TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
    }

    protected override IEnumerable<Type> GetSourceGenerators() => _runGenerator ? [TestProject.Generator] : [];

    protected override CompilationOptions CreateCompilationOptions() => TestProject.WithNullable(base.CreateCompilationOptions());
}
