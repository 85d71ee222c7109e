using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace ModelGen.Data;

/// <summary>
/// Reads IDX files (the format of the MNIST distribution: a 4-byte magic number <c>00 00 type nd</c>, nd big-endian
/// 32-bit dimensions, then the payload). Files may be raw or gzipped; gzip is recognized by its <c>1f 8b</c> magic,
/// not by the file name. Only unsigned-byte payloads (type <c>0x08</c>) are supported, with any number of dimensions.
/// Every check names the file, the byte offset and the problem (<see cref="IdxFormatException"/>): the magic number,
/// the element type, each dimension (positive, product within the array limit) and the payload length, which must
/// equal the product of the dimensions exactly (neither truncated nor followed by trailing bytes).
/// </summary>
public static class IdxReader
{
    /// <summary>The IDX element type code of unsigned bytes, the only one supported.</summary>
    public const byte UnsignedByteType = 0x08;

    /// <summary>Reads the IDX file at <paramref name="path"/> (raw or gzipped).</summary>
    /// <exception cref="IdxFormatException">The file is not a well-formed IDX file of unsigned bytes.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IdxArray Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads an IDX file (raw or gzipped) from <paramref name="stream"/>; <paramref name="name"/> is used in error messages.</summary>
    /// <exception cref="IdxFormatException">The content is not a well-formed IDX file of unsigned bytes.</exception>
    public static IdxArray Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        var content = ReadAll(stream);
        if (content.Length >= 2 && content[0] == 0x1f && content[1] == 0x8b)
        {
            content = Decompress(content, name);
        }

        return Parse(content, name);
    }

    /// <summary>
    /// Reads an IDX file of images or other multi-dimensional items: at least two dimensions, each item flattened to
    /// <see cref="IdxArray.ItemLength"/> bytes (784 for 28×28 digits).
    /// </summary>
    /// <exception cref="IdxFormatException">The file is malformed or has a single dimension.</exception>
    public static IdxArray ReadImages(string path)
    {
        var array = Read(path);
        if (array.Dimensions.Count < 2)
        {
            throw new IdxFormatException(path, 3, $"images need at least 2 dimensions (count, then pixels), the file has {array.Dimensions.Count}");
        }

        return array;
    }

    /// <summary>Reads an IDX file of labels: exactly one dimension, one byte per item.</summary>
    /// <exception cref="IdxFormatException">The file is malformed or has more than one dimension.</exception>
    public static IdxArray ReadLabels(string path)
    {
        var array = Read(path);
        if (array.Dimensions.Count != 1)
        {
            throw new IdxFormatException(path, 3, $"labels need exactly 1 dimension, the file has {array.Dimensions.Count}");
        }

        return array;
    }

    private static byte[] ReadAll(Stream stream)
    {
        if (stream is MemoryStream memory && memory.Position == 0)
        {
            return memory.ToArray();
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static byte[] Decompress(byte[] compressed, string name)
    {
        using var output = new MemoryStream();
        try
        {
            using var gzip = new GZipStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
            gzip.CopyTo(output);
        }
        catch (InvalidDataException ex)
        {
            // The IDX offset is the only position we can name: how far decompression got.
            throw new IdxFormatException(name, output.Length, $"the gzip data is corrupt ({ex.Message})", ex);
        }

        return output.ToArray();
    }

    private static IdxArray Parse(byte[] content, string name)
    {
        if (content.Length < 4)
        {
            throw new IdxFormatException(name, content.Length, $"the file ends after {content.Length} bytes, before the 4-byte IDX magic number");
        }

        if (content[0] != 0 || content[1] != 0)
        {
            throw new IdxFormatException(name, 0, $"magic number starts with {content[0]:x2} {content[1]:x2}, expected 00 00 (not an IDX file)");
        }

        var type = content[2];
        if (type != UnsignedByteType)
        {
            throw new IdxFormatException(name, 2, $"element type 0x{type:x2} ({DescribeType(type)}) is not supported; only unsigned bytes (0x08) are");
        }

        int dimensionCount = content[3];
        if (dimensionCount == 0)
        {
            throw new IdxFormatException(name, 3, "the number of dimensions is 0");
        }

        var headerLength = 4 + (4 * dimensionCount);
        if (content.Length < headerLength)
        {
            throw new IdxFormatException(name, content.Length, $"the header ends early: {dimensionCount} dimensions need {headerLength} header bytes, the file has {content.Length}");
        }

        var dimensions = new int[dimensionCount];
        long payloadLength = 1;
        for (var i = 0; i < dimensionCount; i++)
        {
            var offset = 4 + (4 * i);
            var value = BinaryPrimitives.ReadUInt32BigEndian(content.AsSpan(offset, 4));
            if (value == 0)
            {
                throw new IdxFormatException(name, offset, $"dimension {i + 1} is 0");
            }

            payloadLength *= value;
            if (payloadLength > Array.MaxLength)
            {
                throw new IdxFormatException(name, offset, $"dimension {i + 1} is {value}: the dimensions so far describe {payloadLength} bytes, more than an array can hold ({Array.MaxLength})");
            }

            dimensions[i] = (int)value;
        }

        long actualPayload = content.Length - headerLength;
        if (actualPayload < payloadLength)
        {
            throw new IdxFormatException(name, content.Length, $"the payload is truncated: the dimensions {Describe(dimensions)} need {payloadLength} bytes after the {headerLength}-byte header, the file has {actualPayload}");
        }

        if (actualPayload > payloadLength)
        {
            throw new IdxFormatException(name, headerLength + payloadLength, $"{actualPayload - payloadLength} trailing bytes follow the {payloadLength}-byte payload of dimensions {Describe(dimensions)}");
        }

        var data = content.AsSpan(headerLength).ToArray();
        return new IdxArray(name, dimensions, data);
    }

    private static string Describe(int[] dimensions) => string.Join("×", dimensions);

    private static string DescribeType(byte type) => type switch
    {
        0x09 => "signed byte",
        0x0B => "16-bit integer",
        0x0C => "32-bit integer",
        0x0D => "32-bit float",
        0x0E => "64-bit float",
        _ => "not an IDX type",
    };
}
