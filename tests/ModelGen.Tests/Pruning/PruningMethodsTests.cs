using ModelGen.Data;
using ModelGen.Pruning;
using Xunit;

namespace ModelGen.Tests.Pruning;

/// <summary>The registry is the one list of methods: names, kinds, and pruners that match their entry.</summary>
public sealed class PruningMethodsTests
{
    [Fact]
    public void Names_AreUniqueAndInTableOrder()
    {
        Assert.Equal(["dense", "random", "magnitude", "snip", "grasp", "synflow", "lth", "lth-reinit"], PruningMethods.Names);
        Assert.Equal(PruningMethods.All.Count, PruningMethods.Names.Distinct(StringComparer.Ordinal).Count());
        for (var i = 0; i < PruningMethods.All.Count; i++)
        {
            Assert.Equal(i, PruningMethods.OrderOf(PruningMethods.All[i].Name));
        }

        Assert.Equal(PruningMethods.All.Count, PruningMethods.OrderOf("unknown"));
    }

    [Fact]
    public void EveryOneShotMethod_CreatesAPrunerReportingItsName()
    {
        var data = new Dataset(new float[4 * 3], [0, 1, 0, 1], 3, 2);
        var settings = new PrunerSettings { Scope = PruningScope.LayerWise, AllowCollapse = true, Seed = 7, ScoreSamples = 2, Temperature = 3f, SynFlowIterations = 5 };
        foreach (var method in PruningMethods.All.Where(m => m.Kind == PruningMethodKind.OneShot))
        {
            var pruner = method.CreatePruner(settings, data);
            Assert.Equal(method.Name, pruner.Method);
            Assert.Equal(PruningScope.LayerWise, pruner.Scope);
            Assert.True(pruner.AllowCollapse);
        }

        Assert.Equal(3f, ((GraspPruner)PruningMethods.Grasp.CreatePruner(settings, data)).Temperature);
        Assert.Equal(5, ((SynFlowPruner)PruningMethods.SynFlow.CreatePruner(settings)).Iterations);
        Assert.Equal(2, ((SnipPruner)PruningMethods.Snip.CreatePruner(settings, data)).ScoreSamples);
        Assert.Equal(7, ((RandomPruner)PruningMethods.Random.CreatePruner(settings)).Seed);
    }

    [Fact]
    public void MethodsWithoutAPruner_AndMissingData_AreRefusedClearly()
    {
        var dense = Assert.Throws<InvalidOperationException>(() => PruningMethods.Dense.CreatePruner(new PrunerSettings()));
        Assert.Contains("dense", dense.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => PruningMethods.Lth.CreatePruner(new PrunerSettings()));
        Assert.Throws<ArgumentNullException>(() => PruningMethods.Snip.CreatePruner(new PrunerSettings()));
        var unknown = Assert.Throws<ArgumentException>(() => PruningMethods.Get("snap"));
        Assert.Contains("snip", unknown.Message, StringComparison.Ordinal);
        Assert.Null(PruningMethods.Find("SNIP"));
    }
}
