using System;
using System.Collections.Generic;
using ModelGen.Model;

namespace ModelGen.Pruning;

/// <summary>How much of one prunable tensor a mask keeps.</summary>
/// <param name="Layer">The layer that owns the tensor (<c>fc1</c>).</param>
/// <param name="Tensor">The tensor's full name (<c>fc1.weight</c>; <c>fc1.U</c> / <c>fc1.Vt</c> when factorized).</param>
/// <param name="Rows">Rows of the tensor.</param>
/// <param name="Cols">Columns of the tensor.</param>
/// <param name="Weights">Entries of the tensor (Rows·Cols).</param>
/// <param name="Kept">Entries the mask keeps.</param>
public sealed record PrunedTensor(string Layer, string Tensor, int Rows, int Cols, int Weights, int Kept)
{
    /// <summary>Fraction of the tensor's weights kept.</summary>
    public double Density => Weights == 0 ? 0.0 : (double)Kept / Weights;
}

/// <summary>What a pruner did to a network: the common result of every pruner.</summary>
/// <param name="Method">The pruner's name as the command line spells it (<c>snip</c>).</param>
/// <param name="Scope">Global or layer-wise ranking.</param>
/// <param name="TargetSparsity">Requested fraction of prunable weights to remove.</param>
/// <param name="AchievedSparsity">Fraction of prunable weights the mask removes (biases and non-prunable layers not counted).</param>
/// <param name="Tensors">Per prunable tensor, in storage order: shape, weights and kept count.</param>
/// <param name="ScoreSeconds">Wall-clock seconds spent scoring and selecting (0 when nothing was scored).</param>
/// <param name="Warnings">Conditions worth a look that did not stop pruning (output units left with no input, collapsed layers when allowed).</param>
public sealed record PruningReport(
    string Method,
    PruningScope Scope,
    double TargetSparsity,
    double AchievedSparsity,
    IReadOnlyList<PrunedTensor> Tensors,
    double ScoreSeconds,
    IReadOnlyList<string> Warnings)
{
    /// <summary>Prunable weights in the network.</summary>
    public long TotalWeights
    {
        get
        {
            var total = 0L;
            foreach (var tensor in Tensors)
            {
                total += tensor.Weights;
            }

            return total;
        }
    }

    /// <summary>Prunable weights the mask keeps.</summary>
    public long KeptWeights
    {
        get
        {
            var kept = 0L;
            foreach (var tensor in Tensors)
            {
                kept += tensor.Kept;
            }

            return kept;
        }
    }

    /// <summary>
    /// Describes the mask <paramref name="network"/> carries now: per-tensor kept counts, the achieved sparsity and
    /// the mask's warnings (see <see cref="MaskAnalysis.Warnings"/>).
    /// </summary>
    public static PruningReport Describe(INetwork network, string method, PruningScope scope, double targetSparsity, double scoreSeconds)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(method);
        var parameters = network.Parameters;
        var mask = network.Masks.Values;
        var tensors = new List<PrunedTensor>();
        long total = 0;
        long kept = 0;
        foreach (var tensor in parameters.Tensors)
        {
            if (!tensor.IsPrunable)
            {
                continue;
            }

            var count = network.Masks.CountKept(tensor);
            tensors.Add(new PrunedTensor(tensor.Layer, tensor.Name, tensor.Rows, tensor.Cols, tensor.Length, count));
            total += tensor.Length;
            kept += count;
        }

        var achieved = total == 0 ? 0.0 : 1.0 - ((double)kept / total);
        return new PruningReport(method, scope, targetSparsity, achieved, tensors, scoreSeconds, MaskAnalysis.Warnings(network, mask));
    }
}
