using ModelGen.Cli.Output;
using ModelGen.Factorization;
using ModelGen.Model;
using ModelGen.Pruning;
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
    /// checkpoints, resumes (the mask then comes from the checkpoint, nothing is scored again) and saves the weights.
    /// </summary>
    /// <returns>The run, or a refused run when pruning would collapse a layer.</returns>
    public static RunRecord RunOneShot(TrainSettings settings, RunData data, IRunObserver observer, CancellationToken cancellationToken, RunPersistence? persistence = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(observer);
        var model = RunComponents.FindModel(settings.Model);
        var network = RunComponents.CreateNetwork(model, settings, settings.Seed);
        var (train, validation) = RunComponents.Split(data, settings);
        var record = RunRecordBuilder.NewRecord(settings, data, model);
        var checkpoints = CheckpointSession.For(persistence, settings, data);

        if (settings.PruningMethod.Prunes && checkpoints?.Resumes != true)
        {
            observer.Phase($"scoring ({settings.Method}, {settings.EffectiveScope} scope, sparsity {settings.Sparsity})");
            PruningReport report;
            try
            {
                report = RunComponents.CreatePruner(settings, train).Prune(network, settings.Sparsity);
            }
            catch (LayerCollapseException e)
            {
                return RunRecordBuilder.Refuse(record, network, e);
            }

            record.ScoreSeconds = report.ScoreSeconds;
            record.Warnings.AddRange(report.Warnings);
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

        WeightsOutput.Save(persistence, record, network);
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
        var scope = settings.PrunerSettings.Scope;
        var search = new LotteryTicketSearch(
            network,
            RunComponents.CreateOptimizer(network, settings),
            RunComponents.TrainingOptionsFor(settings, validation, settings.Seed),
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
                    WeightsOutput.Save(persistence, record, network);
                    landed(record);
                }

                if (reinit)
                {
                    landed(RunReinit(settings with { Method = PruningMethods.LthReinit.Name, Sparsity = target }, model, mask, rounds, train, validation, data, observer, cancellationToken, persistence));
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
                    var record = RunRecordBuilder.NewRecord(settings with { Method = PruningMethods.Lth.Name, Sparsity = target }, data, model);
                    record.Rounds = [.. rounds];
                    landed(RunRecordBuilder.Refuse(record, network, e));
                }

                if (reinit)
                {
                    landed(RunRecordBuilder.Refuse(RunRecordBuilder.NewRecord(settings with { Method = PruningMethods.LthReinit.Name, Sparsity = target }, data, model), network, e));
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
        WeightsOutput.Save(persistence, record, network);
        return record;
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

        if (settings.FrobeniusDecay > 0 && !RunComponents.IsFactorized(model))
        {
            yield return $"--frobenius-decay has no effect: {model.Name} has no factorized layer";
        }

        if (settings.FactorInit != "spectral" && !RunComponents.IsFactorized(model))
        {
            yield return $"--factor-init {settings.FactorInit} has no effect: {model.Name} has no factorized layer";
        }
    }

}
