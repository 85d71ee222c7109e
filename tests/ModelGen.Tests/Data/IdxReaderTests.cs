using ModelGen.Data;
using Xunit;

namespace ModelGen.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_one_dimensional_file(bool gzip)
    {
        var path = IdxTestFiles.Write(_folder.File("labels"), IdxTestFiles.Build([5], [7, 0, 9, 3, 255]), gzip);

        var array = IdxReader.ReadLabels(path);

        Assert.Equal([5], array.Dimensions);
        Assert.Equal(5, array.Count);
        Assert.Equal(1, array.ItemLength);
        Assert.Equal(8, array.HeaderLength);
        Assert.Equal(new byte[] { 7, 0, 9, 3, 255 }, array.Data);
        Assert.Equal(path, array.FilePath);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_three_dimensional_file_with_items_flattened(bool gzip)
    {
        var payload = IdxTestFiles.Counting(2 * 3 * 4);
        var path = IdxTestFiles.Write(_folder.File("images"), IdxTestFiles.Build([2, 3, 4], payload), gzip);

        var array = IdxReader.ReadImages(path);

        Assert.Equal([2, 3, 4], array.Dimensions);
        Assert.Equal(2, array.Count);
        Assert.Equal(12, array.ItemLength);
        Assert.Equal(16, array.HeaderLength);
        Assert.Equal(payload, array.Data);
    }

    [Fact]
    public void Detects_gzip_by_content_not_by_name()
    {
        // A gzipped file without .gz and a raw file with .gz both read correctly.
        var content = IdxTestFiles.Build([3], [1, 2, 3]);
        var gzipped = IdxTestFiles.Write(_folder.File("plain-name"), content, gzip: true);
        var raw = IdxTestFiles.Write(_folder.File("misleading.gz"), content, gzip: false);

        Assert.Equal(new byte[] { 1, 2, 3 }, IdxReader.Read(gzipped).Data);
        Assert.Equal(new byte[] { 1, 2, 3 }, IdxReader.Read(raw).Data);
    }

    [Fact]
    public void Reads_from_a_stream()
    {
        using var stream = new MemoryStream(IdxTestFiles.Gzip(IdxTestFiles.Build([2, 2], [1, 2, 3, 4])));

        var array = IdxReader.Read(stream, "in-memory");

        Assert.Equal([2, 2], array.Dimensions);
        Assert.Equal("in-memory", array.FilePath);
    }

    public static TheoryData<string, byte[], long, string> MalformedFiles() => new()
    {
        { "empty file", [], 0, "before the 4-byte IDX magic number" },
        { "bad magic", [0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 7], 0, "magic number starts with 12 34" },
        { "wrong type byte", IdxTestFiles.Build([2], [1, 2], type: 0x0D), 2, "element type 0x0d (32-bit float) is not supported" },
        { "unknown type byte", IdxTestFiles.Build([2], [1, 2], type: 0x42), 2, "element type 0x42 (not an IDX type)" },
        { "no dimensions", [0, 0, 0x08, 0], 3, "the number of dimensions is 0" },
        { "header cut short", [0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0], 10, "3 dimensions need 16 header bytes, the file has 10" },
        { "zero first dimension", IdxTestFiles.Build([0, 3], []), 4, "dimension 1 is 0" },
        { "zero second dimension", IdxTestFiles.Build([2, 0], []), 8, "dimension 2 is 0" },
        { "dimensions overflow", IdxTestFiles.Build([65536, 65536], []), 8, "more than an array can hold" },
        { "truncated payload", IdxTestFiles.Build([2, 3], IdxTestFiles.Counting(5)), 17, "the payload is truncated: the dimensions 2×3 need 6 bytes after the 12-byte header, the file has 5" },
        { "trailing bytes", IdxTestFiles.Build([2, 3], IdxTestFiles.Counting(8)), 18, "2 trailing bytes follow the 6-byte payload" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Rejects_malformed_raw_file_naming_file_offset_and_problem(string name, byte[] content, long offset, string problem)
    {
        var path = IdxTestFiles.Write(_folder.File(name.Replace(' ', '-')), content, gzip: false);

        var exception = Assert.Throws<IdxFormatException>(() => IdxReader.Read(path));

        Assert.Equal(path, exception.FilePath);
        Assert.Equal(offset, exception.Offset);
        Assert.StartsWith($"{path}: at byte {offset}: ", exception.Message);
        Assert.Contains(problem, exception.Message);
    }

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Rejects_malformed_gzipped_file_with_offsets_in_the_decompressed_stream(string name, byte[] content, long offset, string problem)
    {
        var path = IdxTestFiles.Write(_folder.File(name.Replace(' ', '-') + ".gz"), content, gzip: true);

        var exception = Assert.Throws<IdxFormatException>(() => IdxReader.Read(path));

        Assert.Equal(offset, exception.Offset);
        Assert.StartsWith($"{path}: at byte {offset}: ", exception.Message);
        Assert.Contains(problem, exception.Message);
    }

    [Fact]
    public void Message_matches_the_documented_form()
    {
        var path = IdxTestFiles.Write(_folder.File("train-images-idx3-ubyte.gz"), IdxTestFiles.Build([0, 28, 28], []), gzip: true);

        var exception = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));

        Assert.Equal($"{path}: at byte 4: dimension 1 is 0", exception.Message);
        Assert.IsAssignableFrom<FormatException>(exception);
    }

    [Fact]
    public void Rejects_corrupt_gzip_stream()
    {
        var gzipped = IdxTestFiles.Gzip(IdxTestFiles.Build([64], IdxTestFiles.Counting(64)));
        for (var i = 10; i < gzipped.Length - 8; i++)
        {
            gzipped[i] ^= 0x5A;
        }

        var path = IdxTestFiles.Write(_folder.File("corrupt.gz"), gzipped, gzip: false);

        var exception = Assert.Throws<IdxFormatException>(() => IdxReader.Read(path));

        Assert.StartsWith($"{path}: at byte ", exception.Message);
    }

    [Fact]
    public void Rejects_truncated_gzip_stream()
    {
        // Cutting the compressed stream short either corrupts it or shortens the payload; both are reported.
        var gzipped = IdxTestFiles.Gzip(IdxTestFiles.Build([200], IdxTestFiles.Counting(200)));
        var path = IdxTestFiles.Write(_folder.File("cut.gz"), gzipped.AsSpan(0, gzipped.Length / 2).ToArray(), gzip: false);

        var exception = Assert.Throws<IdxFormatException>(() => IdxReader.Read(path));

        Assert.StartsWith($"{path}: at byte ", exception.Message);
    }

    [Fact]
    public void Labels_need_exactly_one_dimension()
    {
        var path = IdxTestFiles.Write(_folder.File("images-as-labels"), IdxTestFiles.Build([2, 2], [1, 2, 3, 4]), gzip: false);

        var exception = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(path));

        Assert.Equal(3, exception.Offset);
        Assert.Contains("labels need exactly 1 dimension, the file has 2", exception.Message);
    }

    [Fact]
    public void Images_need_at_least_two_dimensions()
    {
        var path = IdxTestFiles.Write(_folder.File("labels-as-images"), IdxTestFiles.Build([4], [1, 2, 3, 4]), gzip: false);

        var exception = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));

        Assert.Equal(3, exception.Offset);
        Assert.Contains("images need at least 2 dimensions", exception.Message);
    }
}
