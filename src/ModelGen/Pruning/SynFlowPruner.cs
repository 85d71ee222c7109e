using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using ModelGen.Model;

namespace ModelGen.Pruning;

/// <summary>
/// SynFlow (Tanaka et al. 2020, "Pruning neural networks without any data by iteratively conserving synaptic
/// flow"): data-free and iterative. Each round replaces every parameter, biases included, by its absolute value,
/// feeds one all-ones sample through the network with every activation linearized (the identity), takes
/// R = 1ᵀ·output, and scores each weight |∂R/∂θ ⊙ θ|; then it prunes to density d^(k/n) after round k of
/// n = <see cref="Iterations"/>, for final density d, and applies the mask before the next round.
/// </summary>
/// <remarks>
/// Iterating is what avoids layer collapse: a score is the total "synaptic flow" through a weight, and pruning in
/// small steps lets the remaining flow redistribute. An R that overflows float32 (or otherwise becomes non-finite)
/// is refused with a <see cref="PruningException"/> instead of ranking garbage.
/// </remarks>
public sealed class SynFlowPruner : Pruner
{
    /// <summary>Default number of pruning rounds (the paper's 100).</summary>
    public const int DefaultIterations = Shapes.PruningRules.SynFlowDefaultIterations;

    /// <summary>Pruning rounds n (default 100); must be positive.</summary>
    public int Iterations { get; init; } = DefaultIterations;

    /// <inheritdoc />
    public override string Method => PruningMethods.SynFlow.Name;

    /// <summary>
    /// One round's SynFlow scores |∂R/∂θ ⊙ θ| for the network as it is now (with its current mask), laid out like
    /// <see cref="ParameterSet.Values"/>. Overwrites the parameters with their absolute values and the gradients
    /// with ∂R/∂θ; <see cref="Pruner.Prune"/> restores both.
    /// </summary>
    /// <exception cref="PruningException">R is not finite (float32 overflow).</exception>
    public float[] ComputeScores(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var parameters = network.Parameters;
        TensorPrimitives.Abs(parameters.Values, parameters.Values);
        network.Masks.ApplyToParameters();
        var scores = new float[parameters.Count];
        var pass = new ScoringPass(network);
        pass.Run(network, scores, round: 1);
        return scores;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Each round scores the whole network (one batch-1 pass) but selects only among the current survivors, which
    /// shrink geometrically, and zeroes only the weights it drops. The network's mask is not rewritten between rounds:
    /// a removed weight is zero in the parameters, which is all the scoring pass needs (W ⊙ M = W then, and its score
    /// |∂R/∂w · 0| is 0 either way); the final mask is built once from the survivors. When the network already
    /// carries a mask with fewer survivors than the first round keeps (so removed weights must be revived), the
    /// rounds go through the general <see cref="TopK.SelectMask(ParameterSet, ReadOnlySpan{float}, IReadOnlyList{IReadOnlyList{ParameterTensor}}, ReadOnlySpan{int}, ReadOnlySpan{float})"/> instead.
    /// </remarks>
    protected override float[] ComputeMask(INetwork network, double sparsity)
    {
        if (Iterations <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "SynFlow needs at least one round.");
        }

        var parameters = network.Parameters;
        var groups = TopK.Groups(parameters, Scope);
        var sizes = new int[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            foreach (var tensor in groups[g])
            {
                sizes[g] += tensor.Length;
            }
        }

        // |θ| once: masking between rounds only zeroes entries, so the absolute values stay valid.
        TensorPrimitives.Abs(parameters.Values, parameters.Values);
        network.Masks.ApplyToParameters();

        var survivors = SurvivorIndices(network, groups);
        var keep = new int[groups.Count];
        KeptCounts(sizes, sparsity, round: 1, keep);
        for (var g = 0; g < groups.Count; g++)
        {
            if (keep[g] > survivors[g].Length)
            {
                return ComputeMaskReviving(network, groups, sizes, sparsity);
            }
        }

        // Kept counts never grow from round to round, so survivors can always fill them from here on.
        var counts = new int[groups.Count];
        var largest = 0;
        for (var g = 0; g < groups.Count; g++)
        {
            counts[g] = survivors[g].Length;
            largest = Math.Max(largest, counts[g]);
        }

        var scores = new float[parameters.Count];
        var keys = new uint[largest];
        var histogram = new int[1 << 16];
        var pass = new ScoringPass(network);
        for (var round = 1; round <= Iterations; round++)
        {
            pass.Run(network, scores, round);
            KeptCounts(sizes, sparsity, round, keep);
            for (var g = 0; g < groups.Count; g++)
            {
                counts[g] = TopK.RetainTop(survivors[g].AsSpan(0, counts[g]), scores, keep[g], keys, histogram, parameters.Values);
            }
        }

        var mask = new float[parameters.Count];
        Array.Fill(mask, 1f);
        for (var g = 0; g < groups.Count; g++)
        {
            foreach (var tensor in groups[g])
            {
                mask.AsSpan(tensor.Offset, tensor.Length).Clear();
            }

            foreach (var index in survivors[g].AsSpan(0, counts[g]))
            {
                mask[index] = 1f;
            }
        }

        return mask;
    }

    /// <summary>
    /// The density schedule: d^(k/n) of each group's size after round k, the last round exactly
    /// <see cref="TopK.KeptCount"/>.
    /// </summary>
    private void KeptCounts(int[] sizes, double sparsity, int round, int[] keep)
    {
        var density = 1.0 - sparsity;
        for (var g = 0; g < sizes.Length; g++)
        {
            keep[g] = round == Iterations
                ? TopK.KeptCount(sizes[g], sparsity)
                : (int)Math.Round(Math.Pow(density, (double)round / Iterations) * sizes[g], MidpointRounding.ToEven);
        }
    }

    /// <summary>Per group, the flat indices its current mask keeps, ascending (ties go to the lowest index).</summary>
    private static int[][] SurvivorIndices(INetwork network, IReadOnlyList<IReadOnlyList<ParameterTensor>> groups)
    {
        var mask = network.Masks.Values;
        var survivors = new int[groups.Count][];
        for (var g = 0; g < groups.Count; g++)
        {
            var ranges = new List<(int Offset, int Length)>();
            foreach (var tensor in groups[g])
            {
                ranges.Add((tensor.Offset, tensor.Length));
            }

            ranges.Sort();
            var count = 0;
            foreach (var (offset, length) in ranges)
            {
                for (var i = offset; i < offset + length; i++)
                {
                    count += mask[i] != 0f ? 1 : 0;
                }
            }

            var indices = new int[count];
            var next = 0;
            foreach (var (offset, length) in ranges)
            {
                for (var i = offset; i < offset + length; i++)
                {
                    if (mask[i] != 0f)
                    {
                        indices[next++] = i;
                    }
                }
            }

            survivors[g] = indices;
        }

        return survivors;
    }

    /// <summary>
    /// Every round through the general selection and the network's mask: needed only when the mask the network
    /// arrives with keeps fewer weights than a round asks for, so that removed weights come back.
    /// </summary>
    private float[] ComputeMaskReviving(INetwork network, IReadOnlyList<IReadOnlyList<ParameterTensor>> groups, int[] sizes, double sparsity)
    {
        var parameters = network.Parameters;
        var scores = new float[parameters.Count];
        var keep = new int[groups.Count];
        var pass = new ScoringPass(network);
        var mask = network.Masks.Values.ToArray();
        for (var round = 1; round <= Iterations; round++)
        {
            pass.Run(network, scores, round);
            KeptCounts(sizes, sparsity, round, keep);
            var survivors = network.Masks.IsActive ? network.Masks.Values : ReadOnlySpan<float>.Empty;
            mask = TopK.SelectMask(parameters, scores, groups, keep, survivors);
            network.Masks.Install(mask);
        }

        return mask;
    }

    /// <summary>The buffers of one linearized all-ones pass (batch 1), reused across rounds.</summary>
    private sealed class ScoringPass(INetwork network)
    {
        private readonly float[] _input = Filled(network.InputSize);
        private readonly float[] _outputGradient = Filled(network.OutputSize);
        private readonly float[] _output = new float[network.OutputSize];

        public void Run(INetwork network, float[] scores, int round)
        {
            var parameters = network.Parameters;
            parameters.ZeroGradients();
            network.ForwardBackwardFromOutput(_input, 1, _outputGradient, linearized: true, _output);
            var flow = TensorPrimitives.Sum(_output);
            if (!float.IsFinite(flow))
            {
                throw new PruningException($"SynFlow's synaptic flow R = 1ᵀ·output is {flow} in round {round} on network '{network.Name}': it exceeds float32. Use fewer layers or smaller weights.");
            }

            TensorPrimitives.Multiply(parameters.Gradients, parameters.Values, scores);
            TensorPrimitives.Abs(scores, scores);
            // Scores are absolute values, so their maximum is NaN or infinite exactly when one of them is.
            var largest = TensorPrimitives.Max(scores);
            if (!float.IsFinite(largest))
            {
                throw new PruningException($"SynFlow scores overflowed float32 (largest {largest}) in round {round} on network '{network.Name}'.");
            }
        }

        private static float[] Filled(int length)
        {
            var values = new float[length];
            Array.Fill(values, 1f);
            return values;
        }
    }
}
