using System.CommandLine;

namespace ModelGen.Cli;

/// <summary>
/// A model's declared pruning plan (<c>[PruningPlan]</c>, exposed as <see cref="Model.ModelDescriptor.Plan"/>) as the
/// defaults of a run: without <c>--method</c>, <c>train</c> uses the plan's method, and its sparsity, scope and rates
/// where those flags are not given either. A model without a plan trains dense, as before. The run's JSON records the
/// method actually used.
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

    /// <summary>Whether the option was written on the command line (not just its default).</summary>
    private static bool Given(ParseResult result, Option option) => result.GetResult(option) is { Implicit: false };
}
