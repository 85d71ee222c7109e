extern alias analyzers;
extern alias generator;

using System.Collections.Immutable;
using System.Reflection;
using Basic.Reference.Assemblies;
using analyzers::ModelGen.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ModelGen.Analyzers.Tests.Infrastructure;

/// <summary>
/// Compiles a source as a user's build does (generator, then the ModelGen analyzers) with plain Roslyn APIs: cheaper
/// than the verifier, for the documentation examples and the runtime-text comparisons.
/// </summary>
internal static class ExampleCompiler
{
    public static readonly string RepositoryRoot = Path.GetFullPath(Path.Combine(
        typeof(ExampleCompiler).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ModelGen.Analyzers.Tests.ProjectDirectory").Value!,
        "..", ".."));

    private static readonly ImmutableArray<MetadataReference> s_references =
    [
        .. Net100.References.All,
        MetadataReference.CreateFromFile(typeof(ModelAttribute).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.Location),
    ];

    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = [new PruningCallAnalyzer(), new ModelDeclarationAnalyzer()];

    /// <summary>Generator diagnostics, compiler diagnostics and analyzer diagnostics of <paramref name="source"/>.</summary>
    public static async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(string source)
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            "Example",
            [CSharpSyntaxTree.ParseText(source, parseOptions, "/src/Example.cs")],
            s_references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CSharpGeneratorDriver.Create([new generator::ModelGen.Generators.ModelGenerator().AsSourceGenerator()], parseOptions: parseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var generated, out var generatorDiagnostics);
        var analyzed = generated.WithAnalyzers(Analyzers);
        var all = await analyzed.GetAllDiagnosticsAsync();
        return [.. generatorDiagnostics, .. all];
    }
}
