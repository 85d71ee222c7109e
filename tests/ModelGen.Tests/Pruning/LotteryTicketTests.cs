using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen.Data;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Training;
using Xunit;

namespace ModelGen.Tests.Pruning;

public sealed class LotteryTicketTests
{
    private static readonly Dataset Train = PruningFixtures.Synthetic(200, 7, 4, seed: 3);
    private static readonly Dataset Test = PruningFixtures.Synthetic(100, 7, 4, seed: 4);
    private static readonly TrainingOptions Options = new() { Epochs = 2, BatchSize = 20, Seed = 1 };

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(17)]
    public void EveryRoundStartsFromTheRewindWeightsOnTheSurvivorsWithAFreshOptimizer(int rewindIteration)
    {
        var network = new RecordingNetwork(new PruneOddNet(seed: 9));
        var initial = network.Parameters.Snapshot();
        var adam = new Adam(network.Parameters, 1e-2f);

        // Record the parameters, mask and optimizer step count at the first forward-backward pass of every round,
        // and the weights after step k of the first training run (the values the step-(k+1) pass starts from).
        var starts = new List<(float[] Values, float[] Mask, int AdamSteps)>();
        float[]? afterStepK = rewindIteration == 0 ? initial : null;
        var roundStarting = true;
        var passes = 0;
        network.BeforeForwardBackward = () =>
        {
            passes++;
            if (passes == rewindIteration + 1)
            {
                afterStepK = network.Parameters.Snapshot();
            }

            if (roundStarting)
            {
                starts.Add((network.Parameters.Snapshot(), network.Masks.Values.ToArray(), adam.StepCount));
                roundStarting = false;
            }
        };

        var search = new LotteryTicketSearch(network, adam, Options, new LotteryTicketOptions { RewindIteration = rewindIteration });
        var result = search.Run([0.6], Train, Test, roundProgress: new SynchronousProgress<LotteryTicketRound>(_ => roundStarting = true));

        Assert.True(result.Rounds.Count >= 3, $"{result.Rounds.Count} rounds: too few to see rewinding twice");
        Assert.Equal(result.Rounds.Count, starts.Count);
        Assert.NotNull(afterStepK);
        for (var r = 1; r < starts.Count; r++)
        {
            var (values, mask, adamSteps) = starts[r];
            Assert.Equal(0, adamSteps);
            Assert.Contains(0f, mask);
            for (var i = 0; i < values.Length; i++)
            {
                // Exact: the rewound survivors are the saved floats themselves, pruned entries exactly zero.
                Assert.Equal(mask[i] == 0f ? 0f : afterStepK![i], values[i]);
            }
        }
    }

    [Fact]
    public void OneTrajectoryLandsExactlyOnEachTargetWithTheOutputLayerAtHalfRate()
    {
        var network = new PruneOddNet(seed: 2);
        var reported = new List<LotteryTicketRound>();
        var search = new LotteryTicketSearch(network, new Adam(network.Parameters, 1e-2f), Options);
        var validation = PruningFixtures.Synthetic(60, 7, 4, seed: 5);
        var result = search.Run([0.8, 0.5, 0.9], Train, Test, validation, new SynchronousProgress<LotteryTicketRound>(reported.Add));

        Assert.Equal(result.Rounds, reported);
        Assert.Equal([0.5, 0.8, 0.9], result.Tickets.Select(t => t.TargetSparsity));
        foreach (var ticket in result.Tickets)
        {
            Assert.Equal(TopK.KeptCount(62, ticket.TargetSparsity), (int)ticket.Pruning.KeptWeights);
            Assert.Equal(ticket.TargetSparsity, result.Rounds[ticket.Round].ReachedTarget);
            Assert.Equal(ticket.Pruning.AchievedSparsity, result.Rounds[ticket.Round].Sparsity, 12);
        }

        // Round 0 trains the dense network; round 1 is a standard round: 20% of fc1 and fc2, 10% of fc3 (round-half-even).
        Assert.Equal(0.0, result.Rounds[0].Sparsity);
        Assert.Equal([35, 15, 12], result.Rounds[0].Tensors.Select(t => t.Kept));
        Assert.Equal([28, 12, 11], result.Rounds[1].Tensors.Select(t => t.Kept));

        // Sparsity only grows, each round removes weights only, and a validation set yields the early-stopping step.
        for (var r = 1; r < result.Rounds.Count; r++)
        {
            Assert.True(result.Rounds[r].Sparsity > result.Rounds[r - 1].Sparsity);
            Assert.NotNull(result.Rounds[r].BestValidationStep);
            Assert.InRange(result.Rounds[r].TestAccuracy, 0.0, 1.0);
        }

        for (var t = 1; t < result.Tickets.Count; t++)
        {
            var previous = result.Tickets[t - 1].Mask;
            var current = result.Tickets[t].Mask;
            Assert.All(Enumerable.Range(0, current.Length), i => Assert.True(current[i] <= previous[i]));
        }

        // The network ends holding the last ticket's mask.
        Assert.Equal(result.Tickets[^1].Mask, network.Masks.Values.ToArray());
    }

    [Fact]
    public void GlobalScopeAlsoLandsExactly()
    {
        var network = new PruneOddNet(seed: 4);
        var search = new LotteryTicketSearch(network, new Sgd(network.Parameters, 0.05f, momentum: 0.9f), Options, new LotteryTicketOptions { Scope = PruningScope.Global, PruneRate = 0.5 });
        var result = search.Run([0.7], Train);
        Assert.Equal(TopK.KeptCount(62, 0.7), PruningFixtures.KeptWeights(network));
        Assert.Equal(TopK.KeptCount(62, 0.7), (int)result.Tickets[0].Pruning.KeptWeights);
        Assert.Equal(62 - 31, result.Rounds[1].Tensors.Sum(t => t.Kept));
    }

    [Fact]
    public void ReinitializedControlGetsTheTicketsMaskOnFreshWeights()
    {
        var network = new PruneOddNet(seed: 2);
        var result = new LotteryTicketSearch(network, new Adam(network.Parameters, 1e-2f), Options).Run([0.5], Train);
        var ticket = result.Tickets.Single();

        var fresh = new PruneOddNet(seed: 1002);
        var init = fresh.Parameters.Snapshot();
        ticket.ApplyTo(fresh);

        Assert.Equal(ticket.Mask, fresh.Masks.Values.ToArray());
        for (var i = 0; i < init.Length; i++)
        {
            Assert.Equal(ticket.Mask[i] == 0f ? 0f : init[i], fresh.Parameters.Values[i]);
        }

        Assert.Throws<ArgumentException>(() => ticket.ApplyTo(new PruneFactorizedNet()));
    }

    [Fact]
    public void BadSettingsAreRefusedBeforeTraining()
    {
        var network = new PruneOddNet();
        var adam = new Adam(network.Parameters, 1e-2f);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LotteryTicketSearch(network, adam, Options, new LotteryTicketOptions { PruneRate = 1.0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LotteryTicketSearch(network, adam, Options, new LotteryTicketOptions { RewindIteration = -1 }));
        var search = new LotteryTicketSearch(network, adam, Options, new LotteryTicketOptions { RewindIteration = 21 }); // 2 epochs × 10 steps
        Assert.Throws<ArgumentOutOfRangeException>(() => search.Run([0.5], Train));
        var plain = new LotteryTicketSearch(network, adam, Options);
        Assert.Throws<ArgumentException>(() => plain.Run([], Train));
        Assert.Throws<ArgumentException>(() => plain.Run([1.5], Train));
        new MagnitudePruner().Prune(network, 0.6);
        Assert.Throws<ArgumentException>(() => plain.Run([0.5], Train));
        Assert.Throws<ArgumentException>(() => new LotteryTicketSearch(network, new Adam(new PruneOddNet().Parameters, 1e-2f), Options));
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    /// <summary>Delegates to a generated network and lets a test observe each forward-backward pass.</summary>
    private sealed class RecordingNetwork(INetwork inner) : INetwork
    {
        public Action? BeforeForwardBackward { get; set; }

        public string Name => inner.Name;

        public int InputSize => inner.InputSize;

        public int OutputSize => inner.OutputSize;

        public IReadOnlyList<LayerInfo> Layers => inner.Layers;

        public ParameterSet Parameters => inner.Parameters;

        public MaskSet Masks => inner.Masks;

        public void Forward(ReadOnlySpan<float> input, int batch, Span<float> output) => inner.Forward(input, batch, output);

        public float ForwardBackward(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, float temperature = 1f)
        {
            BeforeForwardBackward?.Invoke();
            return inner.ForwardBackward(input, labels, batch, temperature);
        }

        public float HessianVectorProduct(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, ReadOnlySpan<float> vector, Span<float> result, float temperature = 1f) =>
            inner.HessianVectorProduct(input, labels, batch, vector, result, temperature);

        public void ForwardBackwardFromOutput(ReadOnlySpan<float> input, int batch, ReadOnlySpan<float> outputGradient, bool linearized, Span<float> output) =>
            inner.ForwardBackwardFromOutput(input, batch, outputGradient, linearized, output);
    }
}
