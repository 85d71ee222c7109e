using System;
using System.IO;

namespace ModelGen.Data;

/// <summary>The four files of an IDX dataset folder, as resolved by <see cref="IdxDataset.Locate"/>.</summary>
/// <param name="TrainImages">Training images (by default <c>train-images-idx3-ubyte</c>, raw or <c>.gz</c>).</param>
/// <param name="TrainLabels">Training labels (<c>train-labels-idx1-ubyte</c>).</param>
/// <param name="TestImages">Test images (<c>t10k-images-idx3-ubyte</c>).</param>
/// <param name="TestLabels">Test labels (<c>t10k-labels-idx1-ubyte</c>).</param>
public sealed record IdxFiles(string TrainImages, string TrainLabels, string TestImages, string TestLabels)
{
    /// <summary>The four paths in the order above.</summary>
    public string[] All => new[] { TrainImages, TrainLabels, TestImages, TestLabels };
}

/// <summary>
/// Loads a classification dataset stored as IDX files (the format of MNIST, Fashion-MNIST, KMNIST and EMNIST): a
/// folder with training and test image and label files (raw or gzipped, names from <see cref="IdxDatasetOptions"/>),
/// pixels scaled as the options say (by default to [0, 1] by /255), labels checked to lie in
/// [0, <see cref="IdxDatasetOptions.Classes"/>), image and label counts checked to agree.
/// </summary>
/// <example>
/// <code>
/// var (train, test) = IdxDataset.Load("data/fashion-mnist");                       // the standard MNIST file names
/// var (train, test) = IdxDataset.Load("data/emnist", new IdxDatasetOptions
/// {
///     TrainImages = "emnist-letters-train-images-idx3-ubyte", TrainLabels = "emnist-letters-train-labels-idx1-ubyte",
///     TestImages = "emnist-letters-test-images-idx3-ubyte", TestLabels = "emnist-letters-test-labels-idx1-ubyte",
///     Classes = 27, PixelMean = 0.1307f, PixelStd = 0.3081f,
/// });
/// </code>
/// </example>
public static class IdxDataset
{
    /// <summary>
    /// Finds the four files in <paramref name="folder"/>. Each may be raw or gzipped; when both exist the raw file is
    /// taken (it is what decompressing the other one yields).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing under both names (the message gives both).</exception>
    public static IdxFiles Locate(string folder, IdxDatasetOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        options ??= IdxDatasetOptions.Default;
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"IDX data folder '{folder}' does not exist.");
        }

        return new IdxFiles(
            Find(folder, options.TrainImages),
            Find(folder, options.TrainLabels),
            Find(folder, options.TestImages),
            Find(folder, options.TestLabels));
    }

    /// <summary>Loads the training and test sets from <paramref name="folder"/>.</summary>
    /// <exception cref="IdxFormatException">A file is malformed, or a label is not below <see cref="IdxDatasetOptions.Classes"/>.</exception>
    /// <exception cref="FormatException">Image and label counts disagree, or training and test images differ in shape.</exception>
    /// <exception cref="IOException">The folder or a file is missing or unreadable.</exception>
    public static (Dataset Train, Dataset Test) Load(string folder, IdxDatasetOptions? options = null)
    {
        var files = Locate(folder, options);
        var train = Load(files.TrainImages, files.TrainLabels, options);
        var test = Load(files.TestImages, files.TestLabels, options);
        if (train.Features != test.Features)
        {
            throw new FormatException($"Training images ({files.TrainImages}) have {train.Features} pixels each, test images ({files.TestImages}) {test.Features}.");
        }

        return (train, test);
    }

    /// <summary>Loads one split from an images file and a labels file (the options' file names are not used).</summary>
    /// <exception cref="IdxFormatException">A file is malformed, or a label is not below <see cref="IdxDatasetOptions.Classes"/>.</exception>
    /// <exception cref="FormatException">The files hold different numbers of items.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The options' classes or pixel scaling are out of range.</exception>
    public static Dataset Load(string imagesPath, string labelsPath, IdxDatasetOptions? options = null)
    {
        options ??= IdxDatasetOptions.Default;
        options.Validate();
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
            if (label >= options.Classes)
            {
                throw new IdxFormatException(labelsPath, labels.HeaderLength + i, $"label {label} of item {i} is not below the {options.Classes} classes (set IdxDatasetOptions.Classes for more)");
            }

            labelValues[i] = label;
        }

        return new Dataset(ScalePixels(images.Data, options), labelValues, images.ItemLength, options.Classes);
    }

    /// <summary>
    /// Converts bytes to floats: divided by 255 (as torchvision's <c>ToTensor</c> does), then, when the options give a
    /// mean or standard deviation, (v − mean) / std (as its <c>Normalize</c> does).
    /// </summary>
    public static float[] ScalePixels(ReadOnlySpan<byte> pixels, IdxDatasetOptions? options = null)
    {
        options ??= IdxDatasetOptions.Default;
        var scaled = new float[pixels.Length];
        var normalize = options.PixelMean != 0f || options.PixelStd != 1f;
        for (var i = 0; i < pixels.Length; i++)
        {
            var value = pixels[i] / 255f;
            scaled[i] = normalize ? (value - options.PixelMean) / options.PixelStd : value;
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

        throw new FileNotFoundException($"IDX file missing: neither {raw} nor {gz} exists.", gz);
    }
}
