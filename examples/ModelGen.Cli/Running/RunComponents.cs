using ModelGen.Factorization;
using ModelGen.Generated;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Training;

namespace ModelGen.Cli;

/// <summary>
/// The pieces every command builds a run from: the model catalog, networks, pruners, optimizers, training options and
/// the data split. Commands compose these; none restates them.
/// </summary>
public static class RunComponents
{
    /// <summary>
    /// Seed offset of the <c>lth-reinit</c> control's fresh initialization: the ticket's mask on weights the ticket
    /// never saw (same data order, different init), as in Frankle and Carbin's random-reinitialization experiment.
    /// </summary>
    public const int ReinitSeedOffset = 1_000_003;

    /// <summary>The models built into this CLI.</summary>
    public static IReadOnlyList<ModelDescriptor> Models => ModelCatalog.All;

    /// <summary>
    /// What a single-run command does before it runs: checks the settings and the <c>--json</c> path (so that no run
    /// is lost to an unwritable file), sets the thread count, finds the model and loads the data.
    /// </summary>
    /// <exception cref="UsageException">A setting, the model name, the JSON path or the data folder is unusable.</exception>
    public static (ModelDescriptor Model, RunData Data) Start(TrainSettings settings, string? jsonPath)
    {
        ArgumentNullException.ThrowIfNull(settings);
        CliApplication.ThrowIfInvalid(settings.Validate());
        global::ModelGen.Kernels.Gemm.MaxDegreeOfParallelism = settings.Threads;
        var model = FindModel(settings.Model);
        if (settings.PruningMethod.Prunes && IsBaked(model))
        {
            throw new UsageException($"Model '{model.Name}' is baked from a lottery ticket: its structure is the ticket's pattern and it has no prunable weights, so --method {settings.Method} has nothing to prune. Use --method dense (prune its source model instead).");
        }

        if (TorchRngRefusal(model, settings) is { } refusal)
        {
            throw new UsageException(refusal);
        }

        Output.OutputPath.RequireWritableFile(jsonPath, "--json");
        return (model, RunData.Load(settings.DataFolder));
    }

    /// <summary>
    /// Why <paramref name="model"/> cannot run with <c>--rng torch</c>, or null when it can: PyTorch's initialization
    /// is reproduced for nn.Linear and nn.Conv2d parameters only, so factorized layers and baked classes have nothing
    /// to reproduce.
    /// </summary>
    public static string? TorchRngRefusal(ModelDescriptor model, TrainSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.RandomSource != RandomSource.PyTorch)
        {
            return null;
        }

        return IsFactorized(model) ? $"--rng torch: model '{model.Name}' has factorized layers (U·Vt), which PyTorch has no layer for, so there is no PyTorch initialization to reproduce. Use --rng modelgen."
            : IsBaked(model) ? $"--rng torch: model '{model.Name}' is baked from a ticket, whose weights come from the ticket, not from an initialization. Use --rng modelgen."
            : null;
    }

    /// <summary>
    /// Whether <paramref name="model"/> was baked from a ticket (<c>[Ticket]</c>): its networks are
    /// <see cref="IBakedNetwork"/>s, with no prunable weights and the source model as their dense view.
    /// </summary>
    public static bool IsBaked(ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Create(0) is IBakedNetwork;
    }

    /// <summary>
    /// The dense network a model is compared against (<c>bench</c>): the model itself, or for a baked model its source
    /// model (<c>lenet300</c> for <c>lenet300-ticket98</c>), unpruned.
    /// </summary>
    public static ModelDescriptor DenseCounterpart(ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Create(0) is IBakedNetwork baked ? FindModel(baked.SourceModel) : model;
    }

    /// <summary>
    /// Parameters and FLOPs per sample (a multiply-add counts 2) of each layer as the model runs: from the declared
    /// shapes, or for a baked model from its own parameters (only kept weights, each one multiply-add, and its biases).
    /// </summary>
    public static IReadOnlyList<(LayerInfo Layer, long Parameters, long FlopsPerSample)> LayerCosts(ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Create(0) is not IBakedNetwork baked)
        {
            return model.Layers.Select(l => (l, l.ParameterCount, l.FlopsPerSample)).ToList();
        }

        return baked.Layers.Select(l =>
        {
            var tensors = baked.Parameters.Tensors.Where(t => t.Layer == l.Name).ToArray();
            return (l, (long)tensors.Sum(t => t.Length), 2L * tensors.Where(t => t.Role != ParameterRole.Bias).Sum(t => (long)t.Length));
        }).ToList();
    }

    /// <summary>The catalog model baked from the ticket with content hash <paramref name="ticketHash"/>, or null.</summary>
    public static ModelDescriptor? BakedFrom(string ticketHash) =>
        Models.FirstOrDefault(m => m.Create(0) is IBakedNetwork baked && baked.TicketHash == ticketHash);

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
        if (settings.RandomSource == RandomSource.PyTorch)
        {
            // Refused up front for factorized and baked models (TorchRngRefusal), which have no PyTorch counterpart.
            TorchInitialization.Initialize(network.Parameters, seed);
        }

        // The generated constructor already gives factorized layers their spectral init from the same seed.
        if (settings.FactorInit == "random" && IsFactorized(model))
        {
            SpectralInitializer.InitializeRandom(network.Parameters, network.Layers, seed);
        }

        return network;
    }

    /// <summary>Applies <paramref name="ticket"/> to <paramref name="network"/> (created at the ticket's seed).</summary>
    /// <exception cref="UsageException">The ticket does not fit the network; the message names the file and the tensor.</exception>
    public static void ApplyTicket(TicketInput ticket, INetwork network)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        try
        {
            Tickets.LotteryTickets.Apply(ticket.Document, network);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"{ticket.File}: {e.Message}");
        }
    }

    /// <summary>Whether the model has a factorized layer.</summary>
    public static bool IsFactorized(ModelDescriptor model) => model.Layers.Any(l => l.Kind == LayerKind.FactorizedDense);

    /// <summary>Number of prunable weights of <paramref name="network"/>.</summary>
    public static int PrunableWeights(INetwork network) => network.Parameters.Tensors.Where(t => t.IsPrunable).Sum(t => t.Length);

    /// <summary>The training set and the held-out validation set of <see cref="TrainSettings.Validation"/> digits (null when 0).</summary>
    public static (Data.Dataset Train, Data.Dataset? Validation) Split(RunData data, TrainSettings settings)
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

    /// <summary>The one-shot pruner of <paramref name="settings"/>'s method, from the registry (<see cref="PruningMethods"/>).</summary>
    /// <exception cref="UsageException">The method has no one-shot pruner, or scoring asks for more samples than there are.</exception>
    public static Pruner CreatePruner(TrainSettings settings, Data.Dataset train)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(train);
        var method = settings.PruningMethod;
        if (method.Kind != PruningMethodKind.OneShot)
        {
            throw new UsageException($"'{method.Name}' is not a one-shot pruning method.");
        }

        if (method.UsesScoringData && settings.ScoreSamples > train.Count)
        {
            throw new UsageException($"--score-samples {settings.ScoreSamples} exceeds the {train.Count} training samples.");
        }

        return method.CreatePruner(settings.PrunerSettings, train);
    }

    /// <summary>The optimizer of <paramref name="settings"/> over <paramref name="network"/>'s parameters.</summary>
    public static IOptimizer CreateOptimizer(INetwork network, TrainSettings settings)
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

    /// <summary>The trainer's options for <paramref name="settings"/> (validation every 100 steps when a validation set exists).</summary>
    public static ModelGen.Training.TrainingOptions TrainingOptionsFor(TrainSettings settings, Data.Dataset? validation, int seed) => new()
    {
        Epochs = settings.Epochs,
        BatchSize = settings.BatchSize,
        Seed = seed,
        Shuffling = settings.RandomSource,
        // The lottery-ticket paper measures early stopping on validation loss every 100 iterations.
        ValidationInterval = validation is null ? 0 : 100,
    };
}
