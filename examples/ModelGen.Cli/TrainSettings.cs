using System.Globalization;
using System.Text.Json.Serialization;
using ModelGen.Pruning;

namespace ModelGen.Cli;

/// <summary>Everything that defines one <c>train</c> run (and, minus model, method, sparsity and seed, a sweep).</summary>
public sealed record TrainSettings
{
    /// <summary>Listed model name.</summary>
    public string Model { get; init; } = "lenet300";

    /// <summary>A method name of the registry (<see cref="PruningMethods.Names"/>).</summary>
    public string Method { get; init; } = PruningMethods.Dense.Name;

    /// <summary>The registry entry of <see cref="Method"/>.</summary>
    /// <exception cref="ArgumentException">The name is not in the registry.</exception>
    [JsonIgnore] // derived from the flags; a shard.json stores the flags only
    public PruningMethod PruningMethod => PruningMethods.Get(Method);

    /// <summary>Fraction of prunable weights to remove.</summary>
    public double Sparsity { get; init; }

    /// <summary>global or layer; null picks the method's default (layer for lth, global otherwise).</summary>
    public string? Scope { get; init; }

    /// <summary>Training samples used for SNIP/GraSP scores.</summary>
    public int ScoreSamples { get; init; } = 1000;

    /// <summary>GraSP's logit temperature.</summary>
    public double Temperature { get; init; } = 200;

    /// <summary>SynFlow rounds.</summary>
    public int SynflowIterations { get; init; } = 100;

    /// <summary>lth's per-round prune rate.</summary>
    public double PruneRate { get; init; } = 0.2;

    /// <summary>lth's output-layer rate; null for half of <see cref="PruneRate"/> (only a model's declared plan sets it).</summary>
    public double? OutputLayerPruneRate { get; init; }

    /// <summary>lth's convolution-layer rate; null for half of <see cref="PruneRate"/>.</summary>
    public double? ConvolutionPruneRate { get; init; }

    /// <summary>The convolution-layer rate lth uses: <see cref="ConvolutionPruneRate"/>, or half of <see cref="PruneRate"/>.</summary>
    public double EffectiveConvolutionPruneRate => ConvolutionPruneRate ?? (PruneRate / 2.0);

    /// <summary>lth's rewind iteration.</summary>
    public int RewindIteration { get; init; }

    /// <summary>Training digits held out for validation.</summary>
    public int Validation { get; init; }

    /// <summary>Threads a large matrix product may use (results are bit-for-bit the same for any value).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Whether a pruner may empty a layer.</summary>
    public bool AllowCollapse { get; init; }

    /// <summary>spectral or random.</summary>
    public string FactorInit { get; init; } = "spectral";

    /// <summary>
    /// modelgen or torch: the generator the seed drives for θ0, the epoch order and the random pruner. torch draws them
    /// as PyTorch's CPU generator does after <c>torch.manual_seed(seed)</c>, so a PyTorch script with the same seed
    /// starts from the same weights, sees the same batches and gets the same random mask.
    /// </summary>
    public string Rng { get; init; } = "modelgen";

    /// <summary>The <see cref="ModelGen.Model.RandomSource"/> that <see cref="Rng"/> names.</summary>
    [JsonIgnore] // derived from the flag
    public ModelGen.Model.RandomSource RandomSource => Rng == "torch" ? ModelGen.Model.RandomSource.PyTorch : ModelGen.Model.RandomSource.ModelGen;

    /// <summary>Frobenius decay λ.</summary>
    public double FrobeniusDecay { get; init; }

    /// <summary>Coupled L2 weight decay λ.</summary>
    public double WeightDecay { get; init; }

    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; }

    /// <summary>Epochs (per round for lth).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 60;

    /// <summary>Learning rate.</summary>
    public double LearningRate { get; init; } = 0.0012;

    /// <summary>adam or sgd.</summary>
    public string Optimizer { get; init; } = "adam";

    /// <summary>Seed.</summary>
    public int Seed { get; init; }

    /// <summary>Batch size at which inference of the trained network is timed and recorded; 0 = not timed.</summary>
    public int InferenceTimingBatch { get; init; }

    /// <summary>Data folder; null means the bundled MNIST subset.</summary>
    public string? DataFolder { get; init; }

    /// <summary>The scope actually used: the explicit one, else layer for lth and global for one-shot pruners.</summary>
    [JsonIgnore] // derived from the flags; a shard.json stores the flags only
    public string EffectiveScope => Scope ?? (PruningMethod.Kind == PruningMethodKind.LotteryTicket ? "layer" : "global");

    /// <summary>The one-shot pruner settings these flags describe.</summary>
    [JsonIgnore] // derived from the flags; a shard.json stores the flags only
    public PrunerSettings PrunerSettings => new()
    {
        Scope = EffectiveScope == "global" ? PruningScope.Global : PruningScope.LayerWise,
        AllowCollapse = AllowCollapse,
        Seed = Seed,
        RandomSource = RandomSource,
        ScoreSamples = ScoreSamples,
        Temperature = (float)Temperature,
        SynFlowIterations = SynflowIterations,
    };

    /// <summary>
    /// Checks the values that the parser cannot (ranges and combinations).
    /// </summary>
    /// <returns>One message per problem, naming the flag; empty when the settings are usable.</returns>
    public IReadOnlyList<string> Validate(bool requireSparsity = true)
    {
        var errors = new List<string>();
        if (Epochs <= 0) errors.Add($"--epochs must be positive (got {Epochs}).");
        if (BatchSize <= 0) errors.Add($"--batch-size must be positive (got {BatchSize}).");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) errors.Add($"--lr must be a positive number (got {Format(LearningRate)}).");
        if (!(Sparsity >= 0 && Sparsity < 1)) errors.Add($"--sparsity must be in [0, 1) (got {Format(Sparsity)}).");
        if (requireSparsity && !PruningMethod.Prunes && Sparsity != 0) errors.Add($"--sparsity {Format(Sparsity)} needs a pruning method; --method dense trains every weight.");
        if (requireSparsity && PruningMethod.Prunes && Sparsity == 0) errors.Add($"--method {Method} needs --sparsity in (0, 1).");
        if (ScoreSamples <= 0) errors.Add($"--score-samples must be positive (got {ScoreSamples}).");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) errors.Add($"--temperature must be positive (got {Format(Temperature)}).");
        if (SynflowIterations <= 0) errors.Add($"--synflow-iterations must be positive (got {SynflowIterations}).");
        if (!(PruneRate > 0 && PruneRate < 1)) errors.Add($"--prune-rate must be in (0, 1) (got {Format(PruneRate)}).");
        if (ConvolutionPruneRate is { } convolutionRate && !(convolutionRate > 0 && convolutionRate < 1)) errors.Add($"--conv-prune-rate must be in (0, 1) (got {Format(convolutionRate)}).");
        if (RewindIteration < 0) errors.Add($"--rewind-iteration must be 0 or more (got {RewindIteration}).");
        if (Validation < 0) errors.Add($"--validation must be 0 or more (got {Validation}).");
        if (InferenceTimingBatch < 0) errors.Add($"--time-inference must be 0 (off) or a batch size (got {InferenceTimingBatch}).");
        if (Threads is < 1 or > 8) errors.Add($"--threads must be between 1 and 8 (got {Threads}).");
        if (!(FrobeniusDecay >= 0) || double.IsInfinity(FrobeniusDecay)) errors.Add($"--frobenius-decay must be 0 or more (got {Format(FrobeniusDecay)}).");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) errors.Add($"--weight-decay must be 0 or more (got {Format(WeightDecay)}).");
        if (!(Momentum >= 0 && Momentum < 1)) errors.Add($"--momentum must be in [0, 1) (got {Format(Momentum)}).");
        if (Momentum != 0 && Optimizer != "sgd") errors.Add("--momentum applies to --optimizer sgd only.");
        return errors;
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
