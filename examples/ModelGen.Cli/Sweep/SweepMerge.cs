using System.Globalization;
using ModelGen.Cli.Output;

namespace ModelGen.Cli.Sweep;

/// <summary>
/// Combines the output folders of <c>sweep --shard 1/n</c> … <c>n/n</c> into the runs an unsharded sweep records: the
/// same cells, in the order the unsharded sweep runs them. Refuses folders that are not the n distinct, finished shards
/// of one sweep with the same settings and data, naming the folder and what is wrong.
/// </summary>
public static class SweepMerge
{
    /// <summary>Checks and merges the shards in <paramref name="shardFolders"/>.</summary>
    /// <returns>Every run of the sweep, in its plan's order.</returns>
    /// <exception cref="UsageException">The folders are not the complete, matching shards of one sweep.</exception>
    /// <exception cref="InvalidDataException">A shard's shard.json or results.json cannot be read.</exception>
    public static IReadOnlyList<RunRecord> Merge(IReadOnlyList<string> shardFolders)
    {
        ArgumentNullException.ThrowIfNull(shardFolders);
        if (shardFolders.Count == 0)
        {
            throw new UsageException("merge needs the output folders of the shards (sweep --shard i/n --out FOLDER).");
        }

        var shards = shardFolders.Select(Read).ToArray();
        var first = shards[0];
        foreach (var twice in shards.GroupBy(s => s.Folder, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            throw new UsageException($"{twice.Key} is given more than once.");
        }

        foreach (var shard in shards.Skip(1).Where(s => !s.Manifest.IsSameSweepAs(first.Manifest)))
        {
            throw new UsageException(
                $"{shard.Folder} and {first.Folder} are shards of different sweeps:{Environment.NewLine}" +
                $"  {shard.Folder}: shard {shard.Manifest.Shard} of {shard.Manifest.DescribeSweep()}{Environment.NewLine}" +
                $"  {first.Folder}: shard {first.Manifest.Shard} of {first.Manifest.DescribeSweep()}");
        }

        foreach (var same in shards.GroupBy(s => s.Manifest.ParsedShard).Where(g => g.Count() > 1))
        {
            throw new UsageException($"{string.Join(" and ", same.Select(s => s.Folder))} are both shard {same.Key}: their cells overlap.");
        }

        var count = first.Manifest.ParsedShard.Count;
        var missing = Enumerable.Range(1, count).Where(i => shards.All(s => s.Manifest.ParsedShard.Index != i)).ToArray();
        if (missing.Length > 0)
        {
            var names = string.Join(", ", missing.Select(i => new SweepShard(i, count).ToString()));
            throw new UsageException($"{(missing.Length == 1 ? $"shard {names} is" : $"shards {names} are")} missing: give the output folders of all {count} shards.");
        }

        foreach (var shard in shards)
        {
            var mismatches = shard.Results.DescribeMismatches(first.Manifest.Settings);
            if (mismatches.Count > 0)
            {
                throw new UsageException($"{shard.Folder} holds runs made with other settings than {first.Folder}:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", mismatches)}");
            }
        }

        var m = first.Manifest;
        var units = SweepUnit.Group(SweepPlan.Expand(m.Models, m.Methods, m.Sparsities, m.Seeds, SweepPlan.PrunesEveryWeightLayer));
        var byCell = new Dictionary<SweepCell, RunRecord>();
        foreach (var shard in shards)
        {
            var share = shard.Manifest.ParsedShard.Select(units).SelectMany(u => u.Cells).ToArray();
            if (!share.SequenceEqual(shard.Manifest.Cells))
            {
                throw new UsageException($"{ShardManifest.PathIn(shard.Folder)} lists other cells than this CLI gives shard {shard.Manifest.Shard}; was it written by another version?");
            }

            var shareSet = share.ToHashSet();
            var outside = shard.Results.Records.Select(SweepCell.Of).Where(c => !shareSet.Contains(c)).ToArray();
            if (outside.Length > 0)
            {
                throw new UsageException($"{shard.Results.Path} holds {outside.Length} run(s) outside shard {shard.Manifest.Shard}'s cells ({Describe(outside)}): they would overlap another shard.");
            }

            var unfinished = share.Where(c => !shard.Results.IsFinished(c)).ToArray();
            if (unfinished.Length > 0)
            {
                throw new UsageException($"{shard.Folder} (shard {shard.Manifest.Shard}) has not finished {unfinished.Length} of its {share.Length} cells ({Describe(unfinished)}); rerun its sweep --shard {shard.Manifest.Shard} with the same --out and flags to finish it.");
            }

            foreach (var record in shard.Results.Records)
            {
                byCell.Add(SweepCell.Of(record), record);
            }
        }

        var reference = first.Results.Records.FirstOrDefault();
        foreach (var shard in shards)
        {
            foreach (var record in shard.Results.Records.Where(r => reference is not null && !SameFiles(r.Data, reference.Data)))
            {
                throw new UsageException($"{shard.Results.Path}: {Describe([SweepCell.Of(record)])} trained on other data than {first.Results.Path} (the SHA-256 of its data files differ).");
            }
        }

        return units.SelectMany(u => u.Cells).Select(c => byCell[c]).ToArray();
    }

    private static (string Folder, ShardManifest Manifest, SweepResults Results) Read(string folder)
    {
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new UsageException($"{full} does not exist.");
        }

        var manifest = ShardManifest.TryRead(full)
            ?? throw new UsageException($"{full} has no {ShardManifest.FileName}: it is not the --out folder of a sweep --shard i/n.");
        return (full, manifest, SweepResults.Open(full));
    }

    private static bool SameFiles(DataRecord a, DataRecord b) =>
        a.Files.Count == b.Files.Count && a.Files.All(f => b.Files.TryGetValue(f.Key, out var hash) && hash == f.Value);

    private static string Describe(IReadOnlyList<SweepCell> cells)
    {
        var shown = cells.Take(3).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Model} {c.Method} sparsity {c.TargetSparsity} seed {c.Seed}"));
        return string.Join(", ", shown) + (cells.Count > 3 ? ", …" : "");
    }
}
