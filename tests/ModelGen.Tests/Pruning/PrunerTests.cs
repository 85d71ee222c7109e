using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen.Data;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Training;
using Xunit;

namespace ModelGen.Tests.Pruning;

public sealed class PrunerTests
{
    private static readonly Dataset ScoringSet = PruningFixtures.Synthetic(300, 7, 4, seed: 1);

    public static TheoryData<string> Methods => new() { "random", "magnitude", "snip", "grasp", "synflow" };

    public static TheoryData<string, PruningScope, double> CountCases()
    {
        var data = new TheoryData<string, PruningScope, double>();
        foreach (var method in new[] { "random", "magnitude", "snip", "grasp", "synflow" })
        {
            foreach (var scope in new[] { PruningScope.Global, PruningScope.LayerWise })
            {
                foreach (var sparsity in new[] { 0.0, 0.1, 0.5, 0.77, 0.95 })
                {
                    data.Add(method, scope, sparsity);
                }
            }
        }

        return data;
    }

    /// <summary>A pruner of the named method; scoring pruners use 100 samples in batches of 30 (the last one partial).</summary>
    internal static Pruner Create(string method, PruningScope scope, Dataset data, bool allowCollapse = true) => method switch
    {
        "random" => new RandomPruner(seed: 11) { Scope = scope, AllowCollapse = allowCollapse },
        "magnitude" => new MagnitudePruner { Scope = scope, AllowCollapse = allowCollapse },
        "snip" => new SnipPruner(data) { Scope = scope, AllowCollapse = allowCollapse, ScoreSamples = 100, BatchSize = 30 },
        "grasp" => new GraspPruner(data) { Scope = scope, AllowCollapse = allowCollapse, ScoreSamples = 100, BatchSize = 30 },
        "synflow" => new SynFlowPruner { Scope = scope, AllowCollapse = allowCollapse, Iterations = 20 },
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    [Theory]
    [MemberData(nameof(CountCases))]
    public void KeptCountsAreExactForEveryPrunerAndScope(string method, PruningScope scope, double sparsity)
    {
        var network = new PruneOddNet(seed: 3);
        var report = Create(method, scope, ScoringSet).Prune(network, sparsity);

        var parameters = network.Parameters;
        var prunable = parameters.Tensors.Where(t => t.IsPrunable).ToList();
        if (scope == PruningScope.Global)
        {
            Assert.Equal(TopK.KeptCount(62, sparsity), PruningFixtures.KeptWeights(network));
        }
        else
        {
            Assert.All(prunable, t => Assert.Equal(TopK.KeptCount(t.Length, sparsity), network.Masks.CountKept(t)));
        }

        Assert.Equal(method, report.Method);
        Assert.Equal(62, report.TotalWeights);
        Assert.Equal(PruningFixtures.KeptWeights(network), report.KeptWeights);
        Assert.Equal(1.0 - (PruningFixtures.KeptWeights(network) / 62.0), report.AchievedSparsity, 12);
        Assert.Equal(prunable.Select(t => t.Name), report.Tensors.Select(t => t.Tensor));
        Assert.Equal(prunable.Select(t => network.Masks.CountKept(t)), report.Tensors.Select(t => t.Kept));
        foreach (var tensor in parameters.Tensors.Where(t => !t.IsPrunable))
        {
            Assert.All(network.Masks.Get(tensor).ToArray(), m => Assert.Equal(1f, m));
        }

        var values = parameters.Values;
        var mask = network.Masks.Values.ToArray();
        for (var i = 0; i < values.Length; i++)
        {
            if (mask[i] == 0f)
            {
                Assert.Equal(0f, values[i]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void LayerWiseScopePrunesAFactorizedLayersFactorsSeparately(string method)
    {
        var network = new PruneFactorizedNet(seed: 2);
        var data = PruningFixtures.Synthetic(120, 9, 3, seed: 4);
        Create(method, PruningScope.LayerWise, data).Prune(network, 0.6);
        var names = new List<string>();
        foreach (var tensor in network.Parameters.Tensors.Where(t => t.IsPrunable))
        {
            names.Add(tensor.Name);
            Assert.Equal(TopK.KeptCount(tensor.Length, 0.6), network.Masks.CountKept(tensor));
        }

        Assert.Equal(new[] { "fc1.U", "fc1.Vt", "fc2.weight" }, names.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void PruningRestoresParametersAndGradientsAndIsDeterministic(string method)
    {
        var network = new PruneOddNet(seed: 5);
        var parameters = network.Parameters;
        var original = parameters.Snapshot();
        for (var i = 0; i < parameters.Gradients.Length; i++)
        {
            parameters.Gradients[i] = i * 0.25f;
        }

        var gradients = (float[])parameters.Gradients.Clone();
        Create(method, PruningScope.Global, ScoringSet).Prune(network, 0.6);

        var mask = network.Masks.Values.ToArray();
        for (var i = 0; i < original.Length; i++)
        {
            Assert.Equal(original[i] * mask[i], parameters.Values[i]);
        }

        Assert.Equal(gradients, parameters.Gradients);

        var again = new PruneOddNet(seed: 5);
        Create(method, PruningScope.Global, ScoringSet).Prune(again, 0.6);
        Assert.Equal(mask, again.Masks.Values.ToArray());
    }

    [Fact]
    public void CollapseIsRefusedNamingTheLayerAndLeavesTheNetworkUnchanged()
    {
        var network = new PruneOddNet(seed: 1);
        var parameters = network.Parameters;
        var fc3 = parameters["fc3.weight"];
        foreach (ref var w in parameters.Value(fc3))
        {
            w *= 1e-4f; // fc3's 12 weights become the 12 smallest magnitudes
        }

        var before = parameters.Snapshot();
        var error = Assert.Throws<LayerCollapseException>(() => new MagnitudePruner().Prune(network, 0.8));
        Assert.Equal("fc3", error.Layer);
        Assert.Equal("fc3.weight", error.Tensor);
        Assert.Contains("'fc3'", error.Message, StringComparison.Ordinal);
        Assert.False(network.Masks.IsActive);
        Assert.Equal(before, parameters.Values);

        var report = new MagnitudePruner { AllowCollapse = true }.Prune(network, 0.8);
        Assert.Equal(0, network.Masks.CountKept(fc3));
        Assert.Contains("fc3.weight: every weight is pruned; layer 'fc3' has collapsed.", report.Warnings);
        Assert.Contains("fc3: 4 of 4 output units have no incoming weight.", report.Warnings);
    }

    [Fact]
    public void OutputUnitsLeftWithoutInputAreCountedAsWarnings()
    {
        var network = new PruneOddNet(seed: 1);
        var parameters = network.Parameters;
        var fc1 = parameters["fc1.weight"];
        foreach (ref var w in parameters.Value(fc1)[..7])
        {
            w *= 1e-4f; // row 0 of fc1: unit 0's incoming weights are the smallest of the layer
        }

        var report = new MagnitudePruner { Scope = PruningScope.LayerWise }.Prune(network, 0.5);
        var mask = network.Masks.Get(fc1).ToArray();
        var deadRows = Enumerable.Range(0, 5).Count(r => mask.Skip(r * 7).Take(7).All(m => m == 0f));
        Assert.True(mask.Take(7).All(m => m == 0f));
        Assert.Contains($"fc1: {deadRows} of 5 output units have no incoming weight.", report.Warnings);
        Assert.Equal(deadRows, MaskAnalysis.DeadOutputUnits(network, network.Layers[0], network.Masks.Values));
    }

    [Fact]
    public void PruningAnAlreadyPrunedNetworkOnlyTightensItsMask()
    {
        var network = new PruneOddNet(seed: 8);
        new RandomPruner(seed: 1).Prune(network, 0.5);
        var first = network.Masks.Values.ToArray();
        new MagnitudePruner().Prune(network, 0.8);
        var second = network.Masks.Values.ToArray();
        Assert.Equal(TopK.KeptCount(62, 0.8), PruningFixtures.KeptWeights(network));
        for (var i = 0; i < first.Length; i++)
        {
            Assert.True(second[i] <= first[i], $"entry {i} was revived");
        }
    }

    [Fact]
    public void ScoringPrunersRejectDataThatDoesNotFitTheNetwork()
    {
        var network = new PruneOddNet();
        var wrongFeatures = PruningFixtures.Synthetic(200, 6, 4, seed: 1);
        Assert.Throws<ArgumentException>(() => new SnipPruner(wrongFeatures).Prune(network, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GraspPruner(ScoringSet) { ScoreSamples = 301 }.Prune(network, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GraspPruner(ScoringSet) { Temperature = 0f, ScoreSamples = 10 }.Prune(network, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MagnitudePruner().Prune(network, 1.2));
        Assert.False(network.Masks.IsActive);
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd-momentum")]
    public void PrunedWeightsStayExactlyZeroThroughTrainingWithMomentumState(string optimizerName)
    {
        var network = new PruneOddNet(seed: 4);
        var parameters = network.Parameters;
        IOptimizer optimizer = optimizerName == "adam"
            ? new Adam(parameters, 1e-2f, weightDecay: 1e-3f)
            : new Sgd(parameters, 0.05f, momentum: 0.9f, weightDecay: 1e-3f);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 16, Seed = 3 };

        // Dense training first, so every weight has built up momentum / moments before it is pruned.
        new Trainer(network, optimizer, options).Train(ScoringSet);
        new SnipPruner(ScoringSet) { ScoreSamples = 100 }.Prune(network, 0.7);
        var mask = network.Masks.Values.ToArray();
        var pruned = parameters.Snapshot();

        new Trainer(network, optimizer, options with { Epochs = 3 }).Train(ScoringSet);

        Assert.Equal(mask, network.Masks.Values.ToArray());
        var moved = 0;
        var survivors = mask.Count(m => m == 1f);
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0f)
            {
                Assert.Equal(0f, parameters.Values[i]);
            }
            else if (parameters.Values[i] != pruned[i])
            {
                moved++;
            }
        }

        Assert.True(moved > survivors / 2, $"only {moved} of {survivors} surviving parameters changed: training did not run");
    }
}
