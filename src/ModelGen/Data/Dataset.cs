using System;

namespace ModelGen.Data;

/// <summary>
/// A labelled classification dataset held in memory: <see cref="Count"/> samples of <see cref="Features"/> floats
/// each, row-major in one array, and one class label per sample in [0, <see cref="Classes"/>).
/// </summary>
/// <remarks>
/// The arrays are owned by the dataset; treat them as read-only. <see cref="Slice"/> and <see cref="SplitHoldout"/>
/// copy, so the parts never alias each other.
/// </remarks>
public sealed class Dataset
{
    /// <summary>Creates a dataset over <paramref name="inputs"/> ([labels.Length, features], row-major) and <paramref name="labels"/>.</summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="features"/> or <paramref name="classes"/> is not positive, the input length is not
    /// labels × features, or a label lies outside [0, classes).
    /// </exception>
    public Dataset(float[] inputs, int[] labels, int features, int classes)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if ((long)labels.Length * features != inputs.Length)
        {
            throw new ArgumentException($"{labels.Length} labels of {features} features need {(long)labels.Length * features} inputs, got {inputs.Length}.", nameof(inputs));
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
            {
                throw new ArgumentException($"Label {labels[i]} of sample {i} is outside [0, {classes}).", nameof(labels));
            }
        }

        Inputs = inputs;
        Labels = labels;
        Features = features;
        Classes = classes;
    }

    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>Input features per sample (784 for MNIST).</summary>
    public int Features { get; }

    /// <summary>Number of classes; every label is below it.</summary>
    public int Classes { get; }

    /// <summary>All inputs, [Count, Features] row-major (MNIST pixels scaled to [0, 1]).</summary>
    public float[] Inputs { get; }

    /// <summary>The label of each sample.</summary>
    public int[] Labels { get; }

    /// <summary>The inputs of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Input(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return Inputs.AsSpan(index * Features, Features);
    }

    /// <summary>A copy of samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie within the dataset.</exception>
    public Dataset Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (start > Count - count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"Samples [{start}, {(long)start + count}) do not lie within the {Count} samples of the dataset.");
        }

        var inputs = Inputs.AsSpan(start * Features, count * Features).ToArray();
        var labels = Labels.AsSpan(start, count).ToArray();
        return new Dataset(inputs, labels, Features, Classes);
    }

    /// <summary>
    /// Splits off the <b>last</b> <paramref name="count"/> samples as a holdout (validation) set; the remaining set keeps the
    /// first Count − count samples in order. Taking the tail leaves the head unchanged, so anything that uses "the
    /// first N training samples" (such as a pruner's default scoring data) sees the same samples with or without a
    /// holdout.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or not smaller than <see cref="Count"/> (nothing would remain).</exception>
    public (Dataset Remaining, Dataset Holdout) SplitHoldout(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"Cannot hold out {count} of {Count} samples: nothing would be left to train on.");
        }

        return (Slice(0, Count - count), Slice(Count - count, count));
    }
}
