using ModelGen.Cli.Output;

namespace ModelGen.Cli.Sweep;

/// <summary>Writes what a sweep (or a merge of shards) shows besides results.json: results.md and the accuracy plots.</summary>
public static class SweepReports
{
    /// <summary>Rewrites results.md and, once a run has trained, accuracy.png and accuracy.svg in <paramref name="outFolder"/>, atomically.</summary>
    public static void Write(IReadOnlyList<RunRecord> records, string outFolder)
    {
        ArgumentNullException.ThrowIfNull(records);
        var folder = Path.GetFullPath(outFolder);
        AtomicFile.WriteAllText(Path.Combine(folder, "results.md"), SweepTable.ToMarkdown(records));
        if (records.Any(r => r.TestAccuracy.HasValue))
        {
            SweepPlot.Save(records, Path.Combine(folder, "accuracy.png"), Path.Combine(folder, "accuracy.svg"));
        }
    }
}
