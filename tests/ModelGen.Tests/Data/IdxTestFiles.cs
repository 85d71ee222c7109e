using System.Buffers.Binary;
using System.IO.Compression;

namespace ModelGen.Tests.Data;

/// <summary>Builds IDX byte streams (well-formed or deliberately broken) for the reader tests.</summary>
internal static class IdxTestFiles
{
    /// <summary>Magic 00 00 type nd, then big-endian dimensions, then the payload.</summary>
    public static byte[] Build(int[] dimensions, byte[] payload, byte type = 0x08)
    {
        var bytes = new byte[4 + (4 * dimensions.Length) + payload.Length];
        bytes[2] = type;
        bytes[3] = (byte)dimensions.Length;
        for (var i = 0; i < dimensions.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i)), dimensions[i]);
        }

        payload.CopyTo(bytes, 4 + (4 * dimensions.Length));
        return bytes;
    }

    /// <summary>A payload 0, 1, 2, … of the given length (mod 256).</summary>
    public static byte[] Counting(int length)
    {
        var payload = new byte[length];
        for (var i = 0; i < length; i++)
        {
            payload[i] = (byte)i;
        }

        return payload;
    }

    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/>, gzipped when <paramref name="gzip"/>.</summary>
    public static string Write(string path, byte[] content, bool gzip)
    {
        File.WriteAllBytes(path, gzip ? Gzip(content) : content);
        return path;
    }
}
