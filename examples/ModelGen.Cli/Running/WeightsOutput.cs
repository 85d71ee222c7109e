using System.Globalization;
using ModelGen.Cli.Output;
using ModelGen.IO;
using ModelGen.Model;

namespace ModelGen.Cli;

/// <summary><c>train --save</c>: the trained network as safetensors, with the run's settings and outcome as metadata.</summary>
public static class WeightsOutput
{
    /// <summary>Writes <paramref name="network"/> to the <c>--save</c> path, if one was given and the run was not refused.</summary>
    public static void Save(RunPersistence? persistence, RunRecord record, INetwork network)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (persistence?.SavePath is not { } path || record.Refused is not null)
        {
            return;
        }

        NetworkWeights.Save(network, path, Metadata(record));
    }

    /// <summary>The metadata of a saved run, under the JSON's field names (values are strings, as safetensors requires).</summary>
    public static IReadOnlyDictionary<string, string> Metadata(RunRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["method"] = record.Method,
            ["target_sparsity"] = Text(record.TargetSparsity),
            ["sparsity"] = Text(record.Sparsity),
            ["seed"] = record.Seed.ToString(CultureInfo.InvariantCulture),
            ["epochs"] = record.Epochs.ToString(CultureInfo.InvariantCulture),
            ["optimizer"] = record.Optimizer,
            ["lr"] = Text(record.Lr),
        };
        if (record.TestAccuracy is { } accuracy)
        {
            metadata["test_accuracy"] = Text(accuracy);
        }

        return metadata;
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
