using ModelGen.Pruning;

namespace ModelGen.Cli.Sweep;

/// <summary>One cell of a sweep: a model trained with a method at a target sparsity from a seed.</summary>
/// <param name="Model">Listed model name.</param>
/// <param name="Method">Method name.</param>
/// <param name="TargetSparsity">Requested sparsity (0 for dense).</param>
/// <param name="Seed">Seed.</param>
public sealed record SweepCell(string Model, string Method, double TargetSparsity, int Seed)
{
    /// <summary>The cell a finished run fills.</summary>
    public static SweepCell Of(Output.RunRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new SweepCell(record.Model, record.Method, record.TargetSparsity, record.Seed);
    }
}

/// <summary>Expands the sweep's lists into cells.</summary>
public static class SweepPlan
{
    /// <summary>
    /// Every cell of models × methods × sparsities × seeds, ordered model, method, seed, sparsity ascending (so one
    /// lottery-ticket trajectory per seed meets its targets in turn). dense ignores the sparsities and gets one cell at
    /// 0; a pruning method skips sparsity 0, which would be dense training under another name. A pruning method also
    /// skips a model for which <paramref name="isPrunableAsAWhole"/> is false (a factorized model whose factors are
    /// not prunable: pruning it would only thin its small dense output layer), so a sweep over
    /// <c>lenet300,lenet300-r8,…</c> with <c>dense,snip</c> puts pruned and factorized networks side by side.
    /// </summary>
    public static IReadOnlyList<SweepCell> Expand(
        IEnumerable<string> models,
        IEnumerable<string> methods,
        IEnumerable<double> sparsities,
        IEnumerable<int> seeds,
        Func<string, bool>? isPrunableAsAWhole = null)
    {
        var sortedSparsities = sparsities.Distinct().Order().ToArray();
        var seedList = seeds.Distinct().ToArray();
        var cells = new List<SweepCell>();
        foreach (var model in models.Distinct(StringComparer.Ordinal))
        {
            foreach (var method in methods.Distinct(StringComparer.Ordinal))
            {
                foreach (var seed in seedList)
                {
                    if (method == PruningMethods.Dense.Name)
                    {
                        cells.Add(new SweepCell(model, method, 0, seed));
                        continue;
                    }

                    if (isPrunableAsAWhole is not null && !isPrunableAsAWhole(model))
                    {
                        continue;
                    }

                    foreach (var sparsity in sortedSparsities)
                    {
                        if (sparsity > 0)
                        {
                            cells.Add(new SweepCell(model, method, sparsity, seed));
                        }
                    }
                }
            }
        }

        return cells;
    }

    /// <summary>
    /// Whether every weight-carrying layer of the model can be pruned (false for factorized models with fixed factors):
    /// the <c>isPrunableAsAWhole</c> of <see cref="Expand"/> for the models built into this CLI.
    /// </summary>
    public static bool PrunesEveryWeightLayer(string model) =>
        ModelGen.Generated.ModelCatalog.Find(model) is not { } descriptor || descriptor.Layers.Where(layer => layer.HasWeights).All(layer => layer.Prunable);
}
