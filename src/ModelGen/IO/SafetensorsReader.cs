using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ModelGen.IO;

/// <summary>
/// Reads a safetensors file (an 8-byte little-endian header length N, N bytes of JSON header, then the raw
/// little-endian tensor data). <see cref="Open"/> checks the whole layout before any tensor is read: the header length
/// against the file and a 100 MB limit, the JSON (duplicates, types), each tensor's byte range against its dtype and
/// shape, and that the ranges neither overlap nor leave bytes unaccounted for (the reference implementation's rule).
/// Nothing is allocated from a size the file claims before that size has been checked against the file's real length.
/// </summary>
public sealed class SafetensorsReader : IDisposable
{
    /// <summary>The largest header accepted (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const int LengthPrefixBytes = 8;

    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;

    private SafetensorsReader(string path, SafeFileHandle handle, long fileLength, List<SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata, long dataOffset)
    {
        Path = path;
        _handle = handle;
        FileLength = fileLength;
        Tensors = tensors;
        Metadata = metadata;
        DataOffset = dataOffset;
        _byName = new Dictionary<string, SafetensorsTensorInfo>(tensors.Count, StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            _byName.Add(tensor.Name, tensor);
        }
    }

    /// <summary>The file as the caller named it (used in every error message).</summary>
    public string Path { get; }

    /// <summary>Length of the file in bytes.</summary>
    public long FileLength { get; }

    /// <summary>Offset of the data section (8 + header length).</summary>
    public long DataOffset { get; }

    /// <summary>The tensors in the order the header lists them.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens <paramref name="path"/> and validates its header and layout.</summary>
    /// <exception cref="SafetensorsFormatException">The file is not a well-formed safetensors file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static SafetensorsReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            var length = RandomAccess.GetLength(handle);
            var (tensors, metadata, dataOffset) = ReadLayout(handle, length, path);
            return new SafetensorsReader(path, handle, length, tensors, metadata, dataOffset);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Looks a tensor up by name.</summary>
    public bool TryGet(string name, out SafetensorsTensorInfo tensor) => _byName.TryGetValue(name, out tensor!);

    /// <summary>Reads an <c>F32</c> tensor into <paramref name="destination"/>, which must hold exactly its elements.</summary>
    /// <exception cref="SafetensorsFormatException">The tensor is not F32, or the file became shorter since it was opened.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has another length than the tensor.</exception>
    public void ReadFloat32(SafetensorsTensorInfo tensor, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.DType != SafetensorsDType.Float32)
        {
            throw new SafetensorsFormatException(Path, tensor.Name, tensor.HeaderOffset, $"dtype {tensor.DType.Name()}, expected F32");
        }

        if (destination.Length != tensor.ElementCount)
        {
            throw new ArgumentException($"'{tensor.Name}' has {tensor.ElementCount} elements, the destination {destination.Length}.", nameof(destination));
        }

        ReadExactly(MemoryMarshal.AsBytes(destination), tensor.DataOffset, tensor.Name);
        if (!BitConverter.IsLittleEndian)
        {
            var bits = MemoryMarshal.Cast<float, int>(destination);
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }
    }

    /// <summary>Reads the raw bytes of any tensor (for dtypes ModelGen does not compute with).</summary>
    /// <exception cref="SafetensorsFormatException">The file became shorter since it was opened.</exception>
    public byte[] ReadBytes(SafetensorsTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var bytes = new byte[tensor.ByteLength];
        ReadExactly(bytes, tensor.DataOffset, tensor.Name);
        return bytes;
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    private void ReadExactly(Span<byte> destination, long fileOffset, string tensor)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var read = RandomAccess.Read(_handle, destination[done..], fileOffset + done);
            if (read == 0)
            {
                throw new SafetensorsFormatException(Path, tensor, fileOffset + done, "the file ends early (it was truncated after it was opened)");
            }

            done += read;
        }
    }

    private static (List<SafetensorsTensorInfo> Tensors, Dictionary<string, string> Metadata, long DataOffset) ReadLayout(SafeFileHandle handle, long fileLength, string path)
    {
        const string header = SafetensorsFormatException.HeaderPart;
        if (fileLength < LengthPrefixBytes)
        {
            var what = fileLength == 0 ? "the file is empty" : $"the file has {fileLength} bytes, fewer than the 8-byte header length";
            throw new SafetensorsFormatException(path, header, 0, what + " (not a safetensors file)");
        }

        Span<byte> prefix = stackalloc byte[LengthPrefixBytes];
        if (RandomAccess.Read(handle, prefix, 0) != LengthPrefixBytes)
        {
            throw new SafetensorsFormatException(path, header, 0, "the 8-byte header length cannot be read");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
        {
            throw new SafetensorsFormatException(path, header, 0, $"header length {headerLength} exceeds the limit of {MaxHeaderBytes} bytes");
        }

        if ((long)headerLength > fileLength - LengthPrefixBytes)
        {
            throw new SafetensorsFormatException(path, header, 0, $"header length {headerLength} runs past the end of the file ({fileLength - LengthPrefixBytes} bytes follow the length)");
        }

        // Bounded by the file's real length and the limit, checked above.
        var json = new byte[headerLength];
        var done = 0;
        while (done < json.Length)
        {
            var read = RandomAccess.Read(handle, json.AsSpan(done), LengthPrefixBytes + done);
            if (read == 0)
            {
                throw new SafetensorsFormatException(path, header, LengthPrefixBytes + done, "the file ends inside the header");
            }

            done += read;
        }

        var (entries, metadata) = SafetensorsHeader.Parse(json, LengthPrefixBytes, path);
        var dataOffset = LengthPrefixBytes + (long)headerLength;
        var dataLength = fileLength - dataOffset;
        var tensors = new List<SafetensorsTensorInfo>(entries.Count);
        foreach (var entry in entries)
        {
            tensors.Add(CheckRange(entry, dataOffset, dataLength, path));
        }

        CheckTiling(tensors, dataOffset, fileLength, path);
        return (tensors, metadata, dataOffset);
    }

    private static SafetensorsTensorInfo CheckRange(SafetensorsHeader.Entry entry, long dataOffset, long dataLength, string path)
    {
        var shapeText = SafetensorsTensorInfo.FormatShape(entry.Shape);
        if (entry.Begin > entry.End)
        {
            throw new SafetensorsFormatException(path, entry.Name, entry.HeaderOffset, $"data_offsets [{entry.Begin}, {entry.End}] end before they begin");
        }

        if (entry.End > dataLength)
        {
            throw new SafetensorsFormatException(path, entry.Name, entry.HeaderOffset, $"data_offsets [{entry.Begin}, {entry.End}] run past the end of the data section ({dataLength} bytes; the file is truncated or the offsets are wrong)");
        }

        long bytes = entry.DType.Size();
        foreach (var dimension in entry.Shape)
        {
            // The range is at most the file's length, so a product beyond it is wrong whether or not it overflows.
            if (dimension != 0 && bytes > dataLength / dimension)
            {
                throw new SafetensorsFormatException(path, entry.Name, entry.HeaderOffset, $"shape {shapeText} of {entry.DType.Name()} needs more bytes than the data section has ({dataLength})");
            }

            bytes *= dimension;
        }

        if (bytes != entry.End - entry.Begin)
        {
            throw new SafetensorsFormatException(path, entry.Name, entry.HeaderOffset, $"data_offsets [{entry.Begin}, {entry.End}] hold {entry.End - entry.Begin} bytes, shape {shapeText} of {entry.DType.Name()} needs {bytes}");
        }

        return new SafetensorsTensorInfo(entry.Name, entry.DType, entry.Shape, entry.HeaderOffset, dataOffset + entry.Begin, bytes);
    }

    // Sorted by start, the ranges must follow each other exactly: an overlap means two tensors share bytes, a gap or
    // a tail means bytes that belong to nothing (a damaged or doctored file).
    private static void CheckTiling(List<SafetensorsTensorInfo> tensors, long dataOffset, long fileLength, string path)
    {
        var sorted = tensors.ToArray();
        Array.Sort(sorted, static (a, b) => a.DataOffset != b.DataOffset ? a.DataOffset.CompareTo(b.DataOffset) : a.ByteLength.CompareTo(b.ByteLength));
        var next = dataOffset;
        SafetensorsTensorInfo? previous = null;
        foreach (var tensor in sorted)
        {
            if (tensor.DataOffset < next)
            {
                throw new SafetensorsFormatException(path, tensor.Name, tensor.DataOffset, $"the data overlaps tensor '{previous!.Name}' (which ends at byte {next})");
            }

            if (tensor.DataOffset > next)
            {
                throw new SafetensorsFormatException(path, tensor.Name, next, $"bytes {next}..{tensor.DataOffset - 1} before this tensor's data belong to no tensor");
            }

            next = tensor.DataOffset + tensor.ByteLength;
            if (tensor.ByteLength > 0)
            {
                previous = tensor;
            }
        }

        if (next != fileLength)
        {
            var tensor = previous?.Name ?? SafetensorsFormatException.HeaderPart;
            throw new SafetensorsFormatException(path, tensor, next, $"{fileLength - next} bytes after the last tensor's data belong to no tensor");
        }
    }
}
