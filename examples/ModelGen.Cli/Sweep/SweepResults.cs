using System.Globalization;
using ModelGen.Cli.Output;
using ModelGen.IO;
using ModelGen.Pruning;

namespace ModelGen.Cli.Sweep;

/// <summary>
/// A sweep's <c>results.json</c>: the finished runs, rewritten atomically after each one, so an interrupted sweep
/// rerun with the same <c>--out</c> skips what is done.
/// </summary>
public sealed class SweepResults
{
    private readonly List<RunRecord> _records;
    private readonly HashSet<SweepCell> _finished;

    private SweepResults(string path, List<RunRecord> records)
    {
        Path = path;
        _records = records;
        _finished = records.Select(SweepCell.Of).ToHashSet();
    }

    /// <summary>Full path of <c>results.json</c>.</summary>
    public string Path { get; }

    /// <summary>The runs recorded so far, in the order they finished.</summary>
    public IReadOnlyList<RunRecord> Records => _records;

    /// <summary>Opens (or starts) the results of the sweep in <paramref name="outFolder"/>.</summary>
    /// <exception cref="InvalidDataException">An existing results.json cannot be read.</exception>
    public static SweepResults Open(string outFolder)
    {
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(outFolder, "results.json"));
        return new SweepResults(path, File.Exists(path) ? RunJson.ReadArray(path) : []);
    }

    /// <summary>
    /// Writes <paramref name="records"/> (one per cell, in the order given) as the results of <paramref name="outFolder"/>,
    /// replacing what was there: what <c>merge</c> produces from shards.
    /// </summary>
    /// <exception cref="ArgumentException">Two records fill the same cell.</exception>
    public static SweepResults Create(string outFolder, IReadOnlyList<RunRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var results = new SweepResults(System.IO.Path.GetFullPath(System.IO.Path.Combine(outFolder, "results.json")), [.. records]);
        if (results._finished.Count != records.Count)
        {
            throw new ArgumentException("Two records fill the same cell.", nameof(records));
        }

        AtomicFile.WriteAllText(results.Path, RunJson.Serialize(results._records));
        return results;
    }

    /// <summary>Whether a run for <paramref name="cell"/> (trained or refused) is recorded.</summary>
    public bool IsFinished(SweepCell cell) => _finished.Contains(cell);

    /// <summary>Records a finished run (replacing an earlier one of the same cell) and rewrites the file.</summary>
    public void Add(RunRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var cell = SweepCell.Of(record);
        if (_finished.Contains(cell))
        {
            _records.RemoveAll(r => SweepCell.Of(r) == cell);
        }

        _records.Add(record);
        _finished.Add(cell);
        AtomicFile.WriteAllText(Path, RunJson.Serialize(_records));
    }

    /// <summary>
    /// Describes how the recorded runs' training settings differ from <paramref name="settings"/>, so that a rerun
    /// with other flags does not mix incomparable runs into one table.
    /// </summary>
    /// <returns>One line per differing flag; empty when everything recorded matches.</returns>
    public IReadOnlyList<string> DescribeMismatches(TrainSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var mismatches = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var r in _records)
        {
            Compare("--epochs", r.Epochs, settings.Epochs);
            Compare("--batch-size", r.BatchSize, settings.BatchSize);
            Compare("--lr", r.Lr, settings.LearningRate);
            Compare("--optimizer", r.Optimizer, settings.Optimizer);
            Compare("--weight-decay", r.WeightDecay, settings.WeightDecay);
            Compare("--frobenius-decay", r.FrobeniusDecay, settings.FrobeniusDecay);
            Compare("--validation", r.Validation, settings.Validation);
            if (r.Momentum is { } momentum) Compare("--momentum", momentum, settings.Momentum);
            Compare("--rng", r.Rng, settings.Rng);
            if (r.FactorInit is { } factorInit) Compare("--factor-init", factorInit, settings.FactorInit);
            if (r.Method != PruningMethods.Dense.Name && r.Scope is { } scope && settings.Scope is { } requested) Compare("--scope", scope, requested);
            if (r.Temperature is { } temperature) Compare("--temperature", temperature, settings.Temperature);
            if (r.ScoreSamples is { } scoreSamples) Compare("--score-samples", scoreSamples, settings.ScoreSamples);
            if (r.SynflowIterations is { } iterations) Compare("--synflow-iterations", iterations, settings.SynflowIterations);
            if (r.PruneRate is { } pruneRate) Compare("--prune-rate", pruneRate, settings.PruneRate);
            if (r.ConvPruneRate is { } convPruneRate) Compare("--conv-prune-rate", convPruneRate, settings.EffectiveConvolutionPruneRate);
            if (r.RewindIteration is { } rewind) Compare("--rewind-iteration", rewind, settings.RewindIteration);
        }

        return mismatches.ToArray();

        void Compare<T>(string flag, T recorded, T requested)
        {
            if (!EqualityComparer<T>.Default.Equals(recorded, requested))
            {
                mismatches.Add(string.Create(CultureInfo.InvariantCulture, $"{flag}: recorded {recorded}, requested {requested}"));
            }
        }
    }
}
