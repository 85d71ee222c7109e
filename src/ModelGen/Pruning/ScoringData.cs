using System;
using ModelGen.Data;
using ModelGen.Model;

namespace ModelGen.Pruning;

/// <summary>The batches a data-dependent pruner scores on: the first samples of a dataset, in order.</summary>
internal static class ScoringData
{
    /// <summary>Checks that the first <paramref name="samples"/> of <paramref name="data"/> can feed <paramref name="network"/> in batches.</summary>
    public static void Validate(INetwork network, Dataset data, int samples, int batchSize, string method)
    {
        if (data.Features != network.InputSize)
        {
            throw new ArgumentException($"'{method}' scores on samples of {data.Features} features; network '{network.Name}' takes {network.InputSize}.", nameof(data));
        }

        if (data.Classes > network.OutputSize)
        {
            throw new ArgumentException($"'{method}' scores on {data.Classes} classes; network '{network.Name}' has {network.OutputSize} outputs.", nameof(data));
        }

        if (samples <= 0 || samples > data.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(samples), samples, $"'{method}' needs between 1 and {data.Count} scoring samples (the dataset's size).");
        }

        if (batchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The scoring batch size must be positive.");
        }
    }

    /// <summary>Number of batches covering <paramref name="samples"/> (the last one may be partial).</summary>
    public static int BatchCount(int samples, int batchSize) => (samples + batchSize - 1) / batchSize;

    /// <summary>Inputs and labels of batch <paramref name="index"/>, and its size.</summary>
    public static (ReadOnlyMemory<float> Inputs, ReadOnlyMemory<int> Labels, int Size) Batch(Dataset data, int samples, int batchSize, int index)
    {
        var start = index * batchSize;
        var size = Math.Min(batchSize, samples - start);
        return (data.Inputs.AsMemory(start * data.Features, size * data.Features), data.Labels.AsMemory(start, size), size);
    }
}
