using System;

namespace ModelGen.IO;

/// <summary>
/// A safetensors file is malformed, hostile, or does not fit the network it is loaded into. The message names the
/// file, the tensor (or <c>header</c> / <c>__metadata__</c> when the problem is not about one tensor), the problem
/// and the byte offset in the file where it applies, e.g.
/// <c>model.safetensors: fc1.weight: shape [300, 784] in the file, the model 'lenet300' expects [100, 784] at byte 23</c>.
/// </summary>
public sealed class SafetensorsFormatException : FormatException
{
    /// <summary>The name used in place of a tensor when the problem is about the header as a whole.</summary>
    public const string HeaderPart = "header";

    /// <summary>The name used in place of a tensor when the problem is in the header's metadata map.</summary>
    public const string MetadataPart = "__metadata__";

    /// <summary>Creates the exception.</summary>
    /// <param name="filePath">The file as the caller named it.</param>
    /// <param name="tensor">The tensor concerned, or <see cref="HeaderPart"/> / <see cref="MetadataPart"/>.</param>
    /// <param name="byteOffset">Offset from the start of the file where the problem applies.</param>
    /// <param name="problem">What is wrong, without file, tensor or offset (they are added).</param>
    /// <param name="innerException">The underlying error, e.g. a JSON syntax error.</param>
    public SafetensorsFormatException(string filePath, string tensor, long byteOffset, string problem, Exception? innerException = null)
        : base($"{filePath}: {tensor}: {problem} at byte {byteOffset}", innerException)
    {
        FilePath = filePath;
        Tensor = tensor;
        ByteOffset = byteOffset;
        Problem = problem;
    }

    /// <summary>The file as the caller named it.</summary>
    public string FilePath { get; }

    /// <summary>The tensor concerned, or <see cref="HeaderPart"/> / <see cref="MetadataPart"/>.</summary>
    public string Tensor { get; }

    /// <summary>Offset from the start of the file where the problem applies.</summary>
    public long ByteOffset { get; }

    /// <summary>What is wrong, without file, tensor and offset.</summary>
    public string Problem { get; }
}
