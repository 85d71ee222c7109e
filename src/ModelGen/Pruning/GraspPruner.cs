using System;
using System.Numerics.Tensors;
using ModelGen.Data;
using ModelGen.Model;

namespace ModelGen.Pruning;

/// <summary>
/// GraSP (Wang et al. 2020, "Picking winning tickets before training by preserving gradient flow"): the score of a
/// weight is s = −w ⊙ (H g), with g = Σ_b ∇L_b over the scoring batches and H g = Σ_b H_b g, both with the logits
/// divided by <see cref="Temperature"/>; the <b>highest</b> scores are removed. Removing weight i changes the
/// gradient norm ‖g‖² by about 2·s_i, so the weights with high s are those whose removal least hurts gradient flow.
/// </summary>
/// <remarks>
/// As in the authors' reference implementation, g is restricted to the prunable weights (biases and non-prunable
/// layers are zero in the vector H is applied to). H g comes from the network's exact Hessian-vector product, one
/// R-forward/R-backward pass per batch.
/// </remarks>
/// <param name="trainingData">The data to score on; its first <see cref="ScoreSamples"/> samples are used.</param>
public sealed class GraspPruner(Dataset trainingData) : Pruner
{
    /// <summary>Default softmax temperature (the paper's 200).</summary>
    public const float DefaultTemperature = Shapes.PruningRules.GraspDefaultTemperature;

    /// <summary>The dataset scored on.</summary>
    public Dataset TrainingData { get; } = trainingData ?? throw new ArgumentNullException(nameof(trainingData));

    /// <summary>How many leading samples of <see cref="TrainingData"/> to score on (default 1,000).</summary>
    public int ScoreSamples { get; init; } = SnipPruner.DefaultScoreSamples;

    /// <summary>Samples per scoring batch (default 100; the last batch may be partial).</summary>
    public int BatchSize { get; init; } = SnipPruner.DefaultBatchSize;

    /// <summary>Logits are divided by it in both the gradient and the Hessian pass (default 200); must be positive.</summary>
    public float Temperature { get; init; } = DefaultTemperature;

    /// <inheritdoc />
    public override string Method => PruningMethods.Grasp.Name;

    /// <summary>
    /// The GraSP scores s = −w ⊙ (H g) of <paramref name="network"/>, laid out like <see cref="ParameterSet.Values"/>
    /// (entries outside the prunable weights are 0). Higher means removed first.
    /// </summary>
    public float[] ComputeScores(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        ScoringData.Validate(network, TrainingData, ScoreSamples, BatchSize, Method);
        // The analyzers' rule and text (MG0105), before any pass divides logits by it.
        if (Shapes.PruningRules.CheckGraspTemperature(Temperature) is { } invalid)
        {
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, invalid.ToString());
        }

        var parameters = network.Parameters;
        var batches = ScoringData.BatchCount(ScoreSamples, BatchSize);
        parameters.ZeroGradients();
        for (var b = 0; b < batches; b++)
        {
            var (inputs, labels, size) = ScoringData.Batch(TrainingData, ScoreSamples, BatchSize, b);
            network.ForwardBackward(inputs.Span, labels.Span, size, Temperature);
        }

        var gradient = new float[parameters.Count];
        foreach (var tensor in parameters.Tensors)
        {
            if (tensor.IsPrunable)
            {
                parameters.Gradient(tensor).CopyTo(gradient.AsSpan(tensor.Offset, tensor.Length));
            }
        }

        var hessianGradient = new float[parameters.Count];
        for (var b = 0; b < batches; b++)
        {
            var (inputs, labels, size) = ScoringData.Batch(TrainingData, ScoreSamples, BatchSize, b);
            network.HessianVectorProduct(inputs.Span, labels.Span, size, gradient, hessianGradient, Temperature);
        }

        var scores = new float[parameters.Count];
        foreach (var tensor in parameters.Tensors)
        {
            if (tensor.IsPrunable)
            {
                var span = scores.AsSpan(tensor.Offset, tensor.Length);
                TensorPrimitives.Multiply(parameters.Value(tensor), hessianGradient.AsSpan(tensor.Offset, tensor.Length), span);
                TensorPrimitives.Negate(span, span);
            }
        }

        return scores;
    }

    /// <inheritdoc />
    protected override float[] ComputeMask(INetwork network, double sparsity)
    {
        var scores = ComputeScores(network);

        // TopK keeps the highest; GraSP keeps the lowest s, so rank by −s = w ⊙ Hg.
        TensorPrimitives.Negate(scores, scores);
        return SelectTop(network, scores, sparsity);
    }
}
