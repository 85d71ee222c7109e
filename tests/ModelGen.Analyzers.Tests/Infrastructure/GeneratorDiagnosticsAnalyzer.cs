extern alias generator;

using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using GeneratorDescriptors = generator::ModelGen.Generators.Diagnostics.DiagnosticDescriptors;

namespace ModelGen.Analyzers.Tests.Infrastructure;

/// <summary>
/// Test-only: reports the ModelGen generator's diagnostics MG0001 and MG0013 as an analyzer would, so the code-fix
/// verifier can drive the fixes for them (the verifier finds diagnostics through analyzers). It runs the real
/// generator on the compilation; nothing is re-implemented.
/// </summary>
// Test-only, never shipped and only ever run in-process by the verifier (which has Workspaces loaded), so the
// rules for shipped compiler extensions (netstandard2.0, no Workspaces, extended rules) do not apply to it.
#pragma warning disable RS1036, RS1038, RS1041
[DiagnosticAnalyzer(LanguageNames.CSharp)]
internal sealed class GeneratorDiagnosticsAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(GeneratorDescriptors.ById("MG0001"), GeneratorDescriptors.ById("MG0013"));
#pragma warning restore RS1036, RS1038, RS1041

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        // Reported per syntax tree (a compilation-end report would be non-local, which code fixes may not fix); the
        // generator runs once per compilation.
        context.RegisterCompilationStartAction(start =>
        {
            var diagnostics = new Lazy<ImmutableArray<Diagnostic>>(() => RunGenerator(start.Compilation, start.CancellationToken));
            start.RegisterSemanticModelAction(modelContext =>
            {
                foreach (var diagnostic in diagnostics.Value)
                {
                    if (diagnostic.Location.SourceTree == modelContext.SemanticModel.SyntaxTree && SupportedDiagnostics.Any(d => d.Id == diagnostic.Id))
                    {
                        modelContext.ReportDiagnostic(diagnostic);
                    }
                }
            });
        });
    }

    private static ImmutableArray<Diagnostic> RunGenerator(Compilation compilation, CancellationToken cancellationToken)
    {
        var parseOptions = compilation.SyntaxTrees.FirstOrDefault()?.Options as CSharpParseOptions;
        var driver = CSharpGeneratorDriver.Create([new generator::ModelGen.Generators.ModelGenerator().AsSourceGenerator()], parseOptions: parseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out _, out var diagnostics, cancellationToken);
        return diagnostics;
    }
}
