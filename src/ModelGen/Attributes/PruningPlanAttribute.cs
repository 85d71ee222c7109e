using System;
using ModelGen.Pruning;

namespace ModelGen;

/// <summary>
/// Declares how a model is meant to be pruned: the default method, sparsity and scope (and a lottery-ticket search's
/// per-round rates). The generator exposes it as <see cref="Model.ModelDescriptor.Plan"/>; the CLI's <c>train</c>
/// uses it when <c>--method</c> is not given, and the analyzers check it at build time like a constant call site.
/// </summary>
/// <example>
/// <code>
/// [Model(Input = 784)]
/// [PruningPlan("lth", 0.9, PruneRate = 0.2)]
/// [Dense(300, Activation.ReLU)]
/// [Dense(10)]
/// public partial class Planned { }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class PruningPlanAttribute : Attribute
{
    /// <summary>Declares the plan.</summary>
    /// <param name="method">The method as the CLI names it (<c>magnitude</c>, <c>snip</c>, <c>grasp</c>, <c>synflow</c>, <c>random</c>, <c>lth</c>, <c>dense</c>).</param>
    /// <param name="sparsity">Fraction of prunable weights to remove, in [0, 1].</param>
    public PruningPlanAttribute(string method, double sparsity)
    {
        Method = method;
        Sparsity = sparsity;
    }

    /// <summary>The method's CLI name.</summary>
    public string Method { get; }

    /// <summary>Fraction of prunable weights to remove.</summary>
    public double Sparsity { get; }

    /// <summary>Ranking scope; when not given, layer-wise for <c>lth</c> and global otherwise (as the CLI).</summary>
    public PruningScope Scope { get; set; }

    /// <summary>Lottery tickets: fraction of each layer's remaining weights removed per round (default 0.2).</summary>
    public double PruneRate { get; set; }

    /// <summary>Lottery tickets: the output layer's rate (default half of <see cref="PruneRate"/>).</summary>
    public double OutputLayerPruneRate { get; set; }
}
