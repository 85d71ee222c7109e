using ModelGen.Data;
using Xunit;

namespace ModelGen.Tests.Data;

public sealed class IdxDatasetTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Loads_the_bundled_split()
    {
        var (train, test) = BundledData.Mnist;

        Assert.Equal(7996, train.Count);
        Assert.Equal(2004, test.Count);
        Assert.Equal(784, train.Features);
        Assert.Equal(784, test.Features);
        Assert.Equal(10, train.Classes);
        Assert.Equal(7996 * 784, train.Inputs.Length);
        foreach (var data in new[] { train, test })
        {
            Assert.All(data.Labels, label => Assert.InRange(label, 0, 9));
            Assert.Equal(0f, data.Inputs.Min());
            Assert.Equal(1f, data.Inputs.Max());
        }
    }

    [Fact]
    public void Bundled_class_counts_match_the_data_readme()
    {
        // Train + test per class, as listed in examples/data/mnist-10k/README.md.
        int[] expected = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
        var (train, test) = BundledData.Mnist;
        var counts = new int[10];
        foreach (var label in train.Labels.Concat(test.Labels))
        {
            counts[label]++;
        }

        Assert.Equal(expected, counts);
    }

    [Fact]
    public void Scales_pixels_by_255()
    {
        WriteSplit("train", images: [2, 1, 3], pixels: [0, 51, 255, 255, 102, 0], labels: [3, 9], gzip: false);
        WriteSplit("t10k", images: [1, 1, 3], pixels: [1, 2, 3], labels: [0], gzip: true);

        var (train, test) = IdxDataset.Load(_folder.Path);

        Assert.Equal(new[] { 0f, 0.2f, 1f, 1f, 0.4f, 0f }, train.Inputs);
        Assert.Equal(new[] { 3, 9 }, train.Labels);
        Assert.Equal(3, train.Features);
        Assert.Equal(1, test.Count);
        Assert.Equal(1f / 255f, test.Inputs[0]);
    }

    [Fact]
    public void Image_and_label_counts_must_agree()
    {
        WriteSplit("train", images: [2, 1, 2], pixels: [1, 2, 3, 4], labels: [1, 2, 3], gzip: true);
        WriteSplit("t10k", images: [1, 1, 2], pixels: [1, 2], labels: [0], gzip: true);

        var exception = Assert.Throws<FormatException>(() => IdxDataset.Load(_folder.Path));

        Assert.Contains(_folder.File("train-images-idx3-ubyte.gz") + " holds 2 images", exception.Message);
        Assert.Contains(_folder.File("train-labels-idx1-ubyte.gz") + " holds 3 labels", exception.Message);
    }

    [Fact]
    public void Labels_must_be_digits()
    {
        WriteSplit("train", images: [3, 1, 1], pixels: [1, 2, 3], labels: [1, 10, 2], gzip: false);
        WriteSplit("t10k", images: [1, 1, 1], pixels: [1], labels: [0], gzip: false);

        var exception = Assert.Throws<IdxFormatException>(() => IdxDataset.Load(_folder.Path));

        // Header of a 1-D file is 8 bytes; the bad label is item 1.
        Assert.Equal(9, exception.Offset);
        Assert.Equal(_folder.File("train-labels-idx1-ubyte"), exception.FilePath);
        Assert.Contains("label 10 of item 1 is not below the 10 classes", exception.Message);
    }

    [Fact]
    public void Training_and_test_images_must_have_the_same_shape()
    {
        WriteSplit("train", images: [1, 2, 2], pixels: [1, 2, 3, 4], labels: [1], gzip: false);
        WriteSplit("t10k", images: [1, 1, 3], pixels: [1, 2, 3], labels: [0], gzip: false);

        var exception = Assert.Throws<FormatException>(() => IdxDataset.Load(_folder.Path));

        Assert.Contains("4 pixels each", exception.Message);
        Assert.Contains("test images", exception.Message);
    }

    [Fact]
    public void Missing_file_names_both_candidates()
    {
        WriteSplit("train", images: [1, 1, 1], pixels: [1], labels: [1], gzip: false);
        IdxTestFiles.Write(_folder.File("t10k-images-idx3-ubyte"), IdxTestFiles.Build([1, 1, 1], [1]), gzip: false);

        var exception = Assert.Throws<FileNotFoundException>(() => IdxDataset.Load(_folder.Path));

        Assert.Contains(_folder.File("t10k-labels-idx1-ubyte"), exception.Message);
        Assert.Contains(_folder.File("t10k-labels-idx1-ubyte.gz"), exception.Message);
    }

    [Fact]
    public void Missing_folder_is_reported()
    {
        var missing = _folder.File("nowhere");

        var exception = Assert.Throws<DirectoryNotFoundException>(() => IdxDataset.Load(missing));

        Assert.Contains(missing, exception.Message);
    }

    [Fact]
    public void Locate_prefers_the_raw_file_when_both_exist()
    {
        WriteSplit("train", images: [1, 1, 1], pixels: [1], labels: [1], gzip: true);
        WriteSplit("t10k", images: [1, 1, 1], pixels: [1], labels: [1], gzip: true);
        IdxTestFiles.Write(_folder.File("train-images-idx3-ubyte"), IdxTestFiles.Build([1, 1, 1], [1]), gzip: false);

        var files = IdxDataset.Locate(_folder.Path);

        Assert.Equal(_folder.File("train-images-idx3-ubyte"), files.TrainImages);
        Assert.Equal(_folder.File("train-labels-idx1-ubyte.gz"), files.TrainLabels);
        Assert.Equal(4, files.All.Length);
    }

    [Fact]
    public void File_digest_is_lowercase_sha256_of_the_stored_bytes()
    {
        var path = _folder.File("abc.txt");
        File.WriteAllText(path, "abc");

        // FIPS 180-2's test vector for "abc".
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", FileDigest.Sha256(path));
    }

    [Fact]
    public void Options_name_other_files_more_classes_and_normalize_pixels()
    {
        // An EMNIST-letters-like folder: its own file names, labels up to 26.
        IdxTestFiles.Write(_folder.File("letters-train-images"), IdxTestFiles.Build([2, 1, 2], [0, 255, 51, 102]), gzip: false);
        IdxTestFiles.Write(_folder.File("letters-train-labels.gz"), IdxTestFiles.Build([2], [26, 1]), gzip: true);
        IdxTestFiles.Write(_folder.File("letters-test-images"), IdxTestFiles.Build([1, 1, 2], [255, 0]), gzip: false);
        IdxTestFiles.Write(_folder.File("letters-test-labels"), IdxTestFiles.Build([1], [13]), gzip: false);
        var options = new IdxDatasetOptions
        {
            TrainImages = "letters-train-images",
            TrainLabels = "letters-train-labels",
            TestImages = "letters-test-images",
            TestLabels = "letters-test-labels",
            Classes = 27,
            PixelMean = 0.5f,
            PixelStd = 0.25f,
        };

        var (train, test) = IdxDataset.Load(_folder.Path, options);

        Assert.Equal(27, train.Classes);
        Assert.Equal(new[] { 26, 1 }, train.Labels);
        Assert.Equal(new[] { 13 }, test.Labels);
        // (p/255 − 0.5) / 0.25: 0 → −2, 255 → 2, 51 → −1.2, 102 → −0.4.
        Assert.Equal(new[] { -2f, 2f, (51f / 255f - 0.5f) / 0.25f, (102f / 255f - 0.5f) / 0.25f }, train.Inputs);
        Assert.Equal(new[] { 2f, -2f }, test.Inputs);
        Assert.Equal(_folder.File("letters-train-labels.gz"), IdxDataset.Locate(_folder.Path, options).TrainLabels);
        // The MNIST default of 10 classes refuses label 26 at its byte offset.
        var tooMany = Assert.Throws<IdxFormatException>(() => IdxDataset.Load(_folder.Path, options with { Classes = 10 }));
        Assert.Equal(8, tooMany.Offset);
        Assert.Contains("label 26 of item 0 is not below the 10 classes (set IdxDatasetOptions.Classes for more)", tooMany.Message);
    }

    [Fact]
    public void Options_out_of_range_are_refused()
    {
        WriteSplit("train", images: [1, 1, 1], pixels: [1], labels: [1], gzip: false);
        WriteSplit("t10k", images: [1, 1, 1], pixels: [1], labels: [1], gzip: false);

        Assert.Equal("PixelStd", Assert.Throws<ArgumentOutOfRangeException>(() => IdxDataset.Load(_folder.Path, new IdxDatasetOptions { PixelStd = 0 })).ParamName);
        Assert.Equal("PixelMean", Assert.Throws<ArgumentOutOfRangeException>(() => IdxDataset.Load(_folder.Path, new IdxDatasetOptions { PixelMean = float.NaN })).ParamName);
        Assert.Equal("Classes", Assert.Throws<ArgumentOutOfRangeException>(() => IdxDataset.Load(_folder.Path, new IdxDatasetOptions { Classes = 0 })).ParamName);
    }

    [Fact]
    public void Obsolete_MnistDataset_forwards_to_IdxDataset()
    {
        WriteSplit("train", images: [2, 1, 3], pixels: [0, 51, 255, 255, 102, 0], labels: [3, 9], gzip: false);
        WriteSplit("t10k", images: [1, 1, 3], pixels: [1, 2, 3], labels: [0], gzip: true);

#pragma warning disable CS0618 // the forwarder itself is under test
        var (train, test) = MnistDataset.Load(_folder.Path);
        var files = MnistDataset.Locate(_folder.Path);
#pragma warning restore CS0618
        var (idxTrain, idxTest) = IdxDataset.Load(_folder.Path);

        Assert.Equal(idxTrain.Inputs, train.Inputs);
        Assert.Equal(idxTrain.Labels, train.Labels);
        Assert.Equal(idxTest.Inputs, test.Inputs);
        Assert.Equal(IdxDataset.Locate(_folder.Path), files);
        Assert.NotNull(typeof(IdxDataset).Assembly.GetType("ModelGen.Data.MnistDataset")!.GetCustomAttributes(typeof(ObsoleteAttribute), false).SingleOrDefault());
    }

    private void WriteSplit(string prefix, int[] images, byte[] pixels, byte[] labels, bool gzip)
    {
        var suffix = gzip ? ".gz" : string.Empty;
        IdxTestFiles.Write(_folder.File($"{prefix}-images-idx3-ubyte{suffix}"), IdxTestFiles.Build(images, pixels), gzip);
        IdxTestFiles.Write(_folder.File($"{prefix}-labels-idx1-ubyte{suffix}"), IdxTestFiles.Build([labels.Length], labels), gzip);
    }
}
