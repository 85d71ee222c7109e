using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ModelGen.IO;

/// <summary>A float32 tensor to write: its name, its shape (outermost first) and its elements in row-major order.</summary>
/// <param name="Name">The tensor's name (<c>fc1.weight</c>).</param>
/// <param name="Shape">Dimensions, outermost first; their product must equal the length of <paramref name="Data"/>.</param>
/// <param name="Data">The elements.</param>
public sealed record SafetensorsTensor(string Name, IReadOnlyList<long> Shape, ReadOnlyMemory<float> Data);

/// <summary>
/// Writes safetensors files of float32 tensors: the 8-byte little-endian header length, the JSON header
/// (<c>__metadata__</c> first, then the tensors in the given order with consecutive <c>data_offsets</c>), padded
/// with spaces so the data starts 8-byte aligned as the reference implementation does, then the raw little-endian
/// data. The file is written atomically (temporary file, then rename).
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> and <paramref name="metadata"/> to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">A name repeats or is reserved, or a shape does not match its data.</exception>
    /// <exception cref="IOException">The file cannot be written (the previous file, if any, is left as it was).</exception>
    public static void Write(string path, IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var header = BuildHeader(tensors, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var tensor in tensors)
            {
                WriteLittleEndian(stream, tensor.Data.Span);
            }
        });
    }

    private static byte[] BuildHeader(IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsFormatException.MetadataPart);
                foreach (var (key, value) in metadata)
                {
                    ArgumentNullException.ThrowIfNull(value, $"metadata[{key}]");
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in tensors)
            {
                ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
                ArgumentException.ThrowIfNullOrEmpty(tensor.Name, nameof(tensors));
                if (tensor.Name == SafetensorsFormatException.MetadataPart || !names.Add(tensor.Name))
                {
                    throw new ArgumentException($"Tensor name '{tensor.Name}' is reserved or used twice.", nameof(tensors));
                }

                long elements = 1;
                foreach (var dimension in tensor.Shape)
                {
                    ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(tensors));
                    elements = checked(elements * dimension);
                }

                if (elements != tensor.Data.Length)
                {
                    throw new ArgumentException($"Tensor '{tensor.Name}' has shape {SafetensorsTensorInfo.FormatShape(tensor.Shape)} ({elements} elements) but {tensor.Data.Length} values.", nameof(tensors));
                }

                var end = offset + (long)tensor.Data.Length * sizeof(float);
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", SafetensorsDType.Float32.Name());
                json.WriteStartArray("shape");
                foreach (var dimension in tensor.Shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }

            json.WriteEndObject();
        }

        var padded = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteLittleEndian(Stream stream, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        Span<byte> chunk = stackalloc byte[4096];
        while (!values.IsEmpty)
        {
            var count = Math.Min(values.Length, chunk.Length / sizeof(float));
            for (var i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(chunk[(i * sizeof(float))..], values[i]);
            }

            stream.Write(chunk[..(count * sizeof(float))]);
            values = values[count..];
        }
    }
}
