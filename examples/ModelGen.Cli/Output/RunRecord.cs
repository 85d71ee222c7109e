using System.Text.Json.Serialization;

namespace ModelGen.Cli.Output;

/// <summary>
/// One <c>train</c> run as written by <c>--json</c> and collected in a sweep's <c>results.json</c>. Property names
/// become snake_case (<c>test_accuracy</c>); outside scripts read them, so renaming one breaks them.
/// </summary>
public sealed class RunRecord
{
    /// <summary>Listed model name (<c>lenet300</c>, <c>lenet300-r32</c>).</summary>
    public required string Model { get; init; }

    /// <summary>dense, random, magnitude, snip, grasp, synflow, lth or lth-reinit.</summary>
    public required string Method { get; init; }

    /// <summary>Requested fraction of prunable weights to remove (0 for dense).</summary>
    public required double TargetSparsity { get; init; }

    /// <summary>Achieved fraction of prunable weights masked out (biases don't count).</summary>
    public double Sparsity { get; set; }

    /// <summary>Test accuracy in [0, 1] after the last epoch; null when the run was refused.</summary>
    public double? TestAccuracy { get; set; }

    /// <summary>Mean test loss after the last epoch.</summary>
    public double? TestLoss { get; set; }

    /// <summary>Mean training loss over the last epoch.</summary>
    public double? FinalTrainLoss { get; set; }

    /// <summary>Epochs per training run (per round for lth).</summary>
    public required int Epochs { get; init; }

    /// <summary>Mini-batch size.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Learning rate.</summary>
    public required double Lr { get; init; }

    /// <summary>adam or sgd.</summary>
    public required string Optimizer { get; init; }

    /// <summary>Seed of initialization, data order and scoring batches.</summary>
    public required int Seed { get; init; }

    /// <summary>Seconds spent in training steps (evaluation excluded); for lth the last round's.</summary>
    public double TrainSeconds { get; set; }

    /// <summary>Training samples per second over the training steps.</summary>
    public double TrainSamplesPerSecond { get; set; }

    /// <summary>Inference of the trained network (samples/s, median) at <see cref="InferenceBatchSize"/>; null unless <c>--time-inference</c>.</summary>
    public double? InferenceSamplesPerSecond { get; set; }

    /// <summary>Batch size of <see cref="InferenceSamplesPerSecond"/>; null unless <c>--time-inference</c>.</summary>
    public int? InferenceBatchSize { get; set; }

    /// <summary>Weights and biases that can be nonzero (masked-out weights excluded).</summary>
    public long Parameters { get; set; }

    /// <summary>FLOPs of one forward pass per sample (a multiply-add counts 2), for the layer shapes as executed.</summary>
    public long FlopsPerSample { get; set; }

    /// <summary>Informational version of the ModelGen library that ran.</summary>
    public required string ModelgenVersion { get; init; }

    /// <summary>The data folder and the SHA-256 of each data file.</summary>
    public required DataRecord Data { get; init; }

    /// <summary>Per layer: shape, rank, weights and how many the mask keeps.</summary>
    public List<LayerRecord> Layers { get; set; } = [];

    /// <summary>Seconds spent computing pruning scores (0 when nothing was scored).</summary>
    public double ScoreSeconds { get; set; }

    /// <summary>Warnings raised by the run (disconnected units, nothing prunable, …).</summary>
    public List<string> Warnings { get; set; } = [];

    /// <summary>global or layer for pruning methods; null for dense.</summary>
    public string? Scope { get; init; }

    /// <summary>Training samples used to score (snip, grasp).</summary>
    public int? ScoreSamples { get; init; }

    /// <summary>GraSP's logit temperature.</summary>
    public double? Temperature { get; init; }

    /// <summary>SynFlow's number of rounds.</summary>
    public int? SynflowIterations { get; init; }

    /// <summary>lth's fraction of remaining weights pruned per round.</summary>
    public double? PruneRate { get; init; }

    /// <summary>lth's fraction of a convolution layer's remaining weights pruned per round (models with convolutions).</summary>
    public double? ConvPruneRate { get; init; }

    /// <summary>lth's rewind iteration (0 = the original initialization).</summary>
    public int? RewindIteration { get; init; }

    /// <summary>Training digits held out for validation (0 = none).</summary>
    public int Validation { get; init; }

    /// <summary>Training step with the lowest validation loss (null without <c>--validation</c>).</summary>
    public int? BestValidationStep { get; set; }

    /// <summary>Threads a matrix product could use (speed only: results do not depend on it).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Whether layer collapse was allowed.</summary>
    public bool AllowCollapse { get; init; }

    /// <summary>The generator the seed drove for θ0, the epoch order and the random pruner: modelgen, or torch (PyTorch's CPU generator).</summary>
    public string Rng { get; init; } = "modelgen";

    /// <summary>spectral or random for models with factorized layers; null otherwise.</summary>
    public string? FactorInit { get; init; }

    /// <summary>Frobenius decay λ on factorized layers.</summary>
    public double FrobeniusDecay { get; init; }

    /// <summary>Coupled L2 weight decay.</summary>
    public double WeightDecay { get; init; }

    /// <summary>SGD momentum (null for adam).</summary>
    public double? Momentum { get; init; }

    /// <summary>Seed of the fresh initialization of an lth-reinit control (null for other methods).</summary>
    public int? ReinitSeed { get; set; }

    /// <summary>lth rounds in order (null for other methods).</summary>
    public List<RoundRecord>? Rounds { get; set; }

    /// <summary>Why the run was refused (layer collapse); null for a run that trained.</summary>
    public string? Refused { get; set; }

    /// <summary>
    /// The ticket this run trained (<c>train --ticket</c>, method <c>ticket</c>) or wrote (<c>--save-ticket</c>); left
    /// out of the JSON for other runs.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TicketRecord? Ticket { get; set; }
}

/// <summary>A lottery ticket a run read or wrote (docs/TICKETS.md).</summary>
/// <param name="File">The ticket file as given on the command line.</param>
/// <param name="Sha256">The ticket's content hash (its <c>sha256</c> line).</param>
/// <param name="Model">The model it was found on.</param>
/// <param name="Seed">Seed whose θ0 the survivors rewind to.</param>
/// <param name="RewindIteration">0 for θ0, else the step whose values the ticket carries.</param>
/// <param name="Sparsity">Fraction of prunable weights the ticket removes.</param>
/// <param name="Kept">Prunable weights the ticket keeps.</param>
public sealed record TicketRecord(string File, string Sha256, string Model, int Seed, int RewindIteration, double Sparsity, long Kept);

/// <summary>The data a run used.</summary>
/// <param name="Folder">The data folder: the bundled data by its path in the repository, a <c>--data</c> folder as given.</param>
/// <param name="Files">File name → lower-case hex SHA-256.</param>
public sealed record DataRecord(string Folder, SortedDictionary<string, string> Files);

/// <summary>One layer with weights of a run (pooling and flatten layers are left out).</summary>
/// <param name="Name">Layer name (<c>fc1</c>, <c>conv1</c>).</param>
/// <param name="Rows">Rows of the (effective) weight matrix: output features, or output channels of a convolution.</param>
/// <param name="Cols">Columns: input features, or in channels·kh·kw of a convolution.</param>
/// <param name="Rank">Factorization rank; 0 for a plain layer.</param>
/// <param name="Weights">Weight entries: rows·cols, or rank·(rows+cols) when factorized.</param>
/// <param name="Kept">Weight entries the mask keeps.</param>
/// <param name="Kernel">Which kernels the layer's weights run on under the final mask: <c>dense</c> or <c>sparse</c>.</param>
/// <param name="Density">Kept fraction of the layer's weights (INetwork.Execution).</param>
public sealed record LayerRecord(string Name, int Rows, int Cols, int Rank, long Weights, long Kept, string Kernel = "dense", double Density = 1.0)
{
    /// <summary>[kh, kw] of a convolution; left out of the JSON for other layers.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int[]? KernelSize { get; init; }

    /// <summary>A convolution's stride; left out for other layers.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Stride { get; init; }

    /// <summary>A convolution's zero padding; left out for other layers.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Padding { get; init; }
}

/// <summary>One lottery-ticket round.</summary>
/// <param name="Round">0 for the dense first training.</param>
/// <param name="Sparsity">Fraction of prunable weights masked out during this round's training.</param>
/// <param name="LayerDensity">Layer name → fraction of its weights kept.</param>
/// <param name="TestAccuracy">Test accuracy after this round's training.</param>
/// <param name="TestLoss">Test loss after this round's training.</param>
/// <param name="BestValidationStep">Step of minimum validation loss, when a validation set was held out.</param>
public sealed record RoundRecord(
    int Round,
    double Sparsity,
    SortedDictionary<string, double> LayerDensity,
    double TestAccuracy,
    double TestLoss,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? BestValidationStep);
