using ModelGen.Cli.Output;
using ModelGen.Data;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Training;

namespace ModelGen.Cli;

/// <summary>
/// Runs <c>bench</c>: prunes a fresh network exactly as <c>train</c> would (the same <see cref="TrainRunner"/> path,
/// lottery-ticket rounds included), then times the training step and inference of that network and of the same
/// network unpruned, side by side in one <see cref="InterleavedTimer"/> run, on real batches of the data.
/// </summary>
public static class BenchRunner
{
    /// <summary>Distinct batches each timed operation cycles through (fewer when the data set is small).</summary>
    public const int DistinctBatches = 8;

    /// <summary>Prunes, times and describes; the caller has set the thread count.</summary>
    /// <exception cref="UsageException">The batch size exceeds the training or the test set.</exception>
    /// <exception cref="PruningException">Pruning would collapse a layer.</exception>
    public static BenchRecord Run(TrainSettings settings, RunData data, IRunObserver observer, InterleavedTimer timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentNullException.ThrowIfNull(timer);
        var model = RunComponents.FindModel(settings.Model);
        var (train, _) = RunComponents.Split(data, settings);
        foreach (var (set, name) in new[] { (train, "training"), (data.Test, "test") })
        {
            if (settings.BatchSize > set.Count)
            {
                throw new UsageException($"--batch-size {settings.BatchSize} exceeds the {set.Count} samples of the {name} set.");
            }
        }

        var pruned = new TimedNetwork(Prune(settings, data, observer, cancellationToken), settings, train, data.Test);
        // A baked model's dense network is its source model: the function it was baked from, unpruned.
        var dense = new TimedNetwork(RunComponents.CreateNetwork(RunComponents.DenseCounterpart(model), settings, settings.Seed), settings, train, data.Test);
        observer.Phase($"timing training steps and inference at batch {settings.BatchSize}: {settings.Method} and dense, {timer.Rounds} rounds each");
        var seconds = timer.MedianSeconds([pruned.TrainStep, dense.TrainStep, pruned.Infer, dense.Infer], cancellationToken);
        double batch = settings.BatchSize;
        return new BenchRecord
        {
            Model = model.Name,
            Method = settings.Method,
            Sparsity = settings.Sparsity,
            BatchSize = settings.BatchSize,
            Threads = settings.Threads,
            TrainSamplesPerSecond = batch / seconds[0],
            DenseTrainSamplesPerSecond = batch / seconds[1],
            InferenceSamplesPerSecond = batch / seconds[2],
            DenseInferenceSamplesPerSecond = batch / seconds[3],
            TrainSpeedup = seconds[1] / seconds[0],
            InferenceSpeedup = seconds[3] / seconds[2],
            Layers = LayerRecords(pruned.Network, settings.BatchSize),
        };
    }

    /// <summary>
    /// How each layer with weights runs its forward pass at <paramref name="batchSize"/> samples
    /// (<see cref="LayerExecution.KernelAt"/>; a sparse layer above the per-sample crossover runs it dense below 8
    /// samples), or <c>baked</c> layers against the dense view.
    /// </summary>
    public static List<BenchLayerRecord> LayerRecords(INetwork network, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network is IBakedNetwork
            ? RunRecordBuilder.MaskSummary(network).Layers.Select(l => new BenchLayerRecord(l.Name, l.Kernel, l.Density)).ToList()
            : network.Execution.Select(e => new BenchLayerRecord(e.Layer, KernelName(e.KernelAt(batchSize)), e.Density)).ToList();
    }

    /// <summary>The JSON and table name of a kernel kind: <c>dense</c> or <c>sparse</c>.</summary>
    public static string KernelName(KernelKind kernel) => kernel switch
    {
        KernelKind.Dense => "dense",
        KernelKind.Sparse => "sparse",
        _ => throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "Unknown kernel kind."),
    };

    /// <summary>A fresh network of <paramref name="settings"/>, pruned the way <c>train</c> prunes before training.</summary>
    private static INetwork Prune(TrainSettings settings, RunData data, IRunObserver observer, CancellationToken cancellationToken)
    {
        var method = settings.PruningMethod;
        if (method.Kind != PruningMethodKind.LotteryTicket)
        {
            var network = RunComponents.CreateNetwork(RunComponents.FindModel(settings.Model), settings, settings.Seed);
            TrainRunner.PruneOneShot(network, settings, RunComponents.Split(data, settings).Train, observer);
            return network;
        }

        // The lottery ticket's mask only exists after its training rounds: run the search as train does.
        INetwork? landed = null;
        string? refused = null;
        TrainRunner.RunLotteryTicket(
            settings,
            [settings.Sparsity],
            ticket: method == PruningMethods.Lth,
            reinit: method == PruningMethods.LthReinit,
            data,
            observer,
            (record, network) =>
            {
                landed = network;
                refused = record.Refused;
            },
            cancellationToken);
        if (refused is not null)
        {
            throw new PruningException(refused);
        }

        return landed ?? throw new InvalidOperationException($"The lottery-ticket search ended without reaching sparsity {settings.Sparsity}.");
    }

    /// <summary>
    /// Inference throughput of <paramref name="network"/> as it is now (samples per second, median of the timer's
    /// rounds) on batches of <paramref name="batchSize"/> from <paramref name="test"/>; <c>train --time-inference</c>
    /// records it for trained networks.
    /// </summary>
    public static double InferenceSamplesPerSecond(INetwork network, Dataset test, int batchSize, InterleavedTimer timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(timer);
        if (batchSize > test.Count)
        {
            throw new UsageException($"--time-inference {batchSize} exceeds the {test.Count} samples of the test set.");
        }

        return batchSize / timer.MedianSeconds([new TimedInference(network, test, batchSize).Infer], cancellationToken)[0];
    }

    private static Dataset[] Batches(Dataset set, int batchSize)
    {
        var count = Math.Min(DistinctBatches, set.Count / batchSize);
        return Enumerable.Range(0, count).Select(i => set.Slice(i * batchSize, batchSize)).ToArray();
    }

    /// <summary>A network's forward pass over a few fixed batches, taken in turn.</summary>
    private sealed class TimedInference(INetwork network, Dataset test, int batchSize)
    {
        private readonly Dataset[] _batches = Batches(test, batchSize);
        private readonly float[] _logits = new float[batchSize * network.OutputSize];
        private int _next;

        public void Infer()
        {
            var batch = _batches[_next++ % _batches.Length];
            network.Forward(batch.Inputs, batchSize, _logits);
        }
    }

    /// <summary>A network with its trainer and the batches it is timed on.</summary>
    internal sealed class TimedNetwork
    {
        private readonly Trainer _trainer;
        private readonly Dataset[] _trainBatches;
        private readonly TimedInference _inference;
        private readonly int _batchSize;
        private int _nextTrain;

        public TimedNetwork(INetwork network, TrainSettings settings, Dataset train, Dataset test)
        {
            Network = network;
            _trainer = new Trainer(network, RunComponents.CreateOptimizer(network, settings), RunComponents.TrainingOptionsFor(settings, validation: null, settings.Seed));
            _batchSize = settings.BatchSize;
            _trainBatches = Batches(train, _batchSize);
            _inference = new TimedInference(network, test, _batchSize);
        }

        public INetwork Network { get; }

        /// <summary>One step exactly as training takes it (<see cref="Trainer.TrainStep"/>).</summary>
        public void TrainStep()
        {
            var batch = _trainBatches[_nextTrain++ % _trainBatches.Length];
            _trainer.TrainStep(batch.Inputs, batch.Labels, _batchSize);
        }

        public void Infer() => _inference.Infer();
    }
}
