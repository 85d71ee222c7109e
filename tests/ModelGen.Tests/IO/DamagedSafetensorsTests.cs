using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ModelGen.IO;
using ModelGen.Tests.Data;
using ModelGen.Tests.Generated;
using Xunit;

namespace ModelGen.Tests.IO;

/// <summary>
/// A corpus of damaged and hostile files, built byte by byte around a valid file for <see cref="ReluNet"/>
/// (fc1.weight [4, 5], fc1.bias [4], fc2.weight [3, 4], fc2.bias [3], fc3.weight [3, 3], fc3.bias [3]: 51 floats,
/// 204 bytes of data). Each must be refused with the exact tensor and byte offset, and leave the network untouched.
/// </summary>
public sealed class DamagedSafetensorsTests : IDisposable
{
    private const int DataBytes = 204;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> Cases => new(
        "empty file", "shorter than the length prefix", "huge header length", "header length past the end",
        "bad JSON", "header not an object", "garbage after the JSON", "header cut inside the JSON", "duplicate tensor name",
        "duplicate metadata key", "metadata value not a string", "entry without data_offsets", "unknown dtype",
        "negative dimension", "shape whose size overflows", "offsets end before they begin", "offsets past the end",
        "bytes do not match the shape", "overlapping offsets", "gap between tensors", "trailing bytes", "truncated data",
        "dtype differs from the model", "shape differs from the model", "tensor missing", "unexpected tensor",
        "mask entry not 0 or 1", "mask of a non-prunable tensor", "weight not finite");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Damaged_file_is_refused_naming_tensor_and_byte_offset(string name)
    {
        var damaged = Build(name);
        var path = _folder.File("damaged.safetensors");
        File.WriteAllBytes(path, damaged.Bytes);
        var network = new ReluNet(seed: 1);
        new ModelGen.Pruning.RandomPruner(seed: 3).Prune(network, 0.5);
        var values = network.Parameters.Snapshot();
        var masks = network.Masks.Values.ToArray();

        var error = Assert.Throws<SafetensorsFormatException>(() => NetworkWeights.Load(network, path));

        Assert.IsAssignableFrom<FormatException>(error);
        Assert.Equal(path, error.FilePath);
        Assert.Equal(damaged.Tensor, error.Tensor);
        Assert.Equal(damaged.Offset, error.ByteOffset);
        Assert.Contains(damaged.Problem, error.Problem, StringComparison.Ordinal);
        Assert.Equal($"{path}: {damaged.Tensor}: {error.Problem} at byte {damaged.Offset}", error.Message);
        NetworkWeightsTests.AssertSameBits(values, network.Parameters.Values);
        NetworkWeightsTests.AssertSameBits(masks, network.Masks.Values);
    }

    [Fact]
    public void The_valid_file_the_corpus_is_built_from_loads()
    {
        var path = _folder.File("valid.safetensors");
        File.WriteAllBytes(path, BuildFile(Json(ValidEntries()), Data()));
        var network = new ReluNet(seed: 1);

        var metadata = NetworkWeights.Load(network, path);

        Assert.Equal("3", metadata["seed"]);
        Assert.Equal(Floats(Data()), network.Parameters.Values);
    }

    private static Damaged Build(string name)
    {
        var entries = ValidEntries();
        var data = Data();
        string json;
        switch (name)
        {
            case "empty file":
                return new Damaged([], Header, 0, "the file is empty");
            case "shorter than the length prefix":
                return new Damaged([1, 2, 3], Header, 0, "the file has 3 bytes, fewer than the 8-byte header length");
            case "huge header length":
            {
                var bytes = BuildFile(Json(entries), data);
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue - 7);
                return new Damaged(bytes, Header, 0, $"header length {ulong.MaxValue - 7} exceeds the limit");
            }

            case "header length past the end":
            {
                var bytes = BuildFile(Json(entries), data);
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)bytes.Length);
                return new Damaged(bytes, Header, 0, $"header length {bytes.Length} runs past the end of the file ({bytes.Length - 8} bytes follow");
            }

            case "bad JSON":
                json = """{"fc1.weight": {"dtype": "F32", "shape": [4, 5],, "data_offsets": [0, 80]}}""";
                return new Damaged(BuildFile(json, data), Header, 8 + json.IndexOf(",,", StringComparison.Ordinal) + 1, "the header is not valid JSON");
            case "header not an object":
                return new Damaged(BuildFile("[1, 2]", data), Header, 8, "the header is not a JSON object");
            case "garbage after the JSON":
                json = Json(entries) + " x";
                return new Damaged(BuildFile(json, data), Header, 8 + json.Length - 1, "the header is not valid JSON");
            case "header cut inside the JSON":
            {
                json = Json(entries);
                var bytes = BuildFile(json[..40], []);
                return new Damaged(bytes, Header, 8 + 40, "the header is not valid JSON");
            }

            case "duplicate tensor name":
                json = Json(entries).Replace("\"fc2.bias\"", "\"fc1.bias\"", StringComparison.Ordinal);
                return new Damaged(BuildFile(json, data), "fc1.bias", KeyOffset(json, "fc1.bias", occurrence: 2), "the name appears twice in the header");
            case "duplicate metadata key":
                json = Json(entries, metadata: """{"seed": "3", "seed": "4"}""");
                return new Damaged(BuildFile(json, data), Metadata, 8 + json.LastIndexOf("\"seed\"", StringComparison.Ordinal), "the key 'seed' appears twice");
            case "metadata value not a string":
                json = Json(entries, metadata: """{"seed": 3}""");
                return new Damaged(BuildFile(json, data), Metadata, 8 + json.IndexOf(": 3}", StringComparison.Ordinal) + 2, "the value of 'seed' is not a string");
            case "entry without data_offsets":
                json = Json(entries).Replace("\"shape\": [4], \"data_offsets\": [80, 96]", "\"shape\": [4]", StringComparison.Ordinal);
                return new Damaged(BuildFile(json, data), "fc1.bias", KeyOffset(json, "fc1.bias"), "the entry has no data_offsets");
            case "unknown dtype":
                entries[1] = entries[1] with { DType = "F33" };
                json = Json(entries);
                return new Damaged(BuildFile(json, data), "fc1.bias", 8 + json.IndexOf("\"F33\"", StringComparison.Ordinal), "unknown dtype 'F33'");
            case "negative dimension":
                json = Json(entries).Replace("\"shape\": [4]", "\"shape\": [-4]", StringComparison.Ordinal);
                return new Damaged(BuildFile(json, data), "fc1.bias", 8 + json.IndexOf("-4", StringComparison.Ordinal), "shape holds something other than a non-negative 64-bit integer");
            case "shape whose size overflows":
                entries[1] = entries[1] with { Shape = [4611686018427387904, 4] };
                json = Json(entries);
                return new Damaged(BuildFile(json, data), "fc1.bias", KeyOffset(json, "fc1.bias"), "shape [4611686018427387904, 4] of F32 needs more bytes than the data section has (204)");
            case "offsets end before they begin":
                entries[3] = entries[3] with { Begin = 100, End = 96 };
                json = Json(entries);
                return new Damaged(BuildFile(json, data), "fc2.bias", KeyOffset(json, "fc2.bias"), "data_offsets [100, 96] end before they begin");
            case "offsets past the end":
                entries[5] = entries[5] with { Begin = 196, End = 208 };
                json = Json(entries);
                return new Damaged(BuildFile(json, data), "fc3.bias", KeyOffset(json, "fc3.bias"), "data_offsets [196, 208] run past the end of the data section (204 bytes");
            case "bytes do not match the shape":
                entries[1] = entries[1] with { Shape = [5] };
                json = Json(entries);
                return new Damaged(BuildFile(json, data), "fc1.bias", KeyOffset(json, "fc1.bias"), "data_offsets [80, 96] hold 16 bytes, shape [5] of F32 needs 20");
            case "overlapping offsets":
                entries[1] = entries[1] with { Begin = 72, End = 88 };
                json = Json(entries);
                return new Damaged(BuildFile(json, data), "fc1.bias", DataStart(json) + 72, "the data overlaps tensor 'fc1.weight' (which ends at byte " + (DataStart(json) + 80).ToString(CultureInfo.InvariantCulture));
            case "gap between tensors":
                entries[5] = entries[5] with { Begin = 196, End = 208 };
                json = Json(entries);
                return new Damaged(BuildFile(json, [.. data, 0, 0, 0, 0]), "fc3.bias", DataStart(json) + 192, $"bytes {DataStart(json) + 192}..{DataStart(json) + 195} before this tensor's data belong to no tensor");
            case "trailing bytes":
                json = Json(entries);
                return new Damaged(BuildFile(json, [.. data, 9, 9, 9]), "fc3.bias", DataStart(json) + DataBytes, "3 bytes after the last tensor's data belong to no tensor");
            case "truncated data":
            {
                json = Json(entries);
                var bytes = BuildFile(json, data);
                return new Damaged(bytes[..^10], "fc3.bias", KeyOffset(json, "fc3.bias"), "data_offsets [192, 204] run past the end of the data section (194 bytes");
            }

            case "dtype differs from the model":
                entries[1] = entries[1] with { DType = "F16", Shape = [8] };
                json = Json(entries);
                return new Damaged(BuildFile(json, data), "fc1.bias", KeyOffset(json, "fc1.bias"), "dtype F16 in the file, the model 'test-relu' stores F32");
            case "shape differs from the model":
                entries[0] = entries[0] with { Shape = [5, 4] };
                json = Json(entries);
                return new Damaged(BuildFile(json, data), "fc1.weight", KeyOffset(json, "fc1.weight"), "shape [5, 4] in the file, the model 'test-relu' expects [4, 5]");
            case "tensor missing":
                entries.RemoveAt(5);
                return new Damaged(BuildFile(Json(entries), data[..192]), "fc3.bias", 8, "missing from the file (the model 'test-relu' has it as F32 [3])");
            case "unexpected tensor":
                entries.Add(new Entry("fc4.weight", "F32", [1], DataBytes, DataBytes + 4));
                json = Json(entries);
                return new Damaged(BuildFile(json, [.. data, 0, 0, 0, 0]), "fc4.weight", KeyOffset(json, "fc4.weight"), "the model 'test-relu' has no tensor of that name (it has fc1.weight, fc1.bias");
            case "mask entry not 0 or 1":
            {
                entries.Add(new Entry("fc1.weight_mask", "F32", [4, 5], DataBytes, DataBytes + 80));
                var mask = Enumerable.Repeat(1f, 20).ToArray();
                mask[3] = 0.5f;
                json = Json(entries);
                return new Damaged(BuildFile(json, [.. data, .. Bytes(mask)]), "fc1.weight_mask", DataStart(json) + DataBytes + 12, "element 3 is 0.5; masks hold 0 or 1");
            }

            case "mask of a non-prunable tensor":
                entries.Add(new Entry("fc1.bias_mask", "F32", [4], DataBytes, DataBytes + 16));
                json = Json(entries);
                return new Damaged(BuildFile(json, [.. data, .. Bytes([1f, 1f, 1f, 1f])]), "fc1.bias_mask", KeyOffset(json, "fc1.bias_mask"), "a mask for 'fc1.bias', which the model 'test-relu' does not prune");
            case "weight not finite":
                json = Json(entries);
                BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(96 + 8), float.NaN);
                return new Damaged(BuildFile(json, data), "fc2.weight", DataStart(json) + 96 + 8, "element 2 is NaN, not a finite number");
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "No such case.");
        }
    }

    private const string Header = SafetensorsFormatException.HeaderPart;
    private const string Metadata = SafetensorsFormatException.MetadataPart;

    private sealed record Damaged(byte[] Bytes, string Tensor, long Offset, string Problem);

    private sealed record Entry(string Name, string DType, long[] Shape, long Begin, long End);

    private static List<Entry> ValidEntries() =>
    [
        new("fc1.weight", "F32", [4, 5], 0, 80),
        new("fc1.bias", "F32", [4], 80, 96),
        new("fc2.weight", "F32", [3, 4], 96, 144),
        new("fc2.bias", "F32", [3], 144, 156),
        new("fc3.weight", "F32", [3, 3], 156, 192),
        new("fc3.bias", "F32", [3], 192, 204),
    ];

    private static byte[] Data() => Bytes(Enumerable.Range(0, DataBytes / 4).Select(i => (i - 25) * 0.03125f).ToArray());

    private static byte[] Bytes(float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static float[] Floats(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();

    private static string Json(List<Entry> entries, string metadata = """{"seed": "3"}""")
    {
        var text = new StringBuilder("{\"__metadata__\": ").Append(metadata);
        foreach (var e in entries)
        {
            text.Append(CultureInfo.InvariantCulture, $", \"{e.Name}\": {{\"dtype\": \"{e.DType}\", \"shape\": [{string.Join(", ", e.Shape)}], \"data_offsets\": [{e.Begin}, {e.End}]}}");
        }

        return text.Append('}').ToString();
    }

    // The header padded with spaces to a multiple of 8, as writers do; the tests' JSON is ASCII, so string indices are byte offsets.
    private static byte[] BuildFile(string json, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(json.PadRight((json.Length + 7) / 8 * 8));
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    private static long DataStart(string json) => 8 + ((json.Length + 7) / 8 * 8);

    private static long KeyOffset(string json, string name, int occurrence = 1)
    {
        var index = -1;
        for (var i = 0; i < occurrence; i++)
        {
            index = json.IndexOf($"\"{name}\"", index + 1, StringComparison.Ordinal);
        }

        return 8 + index;
    }
}
