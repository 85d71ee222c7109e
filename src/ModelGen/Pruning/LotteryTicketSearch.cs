using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Threading;
using ModelGen.Data;
using ModelGen.Model;
using ModelGen.Training;

namespace ModelGen.Pruning;

/// <summary>Settings of a <see cref="LotteryTicketSearch"/>.</summary>
public sealed record LotteryTicketOptions
{
    /// <summary>Default fraction of each layer's remaining weights removed per round (the paper's 20%).</summary>
    public const double DefaultPruneRate = Shapes.PruningRules.LotteryDefaultPruneRate;

    /// <summary>Fraction of the remaining weights removed per round, in (0, 1) (default 0.2).</summary>
    public double PruneRate { get; init; } = DefaultPruneRate;

    /// <summary>
    /// Rate for the output layer's weights in layer-wise scope; null (the default) means half of
    /// <see cref="PruneRate"/>, as Frankle and Carbin prune LeNet's output layer (20/20/10%).
    /// </summary>
    public double? OutputLayerPruneRate { get; init; }

    /// <summary>
    /// Rate for convolution layers' weights in layer-wise scope; null (the default) means half of
    /// <see cref="PruneRate"/>, the lottery-ticket paper's ratio for its Conv-2 and Conv-4 networks (conv 10%, dense
    /// 20%, output 10% per round; Conv-6 used 15% for its convolutions). The output layer's rate wins for a
    /// convolution that is the last layer.
    /// </summary>
    public double? ConvolutionPruneRate { get; init; }

    /// <summary>
    /// Training step whose weights the survivors are rewound to after each round; 0 (the default) is the original
    /// initialization (Frankle and Carbin 2019), k &gt; 0 is "late rewinding" (Frankle et al. 2020), the weights after
    /// step k of the first, dense training run.
    /// </summary>
    public int RewindIteration { get; init; }

    /// <summary>Layer-wise (the default: each layer pruned at its own rate) or global ranking by trained |w|.</summary>
    public PruningScope Scope { get; init; } = PruningScope.LayerWise;

    /// <summary>Allows a round to empty a prunable tensor instead of throwing <see cref="LayerCollapseException"/>.</summary>
    public bool AllowCollapse { get; init; }

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Naming the setting.</exception>
    public void Validate()
    {
        // The rates' range is the analyzers' rule MG0106, with its text.
        if (Shapes.PruningRules.CheckLotteryRate("prune rate", PruneRate, checkCoarse: false) is { } rate)
        {
            throw new ArgumentOutOfRangeException(nameof(PruneRate), PruneRate, rate.ToString());
        }

        if (OutputLayerPruneRate is { } output && Shapes.PruningRules.CheckLotteryRate("output-layer prune rate", output, checkCoarse: false) is { } outputRate)
        {
            throw new ArgumentOutOfRangeException(nameof(OutputLayerPruneRate), output, outputRate.ToString());
        }

        if (ConvolutionPruneRate is { } convolution && !(convolution > 0.0 && convolution < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(ConvolutionPruneRate), convolution, "The convolution layers' prune rate must lie in (0, 1).");
        }

        if (RewindIteration < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(RewindIteration), RewindIteration, "The rewind iteration must be 0 (the initialization) or a positive training step.");
        }

        if (!Enum.IsDefined(Scope))
        {
            throw new ArgumentOutOfRangeException(nameof(Scope), Scope, "Unknown pruning scope.");
        }
    }

    /// <summary>
    /// What the pruning-safety rules say about these settings (the analyzers' MG0106–MG0108, same IDs and text): a
    /// rate outside (0, 1), a rate so coarse the search is nearly one-shot, an output layer pruned at the full rate.
    /// Validation refuses only the first; the others are warnings worth showing before a long search.
    /// </summary>
    public IReadOnlyList<PruningAdvice> Check() =>
        PruningAdvice.From(Shapes.PruningRules.CheckLottery(PruneRate, OutputLayerPruneRate, (Shapes.PruneScopeCode)Scope));
}

/// <summary>One train-then-prune round of a lottery-ticket search, reported after its training.</summary>
/// <param name="Round">0 for the first (unpruned) training, then 1, 2, …</param>
/// <param name="Sparsity">Fraction of prunable weights masked during this round's training.</param>
/// <param name="Tensors">Per prunable tensor: weights and kept count (its density).</param>
/// <param name="TestAccuracy">Test accuracy (0..1) after training; NaN without a test set.</param>
/// <param name="TestLoss">Test loss after training; NaN without a test set.</param>
/// <param name="BestValidationStep">Step of minimum validation loss (how fast the ticket learns); null without a validation set.</param>
/// <param name="ReachedTarget">The target sparsity this round lands on, if any.</param>
/// <param name="Training">The full training result of the round.</param>
public sealed record LotteryTicketRound(
    int Round,
    double Sparsity,
    IReadOnlyList<PrunedTensor> Tensors,
    double TestAccuracy,
    double TestLoss,
    int? BestValidationStep,
    double? ReachedTarget,
    TrainingResult Training);

/// <summary>A trained winning-ticket candidate: the round that landed on one requested sparsity.</summary>
/// <param name="TargetSparsity">The requested sparsity.</param>
/// <param name="Round">The round that reached it.</param>
/// <param name="Pruning">The mask's report (method <c>lth</c>; <see cref="PruningReport.ScoreSeconds"/> is the pruning time of all rounds so far).</param>
/// <param name="Training">The training of the ticket at this sparsity.</param>
/// <param name="Mask">The mask, laid out like <see cref="ParameterSet.Values"/> (a copy).</param>
public sealed record LotteryTicket(double TargetSparsity, int Round, PruningReport Pruning, TrainingResult Training, float[] Mask)
{
    /// <summary>
    /// Installs this ticket's mask on <paramref name="network"/> and zeroes its pruned weights. Given a freshly
    /// initialized network of the same model with a <b>different</b> seed, this sets up the <c>lth-reinit</c> control
    /// (Frankle and Carbin's random reinitialization): same structure, new weights; then train it as usual.
    /// </summary>
    /// <exception cref="ArgumentException">The network's parameter layout differs from the ticket's.</exception>
    public void ApplyTo(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.Parameters.Count != Mask.Length)
        {
            throw new ArgumentException($"The ticket's mask has {Mask.Length} entries; network '{network.Name}' has {network.Parameters.Count} parameters.", nameof(network));
        }

        network.Masks.Install(Mask);
    }
}

/// <summary>The outcome of <see cref="LotteryTicketSearch.Run"/>.</summary>
/// <param name="Rounds">Every round in order, starting with the unpruned training.</param>
/// <param name="Tickets">One trained ticket per requested sparsity, in ascending order of sparsity.</param>
public sealed record LotteryTicketResult(IReadOnlyList<LotteryTicketRound> Rounds, IReadOnlyList<LotteryTicket> Tickets)
{
    /// <summary>The search's <see cref="LotteryTicketOptions.RewindIteration"/>: 0 when survivors rewind to θ0.</summary>
    public int RewindIteration { get; init; }

    /// <summary>
    /// The weights the survivors were rewound to (laid out like the parameters): θ0, or the weights after step
    /// <see cref="RewindIteration"/>. A ticket file records them when <see cref="RewindIteration"/> &gt; 0.
    /// </summary>
    public float[]? RewindPoint { get; init; }
}

/// <summary>
/// Lottery tickets by iterative magnitude pruning with rewinding (Frankle and Carbin 2019; Frankle et al. 2020):
/// train → remove <see cref="LotteryTicketOptions.PruneRate"/> of each layer's remaining weights by trained |w| (the
/// output layer and convolution layers at half that rate, see <see cref="LotteryTicketOptions.ConvolutionPruneRate"/>) → rewind the survivors to their values at
/// <see cref="LotteryTicketOptions.RewindIteration"/> → reset the optimizer → repeat. One run follows one pruning
/// trajectory and lands exactly on each requested sparsity in turn (the round that would overshoot a target scales
/// its rates down so the overall kept count is exactly round((1 − target)·N)); the trained network at each target is
/// returned as a <see cref="LotteryTicket"/>.
/// </summary>
/// <remarks>
/// Usage: <c>new LotteryTicketSearch(network, new Adam(network.Parameters, 1.2e-3f), trainingOptions).Run([0.5, 0.9], train, test)</c>.
/// Every round trains with the same <see cref="TrainingOptions"/> (so the same data order). After the run the network
/// holds the last ticket: its mask and its trained weights.
/// </remarks>
public sealed class LotteryTicketSearch
{
    private readonly INetwork _network;
    private readonly IOptimizer _optimizer;
    private readonly TrainingOptions _training;
    private readonly LotteryTicketOptions _options;

    /// <summary>Prepares a search on <paramref name="network"/> as it is now (its current weights are the initialization).</summary>
    /// <exception cref="ArgumentException">The optimizer is bound to another parameter set.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public LotteryTicketSearch(INetwork network, IOptimizer optimizer, TrainingOptions training, LotteryTicketOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(training);
        training.Validate();
        options ??= new LotteryTicketOptions();
        options.Validate();
        if (!ReferenceEquals(optimizer.Parameters, network.Parameters))
        {
            throw new ArgumentException($"The optimizer updates a different parameter set than network '{network.Name}' has.", nameof(optimizer));
        }

        _network = network;
        _optimizer = optimizer;
        _training = training;
        _options = options;
    }

    /// <summary>The settings of this search.</summary>
    public LotteryTicketOptions Options => _options;

    /// <summary>
    /// Continue from a checkpoint instead of starting: the network and the optimizer must already hold the state saved
    /// with this position. Targets the search had already landed on before it (their kept count is above the
    /// network's) are skipped; <see cref="LotteryTicketResult"/> then holds only the rounds run after resuming.
    /// </summary>
    public LotteryTicketPosition? ResumeFrom { get; set; }

    /// <summary>
    /// Called whenever the search stands at a point it can resume from: after every epoch of a round but the last, and
    /// after each prune-and-rewind (the next round at epoch 0). Save the network, the optimizer and the position here.
    /// </summary>
    public Action<LotteryTicketPosition>? Checkpoint { get; set; }

    /// <summary>
    /// Runs the search until every sparsity of <paramref name="targetSparsities"/> (any order; duplicates ignored) is
    /// reached and trained.
    /// </summary>
    /// <param name="targetSparsities">Fractions of prunable weights to remove, each in [0, 1] and not below the network's current sparsity; the overall kept count lands on round((1 − s)·N) for each.</param>
    /// <param name="train">Training data.</param>
    /// <param name="test">Evaluated after each round's training when given.</param>
    /// <param name="validation">Held-out data whose loss minimum gives each round's <see cref="LotteryTicketRound.BestValidationStep"/>.</param>
    /// <param name="roundProgress">Receives each round as soon as its training ends.</param>
    /// <param name="trainingProgress">Receives the trainer's progress within rounds.</param>
    /// <param name="cancellationToken">Checked between and within rounds.</param>
    /// <exception cref="ArgumentException">No targets, or a target outside [0, 1] or below the current sparsity.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The rewind iteration lies beyond the first training run.</exception>
    /// <exception cref="LayerCollapseException">A round would empty a prunable tensor and collapse is not allowed.</exception>
    public LotteryTicketResult Run(
        IReadOnlyList<double> targetSparsities,
        Dataset train,
        Dataset? test = null,
        Dataset? validation = null,
        IProgress<LotteryTicketRound>? roundProgress = null,
        IProgress<TrainingProgress>? trainingProgress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targetSparsities);
        ArgumentNullException.ThrowIfNull(train);
        var parameters = _network.Parameters;
        var masks = _network.Masks;
        var groups = TopK.Groups(parameters, PruningScope.LayerWise);
        var totalWeights = 0;
        foreach (var group in groups)
        {
            totalWeights += group[0].Length;
        }

        var keptNow = CountKept(groups);
        var resume = ResumeFrom;
        var targets = SortedTargets(resume is null ? targetSparsities : StillAhead(targetSparsities, totalWeights, keptNow), totalWeights, keptNow);
        var stepsPerRun = checked(_training.Epochs * ((train.Count + _training.BatchSize - 1) / _training.BatchSize));
        if (_options.RewindIteration > stepsPerRun)
        {
            throw new ArgumentOutOfRangeException(nameof(targetSparsities), _options.RewindIteration, $"Rewind iteration {_options.RewindIteration} lies beyond the {stepsPerRun} steps of a training run.");
        }

        // The rewind point: the weights now (iteration 0) or after step k of the first training run.
        var stepsPerEpoch = stepsPerRun / _training.Epochs;
        float[]? rewind = resume is null ? (_options.RewindIteration == 0 ? parameters.Snapshot() : null) : ResumedRewind(resume, stepsPerEpoch);
        var rounds = new List<LotteryTicketRound>();
        var tickets = new List<LotteryTicket>();
        var pruneSeconds = 0.0;
        var nextTarget = 0;
        for (var round = resume?.Round ?? 0; ; round++)
        {
            var firstEpoch = resume is not null && round == resume.Round ? resume.CompletedEpochs + 1 : 1;
            var trainer = new Trainer(_network, _optimizer, _training with { FirstEpoch = firstEpoch });
            var trainedRound = round;
            trainer.AfterEpoch = epoch =>
            {
                if (epoch.Epoch < _training.Epochs)
                {
                    Checkpoint?.Invoke(new LotteryTicketPosition(trainedRound, epoch.Epoch, rewind));
                }
            };
            if (rewind is null)
            {
                trainer.AfterStep = step =>
                {
                    if (step == _options.RewindIteration)
                    {
                        rewind = parameters.Snapshot();
                    }
                };
            }

            var result = trainer.Train(train, test, validation, trainingProgress, cancellationToken);
            var kept = CountKept(groups);
            double? reached = null;
            while (nextTarget < targets.Count && kept == targets[nextTarget].Kept)
            {
                reached = targets[nextTarget].Sparsity;
                var report = PruningReport.Describe(_network, PruningMethods.Lth.Name, _options.Scope, reached.Value, pruneSeconds);
                tickets.Add(new LotteryTicket(reached.Value, round, report, result, masks.Values.ToArray()));
                nextTarget++;
            }

            var summary = new LotteryTicketRound(
                round,
                1.0 - ((double)kept / totalWeights),
                PruningReport.Describe(_network, PruningMethods.Lth.Name, _options.Scope, reached ?? double.NaN, pruneSeconds).Tensors,
                result.TestAccuracy,
                result.TestLoss,
                result.BestValidationStep,
                reached,
                result);
            rounds.Add(summary);
            roundProgress?.Report(summary);
            if (nextTarget == targets.Count)
            {
                return new LotteryTicketResult(rounds, tickets) { RewindIteration = _options.RewindIteration, RewindPoint = (float[]?)rewind?.Clone() };
            }

            cancellationToken.ThrowIfCancellationRequested();
            var stopwatch = Stopwatch.StartNew();
            var mask = NextMask(groups, kept, targets[nextTarget].Kept);
            stopwatch.Stop();
            pruneSeconds += stopwatch.Elapsed.TotalSeconds;
            if (!_options.AllowCollapse && MaskAnalysis.FirstEmptyTensor(parameters, mask) is { } empty)
            {
                throw new LayerCollapseException(empty.Layer, empty.Name, PruningMethods.Lth.Name, targets[nextTarget].Sparsity);
            }

            parameters.Restore(rewind!);
            masks.Install(mask);
            _optimizer.Reset();
            Checkpoint?.Invoke(new LotteryTicketPosition(round + 1, 0, rewind));
        }
    }

    // The rewind weights a resumed search needs: saved with the position, or (at the very start, rewinding to the
    // initialization) the weights as they are; missing ones are an error unless the rewind step still lies ahead.
    private float[]? ResumedRewind(LotteryTicketPosition resume, int stepsPerEpoch)
    {
        if (resume.Round < 0 || resume.CompletedEpochs < 0 || resume.CompletedEpochs >= _training.Epochs)
        {
            throw new ArgumentException($"Cannot resume at round {resume.Round}, epoch {resume.CompletedEpochs}: a round has {_training.Epochs} epochs and checkpoints come before its last.", nameof(ResumeFrom));
        }

        if (resume.Rewind is { } saved)
        {
            if (saved.Length != _network.Parameters.Count)
            {
                throw new ArgumentException($"The rewind weights have {saved.Length} entries, the network {_network.Parameters.Count}.", nameof(ResumeFrom));
            }

            return (float[])saved.Clone();
        }

        var atStart = resume.Round == 0 && resume.CompletedEpochs == 0;
        if (_options.RewindIteration == 0 && atStart)
        {
            return _network.Parameters.Snapshot();
        }

        if (_options.RewindIteration > 0 && resume.Round == 0 && (long)resume.CompletedEpochs * stepsPerEpoch < _options.RewindIteration)
        {
            return null;
        }

        throw new ArgumentException($"Resuming at round {resume.Round}, epoch {resume.CompletedEpochs} needs the rewind weights, and the position has none.", nameof(ResumeFrom));
    }

    // Targets a resumed search has not landed on yet: those whose kept count is not above the network's.
    private static List<double> StillAhead(IReadOnlyList<double> targetSparsities, int totalWeights, int keptNow)
    {
        var ahead = new List<double>();
        foreach (var sparsity in targetSparsities)
        {
            if (!(sparsity >= 0.0 && sparsity <= 1.0) || TopK.KeptCount(totalWeights, sparsity) <= keptNow)
            {
                ahead.Add(sparsity);
            }
        }

        return ahead;
    }

    /// <summary>
    /// Removal counts of one layer-wise round: round(rate·kept) per tensor, the output layer at its own rate. When
    /// that would reach or pass the target (or remove nothing), the <paramref name="needed"/> removals are instead
    /// shared in proportion to rate·kept by largest remainders, so the total is exact.
    /// </summary>
    internal static int[] LayerWiseRemovals(ReadOnlySpan<int> kept, ReadOnlySpan<double> rates, int needed)
    {
        var removals = new int[kept.Length];
        var planned = 0L;
        var weight = 0.0;
        for (var t = 0; t < kept.Length; t++)
        {
            removals[t] = (int)Math.Round(rates[t] * kept[t], MidpointRounding.ToEven);
            planned += removals[t];
            weight += rates[t] * kept[t];
        }

        if (planned > 0 && planned < needed)
        {
            return removals;
        }

        // Final round towards this target: scale every rate by the same factor, then fix rounding so Σ = needed.
        var remainders = new double[kept.Length];
        var assigned = 0;
        for (var t = 0; t < kept.Length; t++)
        {
            var share = weight > 0 ? needed * (rates[t] * kept[t]) / weight : 0.0;
            removals[t] = Math.Min(kept[t], (int)Math.Floor(share));
            remainders[t] = share - removals[t];
            assigned += removals[t];
        }

        while (assigned < needed)
        {
            // Largest remainder first (earliest tensor on ties) among tensors that still have weights to give.
            var best = -1;
            for (var t = 0; t < kept.Length; t++)
            {
                if (removals[t] < kept[t] && (best < 0 || remainders[t] > remainders[best]))
                {
                    best = t;
                }
            }

            if (best < 0)
            {
                throw new InvalidOperationException($"Cannot remove {needed} weights from tensors holding fewer.");
            }

            removals[best]++;
            remainders[best] -= 1.0;
            assigned++;
        }

        return removals;
    }

    private float[] NextMask(IReadOnlyList<IReadOnlyList<ParameterTensor>> tensorGroups, int kept, int targetKept)
    {
        var parameters = _network.Parameters;
        var scores = new float[parameters.Count];
        TensorPrimitives.Abs(parameters.Values, scores);
        var survivors = _network.Masks.IsActive ? _network.Masks.Values : ReadOnlySpan<float>.Empty;
        var needed = kept - targetKept;
        if (_options.Scope == PruningScope.Global)
        {
            var removal = (int)Math.Round(_options.PruneRate * kept, MidpointRounding.ToEven);
            if (removal == 0 || removal >= needed)
            {
                removal = needed;
            }

            var all = TopK.Groups(parameters, PruningScope.Global);
            return TopK.SelectMask(parameters, scores, all, new[] { kept - removal }, survivors);
        }

        var outputLayer = _network.Layers.Count - 1;
        var outputRate = _options.OutputLayerPruneRate ?? (_options.PruneRate / 2.0);
        var convolutionRate = _options.ConvolutionPruneRate ?? (_options.PruneRate / 2.0);
        var keptPerTensor = new int[tensorGroups.Count];
        var rates = new double[tensorGroups.Count];
        for (var t = 0; t < tensorGroups.Count; t++)
        {
            var tensor = tensorGroups[t][0];
            keptPerTensor[t] = _network.Masks.CountKept(tensor);
            rates[t] = tensor.LayerIndex == outputLayer ? outputRate
                : _network.Layers[tensor.LayerIndex].Kind == LayerKind.Conv2D ? convolutionRate
                : _options.PruneRate;
        }

        var removals = LayerWiseRemovals(keptPerTensor, rates, needed);
        var keep = new int[tensorGroups.Count];
        for (var t = 0; t < keep.Length; t++)
        {
            keep[t] = keptPerTensor[t] - removals[t];
        }

        return TopK.SelectMask(parameters, scores, tensorGroups, keep, survivors);
    }

    private int CountKept(IReadOnlyList<IReadOnlyList<ParameterTensor>> tensorGroups)
    {
        var kept = 0;
        foreach (var group in tensorGroups)
        {
            kept += _network.Masks.CountKept(group[0]);
        }

        return kept;
    }

    private static List<(double Sparsity, int Kept)> SortedTargets(IReadOnlyList<double> targetSparsities, int totalWeights, int keptNow)
    {
        if (targetSparsities.Count == 0)
        {
            throw new ArgumentException("Give at least one target sparsity.", nameof(targetSparsities));
        }

        var sorted = new List<double>(targetSparsities);
        sorted.Sort();
        var targets = new List<(double Sparsity, int Kept)>();
        foreach (var sparsity in sorted)
        {
            if (!(sparsity >= 0.0 && sparsity <= 1.0))
            {
                throw new ArgumentException($"Target sparsity {sparsity} lies outside [0, 1].", nameof(targetSparsities));
            }

            var kept = TopK.KeptCount(totalWeights, sparsity);
            if (kept > keptNow)
            {
                throw new ArgumentException($"Target sparsity {sparsity} is below the network's current sparsity {1.0 - ((double)keptNow / totalWeights):0.####}; lottery-ticket rounds only remove weights.", nameof(targetSparsities));
            }

            // Distinct targets that round to the same kept count each get their ticket (the same round's).
            if (targets.Count == 0 || targets[^1].Sparsity != sparsity)
            {
                targets.Add((sparsity, kept));
            }
        }

        return targets;
    }
}
