using System;
using System.Collections.Generic;
using System.Text.Json;

namespace ModelGen.IO;

/// <summary>
/// Parses a safetensors JSON header: an object whose keys are tensor names mapping to
/// <c>{"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}</c>, plus an optional <c>__metadata__</c> object of
/// string values. Parsed with <see cref="Utf8JsonReader"/> rather than a DOM so that duplicate keys (which a DOM would
/// silently collapse) are refused and every error can point at the byte where its token starts. Byte ranges are only
/// parsed here; <see cref="SafetensorsReader"/> checks them against the file.
/// </summary>
internal static class SafetensorsHeader
{
    /// <summary>A tensor entry as written in the header, offsets relative to the start of the data section.</summary>
    internal readonly record struct Entry(string Name, SafetensorsDType DType, long[] Shape, long Begin, long End, long HeaderOffset);

    /// <summary>Parses <paramref name="header"/>, which starts at file offset <paramref name="fileOffset"/>.</summary>
    /// <exception cref="SafetensorsFormatException">Bad JSON, a duplicate key, or an entry of the wrong form.</exception>
    public static (List<Entry> Entries, Dictionary<string, string> Metadata) Parse(ReadOnlySpan<byte> header, long fileOffset, string path)
    {
        var context = new Context(path, fileOffset);
        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw context.Error(SafetensorsFormatException.HeaderPart, reader, "the header is not a JSON object");
            }

            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                var keyOffset = context.At(reader);
                var name = reader.GetString()!;
                if (!names.Add(name))
                {
                    throw new SafetensorsFormatException(path, name, keyOffset, "the name appears twice in the header");
                }

                if (name == SafetensorsFormatException.MetadataPart)
                {
                    ParseMetadata(ref reader, context, metadata);
                }
                else if (name.Length == 0)
                {
                    throw new SafetensorsFormatException(path, SafetensorsFormatException.HeaderPart, keyOffset, "a tensor has an empty name");
                }
                else
                {
                    entries.Add(ParseEntry(ref reader, context, name, keyOffset));
                }
            }

            // Only whitespace (the format pads the header with spaces) may follow the object.
            if (reader.Read())
            {
                throw context.Error(SafetensorsFormatException.HeaderPart, reader, "data follows the header's JSON object");
            }
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(path, SafetensorsFormatException.HeaderPart, fileOffset + LineStart(header, e.LineNumber ?? 0) + (e.BytePositionInLine ?? 0), "the header is not valid JSON (" + FirstSentence(e.Message) + ")", e);
        }
        catch (InvalidOperationException e)
        {
            // GetString on a string that is not valid UTF-8.
            throw new SafetensorsFormatException(path, SafetensorsFormatException.HeaderPart, context.At(reader), "the header holds a string that is not valid UTF-8", e);
        }

        return (entries, metadata);
    }

    private static void ParseMetadata(ref Utf8JsonReader reader, Context context, Dictionary<string, string> metadata)
    {
        if (Next(ref reader) != JsonTokenType.StartObject)
        {
            throw context.Error(SafetensorsFormatException.MetadataPart, reader, "the metadata is not a JSON object");
        }

        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var keyOffset = context.At(reader);
            var key = reader.GetString()!;
            if (Next(ref reader) != JsonTokenType.String)
            {
                throw context.Error(SafetensorsFormatException.MetadataPart, reader, $"the value of '{key}' is not a string (the format allows only strings)");
            }

            if (!metadata.TryAdd(key, reader.GetString()!))
            {
                throw new SafetensorsFormatException(context.Path, SafetensorsFormatException.MetadataPart, keyOffset, $"the key '{key}' appears twice");
            }
        }
    }

    private static Entry ParseEntry(ref Utf8JsonReader reader, Context context, string name, long keyOffset)
    {
        if (Next(ref reader) != JsonTokenType.StartObject)
        {
            throw context.Error(name, reader, "the entry is not a JSON object with dtype, shape and data_offsets");
        }

        SafetensorsDType? dtype = null;
        long[]? shape = null;
        long[]? offsets = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var fieldOffset = context.At(reader);
            var field = reader.GetString()!;
            var duplicate = field switch
            {
                "dtype" => dtype is not null,
                "shape" => shape is not null,
                "data_offsets" => offsets is not null,
                _ => false,
            };
            if (duplicate)
            {
                throw new SafetensorsFormatException(context.Path, name, fieldOffset, $"the field '{field}' appears twice");
            }

            switch (field)
            {
                case "dtype":
                    if (Next(ref reader) != JsonTokenType.String)
                    {
                        throw context.Error(name, reader, "dtype is not a string");
                    }

                    var text = reader.GetString()!;
                    if (!SafetensorsDTypes.TryParse(text, out var parsed))
                    {
                        throw context.Error(name, reader, $"unknown dtype '{text}'");
                    }

                    dtype = parsed;
                    break;
                case "shape":
                    shape = ReadIntegers(ref reader, context, name, "shape", exactCount: -1);
                    break;
                case "data_offsets":
                    offsets = ReadIntegers(ref reader, context, name, "data_offsets", exactCount: 2);
                    break;
                default:
                    // Fields the format may add later are ignored, as the reference implementation does.
                    reader.Read();
                    reader.Skip();
                    break;
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            var missing = dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw new SafetensorsFormatException(context.Path, name, keyOffset, $"the entry has no {missing}");
        }

        return new Entry(name, dtype.Value, shape, offsets[0], offsets[1], keyOffset);
    }

    private static long[] ReadIntegers(ref Utf8JsonReader reader, Context context, string name, string field, int exactCount)
    {
        if (Next(ref reader) != JsonTokenType.StartArray)
        {
            throw context.Error(name, reader, $"{field} is not an array");
        }

        var values = new List<long>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value) || value < 0)
            {
                throw context.Error(name, reader, $"{field} holds something other than a non-negative 64-bit integer");
            }

            if (exactCount >= 0 && values.Count == exactCount)
            {
                throw context.Error(name, reader, $"{field} has more than {exactCount} entries");
            }

            values.Add(value);
        }

        if (exactCount >= 0 && values.Count != exactCount)
        {
            throw context.Error(name, reader, $"{field} has {values.Count} entries, not {exactCount}");
        }

        return values.ToArray();
    }

    // Reads the next token; the end of the input inside the object is a JSON error like any other.
    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("the header ends inside the JSON object", path: null, lineNumber: 0, bytePositionInLine: reader.BytesConsumed);
        }

        return reader.TokenType;
    }

    private static long LineStart(ReadOnlySpan<byte> header, long line)
    {
        long position = 0;
        for (long seen = 0; seen < line && position < header.Length; position++)
        {
            if (header[(int)position] == (byte)'\n')
            {
                seen++;
            }
        }

        return position;
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd('.');
    }

    private sealed record Context(string Path, long FileOffset)
    {
        public long At(in Utf8JsonReader reader) => FileOffset + reader.TokenStartIndex;

        public SafetensorsFormatException Error(string tensor, in Utf8JsonReader reader, string problem) =>
            new(Path, tensor, At(reader), problem);
    }
}
