namespace ModelGen.Cli.Output;

/// <summary>
/// <c>bench --ticket</c> as JSON: one ticket run three ways in the same interleaved timing run: the class baked from it,
/// the source model with the ticket's masks (the runtime sparse path) and the source model dense.
/// </summary>
public sealed class TicketBenchRecord
{
    /// <summary>The ticket timed.</summary>
    public required TicketRecord Ticket { get; init; }

    /// <summary>The catalog model baked from it (<c>lenet300-ticket98</c>).</summary>
    public required string BakedModel { get; init; }

    /// <summary>The model it was found on (<c>lenet300</c>): the sparse and the dense network.</summary>
    public required string SourceModel { get; init; }

    /// <summary>Parameters of the baked network (all can be nonzero).</summary>
    public required long BakedParameters { get; init; }

    /// <summary>Parameters the masked source network can hold nonzero (kept weights and biases).</summary>
    public required long SparseParameters { get; init; }

    /// <summary>Parameters of the dense source network.</summary>
    public required long DenseParameters { get; init; }

    /// <summary>Largest |baked − sparse| logit on one test batch with the same weights, before timing (float rounding only).</summary>
    public required double MaxLogitDifference { get; init; }

    /// <summary>Threads a matrix product could use.</summary>
    public required int Threads { get; init; }

    /// <summary><c>thread CPU time</c> or <c>wall clock</c>.</summary>
    public required string Clock { get; init; }

    /// <summary>Rounds each median is taken over.</summary>
    public required int Rounds { get; init; }

    /// <summary>The machine's 1-minute load average when timing started (<c>/proc/loadavg</c>); null where unknown.</summary>
    public double? LoadAverage { get; init; }

    /// <summary>How the sparse network's layers run (its kernel choice under the ticket's masks).</summary>
    public required List<BenchLayerRecord> SparseLayers { get; init; }

    /// <summary>One row per batch size.</summary>
    public required List<TicketBenchRow> Batches { get; init; }
}

/// <summary>Throughputs (samples per second, medians) at one batch size; speedups are the baked class over the sparse path.</summary>
/// <param name="BatchSize">Samples per training step and per inference call.</param>
/// <param name="BakedTrainSamplesPerSecond">Baked class, training step.</param>
/// <param name="SparseTrainSamplesPerSecond">Source model under the ticket's masks, training step.</param>
/// <param name="DenseTrainSamplesPerSecond">Dense source model, training step.</param>
/// <param name="BakedInferenceSamplesPerSecond">Baked class, inference.</param>
/// <param name="SparseInferenceSamplesPerSecond">Masked source model, inference.</param>
/// <param name="DenseInferenceSamplesPerSecond">Dense source model, inference.</param>
/// <param name="TrainSpeedupOverSparse">Baked training step over the sparse path's (time ratio).</param>
/// <param name="InferenceSpeedupOverSparse">Baked inference over the sparse path's (time ratio).</param>
public sealed record TicketBenchRow(
    int BatchSize,
    double BakedTrainSamplesPerSecond,
    double SparseTrainSamplesPerSecond,
    double DenseTrainSamplesPerSecond,
    double BakedInferenceSamplesPerSecond,
    double SparseInferenceSamplesPerSecond,
    double DenseInferenceSamplesPerSecond,
    double TrainSpeedupOverSparse,
    double InferenceSpeedupOverSparse);
