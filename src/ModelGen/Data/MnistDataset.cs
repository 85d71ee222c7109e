using System;

namespace ModelGen.Data;

/// <summary>The former name of <see cref="IdxDataset"/>, which reads any IDX dataset, not only MNIST.</summary>
[Obsolete("Use IdxDataset (with IdxDatasetOptions for other file names, classes or pixel scaling); MnistDataset only forwards to it.")]
public static class MnistDataset
{
    /// <summary>Number of classes (the digits 0–9).</summary>
    public const int Classes = 10;

    /// <summary>Standard file name of the training images (without <c>.gz</c>).</summary>
    public const string TrainImagesFile = "train-images-idx3-ubyte";

    /// <summary>Standard file name of the training labels (without <c>.gz</c>).</summary>
    public const string TrainLabelsFile = "train-labels-idx1-ubyte";

    /// <summary>Standard file name of the test images (without <c>.gz</c>).</summary>
    public const string TestImagesFile = "t10k-images-idx3-ubyte";

    /// <summary>Standard file name of the test labels (without <c>.gz</c>).</summary>
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte";

    /// <summary><see cref="IdxDataset.Locate"/> with MNIST's file names.</summary>
    public static IdxFiles Locate(string folder) => IdxDataset.Locate(folder);

    /// <summary><see cref="IdxDataset.Load(string, IdxDatasetOptions?)"/> with MNIST's defaults.</summary>
    public static (Dataset Train, Dataset Test) Load(string folder) => IdxDataset.Load(folder);

    /// <summary><see cref="IdxDataset.Load(string, string, IdxDatasetOptions?)"/> with MNIST's defaults.</summary>
    public static Dataset Load(string imagesPath, string labelsPath) => IdxDataset.Load(imagesPath, labelsPath);

    /// <summary><see cref="IdxDataset.ScalePixels"/> with the default /255.</summary>
    public static float[] ScalePixels(ReadOnlySpan<byte> pixels) => IdxDataset.ScalePixels(pixels);
}
