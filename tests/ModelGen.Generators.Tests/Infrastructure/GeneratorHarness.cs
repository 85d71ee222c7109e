using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace ModelGen.Generators.Tests.Infrastructure;

/// <summary>
/// Builds in-memory compilations against the .NET 10 reference assemblies and the real ModelGen runtime, and runs
/// <see cref="ModelGenerator"/> over them. Every run checks that the generator threw nothing: an exception would
/// otherwise surface only as warning CS8785 and an empty output, which a test could mistake for "no diagnostics".
/// </summary>
internal static class GeneratorHarness
{
    private static readonly ImmutableArray<MetadataReference> s_references = BuildReferences();

    /// <summary>
    /// Parse options: latest language, and documentation comments either diagnosed (so malformed XML docs or dangling
    /// crefs in generated code become warnings) or only parsed (for small inputs that carry no docs of their own).
    /// </summary>
    public static CSharpParseOptions ParseOptions(DocumentationMode documentationMode) =>
        new(LanguageVersion.Latest, documentationMode);

    /// <summary>
    /// The global usings <c>ImplicitUsings=enable</c> adds to a Microsoft.NET.Sdk project (what `dotnet new` projects
    /// have). Generated code must not need them; <see cref="CreateCompilation(IEnumerable{SourceFile}, DocumentationMode, bool)"/>
    /// leaves them out on request to check exactly that.
    /// </summary>
    public static readonly SourceFile ImplicitUsings = new("/obj/Input.GlobalUsings.g.cs", """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """);

    /// <summary>
    /// A library compilation with nullable on and every warning wave enabled, as the repository builds, by default
    /// with the SDK's implicit global usings like a project made by `dotnet new`.
    /// </summary>
    public static CSharpCompilation CreateCompilation(IEnumerable<SourceFile> sources, DocumentationMode documentationMode = DocumentationMode.Parse, bool implicitUsings = true)
    {
        var parseOptions = ParseOptions(documentationMode);
        var all = implicitUsings ? sources.Append(ImplicitUsings) : sources;
        var trees = all.Select(source => CSharpSyntaxTree.ParseText(source.Text, parseOptions, source.Path)).ToList();
        var options = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: NullableContextOptions.Enable,
            warningLevel: 9999,
            deterministic: true);
        return CSharpCompilation.Create("ModelGen.GeneratorTestInput", trees, s_references, options);
    }

    /// <summary>A compilation of one source file at /src/Input.cs.</summary>
    public static CSharpCompilation CreateCompilation(string source, DocumentationMode documentationMode = DocumentationMode.Parse) =>
        CreateCompilation(new[] { new SourceFile("/src/Input.cs", source) }, documentationMode);

    /// <summary>A driver for <see cref="ModelGenerator"/>, optionally recording every tracked step (for caching tests).</summary>
    public static GeneratorDriver CreateDriver(CSharpParseOptions parseOptions, bool trackSteps = false, IEnumerable<AdditionalText>? additionalTexts = null) =>
        CSharpGeneratorDriver.Create(
            new[] { new ModelGenerator().AsSourceGenerator() },
            additionalTexts: additionalTexts,
            parseOptions: parseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator once on <paramref name="compilation"/> with a fresh driver (and the project's additional files).</summary>
    public static GeneratorRun Run(CSharpCompilation compilation, bool trackSteps = false, IEnumerable<AdditionalText>? additionalTexts = null)
    {
        var driver = CreateDriver((CSharpParseOptions)compilation.SyntaxTrees.First().Options, trackSteps, additionalTexts);
        return Run(driver, compilation);
    }

    /// <summary>Runs <paramref name="driver"/> (which may carry state from an earlier run) on <paramref name="compilation"/>.</summary>
    public static GeneratorRun Run(GeneratorDriver driver, CSharpCompilation compilation)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var outputCompilation, out _);
        var runResult = driver.GetRunResult();
        AssertNoGeneratorException(runResult);
        return new GeneratorRun(driver, runResult, outputCompilation);
    }

    /// <summary>Fails when any generator of the run threw (the driver catches it and reports CS8785 instead).</summary>
    public static void AssertNoGeneratorException(GeneratorDriverRunResult runResult)
    {
        Assert.NotEmpty(runResult.Results);
        foreach (var result in runResult.Results)
        {
            Assert.True(result.Exception is null, $"The generator threw: {result.Exception}");
        }
    }

    private static ImmutableArray<MetadataReference> BuildReferences()
    {
        var references = new List<MetadataReference>(Net100.References.All);
        var names = new HashSet<string>(Net100.References.All.Select(r => Path.GetFileNameWithoutExtension(r.FilePath ?? string.Empty)), StringComparer.OrdinalIgnoreCase);

        // The runtime and the one package it exposes to generated code (TensorPrimitives), as a consumer sees them.
        foreach (var assembly in new[] { typeof(ModelAttribute).Assembly, typeof(System.Numerics.Tensors.TensorPrimitives).Assembly })
        {
            if (names.Add(assembly.GetName().Name!))
            {
                references.Add(MetadataReference.CreateFromFile(assembly.Location));
            }
        }

        return references.ToImmutableArray();
    }
}

/// <summary>A source file of an in-test compilation.</summary>
internal sealed record SourceFile(string Path, string Text);

/// <summary>What one generator run produced.</summary>
internal sealed class GeneratorRun
{
    public GeneratorRun(GeneratorDriver driver, GeneratorDriverRunResult runResult, Compilation outputCompilation)
    {
        Driver = driver;
        RunResult = runResult;
        OutputCompilation = outputCompilation;
    }

    /// <summary>The driver after the run, holding the state a following run is compared against.</summary>
    public GeneratorDriver Driver { get; }

    public GeneratorDriverRunResult RunResult { get; }

    /// <summary>The input compilation plus the generated trees.</summary>
    public Compilation OutputCompilation { get; }

    /// <summary>The single generator's result.</summary>
    public GeneratorRunResult Result => RunResult.Results.Single();

    /// <summary>What each output of the tracked step <paramref name="stepName"/> did in this run (empty when it did not run).</summary>
    public IReadOnlyList<IncrementalStepRunReason> StepReasons(string stepName) =>
        Result.TrackedSteps.TryGetValue(stepName, out var steps)
            ? steps.SelectMany(step => step.Outputs).Select(output => output.Reason).ToList()
            : Array.Empty<IncrementalStepRunReason>();

    /// <summary>What every source output did in this run.</summary>
    public IReadOnlyList<IncrementalStepRunReason> OutputReasons() =>
        Result.TrackedOutputSteps.SelectMany(pair => pair.Value).SelectMany(step => step.Outputs).Select(output => output.Reason).ToList();

    /// <summary>Diagnostics the generator reported.</summary>
    public ImmutableArray<Diagnostic> GeneratorDiagnostics => RunResult.Diagnostics;

    /// <summary>Generated files by hint name, in the order the generator added them.</summary>
    public IReadOnlyList<(string HintName, string Text)> GeneratedSources =>
        Result.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())).ToList();

    /// <summary>The text of the generated file with <paramref name="hintName"/>; fails when there is none.</summary>
    public string Source(string hintName)
    {
        var match = Result.GeneratedSources.Where(s => s.HintName == hintName).ToList();
        Assert.True(match.Count == 1, $"Expected one generated file '{hintName}'; the generator produced: {string.Join(", ", Result.GeneratedSources.Select(s => s.HintName))}");
        return match[0].SourceText.ToString();
    }

    /// <summary>
    /// Compiler errors and warnings of the compilation after generation (hidden and info diagnostics excluded),
    /// i.e. what a consumer's build would complain about, apart from the generator's own diagnostics.
    /// </summary>
    public IReadOnlyList<Diagnostic> CompilerProblems() =>
        OutputCompilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();

    /// <summary>Fails, listing the first problems, when the compilation after generation has errors or warnings.</summary>
    public void AssertCompilesClean()
    {
        var problems = CompilerProblems();
        Assert.True(problems.Count == 0, $"The compilation with the generated code has {problems.Count} error(s) or warning(s), first:{Environment.NewLine}" +
            string.Join(Environment.NewLine, problems.Take(5)));
    }
}
