using System;

namespace ModelGen.Data;

/// <summary>
/// An IDX file is malformed: bad magic number, unsupported element type, a zero dimension, or a payload whose length
/// does not match the declared dimensions. The message names the file, the byte offset and the problem, e.g.
/// <c>train-images-idx3-ubyte.gz: at byte 4: dimension 1 is 0</c>.
/// </summary>
/// <remarks>
/// For a gzipped file the offset counts bytes of the decompressed IDX stream, which is where the IDX format itself
/// defines positions.
/// </remarks>
public sealed class IdxFormatException : FormatException
{
    /// <summary>Creates the exception for a problem at <paramref name="offset"/> in <paramref name="filePath"/>.</summary>
    /// <param name="filePath">The file as the caller named it.</param>
    /// <param name="offset">Byte offset of the problem in the (decompressed) IDX stream.</param>
    /// <param name="problem">What is wrong, without the file name or offset (they are prefixed).</param>
    /// <param name="innerException">The underlying error, e.g. a corrupt gzip stream.</param>
    public IdxFormatException(string filePath, long offset, string problem, Exception? innerException = null)
        : base($"{filePath}: at byte {offset}: {problem}", innerException)
    {
        FilePath = filePath;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>The file as the caller named it.</summary>
    public string FilePath { get; }

    /// <summary>Byte offset of the problem in the (decompressed) IDX stream.</summary>
    public long Offset { get; }

    /// <summary>What is wrong, without the file name and offset.</summary>
    public string Problem { get; }
}
