using System.Globalization;
using System.Text.RegularExpressions;
using ModelGen.Cli.Output;
using ModelGen.IO;
using ModelGen.Pruning;
using ScottPlot;

namespace ModelGen.Cli.Sweep;

/// <summary>
/// Draws a sweep's <c>accuracy.png</c> and <c>accuracy.svg</c>: test accuracy against the fraction of weights kept, on
/// a log-scaled x axis running from dense (100%) to sparse like the lottery-ticket and SynFlow papers' figures, one
/// series per method and model family, error bars of one sample std over seeds. The same series against measured
/// cost go to <c>accuracy-train-time.*</c> (training seconds) and, when the runs timed inference
/// (<c>--time-inference</c>), <c>accuracy-inference-time.*</c> (µs per sample): the figures a user picks a model from.
/// </summary>
public static partial class SweepPlot
{
    private static readonly double[] TickPercents = [100, 50, 20, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01];

    /// <summary>A plotted series: label and (x, mean accuracy %, std %) points; x is percent kept or a cost.</summary>
    /// <param name="Label">Legend text.</param>
    /// <param name="Points">Points, densest (percent kept) or cheapest (cost) first.</param>
    public sealed record Series(string Label, IReadOnlyList<(double X, double Accuracy, double Std)> Points);

    /// <summary>
    /// Groups trained cells into series: a plain model's method is one series; a factorized family trained densely
    /// (lenet300-r8 … r64) is one series across its ranks; pruning a factorized model gives one series per model.
    /// x is the percent of weights kept (<see cref="SweepGroup.FractionKept"/>).
    /// </summary>
    public static IReadOnlyList<Series> BuildSeries(IReadOnlyList<RunRecord> records) =>
        BuildSeries(records, g => 100 * g.FractionKept).Select(s => s with { Points = s.Points.OrderByDescending(p => p.X).ToArray() }).ToArray();

    /// <summary>
    /// The same series with x = <paramref name="x"/> of each cell (null leaves the cell out), cheapest first.
    /// </summary>
    public static IReadOnlyList<Series> BuildSeries(IReadOnlyList<RunRecord> records, Func<SweepGroup, double?> x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var groups = SweepGroup.Build(records).Where(g => g.Accuracies.Count > 0 && x(g).HasValue);
        return groups
            .GroupBy(g => SeriesLabel(g))
            .Select(s => new Series(
                s.Key,
                s.Select(g => (x(g)!.Value, 100 * Statistics.Mean(g.Accuracies), 100 * Statistics.SampleStandardDeviation(g.Accuracies)))
                    .OrderBy(p => p.Item1)
                    .ToArray()))
            .ToArray();
    }

    /// <summary>Writes the plot of <paramref name="records"/> to both files, atomically.</summary>
    public static void Save(IReadOnlyList<RunRecord> records, string pngPath, string svgPath) =>
        Save(Create(BuildSeries(records)), pngPath, svgPath);

    /// <summary>
    /// Writes <c>accuracy-train-time.png/.svg</c> into <paramref name="folder"/> and, when the runs timed inference,
    /// <c>accuracy-inference-time.png/.svg</c>.
    /// </summary>
    public static void SaveCosts(IReadOnlyList<RunRecord> records, string folder)
    {
        ArgumentNullException.ThrowIfNull(records);
        var train = BuildSeries(records, g => MeanOfTrained(g, r => r.TrainSeconds));
        Save(CreateAgainstCost(train, "Test accuracy against training time", "training time, s (10 epochs; lth: its last round)"), Path.Combine(folder, "accuracy-train-time.png"), Path.Combine(folder, "accuracy-train-time.svg"));
        var inference = BuildSeries(records, g => MeanOfTrained(g, r => r.InferenceSamplesPerSecond is { } v ? 1e6 / v : null));
        if (inference.Count > 0)
        {
            var batch = records.First(r => r.InferenceBatchSize.HasValue).InferenceBatchSize;
            Save(CreateAgainstCost(inference, "Test accuracy against inference time", Invariant($"inference time, µs per sample (batch {batch})")), Path.Combine(folder, "accuracy-inference-time.png"), Path.Combine(folder, "accuracy-inference-time.svg"));
        }
    }

    /// <summary>Accuracy against a cost on a log10 x axis (1-1.5-2-3-5-7 ticks), cheapest on the left.</summary>
    public static Plot CreateAgainstCost(IReadOnlyList<Series> series, string title, string xLabel)
    {
        ArgumentNullException.ThrowIfNull(series);
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel("test accuracy (%)");
        var (min, max) = AddSeries(plot, series, horizontalDenseLine: false);
        var ticks = Enumerable.Range(-6, 13).SelectMany(e => new[] { 1, 1.5, 2, 3, 5, 7 }.Select(m => m * Math.Pow(10, e)))
            .Where(t => t >= min / 1.5 && t <= max * 1.5).ToArray();
        plot.Axes.Bottom.SetTicks(ticks.Select(Math.Log10).ToArray(), ticks.Select(t => t.ToString("0.######", CultureInfo.InvariantCulture)).ToArray());
        var padding = 0.05 * Math.Max(0.3, Math.Log10(max) - Math.Log10(min));
        plot.Axes.SetLimitsX(Math.Log10(min) - padding, Math.Log10(max) + padding);
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    private static double? MeanOfTrained(SweepGroup group, Func<RunRecord, double?> value)
    {
        var values = group.Runs.Where(r => r.TestAccuracy.HasValue).Select(value).Where(v => v is > 0).Select(v => v!.Value).ToArray();
        return values.Length == 0 ? null : Statistics.Mean(values);
    }

    private static void Save(Plot plot, string pngPath, string svgPath)
    {
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
        var (minPercent, maxPercent) = AddSeries(plot, series, horizontalDenseLine: true);
        maxPercent = Math.Max(maxPercent, 100);

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

    /// <summary>Adds each series as markers with error bars on a log10 x; returns the smallest and largest x.</summary>
    private static (double Min, double Max) AddSeries(Plot plot, IReadOnlyList<Series> series, bool horizontalDenseLine)
    {
        // One distinct colour per series (the default palette repeats after a few, and a dashed reference line would
        // use one up): Tableau's 20 colours, in order.
        var palette = new ScottPlot.Palettes.Category20();
        var colourIndex = 0;
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var s in series)
        {
            var xs = s.Points.Select(p => Math.Log10(p.X)).ToArray();
            var ys = s.Points.Select(p => p.Accuracy).ToArray();
            var errors = s.Points.Select(p => p.Std).ToArray();
            if (horizontalDenseLine && s.Points.Count == 1 && s.Label == PruningMethods.Dense.Name)
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
            min = Math.Min(min, s.Points.Min(p => p.X));
            max = Math.Max(max, s.Points.Max(p => p.X));
        }

        return series.Count == 0 ? (1, 100) : (min, max);
    }

    private static string SeriesLabel(SweepGroup group)
    {
        if (!group.IsFactorized)
        {
            return group.Model == "lenet300" ? group.Method : $"{group.Model} {group.Method}";
        }

        return group.Method == PruningMethods.Dense.Name ? $"{RankSuffix().Replace(group.Model, "")} factorized (ranks)" : $"{group.Model} {group.Method}";
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"-r\d+$")]
    private static partial Regex RankSuffix();
}
