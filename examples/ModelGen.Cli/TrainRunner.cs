using ModelGen.Cli.Output;
using ModelGen.Factorization;
using ModelGen.Generated;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Training;

namespace ModelGen.Cli;

/// <summary>What a run reports while it works (the console shows it; tests may record it).</summary>
public interface IRunObserver
{
    /// <summary>A phase starts (scoring, an lth round, training).</summary>
    void Phase(string description);

    /// <summary>The trainer's progress.</summary>
    void Training(TrainingProgress progress);

    /// <summary>A lottery-ticket round finished training.</summary>
    void Round(LotteryTicketRound round);
}

/// <summary>
/// Runs <c>train</c> settings through the library: builds the model, prunes it (one-shot or by lottery-ticket rounds),
/// trains it and fills the <see cref="RunRecord"/>. Everything here is library calls and bookkeeping; printing is the
/// observer's job.
/// </summary>
public static class TrainRunner
{
    /// <summary>
    /// Seed offset of the <c>lth-reinit</c> control's fresh initialization: the ticket's mask on weights the ticket
    /// never saw (same data order, different init), as in Frankle and Carbin's random-reinitialization experiment.
    /// </summary>
    public const int ReinitSeedOffset = 1_000_003;

    /// <summary>The models built into this CLI.</summary>
    public static IReadOnlyList<ModelDescriptor> Models => ModelCatalog.All;

    /// <summary>Finds a model by name.</summary>
    /// <exception cref="UsageException">No model has that name; the message lists the known ones.</exception>
    public static ModelDescriptor FindModel(string name) =>
        ModelCatalog.Find(name)
        ?? throw new UsageException($"Unknown model '{name}'. Known models: {string.Join(", ", ModelCatalog.All.Select(m => m.Name))}.");

    /// <summary>Creates the network of <paramref name="settings"/> from <paramref name="seed"/>, with the requested factor init.</summary>
    public static INetwork CreateNetwork(ModelDescriptor model, TrainSettings settings, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        var network = model.Create(seed);
        // The generated constructor already gives factorized layers their spectral init from the same seed.
        if (settings.FactorInit == "random" && IsFactorized(model))
        {
            SpectralInitializer.InitializeRandom(network.Parameters, network.Layers, seed);
        }

        return network;
    }

    /// <summary>Whether the model has a factorized layer.</summary>
    public static bool IsFactorized(ModelDescriptor model) => model.Layers.Any(l => l.Kind == LayerKind.FactorizedDense);

    /// <summary>Trains one cell of a non-lottery method (dense or a one-shot pruner).</summary>
    /// <returns>The run, or a refused run when pruning would collapse a layer.</returns>
    public static RunRecord RunOneShot(TrainSettings settings, RunData data, IRunObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(observer);
        var model = FindModel(settings.Model);
        var network = CreateNetwork(model, settings, settings.Seed);
        var (train, validation) = Split(data, settings);
        var record = NewRecord(settings, data, model);

        if (settings.Method != Methods.Dense)
        {
            observer.Phase($"scoring ({settings.Method}, {settings.EffectiveScope} scope, sparsity {settings.Sparsity})");
            PruningReport report;
            try
            {
                report = CreatePruner(settings, train).Prune(network, settings.Sparsity);
            }
            catch (LayerCollapseException e)
            {
                return Refuse(record, network, e);
            }

            record.ScoreSeconds = report.ScoreSeconds;
            record.Warnings.AddRange(report.Warnings);
        }

        record.Warnings.AddRange(SettingWarnings(settings, model, network));
        var result = Train(network, settings, train, validation, data, observer, cancellationToken, settings.Seed);
        Complete(record, network, result);
        return record;
    }

    /// <summary>
    /// Runs one lottery-ticket trajectory (seed <see cref="TrainSettings.Seed"/>) landing on each of
    /// <paramref name="targets"/> in turn, and hands each landing to <paramref name="landed"/> as soon as it is trained:
    /// for <c>lth</c> the ticket itself, for <c>lth-reinit</c> (when <paramref name="reinit"/>) also the control trained
    /// from a fresh init under the ticket's mask. A target whose round would collapse a layer, and every target after
    /// it, is handed over as refused.
    /// </summary>
    public static void RunLotteryTicket(
        TrainSettings settings,
        IReadOnlyList<double> targets,
        bool ticket,
        bool reinit,
        RunData data,
        IRunObserver observer,
        Action<RunRecord> landed,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentNullException.ThrowIfNull(landed);
        var model = FindModel(settings.Model);
        var network = CreateNetwork(model, settings, settings.Seed);
        var (train, validation) = Split(data, settings);
        var scope = settings.EffectiveScope == "global" ? PruningScope.Global : PruningScope.LayerWise;
        var search = new LotteryTicketSearch(
            network,
            CreateOptimizer(network, settings),
            TrainingOptionsFor(settings, validation, settings.Seed),
            new LotteryTicketOptions { PruneRate = settings.PruneRate, RewindIteration = settings.RewindIteration, Scope = scope, AllowCollapse = settings.AllowCollapse });
        var rounds = new List<RoundRecord>();
        var pending = targets.Distinct().Order().ToList();
        var settingWarnings = SettingWarnings(settings, model, network);

        var roundProgress = new SynchronousProgress<LotteryTicketRound>(round =>
        {
            observer.Round(round);
            rounds.Add(new RoundRecord(
                round.Round,
                round.Sparsity,
                new SortedDictionary<string, double>(round.Tensors.ToDictionary(t => t.Tensor, t => t.Density), StringComparer.Ordinal),
                round.TestAccuracy,
                round.TestLoss,
                round.BestValidationStep));
            if (round.ReachedTarget is not { } reached)
            {
                observer.Phase($"lth round {round.Round + 1}: pruning and rewinding");
                return;
            }

            // Every requested target this round's kept count satisfies (two targets can round to the same count).
            var landedTargets = pending.Where(t => TopK.KeptCount(PrunableWeights(network), t) == TopK.KeptCount(PrunableWeights(network), reached)).ToArray();
            var mask = network.Masks.Values.ToArray();
            foreach (var target in landedTargets)
            {
                pending.Remove(target);
                if (ticket)
                {
                    var record = NewRecord(settings with { Method = Methods.Lth, Sparsity = target }, data, model);
                    record.Warnings.AddRange(settingWarnings);
                    record.Warnings.AddRange(MaskAnalysis.Warnings(network, mask));
                    record.ScoreSeconds = 0;
                    record.Rounds = [.. rounds];
                    Complete(record, network, round.Training);
                    landed(record);
                }

                if (reinit)
                {
                    landed(RunReinit(settings with { Method = Methods.LthReinit, Sparsity = target }, model, mask, rounds, train, validation, data, observer, cancellationToken));
                }
            }

            if (pending.Count > 0)
            {
                observer.Phase($"lth round {round.Round + 1}: pruning and rewinding");
            }
        });

        try
        {
            search.Run(pending.ToArray(), train, data.Test, validation, roundProgress, new SynchronousProgress<TrainingProgress>(observer.Training), cancellationToken);
        }
        catch (LayerCollapseException e)
        {
            foreach (var target in pending.ToArray())
            {
                if (ticket)
                {
                    var record = NewRecord(settings with { Method = Methods.Lth, Sparsity = target }, data, model);
                    record.Rounds = [.. rounds];
                    landed(Refuse(record, network, e));
                }

                if (reinit)
                {
                    landed(Refuse(NewRecord(settings with { Method = Methods.LthReinit, Sparsity = target }, data, model), network, e));
                }
            }
        }
    }

    private static RunRecord RunReinit(
        TrainSettings settings,
        ModelDescriptor model,
        float[] mask,
        IReadOnlyList<RoundRecord> rounds,
        Data.Dataset train,
        Data.Dataset? validation,
        RunData data,
        IRunObserver observer,
        CancellationToken cancellationToken)
    {
        observer.Phase($"lth-reinit: the ticket's mask at sparsity {settings.Sparsity} on a fresh init");
        var reinitSeed = unchecked(settings.Seed + ReinitSeedOffset);
        var network = CreateNetwork(model, settings, reinitSeed);
        foreach (var tensor in network.Parameters.Tensors.Where(t => t.IsPrunable))
        {
            network.Masks.Set(tensor, mask.AsSpan(tensor.Offset, tensor.Length));
        }

        network.Masks.ApplyToParameters();
        var record = NewRecord(settings, data, model);
        record.ReinitSeed = reinitSeed;
        record.Rounds = [.. rounds];
        record.Warnings.AddRange(MaskAnalysis.Warnings(network, mask));
        var result = Train(network, settings, train, validation, data, observer, cancellationToken, settings.Seed);
        Complete(record, network, result);
        return record;
    }

    private static int PrunableWeights(INetwork network) => network.Parameters.Tensors.Where(t => t.IsPrunable).Sum(t => t.Length);

    private static (Data.Dataset Train, Data.Dataset? Validation) Split(RunData data, TrainSettings settings)
    {
        if (settings.Validation == 0)
        {
            return (data.Train, null);
        }

        if (settings.Validation >= data.Train.Count)
        {
            throw new UsageException($"--validation {settings.Validation} leaves no training data (the training set has {data.Train.Count} samples).");
        }

        var (remaining, holdout) = data.Train.SplitHoldout(settings.Validation);
        return (remaining, holdout);
    }

    private static Pruner CreatePruner(TrainSettings settings, Data.Dataset train)
    {
        var scope = settings.EffectiveScope == "global" ? PruningScope.Global : PruningScope.LayerWise;
        if (settings.ScoreSamples > train.Count && settings.Method is "snip" or "grasp")
        {
            throw new UsageException($"--score-samples {settings.ScoreSamples} exceeds the {train.Count} training samples.");
        }

        return settings.Method switch
        {
            "random" => new RandomPruner(settings.Seed) { Scope = scope, AllowCollapse = settings.AllowCollapse },
            "magnitude" => new MagnitudePruner { Scope = scope, AllowCollapse = settings.AllowCollapse },
            "snip" => new SnipPruner(train) { Scope = scope, AllowCollapse = settings.AllowCollapse, ScoreSamples = settings.ScoreSamples },
            "grasp" => new GraspPruner(train) { Scope = scope, AllowCollapse = settings.AllowCollapse, ScoreSamples = settings.ScoreSamples, Temperature = (float)settings.Temperature },
            "synflow" => new SynFlowPruner { Scope = scope, AllowCollapse = settings.AllowCollapse, Iterations = settings.SynflowIterations },
            _ => throw new UsageException($"Unknown method '{settings.Method}'. Known methods: {string.Join(", ", Methods.All)}."),
        };
    }

    private static IOptimizer CreateOptimizer(INetwork network, TrainSettings settings)
    {
        // With Frobenius decay the factors are regularized through U·Vt, so ordinary weight decay skips them.
        var decayFilter = settings.FrobeniusDecay > 0 ? FactorizedLayers.ExcludeFactors : null;
        return settings.Optimizer switch
        {
            "adam" => new Adam(network.Parameters, (float)settings.LearningRate, weightDecay: (float)settings.WeightDecay, decayFilter: decayFilter),
            "sgd" => new Sgd(network.Parameters, (float)settings.LearningRate, (float)settings.Momentum, (float)settings.WeightDecay, decayFilter),
            _ => throw new UsageException($"Unknown optimizer '{settings.Optimizer}' (adam or sgd)."),
        };
    }

    private static ModelGen.Training.TrainingOptions TrainingOptionsFor(TrainSettings settings, Data.Dataset? validation, int seed) => new()
    {
        Epochs = settings.Epochs,
        BatchSize = settings.BatchSize,
        Seed = seed,
        // The lottery-ticket paper measures early stopping on validation loss every 100 iterations.
        ValidationInterval = validation is null ? 0 : 100,
    };

    private static TrainingResult Train(
        INetwork network,
        TrainSettings settings,
        Data.Dataset train,
        Data.Dataset? validation,
        RunData data,
        IRunObserver observer,
        CancellationToken cancellationToken,
        int seed)
    {
        observer.Phase("training");
        var trainer = new Trainer(network, CreateOptimizer(network, settings), TrainingOptionsFor(settings, validation, seed));
        if (settings.FrobeniusDecay > 0)
        {
            var decay = new FrobeniusDecay(network, (float)settings.FrobeniusDecay);
            trainer.BeforeOptimizerStep = decay.Apply;
        }

        return trainer.Train(train, data.Test, validation, new SynchronousProgress<TrainingProgress>(observer.Training), cancellationToken);
    }

    private static IEnumerable<string> SettingWarnings(TrainSettings settings, ModelDescriptor model, INetwork network)
    {
        var frozen = model.Layers.Where(l => l.Kind == LayerKind.FactorizedDense && !l.Prunable).Select(l => l.Name).ToArray();
        if (settings.Method != Methods.Dense && frozen.Length > 0)
        {
            var pruned = network.Parameters.Tensors.Where(t => t.IsPrunable).Select(t => t.Layer).Distinct().ToArray();
            yield return $"factorized layers {string.Join(", ", frozen)} are not prunable: only {(pruned.Length == 0 ? "no layer" : string.Join(", ", pruned))} pruned";
        }

        if (settings.FrobeniusDecay > 0 && !IsFactorized(model))
        {
            yield return $"--frobenius-decay has no effect: {model.Name} has no factorized layer";
        }

        if (settings.FactorInit != "spectral" && !IsFactorized(model))
        {
            yield return $"--factor-init {settings.FactorInit} has no effect: {model.Name} has no factorized layer";
        }
    }

    private static RunRecord NewRecord(TrainSettings settings, RunData data, ModelDescriptor model)
    {
        var factorized = IsFactorized(model);
        var pruning = settings.Method != Methods.Dense;
        var lottery = Methods.IsLotteryTicket(settings.Method);
        return new RunRecord
        {
            Model = model.Name,
            Method = settings.Method,
            TargetSparsity = settings.Sparsity,
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            Lr = settings.LearningRate,
            Optimizer = settings.Optimizer,
            Seed = settings.Seed,
            ModelgenVersion = RunData.LibraryVersion,
            Data = data.Record,
            FlopsPerSample = model.Layers.Sum(l => l.FlopsPerSample),
            Scope = pruning ? settings.EffectiveScope : null,
            ScoreSamples = settings.Method is "snip" or "grasp" ? settings.ScoreSamples : null,
            Temperature = settings.Method == "grasp" ? settings.Temperature : null,
            SynflowIterations = settings.Method == "synflow" ? settings.SynflowIterations : null,
            PruneRate = lottery ? settings.PruneRate : null,
            RewindIteration = lottery ? settings.RewindIteration : null,
            Validation = settings.Validation,
            Threads = settings.Threads,
            AllowCollapse = settings.AllowCollapse,
            FactorInit = factorized ? settings.FactorInit : null,
            FrobeniusDecay = settings.FrobeniusDecay,
            WeightDecay = settings.WeightDecay,
            Momentum = settings.Optimizer == "sgd" ? settings.Momentum : null,
        };
    }

    /// <summary>Fills the mask-dependent fields (layers, kept, parameters, sparsity) from the network as it is now.</summary>
    private static void DescribeMask(RunRecord record, INetwork network)
    {
        var parameters = network.Parameters;
        long prunable = 0, prunableKept = 0, nonzeroCapable = 0;
        var layers = new List<LayerRecord>();
        foreach (var layer in network.Layers)
        {
            long kept = 0;
            foreach (var tensor in parameters.Tensors.Where(t => t.Layer == layer.Name))
            {
                var count = network.Masks.CountKept(tensor);
                nonzeroCapable += count;
                if (tensor.Role != ParameterRole.Bias)
                {
                    kept += count;
                }

                if (tensor.IsPrunable)
                {
                    prunable += tensor.Length;
                    prunableKept += count;
                }
            }

            layers.Add(new LayerRecord(layer.Name, layer.OutputSize, layer.InputSize, layer.Rank, layer.WeightCount, kept));
        }

        record.Layers = layers;
        record.Parameters = nonzeroCapable;
        record.Sparsity = prunable == 0 ? 0 : 1 - ((double)prunableKept / prunable);
    }

    private static void Complete(RunRecord record, INetwork network, TrainingResult result)
    {
        DescribeMask(record, network);
        record.TestAccuracy = result.TestAccuracy;
        record.TestLoss = result.TestLoss;
        record.FinalTrainLoss = result.FinalTrainLoss;
        record.TrainSeconds = result.TrainSeconds;
        record.TrainSamplesPerSecond = result.TrainSamplesPerSecond;
        record.BestValidationStep = result.BestValidationStep;
    }

    private static RunRecord Refuse(RunRecord record, INetwork network, LayerCollapseException e)
    {
        DescribeMask(record, network);
        record.Refused = e.Message;
        return record;
    }
}

/// <summary>
/// An <see cref="IProgress{T}"/> that calls its handler on the reporting thread. <see cref="Progress{T}"/> posts to the
/// thread pool instead, which would print progress out of order and after the run has ended.
/// </summary>
public sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    /// <inheritdoc />
    public void Report(T value) => handler(value);
}
