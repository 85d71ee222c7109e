namespace ModelGen.Cli.Output;

/// <summary>
/// What <c>evaluate --json</c> writes: a saved network measured on a test set. Field names are those of
/// <see cref="RunRecord"/> where they mean the same (<c>test_accuracy</c>, <c>test_loss</c>, <c>layers</c> …).
/// </summary>
public sealed class EvaluationRecord
{
    /// <summary>Listed model name.</summary>
    public required string Model { get; init; }

    /// <summary>Full path of the weights file evaluated.</summary>
    public required string Weights { get; init; }

    /// <summary>Test accuracy in [0, 1].</summary>
    public required double TestAccuracy { get; init; }

    /// <summary>Mean test loss (softmax cross-entropy).</summary>
    public required double TestLoss { get; init; }

    /// <summary>Test digits evaluated.</summary>
    public required int TestSamples { get; init; }

    /// <summary>Fraction of prunable weights masked out.</summary>
    public required double Sparsity { get; init; }

    /// <summary>Weights and biases that can be nonzero (masked-out weights excluded).</summary>
    public required long Parameters { get; init; }

    /// <summary>FLOPs of one forward pass per sample (a multiply-add counts 2).</summary>
    public required long FlopsPerSample { get; init; }

    /// <summary>Per layer: shape, rank, weights and how many the mask keeps.</summary>
    public required List<LayerRecord> Layers { get; init; }

    /// <summary>The data folder and the SHA-256 of each data file.</summary>
    public required DataRecord Data { get; init; }

    /// <summary>Informational version of the ModelGen library that ran.</summary>
    public required string ModelgenVersion { get; init; }

    /// <summary>The weights file's metadata (how it was trained).</summary>
    public required SortedDictionary<string, string> Metadata { get; init; }
}
