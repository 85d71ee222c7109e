using System.CommandLine;
using ModelGen.Pruning;

namespace ModelGen.Cli;

/// <summary>
/// A model's declared pruning plan (<c>[PruningPlan]</c>, exposed as <see cref="Model.ModelDescriptor.Plan"/>) as the
/// defaults of a run: without <c>--method</c>, <c>train</c> uses the plan's method, and its sparsity, scope and rates
/// where those flags are not given either; <c>sweep</c> without <c>--methods</c> (and <c>--sparsities</c>) sweeps the
/// selected models' declared methods (and sparsities). A model without a plan trains dense, as before. Each run's JSON
/// records the method actually used.
/// </summary>
public static class DeclaredPlan
{
    /// <summary>The settings with the declared plan filled in where the command line is silent.</summary>
    public static TrainSettings Apply(TrainSettings settings, ParseResult result, Option method, Option sparsity, TrainingFlags flags)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(result);
        if (Given(result, method) || ModelGen.Generated.ModelCatalog.Find(settings.Model)?.Plan is not { } plan)
        {
            return settings;
        }

        return settings with
        {
            Method = plan.Method,
            Sparsity = Given(result, sparsity) ? settings.Sparsity : plan.Sparsity,
            Scope = Given(result, flags.Scope) ? settings.Scope : plan.Scope,
            PruneRate = Given(result, flags.PruneRate) ? settings.PruneRate : plan.PruneRate ?? settings.PruneRate,
            OutputLayerPruneRate = plan.OutputLayerPruneRate,
        };
    }

    /// <summary>
    /// <c>sweep</c> without <c>--methods</c>: the declared methods of <paramref name="models"/> (dense for a model
    /// without a plan), each once; null when no model declares a plan (the usual default applies).
    /// </summary>
    public static string[]? Methods(IEnumerable<string> models)
    {
        var plans = models.Select(m => ModelGen.Generated.ModelCatalog.Find(m)?.Plan).ToArray();
        return plans.All(p => p is null) ? null : plans.Select(p => p?.Method ?? PruningMethods.Dense.Name).Distinct().ToArray();
    }

    /// <summary><c>sweep</c> without <c>--sparsities</c>: the declared sparsities of <paramref name="models"/>; null when none declares a plan.</summary>
    public static double[]? Sparsities(IEnumerable<string> models)
    {
        var plans = models.Select(m => ModelGen.Generated.ModelCatalog.Find(m)?.Plan).Where(p => p is not null).ToArray();
        return plans.Length == 0 ? null : plans.Select(p => p!.Sparsity).Distinct().ToArray();
    }

    /// <summary>Whether the option was written on the command line (not just its default).</summary>
    public static bool Given(ParseResult result, Option option) => result.GetResult(option) is { Implicit: false };
}
