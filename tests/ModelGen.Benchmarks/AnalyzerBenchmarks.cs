using System.Collections.Immutable;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelGen.Analyzers;

namespace ModelGen.Benchmarks;

/// <summary>
/// The ModelGen analyzers on a compilation of 50 models and 200 call sites (four per model: global magnitude, layer-wise
/// SNIP, SynFlow with few rounds, lottery-ticket options; most of them diagnosed), as an IDE or a build runs them: a
/// fresh compilation of the same trees each time (nothing bound yet), generated sources included.
/// <see cref="CompileOnly"/> is the compiler's own diagnostics pass on it, for scale; <see cref="CompileAndAnalyze"/>
/// adds the analyzers, so the difference is their cost.
/// </summary>
public class AnalyzerBenchmarks
{
    public const int Models = 50;
    public const int CallSitesPerModel = 4;

    private ImmutableArray<SyntaxTree> _trees;
    private readonly ImmutableArray<DiagnosticAnalyzer> _analyzers = [new PruningCallAnalyzer(), new ModelDeclarationAnalyzer()];
    private readonly MetadataReference[] _references =
    [
        .. Net100.References.All,
        MetadataReference.CreateFromFile(typeof(ModelAttribute).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.Location),
    ];

    /// <summary>The user's source plus the generator's output for it, parsed once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var user = CSharpSyntaxTree.ParseText(Source(), parseOptions, "/src/Models.cs");
        var driver = CSharpGeneratorDriver.Create([new ModelGen.Generators.ModelGenerator().AsSourceGenerator()], parseOptions: parseOptions);
        driver.RunGeneratorsAndUpdateCompilation(Compile([user]), out var generated, out _);
        _trees = [.. generated.SyntaxTrees];

        // Outside the timing: the analyzers must really be at work on these call sites, or the numbers mean nothing.
        var diagnostics = Compile(_trees).WithAnalyzers(_analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        if (diagnostics.Length < Models)
        {
            throw new InvalidOperationException($"Only {diagnostics.Length} analyzer diagnostics on {Models * CallSitesPerModel} call sites.");
        }

        Console.WriteLine($"// {Models} models, {Models * CallSitesPerModel} call sites, {_trees.Length} syntax trees: {diagnostics.Length} analyzer diagnostics ({string.Join(", ", diagnostics.GroupBy(d => d.Id).OrderBy(g => g.Key).Select(g => $"{g.Key} × {g.Count()}"))})");
    }

    /// <summary>
    /// One analysis of a fresh compilation: the wall time of the analyzer diagnostics pass (which binds the trees,
    /// as the compiler's own pass would) and the time spent in the ModelGen analyzers' callbacks themselves (Roslyn's
    /// per-analyzer execution-time telemetry, sequential analysis so the two add up).
    /// </summary>
    public (double WallSeconds, double AnalyzerSeconds, int Diagnostics, double CompilerSeconds) AnalyzeOnce()
    {
        // For scale: the compiler's own diagnostics pass over a fresh compilation of the same trees (no analyzers).
        var compilerWatch = System.Diagnostics.Stopwatch.StartNew();
        Compile(_trees).GetDiagnostics();
        compilerWatch.Stop();

        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: true);
        var analysis = Compile(_trees).WithAnalyzers(_analyzers, options);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var diagnostics = analysis.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        stopwatch.Stop();
        var analyzerSeconds = 0.0;
        foreach (var analyzer in _analyzers)
        {
            analyzerSeconds += analysis.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None).GetAwaiter().GetResult().ExecutionTime.TotalSeconds;
        }

        return (stopwatch.Elapsed.TotalSeconds, analyzerSeconds, diagnostics.Length, compilerWatch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// <c>dotnet run -c Release --project tests/ModelGen.Benchmarks -- analyzers [repetitions]</c>: a timed harness
    /// (one analysis takes seconds on a loaded machine, too long for BenchmarkDotNet's in-process runs), reporting
    /// every repetition and the medians.
    /// </summary>
    public static void RunTimed(int repetitions)
    {
        var benchmark = new AnalyzerBenchmarks();
        benchmark.Setup();
        var runs = new List<(double WallSeconds, double AnalyzerSeconds, int Diagnostics, double CompilerSeconds)>();
        for (var i = 0; i <= repetitions; i++)
        {
            var run = benchmark.AnalyzeOnce();
            Console.WriteLine($"{(i == 0 ? "warm-up" : $"run {i}")}: compiler pass {run.CompilerSeconds:0.000} s, analysis pass {run.WallSeconds:0.000} s, ModelGen analyzers {1000 * run.AnalyzerSeconds:0.0} ms, {run.Diagnostics} diagnostics");
            if (i > 0)
            {
                runs.Add(run);
            }
        }

        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        Console.WriteLine($"median of {repetitions}: compiler pass {Median(runs.Select(r => r.CompilerSeconds)):0.000} s, analysis pass {Median(runs.Select(r => r.WallSeconds)):0.000} s, ModelGen analyzers {1000 * Median(runs.Select(r => r.AnalyzerSeconds)):0.0} ms");
    }

    private CSharpCompilation Compile(IEnumerable<SyntaxTree> trees) =>
        CSharpCompilation.Create("Bench", trees, _references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    private static string Source()
    {
        var text = new StringBuilder("""
            using ModelGen;
            using ModelGen.Data;
            using ModelGen.Pruning;

            """);
        for (var i = 0; i < Models; i++)
        {
            text.AppendLine($$"""
                [Model(Input = 784, Name = "m{{i}}")]
                [Dense({{100 + i}}, Activation.ReLU)]
                [Dense(10)]
                public partial class M{{i}} { }

                public static class Use{{i}}
                {
                    public static void Run(Dataset data)
                    {
                        var net = new M{{i}}(0);
                        new MagnitudePruner().Prune(net, 0.99);
                        new SnipPruner(data) { Scope = PruningScope.LayerWise }.Prune(net, 0.995);
                        var synflow = new SynFlowPruner { Iterations = {{1 + (i % 5)}} };
                        synflow.Prune(net, 0.99);
                        var options = new LotteryTicketOptions { PruneRate = 0.2, OutputLayerPruneRate = {{(i % 2 == 0 ? "0.2" : "0.1")}} };
                    }
                }
                """);
        }

        return text.ToString();
    }
}
