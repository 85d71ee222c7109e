namespace ModelGen.Cli.Output;

/// <summary>
/// One <c>bench</c> run as written by its <c>--json</c> (issue #7's contract; snake_case through
/// <see cref="RunJson.Options"/>): the settings, the measured throughputs of the pruned network and of the same dense
/// network, their ratios, and how each layer executed.
/// </summary>
public sealed class BenchRecord
{
    /// <summary>Listed model name.</summary>
    public required string Model { get; init; }

    /// <summary>Pruning method (<c>dense</c> benches the dense network against itself).</summary>
    public required string Method { get; init; }

    /// <summary>Requested fraction of prunable weights removed (the layers' densities say what the mask kept).</summary>
    public required double Sparsity { get; init; }

    /// <summary>Samples per training step and per inference call.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Threads a matrix product could use.</summary>
    public required int Threads { get; init; }

    /// <summary>Pruned network: training steps (zero gradients, forward, backward, optimizer) per second × batch size, median.</summary>
    public required double TrainSamplesPerSecond { get; init; }

    /// <summary>Pruned network: inference (forward) calls per second × batch size, median.</summary>
    public required double InferenceSamplesPerSecond { get; init; }

    /// <summary>The same network unpruned, measured in the same run: training samples per second.</summary>
    public required double DenseTrainSamplesPerSecond { get; init; }

    /// <summary>The same network unpruned: inference samples per second.</summary>
    public required double DenseInferenceSamplesPerSecond { get; init; }

    /// <summary><see cref="TrainSamplesPerSecond"/> over <see cref="DenseTrainSamplesPerSecond"/>.</summary>
    public required double TrainSpeedup { get; init; }

    /// <summary><see cref="InferenceSamplesPerSecond"/> over <see cref="DenseInferenceSamplesPerSecond"/>.</summary>
    public required double InferenceSpeedup { get; init; }

    /// <summary>Per layer with weights, in order: the kernel the pruned network chose and the fraction of weights kept.</summary>
    public required List<BenchLayerRecord> Layers { get; init; }
}

/// <summary>How one layer of the pruned network executed.</summary>
/// <param name="Name">Layer name (<c>fc1</c>).</param>
/// <param name="Kernel"><c>dense</c> or <c>sparse</c>.</param>
/// <param name="Density">Fraction of the layer's weights the mask keeps.</param>
public sealed record BenchLayerRecord(string Name, string Kernel, double Density);
