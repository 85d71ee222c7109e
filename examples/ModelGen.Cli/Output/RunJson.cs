using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelGen.Cli.Output;

/// <summary>Reads and writes <see cref="RunRecord"/>s as the snake_case JSON the CLI contract promises.</summary>
public static class RunJson
{
    /// <summary>The serializer settings shared by <c>train --json</c> and <c>sweep</c>.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.Strict,
        // The files are read by scripts, not embedded in HTML: keep '+' in versions and non-ASCII names readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Serializes one run.</summary>
    public static string Serialize(RunRecord record) => JsonSerializer.Serialize(record, Options);

    /// <summary>Serializes a sweep's runs as one array.</summary>
    public static string Serialize(IReadOnlyList<RunRecord> records) => JsonSerializer.Serialize(records, Options);

    /// <summary>Reads a sweep's <c>results.json</c>.</summary>
    /// <exception cref="InvalidDataException">The file is not an array of run objects.</exception>
    public static List<RunRecord> ReadArray(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<List<RunRecord>>(File.ReadAllText(path), Options)
                ?? throw new InvalidDataException($"{path} holds null, not an array of runs.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a results file of this CLI: {e.Message}", e);
        }
    }
}
