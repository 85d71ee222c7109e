using System.Text.Json;
using ModelGen.Cli.Output;
using ModelGen.IO;

namespace ModelGen.Cli.Sweep;

/// <summary>
/// <c>shard.json</c>, written by <c>sweep --shard i/n</c> next to its results: which shard of which sweep the folder
/// holds (the sweep's lists, its training settings and this shard's cells), so that a rerun resumes only the same shard
/// and <c>merge</c> can check that its folders are the n distinct, complete shards of one sweep.
/// </summary>
/// <param name="Shard">The shard, <c>i/n</c>.</param>
/// <param name="Models">The sweep's <c>--models</c>.</param>
/// <param name="Methods">The sweep's <c>--methods</c>.</param>
/// <param name="Sparsities">The sweep's <c>--sparsities</c>.</param>
/// <param name="Seeds">The sweep's <c>--seeds</c>.</param>
/// <param name="Settings">The sweep's training flags.</param>
/// <param name="Cells">The cells of this shard, in the order it runs them.</param>
public sealed record ShardManifest(string Shard, string[] Models, string[] Methods, double[] Sparsities, int[] Seeds, TrainSettings Settings, IReadOnlyList<SweepCell> Cells)
{
    /// <summary>File name of the manifest in a shard's output folder.</summary>
    public const string FileName = "shard.json";

    /// <summary>The parsed <see cref="Shard"/>.</summary>
    public SweepShard ParsedShard => SweepShard.Parse(Shard);

    /// <summary>The manifest of <paramref name="shard"/> of <paramref name="request"/>, whose cells are <paramref name="cells"/>.</summary>
    public static ShardManifest For(SweepRequest request, SweepShard shard, IReadOnlyList<SweepCell> cells)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new ShardManifest(shard.ToString(), request.Models, request.Methods, request.Sparsities, request.Seeds, request.Settings, cells);
    }

    /// <summary>Full path of the manifest in <paramref name="folder"/>.</summary>
    public static string PathIn(string folder) => System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, FileName));

    /// <summary>Reads the manifest in <paramref name="folder"/>, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">The file exists but is not a manifest; the message names it.</exception>
    public static ShardManifest? TryRead(string folder)
    {
        var path = PathIn(folder);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var manifest = JsonSerializer.Deserialize<ShardManifest>(File.ReadAllText(path), RunJson.Options);
            if (manifest?.Shard is null || manifest.Models is null || manifest.Methods is null || manifest.Sparsities is null || manifest.Seeds is null || manifest.Settings is null || manifest.Cells is null)
            {
                throw new InvalidDataException($"{path} is not a shard manifest of this CLI: a field is missing.");
            }

            _ = manifest.ParsedShard;
            return manifest;
        }
        catch (Exception e) when (e is JsonException or UsageException)
        {
            throw new InvalidDataException($"{path} is not a shard manifest of this CLI: {e.Message}", e);
        }
    }

    /// <summary>Writes the manifest into <paramref name="folder"/> atomically.</summary>
    public void Write(string folder) => AtomicFile.WriteAllText(PathIn(folder), JsonSerializer.Serialize(this, RunJson.Options));

    /// <summary>Whether this manifest describes the same sweep (lists and cell plan; settings are checked per run).</summary>
    public bool IsSameSweepAs(ShardManifest other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Models.SequenceEqual(other.Models, StringComparer.Ordinal)
            && Methods.SequenceEqual(other.Methods, StringComparer.Ordinal)
            && Sparsities.SequenceEqual(other.Sparsities)
            && Seeds.SequenceEqual(other.Seeds)
            && ParsedShard.Count == other.ParsedShard.Count;
    }

    /// <summary>The sweep's lists as flags, for messages.</summary>
    public string DescribeSweep() =>
        $"--models {string.Join(',', Models)} --methods {string.Join(',', Methods)} --sparsities {string.Join(',', Sparsities.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)))} --seeds {string.Join(',', Seeds)}";
}
