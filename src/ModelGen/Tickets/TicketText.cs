// Shared source: see TicketTensor.cs. The generator reads tickets as additional files (text), so this file uses only
// what netstandard2.0 offers and no file system: callers pass and receive strings.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ModelGen.Tickets;

/// <summary>A problem found while reading a ticket: what is wrong and on which line (1-based).</summary>
#if MODELGEN_GENERATOR
internal
#else
public
#endif
sealed class TicketTextError
{
    /// <summary>Creates the error.</summary>
    public TicketTextError(int line, string message)
    {
        Line = line;
        Message = message;
    }

    /// <summary>1-based line of the ticket text the problem is on (the last line for a missing entry).</summary>
    public int Line { get; }

    /// <summary>What is wrong, in a sentence.</summary>
    public string Message { get; }

    /// <inheritdoc />
    public override string ToString() => $"line {Line}: {Message}";
}

/// <summary>
/// The ticket text format, version 1 (docs/TICKETS.md): one writer and one parser for the CLI, the runtime and the
/// generator. Line-oriented UTF-8; blank lines and lines starting with <c>#</c> are comments.
/// <code>
/// modelgen-ticket 1
/// model lenet300
/// seed 0
/// rewind-iteration 0
/// sparsity 0.98000093808630394
/// mask fc1.weight 300 784 2352 runs &lt;base64&gt;
/// values fc1.weight 2352 &lt;base64&gt;        (only when rewind-iteration &gt; 0; one line per parameter tensor)
/// sha256 &lt;64 hex digits&gt;
/// </code>
/// A mask is a bitmap (bit i of byte i/8, least significant first, 1 = kept) or index runs (unsigned LEB128 varints
/// alternating removed-run and kept-run lengths, starting with a removed run, covering the tensor exactly), whichever
/// is shorter (ties: bitmap). Values are little-endian float32. The hash covers the canonical text of every other line
/// (joined with \n), so a damaged or hand-edited ticket is refused instead of baked.
/// </summary>
#if MODELGEN_GENERATOR
internal
#else
public
#endif
static class TicketText
{
    /// <summary>The format version this code reads and writes.</summary>
    public const int FormatVersion = 1;

    private const string Magic = "modelgen-ticket";

    /// <summary>The ticket as text: a comment header, the canonical lines, the hash line.</summary>
    public static string Write(TicketDocument ticket)
    {
        if (ticket is null)
        {
            throw new ArgumentNullException(nameof(ticket));
        }

        var text = new StringBuilder();
        text.Append("# ModelGen lottery ticket (format: docs/TICKETS.md). Generated: edit the model, not this file.\n");
        foreach (var line in CanonicalLines(ticket))
        {
            text.Append(line).Append('\n');
        }

        text.Append("sha256 ").Append(ticket.ContentHash).Append('\n');
        return text.ToString();
    }

    /// <summary>Reads a ticket; on failure <paramref name="error"/> names the line and the problem.</summary>
    public static bool TryParse(string text, out TicketDocument? ticket, out TicketTextError? error)
    {
        ticket = null;
        try
        {
            ticket = Parse(text ?? string.Empty);
            error = null;
            return true;
        }
        catch (TicketParseFailure failure)
        {
            error = failure.Error;
            return false;
        }
    }

    /// <summary>Lower-case hex SHA-256 of the ticket's canonical lines.</summary>
    public static string Hash(TicketDocument ticket)
    {
        var canonical = new StringBuilder();
        foreach (var line in CanonicalLines(ticket))
        {
            canonical.Append(line).Append('\n');
        }

        using var sha = SHA256.Create();
        var digest = sha.ComputeHash(Encoding.UTF8.GetBytes(canonical.ToString()));
        var hex = new StringBuilder(digest.Length * 2);
        foreach (var b in digest)
        {
            hex.Append(b.ToString("x2", CultureInfo.InvariantCulture));
        }

        return hex.ToString();
    }

    /// <summary>Throws unless <paramref name="name"/> is a non-empty word (names are space-separated fields).</summary>
    /// <exception cref="ArgumentException">The name is empty or contains white space.</exception>
    public static void CheckName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(new[] { ' ', '\t', '\r', '\n' }) >= 0)
        {
            throw new ArgumentException($"'{name}' is not a valid name: names must be non-empty and contain no white space.", nameof(name));
        }
    }

    private static IEnumerable<string> CanonicalLines(TicketDocument ticket)
    {
        yield return Magic + " " + FormatVersion.ToString(CultureInfo.InvariantCulture);
        yield return "model " + ticket.Model;
        yield return "seed " + ticket.Seed.ToString(CultureInfo.InvariantCulture);
        yield return "rewind-iteration " + ticket.RewindIteration.ToString(CultureInfo.InvariantCulture);
        yield return "sparsity " + ticket.Sparsity.ToString("R", CultureInfo.InvariantCulture);
        foreach (var tensor in ticket.Tensors)
        {
            var bitmap = EncodeBitmap(tensor);
            var runs = EncodeRuns(tensor);
            var useRuns = runs.Length < bitmap.Length;
            yield return string.Join(
                " ",
                "mask",
                tensor.Name,
                tensor.Rows.ToString(CultureInfo.InvariantCulture),
                tensor.Cols.ToString(CultureInfo.InvariantCulture),
                tensor.KeptCount.ToString(CultureInfo.InvariantCulture),
                useRuns ? "runs" : "bitmap",
                Convert.ToBase64String(useRuns ? runs : bitmap));
        }

        foreach (var values in ticket.Values)
        {
            var bytes = new byte[values.Values.Count * 4];
            for (var i = 0; i < values.Values.Count; i++)
            {
                WriteSingle(bytes, i * 4, values.Values[i]);
            }

            yield return string.Join(" ", "values", values.Name, values.Values.Count.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(bytes));
        }
    }

    private static TicketDocument Parse(string text)
    {
        var lines = text.Split('\n');
        string? model = null;
        int? seed = null, rewind = null;
        string? sparsityText = null;
        int sparsityLine = 0, hashLine = 0, lastLine = 0;
        string? statedHash = null;
        var sawMagic = false;
        var tensors = new List<TicketTensor>();
        var values = new List<TicketValues>();
        for (var index = 0; index < lines.Length; index++)
        {
            var number = index + 1;
            var line = lines[index].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            lastLine = number;
            if (statedHash is not null)
            {
                throw Fail(number, "Nothing may follow the sha256 line.");
            }

            var fields = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (!sawMagic)
            {
                if (fields[0] != Magic)
                {
                    throw Fail(number, $"Not a ModelGen ticket: the first line must be '{Magic} {FormatVersion}'.");
                }

                Expect(fields, 2, number, Magic + " VERSION");
                if (fields[1] != FormatVersion.ToString(CultureInfo.InvariantCulture))
                {
                    throw Fail(number, $"Ticket format version {fields[1]} is not supported; this ModelGen reads version {FormatVersion}.");
                }

                sawMagic = true;
                continue;
            }

            switch (fields[0])
            {
                case "model":
                    Expect(fields, 2, number, "model NAME");
                    model = Once(model, fields[1], number, "model");
                    break;
                case "seed":
                    Expect(fields, 2, number, "seed N");
                    seed = Once(seed, ParseInt(fields[1], number, "seed", allowNegative: true), number, "seed");
                    break;
                case "rewind-iteration":
                    Expect(fields, 2, number, "rewind-iteration N");
                    rewind = Once(rewind, ParseInt(fields[1], number, "rewind-iteration", allowNegative: false), number, "rewind-iteration");
                    break;
                case "sparsity":
                    Expect(fields, 2, number, "sparsity S");
                    sparsityText = Once(sparsityText, fields[1], number, "sparsity");
                    sparsityLine = number;
                    break;
                case "mask":
                    Expect(fields, 7, number, "mask NAME ROWS COLS KEPT bitmap|runs BASE64");
                    tensors.Add(ParseMask(fields, number));
                    break;
                case "values":
                    Expect(fields, 4, number, "values NAME COUNT BASE64");
                    values.Add(ParseValues(fields, number));
                    break;
                case "sha256":
                    Expect(fields, 2, number, "sha256 HEX");
                    statedHash = fields[1].ToLowerInvariant();
                    hashLine = number;
                    break;
                default:
                    throw Fail(number, $"Unknown entry '{fields[0]}'.");
            }
        }

        if (!sawMagic)
        {
            throw Fail(Math.Max(1, lastLine), $"Not a ModelGen ticket: the file is empty (the first line must be '{Magic} {FormatVersion}').");
        }

        var end = lastLine;
        _ = model ?? throw Fail(end, "The ticket has no 'model' line.");
        _ = seed ?? throw Fail(end, "The ticket has no 'seed' line.");
        _ = rewind ?? throw Fail(end, "The ticket has no 'rewind-iteration' line.");
        _ = sparsityText ?? throw Fail(end, "The ticket has no 'sparsity' line.");
        _ = statedHash ?? throw Fail(end, "The ticket has no 'sha256' line: it is incomplete.");
        if (tensors.Count == 0)
        {
            throw Fail(end, "The ticket has no 'mask' line.");
        }

        TicketDocument ticket;
        try
        {
            ticket = new TicketDocument(model, seed.Value, rewind.Value, tensors, values);
        }
        catch (ArgumentException e)
        {
            throw Fail(end, e.Message);
        }

        if (ticket.ContentHash != statedHash)
        {
            throw Fail(hashLine, $"Content hash mismatch: the file says {statedHash}, its content hashes to {ticket.ContentHash}. The ticket is damaged or was edited by hand; write it again from the run that found it.");
        }

        var sparsity = ticket.Sparsity.ToString("R", CultureInfo.InvariantCulture);
        if (sparsity != sparsityText)
        {
            throw Fail(sparsityLine, $"The sparsity line says {sparsityText}, but the masks remove {sparsity} of the weights.");
        }

        return ticket;
    }

    private static TicketTensor ParseMask(string[] fields, int number)
    {
        var name = fields[1];
        var rows = ParseInt(fields[2], number, "rows", allowNegative: false);
        var cols = ParseInt(fields[3], number, "cols", allowNegative: false);
        var keptCount = ParseInt(fields[4], number, "kept", allowNegative: false);
        if (rows == 0 || cols == 0 || (long)rows * cols > int.MaxValue)
        {
            throw Fail(number, $"Tensor '{name}' has shape {rows}×{cols}; both must be positive.");
        }

        var bytes = FromBase64(fields[6], number, name);
        var length = rows * cols;
        var kept = fields[5] switch
        {
            "bitmap" => DecodeBitmap(bytes, length, number, name),
            "runs" => DecodeRuns(bytes, length, number, name),
            _ => throw Fail(number, $"Mask encoding '{fields[5]}' of '{name}' is unknown (expected bitmap or runs)."),
        };
        if (kept.Count != keptCount)
        {
            throw Fail(number, $"Tensor '{name}' says it keeps {keptCount} weights, but its mask keeps {kept.Count}.");
        }

        try
        {
            return new TicketTensor(name, rows, cols, kept);
        }
        catch (ArgumentException e)
        {
            throw Fail(number, e.Message);
        }
    }

    private static TicketValues ParseValues(string[] fields, int number)
    {
        var name = fields[1];
        var count = ParseInt(fields[2], number, "count", allowNegative: false);
        var bytes = FromBase64(fields[3], number, name);
        if (bytes.Length != (long)count * 4)
        {
            throw Fail(number, $"Values of '{name}': {bytes.Length} bytes where {count} float32 values need {(long)count * 4}.");
        }

        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = ReadSingle(bytes, i * 4);
        }

        return new TicketValues(name, values);
    }

    private static byte[] EncodeBitmap(TicketTensor tensor)
    {
        var bytes = new byte[(tensor.Length + 7) / 8];
        foreach (var position in tensor.Kept)
        {
            bytes[position >> 3] |= (byte)(1 << (position & 7));
        }

        return bytes;
    }

    private static List<int> DecodeBitmap(byte[] bytes, int length, int number, string name)
    {
        if (bytes.Length != (length + 7) / 8)
        {
            throw Fail(number, $"Bitmap of '{name}' has {bytes.Length} bytes where {length} weights need {(length + 7) / 8}.");
        }

        var kept = new List<int>();
        for (var i = 0; i < length; i++)
        {
            if ((bytes[i >> 3] & (1 << (i & 7))) != 0)
            {
                kept.Add(i);
            }
        }

        for (var i = length; i < bytes.Length * 8; i++)
        {
            if ((bytes[i >> 3] & (1 << (i & 7))) != 0)
            {
                throw Fail(number, $"Bitmap of '{name}' sets bit {i}, past the tensor's {length} weights.");
            }
        }

        return kept;
    }

    private static byte[] EncodeRuns(TicketTensor tensor)
    {
        var bytes = new List<byte>();
        var position = 0;
        var kept = tensor.Kept;
        var i = 0;
        while (position < tensor.Length)
        {
            var removed = (i < kept.Count ? kept[i] : tensor.Length) - position;
            position += removed;
            var run = 0;
            while (i < kept.Count && kept[i] == position)
            {
                run++;
                position++;
                i++;
            }

            WriteVarint(bytes, removed);
            WriteVarint(bytes, run);
        }

        return bytes.ToArray();
    }

    private static List<int> DecodeRuns(byte[] bytes, int length, int number, string name)
    {
        var kept = new List<int>();
        var offset = 0;
        long position = 0;
        while (position < length)
        {
            var removed = ReadVarint(bytes, ref offset, number, name);
            var run = ReadVarint(bytes, ref offset, number, name);
            if (position + removed + run > length)
            {
                throw Fail(number, $"Runs of '{name}' cover more than the tensor's {length} weights.");
            }

            position += removed;
            for (var k = 0; k < run; k++)
            {
                kept.Add((int)position++);
            }
        }

        if (offset != bytes.Length)
        {
            throw Fail(number, $"Runs of '{name}' have {bytes.Length - offset} bytes left after covering the tensor.");
        }

        return kept;
    }

    private static void WriteVarint(List<byte> bytes, int value)
    {
        var v = (uint)value;
        while (v >= 0x80)
        {
            bytes.Add((byte)(v | 0x80));
            v >>= 7;
        }

        bytes.Add((byte)v);
    }

    private static long ReadVarint(byte[] bytes, ref int offset, int number, string name)
    {
        long value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if (offset >= bytes.Length)
            {
                throw Fail(number, $"Runs of '{name}' end in the middle of the tensor.");
            }

            var b = bytes[offset++];
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw Fail(number, $"Runs of '{name}' hold a run length longer than 5 bytes.");
    }

    private static void WriteSingle(byte[] bytes, int offset, float value)
    {
        var bits = BitConverter.ToInt32(BitConverter.GetBytes(value), 0);
        for (var i = 0; i < 4; i++)
        {
            bytes[offset + i] = (byte)(bits >> (8 * i));
        }
    }

    private static float ReadSingle(byte[] bytes, int offset)
    {
        var bits = bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24);
        return BitConverter.ToSingle(BitConverter.GetBytes(bits), 0);
    }

    private static byte[] FromBase64(string text, int number, string name)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw Fail(number, $"The data of '{name}' is not valid base64.");
        }
    }

    private static int ParseInt(string text, int number, string what, bool allowNegative)
    {
        var style = allowNegative ? NumberStyles.AllowLeadingSign : NumberStyles.None;
        if (!int.TryParse(text, style, CultureInfo.InvariantCulture, out var value))
        {
            throw Fail(number, $"'{text}' is not a valid {what} (expected {(allowNegative ? "an integer" : "a non-negative integer")}).");
        }

        return value;
    }

    private static void Expect(string[] fields, int count, int number, string form)
    {
        if (fields.Length != count)
        {
            throw Fail(number, $"Expected '{form}' ({count} fields), found {fields.Length}.");
        }
    }

    private static T Once<T>(T? existing, T value, int number, string key)
    {
        if (existing is not null)
        {
            throw Fail(number, $"'{key}' appears twice.");
        }

        return value;
    }

    private static TicketParseFailure Fail(int line, string message) => new(new TicketTextError(line, message));

    // Internal control flow of the parser only: TryParse turns it into an error value, so the generator never sees
    // an exception escape.
    private sealed class TicketParseFailure : Exception
    {
        public TicketParseFailure(TicketTextError error)
            : base(error.ToString())
        {
            Error = error;
        }

        public TicketTextError Error { get; }
    }
}
