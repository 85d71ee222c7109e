using System;
using System.Numerics.Tensors;
using ModelGen.Data;
using ModelGen.Model;

namespace ModelGen.Pruning;

/// <summary>
/// SNIP (Lee et al. 2019, "Single-shot network pruning based on connection sensitivity"): the score of a weight is
/// |w ⊙ Σ_b ∂L_b/∂w|, the gradients of the batches' mean losses accumulated over all scoring batches first and only
/// then multiplied and made absolute (so opposite-signed batch gradients cancel, as in a single large batch).
/// </summary>
/// <remarks>Scores on the first <see cref="ScoreSamples"/> samples of the given dataset, in batches of <see cref="BatchSize"/>.</remarks>
/// <param name="trainingData">The data to score on; its first <see cref="ScoreSamples"/> samples are used.</param>
public sealed class SnipPruner(Dataset trainingData) : Pruner
{
    /// <summary>Default number of scoring samples (the first 1,000 training samples).</summary>
    public const int DefaultScoreSamples = 1000;

    /// <summary>Default scoring batch size.</summary>
    public const int DefaultBatchSize = 100;

    /// <summary>The dataset scored on.</summary>
    public Dataset TrainingData { get; } = trainingData ?? throw new ArgumentNullException(nameof(trainingData));

    /// <summary>How many leading samples of <see cref="TrainingData"/> to score on (default 1,000).</summary>
    public int ScoreSamples { get; init; } = DefaultScoreSamples;

    /// <summary>Samples per scoring batch (default 100; the last batch may be partial).</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <inheritdoc />
    public override string Method => PruningMethods.Snip.Name;

    /// <summary>
    /// The SNIP scores of <paramref name="network"/> (one per parameter, laid out like
    /// <see cref="ParameterSet.Values"/>; non-prunable entries are computed the same way but never used). Leaves the
    /// network's gradients holding Σ_b ∂L_b/∂θ; <see cref="Pruner.Prune"/> restores them.
    /// </summary>
    public float[] ComputeScores(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        ScoringData.Validate(network, TrainingData, ScoreSamples, BatchSize, Method);
        var parameters = network.Parameters;
        parameters.ZeroGradients();
        var batches = ScoringData.BatchCount(ScoreSamples, BatchSize);
        for (var b = 0; b < batches; b++)
        {
            var (inputs, labels, size) = ScoringData.Batch(TrainingData, ScoreSamples, BatchSize, b);
            network.ForwardBackward(inputs.Span, labels.Span, size);
        }

        var scores = new float[parameters.Count];
        TensorPrimitives.Multiply(parameters.Values, parameters.Gradients, scores);
        TensorPrimitives.Abs(scores, scores);
        return scores;
    }

    /// <inheritdoc />
    protected override float[] ComputeMask(INetwork network, double sparsity) => SelectTop(network, ComputeScores(network), sparsity);
}
