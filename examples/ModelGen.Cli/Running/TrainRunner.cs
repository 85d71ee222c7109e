using ModelGen.Cli.Output;
using ModelGen.Factorization;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Tickets;
using ModelGen.Training;

namespace ModelGen.Cli;

/// <summary>
/// Runs <c>train</c> settings through the library: builds the model, prunes it (one-shot or by lottery-ticket rounds),
/// trains it and fills the <see cref="RunRecord"/>. Everything here is library calls and bookkeeping; printing is the
/// observer's job.
/// </summary>
public static class TrainRunner
{
    /// <summary>
    /// Trains one cell of a non-lottery method (dense or a one-shot pruner); with <paramref name="persistence"/> it
    /// checkpoints, resumes (the mask then comes from the checkpoint, nothing is scored again), saves the weights and
    /// (<c>--save-ticket</c>) the ticket. With <paramref name="ticket"/> (<c>train --ticket</c>, method <c>dense</c>)
    /// the network is created at the ticket's seed and the ticket applied instead of pruning: the ticket trained with
    /// its masks; <see cref="TrainSettings.Seed"/> then sets the data order only.
    /// </summary>
    /// <returns>The run, or a refused run when pruning would collapse a layer.</returns>
    /// <exception cref="UsageException">The ticket does not fit the model (naming the file and the tensor).</exception>
    public static RunRecord RunOneShot(TrainSettings settings, RunData data, IRunObserver observer, CancellationToken cancellationToken, RunPersistence? persistence = null, TicketInput? ticket = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(observer);
        var model = RunComponents.FindModel(settings.Model);
        var network = RunComponents.CreateNetwork(model, settings, ticket?.Document.Seed ?? settings.Seed);
        var (train, validation) = RunComponents.Split(data, settings);
        var record = RunRecordBuilder.NewRecord(settings, data, model, ticket?.Record);
        var checkpoints = CheckpointSession.For(persistence, settings, data, ticket?.Document.ContentHash);

        // A resumed run takes its mask from the checkpoint: nothing is scored again.
        if (checkpoints?.Resumes != true && ticket is not null)
        {
            observer.Phase($"applying ticket {ticket.File}");
            RunComponents.ApplyTicket(ticket, network);
            record.Warnings.AddRange(MaskAnalysis.Warnings(network, network.Masks.Values));
        }
        else if (checkpoints?.Resumes != true)
        {
            try
            {
                if (PruneOneShot(network, settings, train, observer, record.Warnings) is { } report)
                {
                    record.ScoreSeconds = report.ScoreSeconds;
                    record.Warnings.AddRange(report.Warnings);
                }
            }
            catch (LayerCollapseException e)
            {
                return RunRecordBuilder.Refuse(record, network, e);
            }
        }

        record.Warnings.AddRange(SettingWarnings(settings, model, network));
        var result = Train(network, settings, train, validation, data, observer, cancellationToken, settings.Seed, checkpoints);
        if (result is null)
        {
            checkpoints!.CompleteWithoutTraining(record, network, data);
        }
        else
        {
            RunRecordBuilder.Complete(record, network, result);
        }

        TimeInference(record, network, settings, data, cancellationToken);
        WeightsOutput.Save(persistence, record, network);
        // The survivors of a one-shot mask start from θ0 of the seed the network was created with.
        TicketOutput.Save(persistence, record, () => LotteryTickets.Capture(network, ticket?.Document.Seed ?? settings.Seed));
        return record;
    }

    /// <summary>
    /// Prunes <paramref name="network"/> (fresh) with <paramref name="settings"/>' one-shot method, as a <c>train</c> run
    /// does before it trains; nothing for <c>dense</c>.
    /// </summary>
    /// <returns>The pruner's report, or null when the method prunes nothing.</returns>
    /// <exception cref="LayerCollapseException">Pruning would empty a layer (and collapse is not allowed).</exception>
    /// <param name="network">A fresh network.</param>
    /// <param name="settings">The run's settings.</param>
    /// <param name="train">Scoring data for data-driven methods.</param>
    /// <param name="observer">Shown the rules' advice (same text as the build's analyzers) before scoring, and the phase.</param>
    /// <param name="advice">Receives that advice too, when given (a run's JSON warnings).</param>
    public static PruningReport? PruneOneShot(INetwork network, TrainSettings settings, Data.Dataset train, IRunObserver observer, ICollection<string>? advice = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(observer);
        if (!settings.PruningMethod.Prunes)
        {
            return null;
        }

        var pruner = RunComponents.CreatePruner(settings, train);
        // Before scoring, what the build's analyzers would say about this configuration as a constant (same rules, same text).
        foreach (var rule in pruner.Check(network, settings.Sparsity))
        {
            observer.Warning(rule.ToString());
            advice?.Add(rule.ToString());
        }

        observer.Phase($"scoring ({settings.Method}, {settings.EffectiveScope} scope, sparsity {settings.Sparsity})");
        return pruner.Prune(network, settings.Sparsity);
    }

    /// <summary>
    /// Runs one lottery-ticket trajectory (seed <see cref="TrainSettings.Seed"/>) landing on each of
    /// <paramref name="targets"/> in turn, and hands each landing to <paramref name="landed"/> as soon as it is trained:
    /// for <c>lth</c> the ticket itself, for <c>lth-reinit</c> (when <paramref name="reinit"/>) also the control trained
    /// from a fresh init under the ticket's mask. A target whose round would collapse a layer, and every target after
    /// it, is handed over as refused. Each landing comes with the network it describes (the ticket's network as trained
    /// in that round, or the control's), for callers that go on using it (<c>bench</c> times it).
    /// </summary>
    public static void RunLotteryTicket(
        TrainSettings settings,
        IReadOnlyList<double> targets,
        bool ticket,
        bool reinit,
        RunData data,
        IRunObserver observer,
        Action<RunRecord, INetwork> landed,
        CancellationToken cancellationToken,
        RunPersistence? persistence = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentNullException.ThrowIfNull(landed);
        var model = RunComponents.FindModel(settings.Model);
        var network = RunComponents.CreateNetwork(model, settings, settings.Seed);
        var (train, validation) = RunComponents.Split(data, settings);
        var stepsPerRound = (long)settings.Epochs * ((train.Count + settings.BatchSize - 1) / settings.BatchSize);
        if (settings.RewindIteration > stepsPerRound)
        {
            throw new UsageException($"--rewind-iteration {settings.RewindIteration} lies beyond the {stepsPerRound} steps of a training round ({settings.Epochs} epochs of {train.Count} samples in batches of {settings.BatchSize}).");
        }

        var scope = settings.PrunerSettings.Scope;
        var optimizer = RunComponents.CreateOptimizer(network, settings);
        var options = new LotteryTicketOptions { PruneRate = settings.PruneRate, ConvolutionPruneRate = settings.ConvolutionPruneRate, OutputLayerPruneRate = settings.OutputLayerPruneRate, RewindIteration = settings.RewindIteration, Scope = scope, AllowCollapse = settings.AllowCollapse };
        var search = new LotteryTicketSearch(
            network,
            optimizer,
            RunComponents.TrainingOptionsFor(settings, validation, settings.Seed),
            options);
        var rounds = new List<RoundRecord>();
        if (CheckpointSession.For(persistence, settings, data) is { } checkpoints)
        {
            search.ResumeFrom = checkpoints.BeginLottery(network, optimizer, observer, rounds);
            search.Checkpoint = position => checkpoints.SaveLottery(network, optimizer, position, rounds);
        }

        var pending = targets.Distinct().Order().ToList();
        RunRecord? lastTicketRecord = null;
        // The rates' advice (MG0107, …) before the first round, as the analyzers give it for constant options.
        var settingWarnings = options.Check().Select(a => a.ToString()).Concat(SettingWarnings(settings, model, network)).ToList();
        foreach (var advice in options.Check())
        {
            observer.Warning(advice.ToString());
        }

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
            var landedTargets = pending.Where(t => TopK.KeptCount(RunComponents.PrunableWeights(network), t) == TopK.KeptCount(RunComponents.PrunableWeights(network), reached)).ToArray();
            var mask = network.Masks.Values.ToArray();
            foreach (var target in landedTargets)
            {
                pending.Remove(target);
                if (ticket)
                {
                    var record = RunRecordBuilder.NewRecord(settings with { Method = PruningMethods.Lth.Name, Sparsity = target }, data, model);
                    record.Warnings.AddRange(settingWarnings);
                    record.Warnings.AddRange(MaskAnalysis.Warnings(network, mask));
                    record.ScoreSeconds = 0;
                    record.Rounds = [.. rounds];
                    RunRecordBuilder.Complete(record, network, round.Training);
                    TimeInference(record, network, settings, data, cancellationToken);
                    WeightsOutput.Save(persistence, record, network);
                    lastTicketRecord = record;
                    landed(record, network);
                }

                if (reinit)
                {
                    var (control, controlNetwork) = RunReinit(settings with { Method = PruningMethods.LthReinit.Name, Sparsity = target }, model, mask, rounds, train, validation, data, observer, cancellationToken, persistence);
                    landed(control, controlNetwork);
                }
            }

            if (pending.Count > 0)
            {
                observer.Phase($"lth round {round.Round + 1}: pruning and rewinding");
            }
        });

        try
        {
            var result = search.Run(pending.ToArray(), train, data.Test, validation, roundProgress, new SynchronousProgress<TrainingProgress>(observer.Training), cancellationToken);
            // --save-ticket: the last ticket with the search's rewind point (θ0 of the seed, or the late-rewinding values).
            if (ticket && lastTicketRecord is not null && result.Tickets.Count > 0)
            {
                TicketOutput.Save(persistence, lastTicketRecord, () => LotteryTickets.FromSearch(network, result, result.Tickets[^1], settings.Seed));
            }
        }
        catch (LayerCollapseException e)
        {
            foreach (var target in pending.ToArray())
            {
                if (ticket)
                {
                    var record = RunRecordBuilder.NewRecord(settings with { Method = PruningMethods.Lth.Name, Sparsity = target }, data, model);
                    record.Rounds = [.. rounds];
                    landed(RunRecordBuilder.Refuse(record, network, e), network);
                }

                if (reinit)
                {
                    landed(RunRecordBuilder.Refuse(RunRecordBuilder.NewRecord(settings with { Method = PruningMethods.LthReinit.Name, Sparsity = target }, data, model), network, e), network);
                }
            }
        }
    }

    private static (RunRecord Record, INetwork Network) RunReinit(
        TrainSettings settings,
        ModelDescriptor model,
        float[] mask,
        IReadOnlyList<RoundRecord> rounds,
        Data.Dataset train,
        Data.Dataset? validation,
        RunData data,
        IRunObserver observer,
        CancellationToken cancellationToken,
        RunPersistence? persistence)
    {
        observer.Phase($"lth-reinit: the ticket's mask at sparsity {settings.Sparsity} on a fresh init");
        var reinitSeed = unchecked(settings.Seed + RunComponents.ReinitSeedOffset);
        var network = RunComponents.CreateNetwork(model, settings, reinitSeed);
        network.Masks.Install(mask);
        var record = RunRecordBuilder.NewRecord(settings, data, model);
        record.ReinitSeed = reinitSeed;
        record.Rounds = [.. rounds];
        record.Warnings.AddRange(MaskAnalysis.Warnings(network, mask));
        // Without checkpoints every epoch is trained, so there is a result.
        var result = Train(network, settings, train, validation, data, observer, cancellationToken, settings.Seed)!;
        RunRecordBuilder.Complete(record, network, result);
        TimeInference(record, network, settings, data, cancellationToken);
        WeightsOutput.Save(persistence, record, network);
        // The control's survivors start from θ0 of its fresh seed, not the ticket's.
        TicketOutput.Save(persistence, record, () => LotteryTickets.Capture(network, reinitSeed));
        return (record, network);
    }

    /// <summary>With <c>--time-inference B</c>: the trained network's inference at batch B, measured as <c>bench</c> does.</summary>
    private static void TimeInference(RunRecord record, INetwork network, TrainSettings settings, RunData data, CancellationToken cancellationToken)
    {
        if (settings.InferenceTimingBatch == 0)
        {
            return;
        }

        record.InferenceBatchSize = settings.InferenceTimingBatch;
        record.InferenceSamplesPerSecond = BenchRunner.InferenceSamplesPerSecond(network, data.Test, settings.InferenceTimingBatch, InterleavedTimer.For(settings.Threads), cancellationToken);
    }

    // Null only when a resumed checkpoint already holds every epoch.
    private static TrainingResult? Train(
        INetwork network,
        TrainSettings settings,
        Data.Dataset train,
        Data.Dataset? validation,
        RunData data,
        IRunObserver observer,
        CancellationToken cancellationToken,
        int seed,
        CheckpointSession? checkpoints = null)
    {
        observer.Phase("training");
        var optimizer = RunComponents.CreateOptimizer(network, settings);
        var firstEpoch = checkpoints?.Begin(network, optimizer, observer) ?? 1;
        if (firstEpoch > settings.Epochs)
        {
            return null;
        }

        var trainer = new Trainer(network, optimizer, RunComponents.TrainingOptionsFor(settings, validation, seed) with { FirstEpoch = firstEpoch });
        if (checkpoints is not null)
        {
            trainer.AfterEpoch = epoch => checkpoints.EpochEnded(network, optimizer, epoch);
        }

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
        if (settings.PruningMethod.Prunes && frozen.Length > 0)
        {
            var pruned = network.Parameters.Tensors.Where(t => t.IsPrunable).Select(t => t.Layer).Distinct().ToArray();
            yield return $"factorized layers {string.Join(", ", frozen)} are not prunable: only {(pruned.Length == 0 ? "no layer" : string.Join(", ", pruned))} pruned";
        }

        // The analyzers' MG0110, with its text: a factorization setting on a model without factorized layers.
        if (settings.FrobeniusDecay > 0 && FactorizedLayers.CheckSetting("Frobenius decay", model.Name, model.Layers) is { } decay)
        {
            yield return $"{decay} (--frobenius-decay)";
        }

        if (settings.FactorInit != "spectral" && FactorizedLayers.CheckSetting("Factor initialization", model.Name, model.Layers) is { } init)
        {
            yield return $"{init} (--factor-init {settings.FactorInit})";
        }
    }

}
