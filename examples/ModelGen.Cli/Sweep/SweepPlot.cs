using ModelGen.Pruning;
using System.Globalization;
using System.Text.RegularExpressions;
using ModelGen.Cli.Output;
using ScottPlot;

namespace ModelGen.Cli.Sweep;

/// <summary>
/// Draws a sweep's <c>accuracy.png</c> and <c>accuracy.svg</c>: test accuracy against the fraction of weights kept, on
/// a log-scaled x axis running from dense (100%) to sparse like the lottery-ticket and SynFlow papers' figures, one
/// series per method and model family, error bars of one sample std over seeds.
/// </summary>
public static partial class SweepPlot
{
    private static readonly double[] TickPercents = [100, 50, 20, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01];

    /// <summary>A plotted series: label and (percent kept, mean accuracy %, std %) points sorted by x.</summary>
    /// <param name="Label">Legend text.</param>
    /// <param name="Points">Points, densest first.</param>
    public sealed record Series(string Label, IReadOnlyList<(double PercentKept, double Accuracy, double Std)> Points);

    /// <summary>
    /// Groups trained cells into series: a plain model's method is one series; a factorized family trained densely
    /// (lenet300-r8 … r64) is one series across its ranks; pruning a factorized model gives one series per model.
    /// </summary>
    public static IReadOnlyList<Series> BuildSeries(IReadOnlyList<RunRecord> records)
    {
        var groups = SweepGroup.Build(records).Where(g => g.Accuracies.Count > 0);
        return groups
            .GroupBy(g => SeriesLabel(g))
            .Select(s => new Series(
                s.Key,
                s.Select(g => (100 * g.FractionKept, 100 * Statistics.Mean(g.Accuracies), 100 * Statistics.SampleStandardDeviation(g.Accuracies)))
                    .OrderByDescending(p => p.Item1)
                    .ToArray()))
            .ToArray();
    }

    /// <summary>Writes the plot of <paramref name="records"/> to both files, atomically.</summary>
    public static void Save(IReadOnlyList<RunRecord> records, string pngPath, string svgPath)
    {
        var plot = Create(BuildSeries(records));
        AtomicFile.Write(pngPath, temp => plot.SavePng(temp, 1000, 650));
        AtomicFile.Write(svgPath, temp => plot.SaveSvg(temp, 1000, 650));
    }

    /// <summary>Builds the ScottPlot figure (log10 of percent kept on x, reversed so sparsity grows to the right).</summary>
    public static Plot Create(IReadOnlyList<Series> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var plot = new Plot();
        plot.Title("Test accuracy against weights kept");
        plot.XLabel("weights kept, % (factorized models: parameters as % of dense LeNet-300-100)");
        plot.YLabel("test accuracy (%)");

        // One distinct colour per series (the default palette repeats after a few, and a dashed reference line would
        // use one up): Tableau's 20 colours, in order.
        var palette = new ScottPlot.Palettes.Category20();
        var colourIndex = 0;
        double minPercent = 100, maxPercent = 100;
        foreach (var s in series)
        {
            var xs = s.Points.Select(p => Math.Log10(p.PercentKept)).ToArray();
            var ys = s.Points.Select(p => p.Accuracy).ToArray();
            var errors = s.Points.Select(p => p.Std).ToArray();
            if (s.Points.Count == 1 && s.Label == PruningMethods.Dense.Name)
            {
                // The dense network is one point at 100%: a dashed reference line across the plot reads better.
                var line = plot.Add.HorizontalLine(ys[0], 1.5f, Colors.Black, LinePattern.Dashed);
                line.LegendText = string.Create(CultureInfo.InvariantCulture, $"dense ({ys[0]:0.00}%)");
            }

            var scatter = plot.Add.Scatter(xs, ys);
            scatter.LegendText = s.Label;
            scatter.MarkerSize = 7;
            scatter.Color = palette.GetColor(2 * colourIndex++ % 20);
            var bars = plot.Add.ErrorBar(xs, ys, errors);
            bars.Color = scatter.Color;
            minPercent = Math.Min(minPercent, s.Points.Min(p => p.PercentKept));
            maxPercent = Math.Max(maxPercent, s.Points.Max(p => p.PercentKept));
        }

        var ticks = TickPercents.Where(p => p <= maxPercent * 1.01 && p >= minPercent / 1.5).ToArray();
        plot.Axes.Bottom.SetTicks(
            ticks.Select(Math.Log10).ToArray(),
            ticks.Select(p => p.ToString("0.##", CultureInfo.InvariantCulture)).ToArray());

        // Reversed limits: dense on the left, the sparsest networks on the right.
        var padding = 0.05 * Math.Max(0.3, Math.Log10(maxPercent) - Math.Log10(minPercent));
        plot.Axes.SetLimitsX(Math.Log10(maxPercent) + padding, Math.Log10(minPercent) - padding);
        plot.ShowLegend(Alignment.LowerLeft);
        return plot;
    }

    private static string SeriesLabel(SweepGroup group)
    {
        if (!group.IsFactorized)
        {
            return group.Model == "lenet300" ? group.Method : $"{group.Model} {group.Method}";
        }

        return group.Method == PruningMethods.Dense.Name ? $"{RankSuffix().Replace(group.Model, "")} factorized (ranks)" : $"{group.Model} {group.Method}";
    }

    [GeneratedRegex(@"-r\d+$")]
    private static partial Regex RankSuffix();
}
