using System;
using System.IO;

namespace ModelGen.Data;

/// <summary>The four files of an MNIST-format folder, as resolved by <see cref="MnistDataset.Locate"/>.</summary>
/// <param name="TrainImages">Training images (<c>train-images-idx3-ubyte</c>, raw or <c>.gz</c>).</param>
/// <param name="TrainLabels">Training labels (<c>train-labels-idx1-ubyte</c>).</param>
/// <param name="TestImages">Test images (<c>t10k-images-idx3-ubyte</c>).</param>
/// <param name="TestLabels">Test labels (<c>t10k-labels-idx1-ubyte</c>).</param>
public sealed record MnistFiles(string TrainImages, string TrainLabels, string TestImages, string TestLabels)
{
    /// <summary>The four paths in the order above.</summary>
    public string[] All => new[] { TrainImages, TrainLabels, TestImages, TestLabels };
}

/// <summary>
/// Loads an MNIST-format folder: the four standard IDX files (raw or gzipped), pixels scaled to [0, 1] by /255,
/// labels checked to lie in 0–9, image and label counts checked to agree.
/// </summary>
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

    /// <summary>
    /// Finds the four files in <paramref name="folder"/>. Each may be raw or gzipped; when both exist the raw file is
    /// taken (it is what decompressing the other one yields).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing under both names (the message gives both).</exception>
    public static MnistFiles Locate(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"MNIST data folder '{folder}' does not exist.");
        }

        return new MnistFiles(
            Find(folder, TrainImagesFile),
            Find(folder, TrainLabelsFile),
            Find(folder, TestImagesFile),
            Find(folder, TestLabelsFile));
    }

    /// <summary>Loads the training and test sets from <paramref name="folder"/>.</summary>
    /// <exception cref="IdxFormatException">A file is malformed, or a label is not a digit 0–9.</exception>
    /// <exception cref="FormatException">Image and label counts disagree, or training and test images differ in shape.</exception>
    /// <exception cref="IOException">The folder or a file is missing or unreadable.</exception>
    public static (Dataset Train, Dataset Test) Load(string folder)
    {
        var files = Locate(folder);
        var train = Load(files.TrainImages, files.TrainLabels);
        var test = Load(files.TestImages, files.TestLabels);
        if (train.Features != test.Features)
        {
            throw new FormatException($"Training images ({files.TrainImages}) have {train.Features} pixels each, test images ({files.TestImages}) {test.Features}.");
        }

        return (train, test);
    }

    /// <summary>Loads one split from an images file and a labels file.</summary>
    /// <exception cref="IdxFormatException">A file is malformed, or a label is not a digit 0–9.</exception>
    /// <exception cref="FormatException">The files hold different numbers of items.</exception>
    public static Dataset Load(string imagesPath, string labelsPath)
    {
        var images = IdxReader.ReadImages(imagesPath);
        var labels = IdxReader.ReadLabels(labelsPath);
        if (images.Count != labels.Count)
        {
            throw new FormatException($"{imagesPath} holds {images.Count} images but {labelsPath} holds {labels.Count} labels.");
        }

        var labelValues = new int[labels.Count];
        for (var i = 0; i < labelValues.Length; i++)
        {
            var label = labels.Data[i];
            if (label >= Classes)
            {
                throw new IdxFormatException(labelsPath, labels.HeaderLength + i, $"label {label} of item {i} is not a digit 0–9");
            }

            labelValues[i] = label;
        }

        return new Dataset(ScalePixels(images.Data), labelValues, images.ItemLength, Classes);
    }

    /// <summary>Converts bytes to floats in [0, 1] (divided by 255, as torchvision's <c>ToTensor</c> does).</summary>
    public static float[] ScalePixels(ReadOnlySpan<byte> pixels)
    {
        var scaled = new float[pixels.Length];
        for (var i = 0; i < pixels.Length; i++)
        {
            scaled[i] = pixels[i] / 255f;
        }

        return scaled;
    }

    private static string Find(string folder, string name)
    {
        var raw = Path.Combine(folder, name);
        if (File.Exists(raw))
        {
            return raw;
        }

        var gz = raw + ".gz";
        if (File.Exists(gz))
        {
            return gz;
        }

        throw new FileNotFoundException($"MNIST file missing: neither {raw} nor {gz} exists.", gz);
    }
}
