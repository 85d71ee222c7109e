using System;
using ModelGen.Data;
using ModelGen.Kernels;
using ModelGen.Model;

namespace ModelGen.Training;

/// <summary>Accuracy and mean softmax cross-entropy of a network on a dataset.</summary>
/// <param name="Accuracy">Fraction of samples whose largest logit is the label's, 0..1.</param>
/// <param name="Loss">Mean softmax cross-entropy per sample.</param>
/// <param name="Count">Samples evaluated.</param>
public readonly record struct EvaluationResult(double Accuracy, double Loss, int Count);

/// <summary>
/// Evaluates a network batch by batch (the dataset's rows are contiguous, so batches are passed to
/// <see cref="INetwork.Forward"/> in place), reusing one logits buffer across calls.
/// </summary>
public sealed class Evaluator
{
    private readonly INetwork _network;
    private readonly float[] _logits;

    /// <summary>Creates an evaluator for <paramref name="network"/> that runs <paramref name="batchSize"/> samples per forward pass.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    public Evaluator(INetwork network, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _network = network;
        BatchSize = batchSize;
        _logits = new float[checked(batchSize * network.OutputSize)];
    }

    /// <summary>Samples per forward pass.</summary>
    public int BatchSize { get; }

    /// <summary>Evaluates <paramref name="network"/> on <paramref name="data"/> (allocates one logits buffer for the call).</summary>
    /// <exception cref="ArgumentException">The dataset is empty or does not fit the network (features, classes).</exception>
    public static EvaluationResult Evaluate(INetwork network, Dataset data, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return new Evaluator(network, Math.Min(batchSize, Math.Max(1, data.Count))).Evaluate(data);
    }

    /// <summary>Evaluates the network on <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The dataset is empty or does not fit the network (features, classes).</exception>
    public EvaluationResult Evaluate(Dataset data)
    {
        CheckFits(_network, data, nameof(data));
        if (data.Count == 0)
        {
            throw new ArgumentException("Cannot evaluate on an empty dataset.", nameof(data));
        }

        var features = data.Features;
        var classes = _network.OutputSize;
        double lossSum = 0;
        long correctSum = 0;
        for (var start = 0; start < data.Count; start += BatchSize)
        {
            var batch = Math.Min(BatchSize, data.Count - start);
            var logits = _logits.AsSpan(0, batch * classes);
            _network.Forward(data.Inputs.AsSpan(start * features, batch * features), batch, logits);
            var meanLoss = SoftmaxCrossEntropy.Loss(logits, data.Labels.AsSpan(start, batch), batch, classes, out var correct);
            lossSum += (double)meanLoss * batch;
            correctSum += correct;
        }

        return new EvaluationResult((double)correctSum / data.Count, lossSum / data.Count, data.Count);
    }

    /// <summary>Throws unless <paramref name="data"/> has the network's input size and labels it can output.</summary>
    internal static void CheckFits(INetwork network, Dataset data, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(data, parameterName);
        if (data.Features != network.InputSize)
        {
            throw new ArgumentException($"The dataset has {data.Features} features per sample, the network '{network.Name}' takes {network.InputSize}.", parameterName);
        }

        if (data.Classes > network.OutputSize)
        {
            throw new ArgumentException($"The dataset has {data.Classes} classes, the network '{network.Name}' outputs {network.OutputSize} logits.", parameterName);
        }
    }
}
