using System.Globalization;
using System.Text.Json;
using ModelGen.Cli.Output;
using ModelGen.IO;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Training;

namespace ModelGen.Cli;

/// <summary>
/// The checkpoints of one <c>train</c> run: one before the first step and one at every epoch end, in a folder, through
/// <see cref="TrainingCheckpoint"/>. A checkpoint records the run's identity (every setting that changes the result,
/// and the data files' SHA-256), so resuming with other settings or data is refused instead of silently mixing runs;
/// for one-shot methods the epoch count is not part of it, so a finished run can be extended with more epochs (for
/// <c>lth</c> it is: every round trains that many). An <c>lth</c> checkpoint also holds the search's position (round,
/// rewind weights) and the rounds reported so far, so the resumed run's JSON lists every round.
/// </summary>
public sealed class CheckpointSession
{
    private const string TrainLossKey = "train_loss";
    private const string RoundKey = "lth_round";
    private const string RoundsKey = "lth_rounds";
    private const string RewindTensor = "lth_rewind";
    private readonly string _folder;
    private readonly bool _resume;
    private readonly IReadOnlyDictionary<string, string> _run;
    private string? _lastTrainLoss;

    private CheckpointSession(string folder, bool resume, IReadOnlyDictionary<string, string> run)
    {
        _folder = folder;
        _resume = resume;
        _run = run;
    }

    /// <summary>
    /// The session of <paramref name="persistence"/>, or null when it keeps no checkpoints; <paramref name="ticketHash"/>
    /// is the content hash of the ticket a <c>train --ticket</c> run trains (part of its identity).
    /// </summary>
    public static CheckpointSession? For(RunPersistence? persistence, TrainSettings settings, RunData data, string? ticketHash = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(data);
        if (persistence?.CheckpointFolder is not { } folder)
        {
            return null;
        }

        var run = new SortedDictionary<string, string>(new Dictionary<string, string>(RunIdentity(settings, data)), StringComparer.Ordinal);
        if (ticketHash is not null)
        {
            // Only runs that train a ticket carry the key, so checkpoints of every other run keep their identity.
            run["ticket"] = ticketHash;
        }

        return new CheckpointSession(folder, persistence.Resume, run);
    }

    /// <summary>Whether the run continues from a checkpoint (resume was asked for and the folder holds one).</summary>
    public bool Resumes => _resume && TrainingCheckpoint.Exists(_folder);

    /// <summary>The settings (and data digests) a resumed run must share with the run that wrote the checkpoint.</summary>
    public static IReadOnlyDictionary<string, string> RunIdentity(TrainSettings settings, RunData data)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(data);
        var run = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["model"] = settings.Model,
            ["method"] = settings.Method,
            ["sparsity"] = Text(settings.Sparsity),
            ["scope"] = settings.EffectiveScope,
            ["seed"] = Text(settings.Seed),
            ["batch_size"] = Text(settings.BatchSize),
            ["lr"] = Text(settings.LearningRate),
            ["optimizer"] = settings.Optimizer,
            ["momentum"] = Text(settings.Momentum),
            ["weight_decay"] = Text(settings.WeightDecay),
            ["frobenius_decay"] = Text(settings.FrobeniusDecay),
            ["factor_init"] = settings.FactorInit,
            ["score_samples"] = Text(settings.ScoreSamples),
            ["temperature"] = Text(settings.Temperature),
            ["synflow_iterations"] = Text(settings.SynflowIterations),
            ["validation"] = Text(settings.Validation),
            ["allow_collapse"] = settings.AllowCollapse ? "true" : "false",
            ["prune_rate"] = Text(settings.PruneRate),
            ["conv_prune_rate"] = Text(settings.EffectiveConvolutionPruneRate),
            ["rewind_iteration"] = Text(settings.RewindIteration),
        };
        // Only when asked for, so that checkpoints written before --rng existed still resume.
        if (settings.RandomSource != ModelGen.Model.RandomSource.ModelGen)
        {
            run["rng"] = settings.Rng;
        }

        if (settings.PruningMethod.Kind == PruningMethodKind.LotteryTicket)
        {
            run["epochs"] = Text(settings.Epochs);
        }

        foreach (var (file, digest) in data.Record.Files)
        {
            run["data." + file] = digest;
        }

        return run;
    }

    /// <summary>
    /// Loads the checkpoint into <paramref name="network"/> and <paramref name="optimizer"/> when resuming, otherwise
    /// writes the checkpoint before the first step; returns the first epoch to train (beyond the run's epochs when the
    /// checkpoint already holds them all).
    /// </summary>
    public int Begin(INetwork network, IOptimizer optimizer, IRunObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var state = StateOf(optimizer);
        if (Resumes)
        {
            var info = TrainingCheckpoint.Load(_folder, network, state, _run);
            _lastTrainLoss = info.State.GetValueOrDefault(TrainLossKey);
            observer.Phase($"resuming after epoch {info.CompletedEpochs} from {TrainingCheckpoint.FilePath(_folder)}");
            return info.CompletedEpochs + 1;
        }

        TrainingCheckpoint.Save(_folder, network, state, completedEpochs: 0, _run);
        return 1;
    }

    /// <summary>Writes the checkpoint at the end of <paramref name="epoch"/>.</summary>
    public void EpochEnded(INetwork network, IOptimizer optimizer, EpochRecord epoch)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        _lastTrainLoss = Text(epoch.TrainLoss);
        TrainingCheckpoint.Save(_folder, network, StateOf(optimizer), epoch.Epoch, _run, new Dictionary<string, string> { [TrainLossKey] = _lastTrainLoss });
    }

    /// <summary>
    /// Fills <paramref name="record"/> for a run whose checkpoint already held every epoch: nothing is trained, the
    /// network is evaluated as loaded and the last epoch's training loss comes from the checkpoint.
    /// </summary>
    public void CompleteWithoutTraining(RunRecord record, INetwork network, RunData data)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(data);
        RunRecordBuilder.DescribeMask(record, network);
        var test = Evaluator.Evaluate(network, data.Test);
        record.TestAccuracy = test.Accuracy;
        record.TestLoss = test.Loss;
        record.FinalTrainLoss = _lastTrainLoss is null ? null : double.Parse(_lastTrainLoss, CultureInfo.InvariantCulture);
        record.Warnings.Add($"the checkpoint in {_folder} already holds all {record.Epochs} epochs: nothing was trained");
    }

    /// <summary>
    /// For a lottery-ticket run: loads the checkpoint (and the rounds reported before it into <paramref name="rounds"/>)
    /// and returns the search's position when resuming; otherwise writes the checkpoint before the first step and
    /// returns null (start from the beginning).
    /// </summary>
    public LotteryTicketPosition? BeginLottery(INetwork network, IOptimizer optimizer, IRunObserver observer, List<RoundRecord> rounds)
    {
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentNullException.ThrowIfNull(rounds);
        if (!Resumes)
        {
            SaveLottery(network, optimizer, new LotteryTicketPosition(0, 0, null), rounds);
            return null;
        }

        var path = TrainingCheckpoint.FilePath(_folder);
        var info = TrainingCheckpoint.Load(_folder, network, StateOf(optimizer), _run);
        List<RoundRecord>? saved = null;
        if (!info.State.TryGetValue(RoundKey, out var roundText) || !int.TryParse(roundText, NumberStyles.None, CultureInfo.InvariantCulture, out var round)
            || !info.State.TryGetValue(RoundsKey, out var roundsJson) || (saved = TryReadRounds(roundsJson)) is null)
        {
            throw new SafetensorsFormatException(path, SafetensorsFormatException.MetadataPart, 8, $"the lottery-ticket state (state.{RoundKey}, state.{RoundsKey}) is missing or malformed");
        }

        rounds.AddRange(saved);
        observer.Phase($"resuming lth round {round} after epoch {info.CompletedEpochs} from {path}");
        return new LotteryTicketPosition(round, info.CompletedEpochs, info.Tensors.GetValueOrDefault(RewindTensor));
    }

    /// <summary>Writes a lottery-ticket checkpoint at <paramref name="position"/> with the rounds reported so far.</summary>
    public void SaveLottery(INetwork network, IOptimizer optimizer, LotteryTicketPosition position, IReadOnlyList<RoundRecord> rounds)
    {
        ArgumentNullException.ThrowIfNull(position);
        var state = new Dictionary<string, string>
        {
            [RoundKey] = Text(position.Round),
            [RoundsKey] = JsonSerializer.Serialize(rounds, RunJson.Options),
        };
        var tensors = position.Rewind is null ? null : new Dictionary<string, float[]> { [RewindTensor] = position.Rewind };
        TrainingCheckpoint.Save(_folder, network, StateOf(optimizer), position.CompletedEpochs, _run, state, tensors);
    }

    private static List<RoundRecord>? TryReadRounds(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<List<RoundRecord>>(json, RunJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IOptimizerState StateOf(IOptimizer optimizer) =>
        optimizer as IOptimizerState ?? throw new InvalidOperationException($"Optimizer '{optimizer.Name}' cannot export its state for a checkpoint.");

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
