using ModelGen.Cli.Output;
using ModelGen.IO;

namespace ModelGen.Cli.Sweep;

/// <summary>Writes what a sweep (or a merge of shards) shows besides results.json: results.md and the accuracy plots.</summary>
public static class SweepReports
{
    /// <summary>Rewrites results.md and, once a run has trained, the accuracy plots (against sparsity, training time and, when measured, inference time) in <paramref name="outFolder"/>, atomically.</summary>
    public static void Write(IReadOnlyList<RunRecord> records, string outFolder)
    {
        ArgumentNullException.ThrowIfNull(records);
        var folder = Path.GetFullPath(outFolder);
        AtomicFile.WriteAllText(Path.Combine(folder, "results.md"), SweepTable.ToMarkdown(records));
        if (records.Any(r => r.TestAccuracy.HasValue))
        {
            SweepPlot.Save(records, Path.Combine(folder, "accuracy.png"), Path.Combine(folder, "accuracy.svg"));
            SweepPlot.SaveCosts(records, folder);
        }
    }
}
