using System.Globalization;
using System.Text;
using ModelGen.Cli.Output;

namespace ModelGen.Cli.Sweep;

/// <summary>Writes a sweep's <c>results.md</c>: test accuracy, mean ± sample std over seeds, per model/method and sparsity.</summary>
public static class SweepTable
{
    /// <summary>Renders the Markdown report of <paramref name="records"/>.</summary>
    public static string ToMarkdown(IReadOnlyList<RunRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var groups = SweepGroup.Build(records);
        var text = new StringBuilder();
        text.AppendLine("# Sweep results").AppendLine();
        if (records.Count == 0)
        {
            text.AppendLine("No runs finished yet.");
            return text.ToString();
        }

        var first = records[0];
        text.AppendLine(Invariant($"Test accuracy (%), mean ± sample std over seeds; {first.Epochs} epochs, batch {first.BatchSize}, {first.Optimizer} lr {first.Lr}, data {first.Data.Folder}."));
        text.AppendLine("Columns are target sparsities (fraction of prunable weights removed); factorized models are listed with their parameters as a fraction of dense LeNet-300-100's 266,610.");
        text.AppendLine();

        var sparsities = groups.Select(g => g.TargetSparsity).Distinct().Order().ToArray();
        text.Append("| model | method |");
        foreach (var s in sparsities) text.Append(Invariant($" {s} |"));
        text.AppendLine();
        text.Append("|---|---|");
        foreach (var _ in sparsities) text.Append("---|");
        text.AppendLine();

        foreach (var row in groups.GroupBy(g => (g.Model, g.Method)))
        {
            var rowGroups = row.ToArray();
            var modelLabel = rowGroups[0].IsFactorized
                ? Invariant($"{row.Key.Model} ({100 * rowGroups[0].MeanParameters / SweepGroup.DenseLeNet300Parameters:0.0}% of dense params)")
                : row.Key.Model;
            text.Append(Invariant($"| {modelLabel} | {row.Key.Method} |"));
            foreach (var s in sparsities)
            {
                var cell = rowGroups.FirstOrDefault(g => g.TargetSparsity == s);
                text.Append(' ').Append(cell is null ? "" : CellText(cell)).Append(" |");
            }

            text.AppendLine();
        }

        text.AppendLine().AppendLine("## Cells").AppendLine();
        text.AppendLine("| model | method | target sparsity | sparsity | weights kept | parameters | FLOPs/sample | seeds | test accuracy (%) | train samples/s | score s |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var g in groups)
        {
            var trained = g.Runs.Where(r => r.TestAccuracy.HasValue).ToArray();
            var weights = g.Runs[0].Layers.Sum(l => l.Weights);
            var kept = trained.Length == 0 ? 0 : trained.Average(r => (double)r.Layers.Sum(l => l.Kept));
            text.Append(Invariant($"| {g.Model} | {g.Method} | {g.TargetSparsity} | {g.MeanSparsity:0.0000} | {kept:0} / {weights} | {g.MeanParameters:0} | {g.Runs[0].FlopsPerSample} | "));
            text.Append(Invariant($"{string.Join(',', g.Runs.Select(r => r.Seed))} | {CellText(g)} | "));
            text.Append(trained.Length == 0 ? "" : Invariant($"{trained.Average(r => r.TrainSamplesPerSecond):0}"));
            text.Append(" | ");
            text.Append(trained.Length == 0 ? "" : Invariant($"{trained.Average(r => r.ScoreSeconds):0.000}"));
            text.AppendLine(" |");
        }

        var warnings = records.SelectMany(r => r.Warnings.Select(w => Invariant($"{r.Model} {r.Method} {r.TargetSparsity} seed {r.Seed}: {w}"))).Distinct().ToArray();
        if (warnings.Length > 0)
        {
            text.AppendLine().AppendLine("## Warnings").AppendLine();
            foreach (var w in warnings) text.AppendLine(Invariant($"- {w}"));
        }

        return text.ToString();
    }

    /// <summary>"94.64 ± 0.23" over the trained seeds, with refused seeds and their reason noted.</summary>
    public static string CellText(SweepGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var accuracies = group.Accuracies;
        var text = accuracies.Count switch
        {
            0 => "",
            1 => Invariant($"{100 * accuracies[0]:0.00}"),
            _ => Invariant($"{100 * Statistics.Mean(accuracies):0.00} ± {100 * Statistics.SampleStandardDeviation(accuracies):0.00}"),
        };
        if (group.Refused.Count > 0)
        {
            var reason = group.Refused[0].Refused!.Replace('|', '/').ReplaceLineEndings(" ");
            var refused = group.Refused.Count == group.Runs.Count ? $"refused: {reason}" : Invariant($"{group.Refused.Count} refused: {reason}");
            text = text.Length == 0 ? refused : $"{text} ({refused})";
        }

        return text;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
