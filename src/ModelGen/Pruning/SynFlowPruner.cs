using System;
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
    public const int DefaultIterations = 100;

    /// <summary>Pruning rounds n (default 100); must be positive.</summary>
    public int Iterations { get; init; } = DefaultIterations;

    /// <inheritdoc />
    public override string Method => "synflow";

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

        var density = 1.0 - sparsity;
        var scores = new float[parameters.Count];
        var keep = new int[groups.Count];
        var pass = new ScoringPass(network);
        float[] mask = network.Masks.Values.ToArray();
        for (var round = 1; round <= Iterations; round++)
        {
            pass.Run(network, scores, round);
            for (var g = 0; g < groups.Count; g++)
            {
                // The last round uses the target itself, so the final count is exactly TopK.KeptCount.
                keep[g] = round == Iterations
                    ? TopK.KeptCount(sizes[g], sparsity)
                    : (int)Math.Round(Math.Pow(density, (double)round / Iterations) * sizes[g], MidpointRounding.ToEven);
            }

            var survivors = network.Masks.IsActive ? network.Masks.Values : ReadOnlySpan<float>.Empty;
            mask = TopK.SelectMask(parameters, scores, groups, keep, survivors);
            InstallMask(network, mask);
            network.Masks.ApplyToParameters();
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
