using System.Globalization;

namespace ModelGen.Cli.Sweep;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> (1-based, as <c>--shard 2/3</c> writes it): a deterministic share
/// of a sweep's units that, over <c>1/n</c> … <c>n/n</c>, covers every unit exactly once.
/// </summary>
/// <param name="Index">1-based shard number.</param>
/// <param name="Count">Number of shards.</param>
public readonly record struct SweepShard(int Index, int Count)
{
    /// <summary>The whole sweep as one shard.</summary>
    public static SweepShard All => new(1, 1);

    /// <summary>Parses <c>i/n</c> with 1 ≤ i ≤ n.</summary>
    /// <exception cref="UsageException">The text is not of that form; the message names <c>--shard</c> and the value.</exception>
    public static SweepShard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count >= 1 && index >= 1 && index <= count)
        {
            return new SweepShard(index, count);
        }

        throw new UsageException($"--shard: '{text}' is not i/n with 1 ≤ i ≤ n (shards are numbered from 1: 1/3, 2/3, 3/3).");
    }

    /// <summary>
    /// This shard's units: unit k (0-based, in <paramref name="units"/>' order) goes to shard k mod n + 1. Shard sizes
    /// then differ by at most one unit, and dealing round-robin rather than in blocks spreads the slow kinds of unit
    /// (lottery-ticket trajectories, which come together in the plan) over the shards.
    /// </summary>
    public IReadOnlyList<SweepUnit> Select(IReadOnlyList<SweepUnit> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        var selected = new List<SweepUnit>();
        for (var k = Index - 1; k < units.Count; k += Count)
        {
            selected.Add(units[k]);
        }

        return selected;
    }

    /// <summary><c>i/n</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
