using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ModelGen.Data;
using ModelGen.Examples;
using ModelGen.Kernels;
using ModelGen.Model;
using ModelGen.Pruning;

namespace ModelGen.Benchmarks;

/// <summary>
/// Scoring time of each one-shot pruner on LeNet-300-100 as the <c>train</c> command runs it: <c>Prune(network, 0.9)</c>
/// in global scope, SNIP and GraSP (T = 200) on the first 1,000 samples of the bundled MNIST training split in batches
/// of 100, SynFlow with 100 rounds, magnitude and random. Every iteration prunes a fresh network: the initial
/// parameters, gradients and (empty) mask are restored before it, outside the measured time.
/// </summary>
/// <remarks>
/// One operation takes milliseconds to a second, so each iteration is a single <c>Prune</c> call (no unrolling) and the
/// restore runs in <see cref="IterationSetupAttribute"/>. <c>peer/torch_pruners.py</c> times the same definitions in
/// PyTorch.
/// </remarks>
[Config(typeof(PrunerConfig))]
public class PrunerBenchmarks
{
    private INetwork _network = null!;
    private Pruner _pruner = null!;
    private float[] _initialValues = [];

    [Params("snip", "grasp", "synflow", "magnitude", "random")]
    public string Method { get; set; } = "snip";

    /// <summary>Threads a matrix product may use (<see cref="Gemm.MaxDegreeOfParallelism"/>).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxDegreeOfParallelism = Threads;
        _network = new LeNet300(seed: 0);
        _initialValues = _network.Parameters.Snapshot();
        var (train, _) = IdxDataset.Load(BundledMnist.Folder);
        _pruner = Method switch
        {
            "snip" => new SnipPruner(train),
            "grasp" => new GraspPruner(train),
            "synflow" => new SynFlowPruner(),
            "magnitude" => new MagnitudePruner(),
            "random" => new RandomPruner(seed: 0),
            _ => throw new ArgumentOutOfRangeException(nameof(Method), Method, "Unknown pruning method."),
        };
    }

    [IterationSetup]
    public void RestoreNetwork()
    {
        _network.Parameters.Restore(_initialValues);
        _network.Parameters.ZeroGradients();
        _network.Masks.Reset();
    }

    /// <summary>Scores every prunable weight and installs the 90 %-sparse mask.</summary>
    [Benchmark]
    public PruningReport Prune() => _pruner.Prune(_network, 0.9);
}

/// <summary>One <c>Prune</c> per iteration (3 warm-ups, 15 measured), median and allocation per operation.</summary>
public sealed class PrunerConfig : ManualConfig
{
    public PrunerConfig()
    {
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(15)
            .WithInvocationCount(1).WithUnrollFactor(1)
            .WithToolchain(InProcessEmitToolchain.Instance).WithId("Single"));
        AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        AddDiagnoser(MemoryDiagnoser.Default);
        HideColumns(Column.Error, Column.StdDev);
    }
}

/// <summary>
/// The bundled MNIST split (<c>examples/data/mnist-10k</c>), found from the working directory or the executable's
/// folder upwards, or given by the <c>MODELGEN_MNIST</c> environment variable.
/// </summary>
internal static class BundledMnist
{
    private const string RelativeFolder = "examples/data/mnist-10k";

    public static string Folder => Environment.GetEnvironmentVariable("MODELGEN_MNIST") is { Length: > 0 } configured
        ? configured
        : FindUpwards(Directory.GetCurrentDirectory()) ?? FindUpwards(AppContext.BaseDirectory)
            ?? throw new DirectoryNotFoundException($"'{RelativeFolder}' is neither above the working directory nor above the executable; run from the repository or set MODELGEN_MNIST.");

    private static string? FindUpwards(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, RelativeFolder);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
