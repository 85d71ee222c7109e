using System;

namespace ModelGen.Data;

/// <summary>
/// What <see cref="IdxDataset"/> reads and how: the four file names (looked up raw or with <c>.gz</c>), the number of
/// classes and the pixel scaling. The defaults are MNIST's.
/// </summary>
public sealed record IdxDatasetOptions
{
    /// <summary>MNIST's file names, 10 classes, pixels in [0, 1].</summary>
    public static IdxDatasetOptions Default { get; } = new();

    /// <summary>Training images file name, without <c>.gz</c>.</summary>
    public string TrainImages { get; init; } = "train-images-idx3-ubyte";

    /// <summary>Training labels file name, without <c>.gz</c>.</summary>
    public string TrainLabels { get; init; } = "train-labels-idx1-ubyte";

    /// <summary>Test images file name, without <c>.gz</c>.</summary>
    public string TestImages { get; init; } = "t10k-images-idx3-ubyte";

    /// <summary>Test labels file name, without <c>.gz</c>.</summary>
    public string TestLabels { get; init; } = "t10k-labels-idx1-ubyte";

    /// <summary>Number of classes; every label must be below it (10 for the digits 0–9).</summary>
    public int Classes { get; init; } = 10;

    /// <summary>Subtracted from each pixel after the division by 255 (torchvision's MNIST <c>Normalize</c> uses 0.1307).</summary>
    public float PixelMean { get; init; }

    /// <summary>Divides each pixel after the mean is subtracted (torchvision's MNIST <c>Normalize</c> uses 0.3081).</summary>
    public float PixelStd { get; init; } = 1f;

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Classes is not positive, the mean is not finite, or the std is not positive and finite.</exception>
    /// <exception cref="ArgumentException">A file name is empty.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Classes);
        if (!float.IsFinite(PixelMean))
        {
            throw new ArgumentOutOfRangeException(nameof(PixelMean), PixelMean, "The pixel mean must be a finite number.");
        }

        if (!(PixelStd > 0f) || !float.IsFinite(PixelStd))
        {
            throw new ArgumentOutOfRangeException(nameof(PixelStd), PixelStd, "The pixel standard deviation must be positive and finite.");
        }

        ArgumentException.ThrowIfNullOrEmpty(TrainImages);
        ArgumentException.ThrowIfNullOrEmpty(TrainLabels);
        ArgumentException.ThrowIfNullOrEmpty(TestImages);
        ArgumentException.ThrowIfNullOrEmpty(TestLabels);
    }
}
