using ModelGen.Pruning;
using ModelGen.Cli.Output;

namespace ModelGen.Cli.Sweep;

/// <summary>The runs of one model and method at one target sparsity, over seeds.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Method">Method name.</param>
/// <param name="TargetSparsity">Requested sparsity.</param>
/// <param name="Runs">The recorded runs, trained and refused.</param>
public sealed record SweepGroup(string Model, string Method, double TargetSparsity, IReadOnlyList<RunRecord> Runs)
{
    /// <summary>dense LeNet-300-100's parameters (weights and biases), the reference for factorized models' size.</summary>
    public const long DenseLeNet300Parameters = 266_610;

    /// <summary>Test accuracies (0..1) of the runs that trained.</summary>
    public IReadOnlyList<double> Accuracies { get; } = Runs.Where(r => r.TestAccuracy.HasValue).Select(r => r.TestAccuracy!.Value).ToArray();

    /// <summary>The runs refused (layer collapse).</summary>
    public IReadOnlyList<RunRecord> Refused { get; } = Runs.Where(r => r.Refused is not null).ToArray();

    /// <summary>Whether the model has factorized layers.</summary>
    public bool IsFactorized { get; } = Runs.Any(r => r.Layers.Any(l => l.Rank > 0));

    /// <summary>Mean parameters (weights + biases that can be nonzero) over the runs.</summary>
    public double MeanParameters => Runs.Average(r => (double)r.Parameters);

    /// <summary>Mean achieved sparsity over the runs that trained.</summary>
    public double MeanSparsity => Runs.Where(r => r.TestAccuracy.HasValue).Select(r => r.Sparsity).DefaultIfEmpty(TargetSparsity).Average();

    /// <summary>
    /// The x of the accuracy plot: for a plain model the fraction of prunable weights kept; for a factorized model its
    /// parameters as a fraction of dense LeNet-300-100's, so pruning and factorization share one axis.
    /// </summary>
    public double FractionKept => IsFactorized ? MeanParameters / DenseLeNet300Parameters : 1 - MeanSparsity;

    /// <summary>Groups runs by model, method and target sparsity, in the order models first appear and methods are listed.</summary>
    public static IReadOnlyList<SweepGroup> Build(IReadOnlyList<RunRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var modelOrder = records.Select(r => r.Model).Distinct(StringComparer.Ordinal).ToList();
        return records
            .GroupBy(r => (r.Model, r.Method, r.TargetSparsity))
            .Select(g => new SweepGroup(g.Key.Model, g.Key.Method, g.Key.TargetSparsity, g.OrderBy(r => r.Seed).ToArray()))
            .OrderBy(g => modelOrder.IndexOf(g.Model))
            .ThenBy(g => MethodOrder(g.Method))
            .ThenBy(g => g.TargetSparsity)
            .ToArray();
    }

    /// <summary>Position of a method in <see cref="PruningMethods.All"/> (unknown names last).</summary>
    public static int MethodOrder(string method) => PruningMethods.OrderOf(method);
}
