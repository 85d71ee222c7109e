extern alias cli;

using cli::ModelGen.Cli;
using cli::ModelGen.Cli.Sweep;
using Xunit;

namespace ModelGen.Tests.Cli;

/// <summary>
/// <c>--shard i/n</c>: parsing, the grouping of cells into units (a lottery-ticket trajectory is one) and the balanced,
/// deterministic partition of units over shards.
/// </summary>
public sealed class SweepShardTests
{
    [Theory]
    [InlineData("1/1", 1, 1)]
    [InlineData("2/3", 2, 3)]
    [InlineData("3/3", 3, 3)]
    [InlineData("17/100", 17, 100)]
    public void ParsesOneBasedShards(string text, int index, int count)
    {
        Assert.Equal(new SweepShard(index, count), SweepShard.Parse(text));
        Assert.Equal(text, SweepShard.Parse(text).ToString());
    }

    [Theory]
    [InlineData("0/3")]
    [InlineData("4/3")]
    [InlineData("1/0")]
    [InlineData("-1/3")]
    [InlineData("1/3/3")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData(" 1/3")]
    public void RefusesAnythingButIOfN(string text)
    {
        var error = Assert.Throws<UsageException>(() => SweepShard.Parse(text));
        Assert.Contains($"--shard: '{text}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALotteryTicketTrajectoryIsOneUnitWithEveryTargetOfBothMethods()
    {
        var cells = SweepPlan.Expand(["lenet300"], ["dense", "lth", "snip", "lth-reinit"], [0.5, 0.9], [0, 1]);

        var units = SweepUnit.Group(cells);

        // dense ×2 seeds, then the seed-0 trajectory where its first cell is, then seed 1's, then snip's four cells.
        Assert.Equal(2 + 2 + 4, units.Count);
        Assert.Equal([new SweepCell("lenet300", "dense", 0, 0)], units[0].Cells);
        Assert.Equal(
            [new("lenet300", "lth", 0.5, 0), new("lenet300", "lth-reinit", 0.5, 0), new("lenet300", "lth", 0.9, 0), new SweepCell("lenet300", "lth-reinit", 0.9, 0)],
            units[2].Cells);
        Assert.True(units[2].IsTrajectory);
        Assert.Equal(1, units[3].Cells[0].Seed);
        Assert.All(units.Skip(4), u => Assert.Equal("snip", Assert.Single(u.Cells).Method));
        // Every cell in exactly one unit.
        Assert.Equal(cells.Order(CellOrder.Instance), units.SelectMany(u => u.Cells).Order(CellOrder.Instance));
    }

    [Fact]
    public void ShardsCoverEveryUnitOnceAndDifferInSizeByAtMostOne()
    {
        for (var unitCount = 0; unitCount <= 23; unitCount++)
        {
            var units = Enumerable.Range(0, unitCount).Select(k => new SweepUnit([new SweepCell("m", "dense", 0, k)])).ToArray();
            for (var count = 1; count <= 9; count++)
            {
                var shares = Enumerable.Range(1, count).Select(i => new SweepShard(i, count).Select(units)).ToArray();

                var sizes = shares.Select(s => s.Count).ToArray();
                Assert.True(sizes.Max() - sizes.Min() <= 1, $"{unitCount} units over {count} shards: sizes {string.Join(',', sizes)}");
                Assert.Equal(units, shares.SelectMany(s => s).OrderBy(u => u.Cells[0].Seed));
                // Deterministic: the same share every time, in plan order.
                Assert.All(Enumerable.Range(1, count), i => Assert.Equal(shares[i - 1], new SweepShard(i, count).Select(units)));
                Assert.All(shares, s => Assert.Equal(s.OrderBy(u => u.Cells[0].Seed), s));
            }
        }
    }

    [Fact]
    public void ShardsDealUnitsRoundRobinSoTrajectoriesSpreadOverShards()
    {
        // Plan order puts the four trajectories together (units 4..7); dealt round-robin, no shard gets two of them.
        var units = SweepUnit.Group(SweepPlan.Expand(["lenet300"], ["dense", "lth", "snip"], [0.5, 0.9], [0, 1, 2, 3]));
        var trajectories = Enumerable.Range(1, 4).Select(i => new SweepShard(i, 4).Select(units).Count(u => u.IsTrajectory)).ToArray();

        Assert.Equal([1, 1, 1, 1], trajectories);
    }

    private sealed class CellOrder : IComparer<SweepCell>
    {
        public static readonly CellOrder Instance = new();

        public int Compare(SweepCell? x, SweepCell? y) =>
            (x!.Model, x.Method, x.TargetSparsity, x.Seed).CompareTo((y!.Model, y.Method, y.TargetSparsity, y.Seed));
    }
}
