using System;
using System.Linq;
using ModelGen.Model;
using ModelGen.Pruning;
using Xunit;

namespace ModelGen.Tests.Pruning;

/// <summary>
/// SynFlow's conservation law (Tanaka et al. 2020, Theorem 2): on the linearized network with |θ| and an all-ones
/// input, R = 1ᵀ·output, and for a layer l with z_l = W_l·z_(l−1) + b_l the weight scores sum to
/// (∂R/∂z_l)ᵀ(z_l − b_l). Since R is affine in z_l, R = (∂R/∂z_l)ᵀ z_l + (bias scores of later layers), so
/// Σ weight scores of l + Σ bias scores of layers l..L = R for every l. Without biases this is the familiar
/// statement: every layer's weight scores sum to R.
/// </summary>
public sealed class SynFlowTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WithoutBiasesEveryLayersWeightScoresSumToTheSynapticFlow(bool masked)
    {
        var network = new PruneOddNet(seed: 6);
        var parameters = network.Parameters;
        foreach (var bias in parameters.Tensors.Where(t => t.Role == ParameterRole.Bias))
        {
            parameters.Value(bias).Clear();
        }

        if (masked)
        {
            new RandomPruner(seed: 2) { Scope = PruningScope.LayerWise }.Prune(network, 0.5);
        }

        var flow = SynapticFlow(network);
        var scores = new SynFlowPruner().ComputeScores(network);
        foreach (var weight in parameters.Tensors.Where(t => t.Role == ParameterRole.Weight))
        {
            var sum = scores.AsSpan(weight.Offset, weight.Length).ToArray().Sum(s => (double)s);

            // float32 sums of ≤ 35 positive terms of float32 products: relative error a few 1e-7.
            Assert.True(Math.Abs(sum - flow) <= 1e-5 * flow, $"{weight.Name}: Σ scores {sum:R}, R {flow:R}");
        }

        Assert.True(flow > 0);
    }

    [Fact]
    public void WithBiasesLayerWeightScoresPlusBiasScoresFromThatLayerOnAreConserved()
    {
        var network = new PruneOddNet(seed: 7);
        var parameters = network.Parameters;
        var flow = SynapticFlow(network);
        var scores = new SynFlowPruner().ComputeScores(network);
        var layers = network.Layers.Select(l => l.Name).ToList();
        for (var l = 0; l < layers.Count; l++)
        {
            var weight = parameters[layers[l] + ".weight"];
            var conserved = scores.AsSpan(weight.Offset, weight.Length).ToArray().Sum(s => (double)s);
            for (var m = l; m < layers.Count; m++)
            {
                var bias = parameters[layers[m] + ".bias"];
                conserved += scores.AsSpan(bias.Offset, bias.Length).ToArray().Sum(s => (double)s);
            }

            Assert.True(Math.Abs(conserved - flow) <= 1e-5 * flow, $"{layers[l]}: conserved sum {conserved:R}, R {flow:R}");
        }

        // The bias scores are not negligible here, so the law is not met by the weight sums alone.
        var lastWeight = parameters[layers[^1] + ".weight"];
        var lastSum = scores.AsSpan(lastWeight.Offset, lastWeight.Length).ToArray().Sum(s => (double)s);
        Assert.True(flow - lastSum > 1e-3 * flow);
    }

    [Fact]
    public void AnOverflowingFlowIsReportedAndTheNetworkLeftUnchanged()
    {
        var network = new PruneOddNet(seed: 1);
        var parameters = network.Parameters;
        foreach (ref var value in parameters.Values.AsSpan())
        {
            value *= 1e13f; // R grows like (fan-in·|w|)³ ≈ 1e41, beyond float32's 3.4e38
        }

        var before = parameters.Snapshot();
        var error = Assert.Throws<PruningException>(() => new SynFlowPruner { Iterations = 3 }.Prune(network, 0.5));
        Assert.Contains("round 1", error.Message, StringComparison.Ordinal);
        Assert.False(network.Masks.IsActive);
        Assert.Equal(before, parameters.Values);
    }

    [Fact]
    public void IterationsMustBePositive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SynFlowPruner { Iterations = 0 }.Prune(new PruneOddNet(), 0.5));

    /// <summary>R = 1ᵀ·f(1) of the linearized network with |θ| and the current mask, in double.</summary>
    private static double SynapticFlow(INetwork network)
    {
        var parameters = network.Parameters;
        var mask = network.Masks.Values;
        var activation = Enumerable.Repeat(1.0, network.InputSize).ToArray();
        foreach (var layer in network.Layers)
        {
            var weight = parameters[layer.Name + ".weight"];
            var bias = parameters[layer.Name + ".bias"];
            var next = new double[layer.OutputSize];
            for (var i = 0; i < next.Length; i++)
            {
                var sum = Math.Abs((double)parameters.Values[bias.Offset + i]);
                for (var j = 0; j < layer.InputSize; j++)
                {
                    var k = weight.Offset + (i * weight.Cols) + j;
                    sum += Math.Abs((double)parameters.Values[k]) * mask[k] * activation[j];
                }

                next[i] = sum;
            }

            activation = next;
        }

        return activation.Sum();
    }
}
