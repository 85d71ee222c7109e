using System.CommandLine;
using System.CommandLine.Parsing;

namespace ModelGen.Cli;

/// <summary>
/// The training flags shared by <c>train</c> and <c>sweep</c>, with the defaults of the CLI contract (issues #2–#4),
/// and their binding to <see cref="TrainSettings"/>.
/// </summary>
public sealed class TrainingFlags
{
    private static readonly TrainSettings Defaults = new();

    /// <summary>--epochs.</summary>
    public Option<int> Epochs { get; } = new("--epochs") { Description = "Training epochs (per round for lth).", DefaultValueFactory = _ => Defaults.Epochs };

    /// <summary>--batch-size.</summary>
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Mini-batch size (the last partial batch is kept).", DefaultValueFactory = _ => Defaults.BatchSize };

    /// <summary>--lr.</summary>
    public Option<double> LearningRate { get; } = new("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => Defaults.LearningRate };

    /// <summary>--optimizer.</summary>
    public Option<string> Optimizer { get; } = Choice("--optimizer", "Optimizer.", Defaults.Optimizer, "adam", "sgd");

    /// <summary>--momentum.</summary>
    public Option<double> Momentum { get; } = new("--momentum") { Description = "SGD momentum (--optimizer sgd).", DefaultValueFactory = _ => Defaults.Momentum };

    /// <summary>--weight-decay.</summary>
    public Option<double> WeightDecay { get; } = new("--weight-decay") { Description = "Coupled L2 weight decay on every weight, factors included.", DefaultValueFactory = _ => Defaults.WeightDecay };

    /// <summary>--frobenius-decay.</summary>
    public Option<double> FrobeniusDecay { get; } = new("--frobenius-decay") { Description = "Frobenius decay λ on factorized layers (λ/2·‖U·Vt‖²); factors then skip --weight-decay.", DefaultValueFactory = _ => Defaults.FrobeniusDecay };

    /// <summary>--factor-init.</summary>
    public Option<string> FactorInit { get; } = Choice("--factor-init", "Initialization of factorized layers.", Defaults.FactorInit, "spectral", "random");

    /// <summary>--rng.</summary>
    public Option<string> Rng { get; } = Choice("--rng", "Generator the seed drives for the initialization, the epoch order and the random pruner: modelgen, or torch (PyTorch's CPU generator: the θ0, batch order and torch.rand scores the same seed gives the same model in PyTorch, bit for bit).", Defaults.Rng, "modelgen", "torch");

    /// <summary>--scope.</summary>
    public Option<string?> Scope { get; } = new Option<string?>("--scope") { Description = "Top-k over all prunable layers (global) or per layer. Default: layer for lth, global otherwise." }.AcceptOnlyFromAmongValues("global", "layer");

    /// <summary>--score-samples.</summary>
    public Option<int> ScoreSamples { get; } = new("--score-samples") { Description = "Training samples used to score (snip, grasp), in batches of 100.", DefaultValueFactory = _ => Defaults.ScoreSamples };

    /// <summary>--temperature.</summary>
    public Option<double> Temperature { get; } = new("--temperature") { Description = "GraSP's logit temperature.", DefaultValueFactory = _ => Defaults.Temperature };

    /// <summary>--synflow-iterations.</summary>
    public Option<int> SynflowIterations { get; } = new("--synflow-iterations") { Description = "SynFlow scoring rounds.", DefaultValueFactory = _ => Defaults.SynflowIterations };

    /// <summary>--prune-rate.</summary>
    public Option<double> PruneRate { get; } = new("--prune-rate") { Description = "lth: fraction of the remaining weights pruned per round (the output layer at half).", DefaultValueFactory = _ => Defaults.PruneRate };

    /// <summary>--conv-prune-rate.</summary>
    public Option<double?> ConvolutionPruneRate { get; } = new("--conv-prune-rate") { Description = "lth: fraction of a convolution layer's remaining weights pruned per round. Default: half of --prune-rate (convolutions have few weights; the lottery-ticket paper pruned them at 10-15% a round, dense layers at 20%)." };

    /// <summary>--rewind-iteration.</summary>
    public Option<int> RewindIteration { get; } = new("--rewind-iteration") { Description = "lth: training iteration whose weights survivors rewind to (0 = the initialization).", DefaultValueFactory = _ => Defaults.RewindIteration };

    /// <summary>--validation.</summary>
    public Option<int> Validation { get; } = new("--validation") { Description = "Training digits held out for validation (0 = none).", DefaultValueFactory = _ => Defaults.Validation };

    /// <summary>--allow-collapse.</summary>
    public Option<bool> AllowCollapse { get; } = new("--allow-collapse") { Description = "Let a pruner remove every weight of a layer instead of refusing." };

    /// <summary>--threads.</summary>
    public Option<int> Threads { get; } = new("--threads") { Description = "Threads a large matrix product may use (1-8); results are bit-for-bit the same for any value, only speed changes.", DefaultValueFactory = _ => 1 };

    /// <summary>--time-inference.</summary>
    public Option<int> TimeInference { get; } = new("--time-inference") { Description = "After training, time inference of the trained network at this batch size (median of rounds) and record inference_samples_per_second; 0 = off.", DefaultValueFactory = _ => 0 };

    /// <summary>--data.</summary>
    public Option<string?> Data { get; } = new("--data") { Description = "MNIST folder (IDX files, gzipped or raw). Default: the bundled examples/data/mnist-10k, searched upward from here." };

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Option[] all = [Epochs, BatchSize, LearningRate, Optimizer, Momentum, WeightDecay, FrobeniusDecay, FactorInit, Rng, Scope,
            ScoreSamples, Temperature, SynflowIterations, PruneRate, ConvolutionPruneRate, RewindIteration, Validation, AllowCollapse, Threads, TimeInference, Data];
        foreach (var option in all)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Reads the shared flags from a parse result.</summary>
    public TrainSettings Bind(ParseResult result, TrainSettings baseSettings)
    {
        ArgumentNullException.ThrowIfNull(result);
        return baseSettings with
        {
            Epochs = result.GetValue(Epochs),
            BatchSize = result.GetValue(BatchSize),
            LearningRate = result.GetValue(LearningRate),
            Optimizer = result.GetValue(Optimizer)!,
            Momentum = result.GetValue(Momentum),
            WeightDecay = result.GetValue(WeightDecay),
            FrobeniusDecay = result.GetValue(FrobeniusDecay),
            FactorInit = result.GetValue(FactorInit)!,
            Rng = result.GetValue(Rng)!,
            Scope = result.GetValue(Scope),
            ScoreSamples = result.GetValue(ScoreSamples),
            Temperature = result.GetValue(Temperature),
            SynflowIterations = result.GetValue(SynflowIterations),
            PruneRate = result.GetValue(PruneRate),
            ConvolutionPruneRate = result.GetValue(ConvolutionPruneRate),
            RewindIteration = result.GetValue(RewindIteration),
            Validation = result.GetValue(Validation),
            AllowCollapse = result.GetValue(AllowCollapse),
            Threads = result.GetValue(Threads),
            InferenceTimingBatch = result.GetValue(TimeInference),
            DataFolder = result.GetValue(Data),
        };
    }

    /// <summary>A string option restricted to <paramref name="choices"/>, with a default.</summary>
    public static Option<string> Choice(string name, string description, string defaultValue, params string[] choices) =>
        new Option<string>(name) { Description = description, DefaultValueFactory = _ => defaultValue }.AcceptOnlyFromAmongValues(choices);
}

/// <summary>Small helpers over System.CommandLine 2.0's option API.</summary>
public static class OptionExtensions
{
    /// <summary><see cref="Option{T}.AcceptOnlyFromAmong"/> that returns the option, for use in initializers.</summary>
    public static Option<T> AcceptOnlyFromAmongValues<T>(this Option<T> option, params string[] values)
    {
        ArgumentNullException.ThrowIfNull(option);
        option.AcceptOnlyFromAmong(values);
        return option;
    }

    /// <summary>
    /// A list option that takes values separated by commas, spaces or both (<c>--seeds 0,1,2</c>, <c>--seeds 0 1 2</c>).
    /// </summary>
    public static Option<string[]> ListOption(string name, string description, string defaultValue) =>
        new(name)
        {
            Description = description,
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
            DefaultValueFactory = _ => [defaultValue],
        };

    /// <summary>Splits the values of a <see cref="ListOption"/> at commas, dropping empty entries.</summary>
    public static string[] SplitList(IEnumerable<string>? values) =>
        values is null ? [] : values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
}
