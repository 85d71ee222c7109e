using ModelGen.Pruning;

namespace ModelGen.Cli.Sweep;

/// <summary>
/// The cells one piece of work fills: a single cell for dense and one-shot methods, or every lth and lth-reinit cell of
/// one model and seed, which one lottery-ticket trajectory serves together (its rounds depend on all its targets, so
/// splitting them would change the results). Shards divide a sweep into units, never splitting one.
/// </summary>
/// <param name="Cells">The cells, in the order a run records them (for a trajectory: target ascending, lth before lth-reinit).</param>
public sealed record SweepUnit(IReadOnlyList<SweepCell> Cells)
{
    /// <summary>Whether the unit is a lottery-ticket trajectory.</summary>
    public bool IsTrajectory => PruningMethods.Get(Cells[0].Method).Kind == PruningMethodKind.LotteryTicket;

    /// <summary>
    /// Groups <paramref name="cells"/> (in <see cref="SweepPlan.Expand"/> order) into units, in the order an unsharded
    /// sweep runs them: a trajectory comes where its first cell is.
    /// </summary>
    public static IReadOnlyList<SweepUnit> Group(IReadOnlyList<SweepCell> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var units = new List<SweepUnit>();
        var grouped = new HashSet<(string Model, int Seed)>();
        foreach (var cell in cells)
        {
            if (!IsLotteryTicket(cell))
            {
                units.Add(new SweepUnit([cell]));
            }
            else if (grouped.Add((cell.Model, cell.Seed)))
            {
                var trajectory = cells
                    .Where(c => IsLotteryTicket(c) && c.Model == cell.Model && c.Seed == cell.Seed)
                    .OrderBy(c => c.TargetSparsity)
                    .ThenBy(c => PruningMethods.OrderOf(c.Method))
                    .ToArray();
                units.Add(new SweepUnit(trajectory));
            }
        }

        return units;
    }

    private static bool IsLotteryTicket(SweepCell cell) => PruningMethods.Get(cell.Method).Kind == PruningMethodKind.LotteryTicket;
}
