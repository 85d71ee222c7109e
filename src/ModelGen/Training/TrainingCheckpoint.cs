using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using ModelGen.IO;
using ModelGen.Model;

namespace ModelGen.Training;

/// <summary>What a checkpoint holds besides the network and optimizer it was loaded into.</summary>
/// <param name="CompletedEpochs">Epochs finished when it was written (0: before the first step); training resumes at the next.</param>
/// <param name="Run">The run's identity as saved (settings a resumed run must share), without the <c>run.</c> prefix.</param>
/// <param name="State">Caller state as saved (e.g. a lottery-ticket round), without the <c>state.</c> prefix.</param>
/// <param name="Tensors">Caller tensors as saved (e.g. rewind weights), without the <c>state.</c> prefix.</param>
public sealed record CheckpointInfo(
    int CompletedEpochs,
    IReadOnlyDictionary<string, string> Run,
    IReadOnlyDictionary<string, string> State,
    IReadOnlyDictionary<string, float[]> Tensors);

/// <summary>
/// A training checkpoint: one safetensors file <see cref="FileName"/> in a folder, replaced atomically, holding the
/// network's parameters and masks under their own names (as <see cref="NetworkWeights"/> writes them), the optimizer's
/// buffers as <c>optimizer.&lt;buffer&gt;</c> with its counters, the number of completed epochs (with the run's seed
/// that is what replays the data order: <see cref="TrainingOptions.FirstEpoch"/>), the run's identity (settings a
/// resumed run must share) and caller state. Loading checks everything (format version, model, optimizer, run
/// identity, every tensor) before it changes the network or the optimizer, so a refused checkpoint changes nothing,
/// and the file itself is never written by loading.
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>The checkpoint's file name inside its folder.</summary>
    public const string FileName = "checkpoint.safetensors";

    /// <summary>Version of the layout described here, stored as <c>modelgen_checkpoint</c>.</summary>
    public const int FormatVersion = 1;

    private const string VersionKey = "modelgen_checkpoint";
    private const string EpochKey = "epoch";
    private const string OptimizerKey = "optimizer";
    private const string OptimizerPrefix = "optimizer.";
    private const string CounterPrefix = "optimizer.counter.";
    private const string RunPrefix = "run.";
    private const string StatePrefix = "state.";

    /// <summary>The checkpoint file in <paramref name="directory"/>.</summary>
    public static string FilePath(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return Path.Combine(directory, FileName);
    }

    /// <summary>Whether <paramref name="directory"/> holds a checkpoint file.</summary>
    public static bool Exists(string directory) => File.Exists(FilePath(directory));

    /// <summary>Writes a checkpoint into <paramref name="directory"/> (created if needed), replacing the previous one atomically.</summary>
    /// <param name="directory">The checkpoint folder.</param>
    /// <param name="network">The network (parameters and masks are saved).</param>
    /// <param name="optimizer">The optimizer whose state is saved.</param>
    /// <param name="completedEpochs">Epochs finished (0 before the first step).</param>
    /// <param name="run">Settings a resumed run must share (seed, method, learning rate …); compared on load.</param>
    /// <param name="state">Caller state to return on load (strings).</param>
    /// <param name="tensors">Caller tensors to return on load.</param>
    public static void Save(
        string directory,
        INetwork network,
        IOptimizerState optimizer,
        int completedEpochs,
        IReadOnlyDictionary<string, string>? run = null,
        IReadOnlyDictionary<string, string>? state = null,
        IReadOnlyDictionary<string, float[]>? tensors = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentOutOfRangeException.ThrowIfNegative(completedEpochs);
        var exported = optimizer.ExportState();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [VersionKey] = FormatVersion.ToString(CultureInfo.InvariantCulture),
            [EpochKey] = completedEpochs.ToString(CultureInfo.InvariantCulture),
            [OptimizerKey] = exported.Optimizer,
        };
        foreach (var (name, value) in exported.Counters)
        {
            metadata[CounterPrefix + name] = value.ToString(CultureInfo.InvariantCulture);
        }

        AddPrefixed(metadata, RunPrefix, run);
        AddPrefixed(metadata, StatePrefix, state);
        var all = NetworkWeights.Tensors(network);
        foreach (var (name, buffer) in exported.Buffers)
        {
            all.Add(new SafetensorsTensor(OptimizerPrefix + name, [buffer.Length], buffer));
        }

        if (tensors is not null)
        {
            foreach (var (name, values) in tensors)
            {
                all.Add(new SafetensorsTensor(StatePrefix + name, [values.Length], values));
            }
        }

        Directory.CreateDirectory(directory);
        SafetensorsWriter.Write(FilePath(directory), all, NetworkWeights.Metadata(network, metadata));
    }

    /// <summary>
    /// Loads the checkpoint in <paramref name="directory"/> into <paramref name="network"/> and
    /// <paramref name="optimizer"/> after checking that it is a ModelGen checkpoint of this format, of the same model
    /// and optimizer, written by a run whose <paramref name="run"/> settings are the same, with every tensor in place.
    /// </summary>
    /// <exception cref="SafetensorsFormatException">The checkpoint is damaged or belongs to another model, optimizer or run (the message says which and where).</exception>
    /// <exception cref="FileNotFoundException">The folder holds no checkpoint.</exception>
    public static CheckpointInfo Load(string directory, INetwork network, IOptimizerState optimizer, IReadOnlyDictionary<string, string>? run = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        var path = FilePath(directory);
        using var file = SafetensorsReader.Open(path);
        var metadata = file.Metadata;
        const string part = SafetensorsFormatException.MetadataPart;
        const long at = 8;
        if (!metadata.TryGetValue(VersionKey, out var version))
        {
            throw new SafetensorsFormatException(path, part, at, $"not a ModelGen checkpoint (no '{VersionKey}' entry; a weights file is loaded with NetworkWeights / --weights)");
        }

        if (version != FormatVersion.ToString(CultureInfo.InvariantCulture))
        {
            throw new SafetensorsFormatException(path, part, at, $"checkpoint format version '{version}', this ModelGen reads {FormatVersion}");
        }

        var model = metadata.GetValueOrDefault(NetworkWeights.ModelKey);
        if (model != network.Name)
        {
            throw new SafetensorsFormatException(path, part, at, $"a checkpoint of model '{model}', this run trains '{network.Name}'");
        }

        var optimizerName = optimizer.ExportState().Optimizer;
        if (metadata.GetValueOrDefault(OptimizerKey) != optimizerName)
        {
            throw new SafetensorsFormatException(path, part, at, $"a checkpoint of optimizer '{metadata.GetValueOrDefault(OptimizerKey)}', this run uses '{optimizerName}'");
        }

        var epochs = ParseCount(metadata, EpochKey, path);
        CheckRun(path, Prefixed(metadata, RunPrefix), run);

        var values = new float[network.Parameters.Count];
        var masks = NetworkWeights.ReadInto(network, file, values, name => name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) || name.StartsWith(StatePrefix, StringComparison.Ordinal));
        var buffers = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var bufferNames = new HashSet<string>(optimizer.BufferNames, StringComparer.Ordinal);
        foreach (var info in file.Tensors)
        {
            if (info.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
            {
                var name = info.Name[OptimizerPrefix.Length..];
                if (!bufferNames.Contains(name))
                {
                    throw new SafetensorsFormatException(path, info.Name, info.HeaderOffset, $"'{optimizerName}' has no state buffer '{name}' (it has {string.Join(", ", optimizer.BufferNames)})");
                }

                buffers[name] = ReadVector(file, info, network.Parameters.Count);
            }
            else if (info.Name.StartsWith(StatePrefix, StringComparison.Ordinal))
            {
                tensors[info.Name[StatePrefix.Length..]] = ReadVector(file, info, expectedLength: -1);
            }
        }

        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var name in optimizer.CounterNames)
        {
            counters[name] = ParseCount(metadata, CounterPrefix + name, path);
        }

        try
        {
            optimizer.ImportState(new OptimizerState(optimizerName, buffers, counters));
        }
        catch (ArgumentException e)
        {
            throw new SafetensorsFormatException(path, part, at, "the optimizer state does not fit: " + e.Message.TrimEnd('.'), e);
        }

        NetworkWeights.Install(network, values, masks);
        return new CheckpointInfo(epochs, Prefixed(metadata, RunPrefix), Prefixed(metadata, StatePrefix), tensors);
    }

    private static float[] ReadVector(SafetensorsReader file, SafetensorsTensorInfo info, int expectedLength)
    {
        if (info.DType != SafetensorsDType.Float32 || info.Shape.Count != 1 || (expectedLength >= 0 && info.Shape[0] != expectedLength))
        {
            var expected = expectedLength >= 0 ? $"F32 [{expectedLength}]" : "a one-dimensional F32 tensor";
            throw new SafetensorsFormatException(file.Path, info.Name, info.HeaderOffset, $"{info.DType.Name()} {info.ShapeText} in the file, expected {expected}");
        }

        // The length was checked against the file's real size when it was opened.
        var values = new float[info.ElementCount];
        file.ReadFloat32(info, values);
        return values;
    }

    private static void CheckRun(string path, IReadOnlyDictionary<string, string> saved, IReadOnlyDictionary<string, string>? expected)
    {
        if (expected is null)
        {
            return;
        }

        var differences = new List<string>();
        foreach (var (key, value) in expected)
        {
            var had = saved.TryGetValue(key, out var old);
            if (!had || old != value)
            {
                differences.Add($"{key} {(had ? old : "(unset)")} in the checkpoint, {value} in this run");
            }
        }

        foreach (var key in saved.Keys)
        {
            if (!expected.ContainsKey(key))
            {
                differences.Add($"{key} {saved[key]} in the checkpoint, unset in this run");
            }
        }

        if (differences.Count > 0)
        {
            differences.Sort(StringComparer.Ordinal);
            throw new SafetensorsFormatException(path, SafetensorsFormatException.MetadataPart, 8, "written by a different run: " + string.Join("; ", differences));
        }
    }

    private static int ParseCount(IReadOnlyDictionary<string, string> metadata, string key, string path)
    {
        if (!metadata.TryGetValue(key, out var text) || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new SafetensorsFormatException(path, SafetensorsFormatException.MetadataPart, 8, $"'{key}' is missing or not a non-negative integer");
        }

        return value;
    }

    private static void AddPrefixed(Dictionary<string, string> metadata, string prefix, IReadOnlyDictionary<string, string>? entries)
    {
        if (entries is null)
        {
            return;
        }

        foreach (var (key, value) in entries)
        {
            metadata[prefix + key] = value;
        }
    }

    private static Dictionary<string, string> Prefixed(IReadOnlyDictionary<string, string> metadata, string prefix)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                result[key[prefix.Length..]] = value;
            }
        }

        return result;
    }
}
