using System;
using System.Collections.Generic;
using System.Diagnostics;
using ModelGen.Model;
using ModelGen.Shapes;

namespace ModelGen.Pruning;

/// <summary>
/// A one-shot pruner: scores every prunable weight of a network, keeps the top-scored ones through
/// <see cref="TopK"/> (exactly round((1 − sparsity)·N) per scope) and installs the mask on the network.
/// </summary>
/// <remarks>
/// <para>
/// Usage: <c>var report = new SnipPruner(train).Prune(network, 0.9);</c>. Pruners work on any generated network
/// through <see cref="INetwork"/> only. Scoring sees the network as it is, including a mask it already carries;
/// weights that mask removes rank below every surviving weight, so pruning an already-pruned network tightens its
/// mask.
/// </para>
/// <para>
/// After <see cref="Prune"/> the network's parameters and gradients are what they were before the call, except that
/// the newly pruned weights are zero; the mask is replaced. If pruning is refused (a <see cref="PruningException"/>,
/// such as <see cref="LayerCollapseException"/>) or fails, the network is left entirely unchanged.
/// </para>
/// </remarks>
public abstract class Pruner
{
    /// <summary>Global (the default for one-shot pruners) or layer-wise ranking.</summary>
    public PruningScope Scope { get; init; } = PruningScope.Global;

    /// <summary>
    /// Allows a mask that empties a prunable tensor (a collapsed layer); it is then reported as a warning instead of
    /// throwing <see cref="LayerCollapseException"/>.
    /// </summary>
    public bool AllowCollapse { get; init; }

    /// <summary>The method's name as the command line and the JSON results spell it (<c>snip</c>).</summary>
    public abstract string Method { get; }

    /// <summary>
    /// Prunes <paramref name="network"/> to <paramref name="sparsity"/> (the fraction of prunable weights removed)
    /// and installs the mask, zeroing the removed weights.
    /// </summary>
    /// <returns>What was kept per tensor, the achieved sparsity, the scoring time and warnings.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sparsity"/> lies outside [0, 1].</exception>
    /// <exception cref="LayerCollapseException">A prunable tensor would lose every weight and <see cref="AllowCollapse"/> is off.</exception>
    /// <exception cref="PruningException">The pruner cannot score this network (the message says why).</exception>
    public PruningReport Prune(INetwork network, double sparsity)
    {
        ArgumentNullException.ThrowIfNull(network);
        TopK.ValidateSparsity(sparsity);

        // What the build's analyzers predict for this configuration (the same rules): an exact collapse is refused
        // before scoring, with the analyzer's text.
        if (!AllowCollapse && Scope == PruningScope.LayerWise)
        {
            foreach (var finding in CheckRules(network, sparsity))
            {
                if (finding.Rule == PruningRules.LayerCollapse)
                {
                    throw new LayerCollapseException(finding.Arguments[4], finding.Arguments[5], finding.ToString());
                }
            }
        }

        var parameters = network.Parameters;
        var values = parameters.Snapshot();
        var gradients = (float[])parameters.Gradients.Clone();
        var originalMask = network.Masks.Values.ToArray();

        float[] mask;
        var stopwatch = Stopwatch.StartNew();
        try
        {
            mask = ComputeMask(network, sparsity);
        }
        finally
        {
            stopwatch.Stop();
            parameters.Restore(values);
            gradients.CopyTo(parameters.Gradients, 0);
            network.Masks.Install(originalMask);
        }

        if (!AllowCollapse && MaskAnalysis.FirstEmptyTensor(parameters, mask) is { } empty)
        {
            throw new LayerCollapseException(empty.Layer, empty.Name, Method, sparsity);
        }

        network.Masks.Install(mask);
        return PruningReport.Describe(network, Method, Scope, sparsity, stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// What the pruning-safety rules say about pruning <paramref name="network"/> to <paramref name="sparsity"/> with
    /// this pruner's method and scope, before any scoring: the same findings, with the same IDs and text, that the
    /// analyzers report for a constant configuration at build time (layer collapse or starved layers where they can be
    /// known, SynFlow's iteration count, a sparsity outside [0, 1]).
    /// </summary>
    public IReadOnlyList<PruningAdvice> Check(INetwork network, double sparsity)
    {
        ArgumentNullException.ThrowIfNull(network);
        return PruningAdvice.From(CheckRules(network, sparsity));
    }

    private List<RuleFinding> CheckRules(INetwork network, double sparsity)
    {
        var method = Method switch
        {
            "random" => PruneMethodCode.Random,
            "magnitude" => PruneMethodCode.Magnitude,
            "grasp" => PruneMethodCode.Grasp,
            "synflow" => PruneMethodCode.SynFlow,
            _ => PruneMethodCode.Snip,
        };
        var iterations = this is SynFlowPruner synFlow ? synFlow.Iterations : PruningRules.SynFlowDefaultIterations;
        return PruningRules.CheckPrune(method, (PruneScopeCode)Scope, sparsity, iterations, PruningAdvice.Layers(network.Layers));
    }

    /// <summary>
    /// Computes the new mask (laid out like <see cref="ParameterSet.Values"/>, non-prunable entries 1). May change
    /// the network's parameters, gradients and mask freely: <see cref="Prune"/> restores them afterwards.
    /// </summary>
    protected abstract float[] ComputeMask(INetwork network, double sparsity);

    /// <summary>
    /// Keeps the top-<paramref name="scores"/> weights at <paramref name="sparsity"/> in <see cref="Scope"/>, with
    /// the network's current mask deciding which weights already count as removed.
    /// </summary>
    protected float[] SelectTop(INetwork network, ReadOnlySpan<float> scores, double sparsity)
    {
        ArgumentNullException.ThrowIfNull(network);
        var survivors = network.Masks.IsActive ? network.Masks.Values : ReadOnlySpan<float>.Empty;
        return TopK.SelectMask(network.Parameters, scores, sparsity, Scope, survivors);
    }
}
