using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen.Model;
using ModelGen.Pruning;
using Xunit;

namespace ModelGen.Tests.Pruning;

public sealed class TopKTests
{
    // A hand-built layout with odd sizes and a non-prunable bias between two prunable weights, like a generated net's.
    private static ParameterSet OddLayout() => new(
    [
        new ParameterTensor("fc1.weight", "fc1", 0, ParameterRole.Weight, 7, 3, 0, 3, IsPrunable: true),
        new ParameterTensor("fc1.bias", "fc1", 0, ParameterRole.Bias, 7, 1, 21, 3, IsPrunable: false),
        new ParameterTensor("fc2.weight", "fc2", 1, ParameterRole.Weight, 5, 7, 28, 7, IsPrunable: true),
        new ParameterTensor("fc2.bias", "fc2", 1, ParameterRole.Bias, 5, 1, 63, 7, IsPrunable: false),
    ]);

    [Theory]
    [InlineData(56, 0.0, 56)]
    [InlineData(56, 1.0, 0)]
    [InlineData(56, 0.5, 28)]
    [InlineData(5, 0.5, 2)] // 2.5 rounds half to even, as Python's round
    [InlineData(7, 0.5, 4)] // 3.5 → 4
    [InlineData(266200, 0.99, 2662)]
    [InlineData(266200, 0.9, 26620)] // 26619.999999999993 in double: rounded, not truncated
    public void KeptCountIsRoundedFractionOfTheScope(int count, double sparsity, int expected) =>
        Assert.Equal(expected, TopK.KeptCount(count, sparsity));

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void KeptCountRejectsSparsityOutsideTheUnitInterval(double sparsity) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TopK.KeptCount(10, sparsity));

    [Fact]
    public void SelectKeepsTheHighestScores()
    {
        float[] scores = [0.3f, -2f, 5f, 0.1f, float.PositiveInfinity, -0f, 4f];
        var mask = new float[scores.Length];
        TopK.Select(scores, 3, mask);
        Assert.Equal([0f, 0f, 1f, 0f, 1f, 0f, 1f], mask);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(13)]
    public void TiesAreBrokenByLowestIndexWithExactCounts(int keep)
    {
        // All scores tie (and +0/−0 tie): a threshold would keep all or none; TopK keeps exactly the first `keep`.
        var scores = new float[13];
        for (var i = 0; i < scores.Length; i += 2)
        {
            scores[i] = -0f;
        }

        var mask = new float[scores.Length];
        TopK.Select(scores, keep, mask);
        for (var i = 0; i < scores.Length; i++)
        {
            Assert.Equal(i < keep ? 1f : 0f, mask[i]);
        }
    }

    [Fact]
    public void SelectionOnLargeInputsMatchesASortByScoreThenIndex()
    {
        // Many ties among few distinct values exercise the quickselect's partitioning.
        var random = new Random(5);
        var scores = new float[100_003];
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = random.Next(50) / 7f;
        }

        foreach (var keep in new[] { 0, 1, 33_333, 50_001, 100_002, 100_003 })
        {
            var mask = new float[scores.Length];
            TopK.Select(scores, keep, mask);
            var expected = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(keep).ToHashSet();
            for (var i = 0; i < scores.Length; i++)
            {
                Assert.True(expected.Contains(i) == (mask[i] == 1f), $"keep {keep}: entry {i} with score {scores[i]}");
            }
        }
    }

    [Fact]
    public void SelectRejectsNaNScores()
    {
        float[] scores = [1f, float.NaN, 2f];
        Assert.Throws<ArgumentException>(() => TopK.Select(scores, 1, new float[3]));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(0.5)]
    [InlineData(0.77)]
    [InlineData(0.99)]
    [InlineData(1.0)]
    public void GlobalScopeKeepsExactlyRoundedCountOverAllPrunableWeights(double sparsity)
    {
        var parameters = OddLayout();
        var scores = TiedScores(parameters.Count);
        var mask = TopK.SelectMask(parameters, scores, sparsity, PruningScope.Global);
        Assert.Equal(TopK.KeptCount(21 + 35, sparsity), Kept(mask, parameters["fc1.weight"]) + Kept(mask, parameters["fc2.weight"]));
        AssertBiasesKept(parameters, mask);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void LayerWiseScopeKeepsExactlyRoundedCountPerTensor(double sparsity)
    {
        var parameters = OddLayout();
        var scores = TiedScores(parameters.Count);
        var mask = TopK.SelectMask(parameters, scores, sparsity, PruningScope.LayerWise);
        Assert.Equal(TopK.KeptCount(21, sparsity), Kept(mask, parameters["fc1.weight"]));
        Assert.Equal(TopK.KeptCount(35, sparsity), Kept(mask, parameters["fc2.weight"]));
        AssertBiasesKept(parameters, mask);
    }

    [Fact]
    public void GlobalScopeRanksAcrossTensors()
    {
        // Every fc2 weight outscores every fc1 weight: at 50% global sparsity the 28 kept all come from fc2.
        var parameters = OddLayout();
        var scores = new float[parameters.Count];
        scores.AsSpan(parameters["fc1.weight"].Offset, 21).Fill(1f);
        scores.AsSpan(parameters["fc2.weight"].Offset, 35).Fill(2f);
        var mask = TopK.SelectMask(parameters, scores, 0.5, PruningScope.Global);
        Assert.Equal(28, Kept(mask, parameters["fc2.weight"]) + Kept(mask, parameters["fc1.weight"]));
        Assert.Equal(28, Kept(mask, parameters["fc2.weight"]));
        Assert.Equal(0, Kept(mask, parameters["fc1.weight"]));
    }

    [Fact]
    public void RemovedEntriesRankBelowSurvivorsWhateverTheirScore()
    {
        var parameters = OddLayout();
        var weight = parameters["fc2.weight"];
        var scores = new float[parameters.Count];
        var survivors = new float[parameters.Count];
        Array.Fill(survivors, 1f);
        for (var i = 0; i < weight.Length; i++)
        {
            scores[weight.Offset + i] = i;                              // later entries score higher …
            survivors[weight.Offset + i] = i < 20 ? 1f : 0f;            // … but only the first 20 survive
        }

        var groups = new[] { new[] { weight } };
        var mask = TopK.SelectMask(parameters, scores, groups, [10], survivors);
        for (var i = 0; i < weight.Length; i++)
        {
            Assert.Equal(i is >= 10 and < 20 ? 1f : 0f, mask[weight.Offset + i]);
        }
    }

    [Fact]
    public void WhenSurvivorsCannotFillTheCountTheBestRemovedEntriesAreRevived()
    {
        var parameters = OddLayout();
        var weight = parameters["fc1.weight"];
        var scores = new float[parameters.Count];
        var survivors = new float[parameters.Count];
        Array.Fill(survivors, 1f);
        for (var i = 0; i < weight.Length; i++)
        {
            scores[weight.Offset + i] = i % 4;                          // ties among the removed entries
            survivors[weight.Offset + i] = i < 5 ? 1f : 0f;
        }

        var mask = TopK.SelectMask(parameters, scores, new[] { new[] { weight } }, [8], survivors);

        // The 5 survivors, then 3 removed entries of the top score 3 (indices 7, 11, 15), lowest index first.
        var kept = Enumerable.Range(0, weight.Length).Where(i => mask[weight.Offset + i] == 1f).ToArray();
        Assert.Equal([0, 1, 2, 3, 4, 7, 11, 15], kept);
    }

    [Fact]
    public void GroupsMustBePrunableAndDisjoint()
    {
        var parameters = OddLayout();
        var scores = new float[parameters.Count];
        var bias = parameters["fc1.bias"];
        var weight = parameters["fc1.weight"];
        Assert.Throws<ArgumentException>(() => TopK.SelectMask(parameters, scores, new[] { new[] { bias } }, [1]));
        Assert.Throws<ArgumentException>(() => TopK.SelectMask(parameters, scores, new[] { new[] { weight }, new[] { weight } }, [1, 1]));
        Assert.Throws<ArgumentException>(() => TopK.SelectMask(parameters, scores, new[] { new[] { weight } }, [22]));
        Assert.Throws<ArgumentException>(() => TopK.SelectMask(parameters, new float[3], 0.5, PruningScope.Global));
    }

    [Theory]
    [InlineData(new[] { 1000, 1000, 100 }, 500)]   // a normal round: 200 + 200 + 5 = 405 < 500
    [InlineData(new[] { 1000, 1000, 100 }, 301)]   // would overshoot: scaled to land on exactly 301
    [InlineData(new[] { 3, 2, 1 }, 2)]             // rounding removes nothing: the needed count is shared out
    [InlineData(new[] { 7, 11, 5 }, 23)]           // everything
    public void LayerWiseRemovalsNeverOvershootAndLandExactly(int[] kept, int needed)
    {
        var rates = new[] { 0.2, 0.2, 0.1 };
        var removals = LotteryTicketSearch.LayerWiseRemovals(kept, rates, needed);
        var standard = kept.Select((k, t) => (int)Math.Round(rates[t] * k, MidpointRounding.ToEven)).ToArray();
        var total = removals.Sum();
        if (standard.Sum() > 0 && standard.Sum() < needed)
        {
            Assert.Equal(standard, removals);
        }
        else
        {
            Assert.Equal(needed, total);
        }

        for (var t = 0; t < kept.Length; t++)
        {
            Assert.InRange(removals[t], 0, kept[t]);
        }
    }

    private static float[] TiedScores(int count)
    {
        // Three distinct values only: most of the boundary falls inside a tie.
        var scores = new float[count];
        for (var i = 0; i < count; i++)
        {
            scores[i] = i % 3;
        }

        return scores;
    }

    private static int Kept(float[] mask, ParameterTensor tensor) => (int)mask.AsSpan(tensor.Offset, tensor.Length).ToArray().Sum();

    private static void AssertBiasesKept(ParameterSet parameters, float[] mask)
    {
        foreach (var tensor in parameters.Tensors.Where(t => !t.IsPrunable))
        {
            Assert.All(mask.AsSpan(tensor.Offset, tensor.Length).ToArray(), m => Assert.Equal(1f, m));
        }
    }
}
