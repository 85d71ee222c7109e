using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace ModelGen.Benchmarks;

/// <summary>
/// A short job (one launch, 3 warm-ups, 15 measured iterations of about 100 ms) so the whole suite runs in minutes on a shared
/// 2-core machine, plus the median (robust against the noise of a shared machine), allocation per operation, and
/// a throughput column computed from the median. Benchmarks run in process: BenchmarkDotNet's generated project
/// would be built outside this repository's Directory.Build.props (and its MG_ARTIFACTS output redirection), and
/// the process already has the settings that matter (Release, workstation GC, tiered PGO as shipped).
/// </summary>
public abstract class ThroughputConfig : ManualConfig
{
    protected ThroughputConfig(IColumn throughput)
    {
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(15)
            .WithIterationTime(TimeInterval.FromMilliseconds(100))
            .WithToolchain(InProcessEmitToolchain.Instance).WithId("Short"));
        AddColumn(StatisticColumn.Median, throughput);
        AddDiagnoser(MemoryDiagnoser.Default);
        HideColumns(Column.Error, Column.StdDev);
    }
}

/// <summary>Adds GFLOP/s (from <see cref="GemmBenchmarks.FlopsPerOperation"/>) to the GEMM benchmarks.</summary>
public sealed class GemmConfig : ThroughputConfig
{
    public GemmConfig()
        : base(new MedianThroughputColumn("GFLOP/s", benchmarkCase => GemmBenchmarks.FlopsPerOperation(benchmarkCase) / 1e9))
    {
    }
}

/// <summary>Adds samples/s (the batch size over the median time) to the network benchmarks.</summary>
public sealed class NetworkConfig : ThroughputConfig
{
    public NetworkConfig()
        : base(new MedianThroughputColumn("samples/s", benchmarkCase => Convert.ToDouble(benchmarkCase.Parameters["Batch"], CultureInfo.InvariantCulture)))
    {
    }
}

/// <summary>Work per operation divided by the median time of the operation.</summary>
public sealed class MedianThroughputColumn(string name, Func<BenchmarkCase, double> workPerOperation) : IColumn
{
    public string Id => nameof(MedianThroughputColumn) + name;

    public string ColumnName => name;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => $"{name}, from the median time per operation";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (statistics is null || statistics.Median <= 0)
        {
            return "NA";
        }

        var perSecond = workPerOperation(benchmarkCase) / (statistics.Median / 1e9);
        return perSecond.ToString(perSecond >= 100 ? "N0" : "F1", CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
