using System;
using System.Linq;
using ModelGen.Data;
using ModelGen.Model;
using ModelGen.Pruning;
using Xunit;

namespace ModelGen.Tests.Pruning;

/// <summary>
/// SNIP and GraSP scores on 2-3-2 networks with fixed weights against an independent double-precision reference
/// (<see cref="ReferenceMlp"/>): gradients by hand-written backpropagation, H·g by central differences of them.
/// Five samples in batches of 2, 2 and 1, so accumulation over unequal batches is part of what is checked.
/// </summary>
public sealed class ScoreTests
{
    private static readonly float[] Inputs = [1.0f, 0.5f, -0.4f, 0.9f, 0.3f, -0.7f, 0.8f, 0.8f, -1.0f, -0.2f];
    private static readonly int[] Labels = [0, 1, 1, 0, 1];

    // Every first-layer pre-activation of these weights and inputs is at least 0.1 away from 0, so ReLU's kink lies
    // far outside the finite-difference steps (about 1e-4).
    private static readonly float[] Fc1Weight = [0.5f, -0.3f, 0.8f, 0.2f, -0.6f, 0.9f];
    private static readonly float[] Fc1Bias = [0.1f, -0.2f, 0.05f];
    private static readonly float[] Fc2Weight = [0.7f, -0.4f, 0.3f, -0.5f, 0.6f, 0.2f];
    private static readonly float[] Fc2Bias = [0.05f, -0.1f];

    private const int BatchSize = 2;

    private static Dataset Data => new(Inputs, Labels, features: 2, classes: 2);

    [Theory]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.ReLU)]
    public void SnipScoresMatchTheAbsoluteWeightTimesAccumulatedGradient(Activation activation)
    {
        var network = Create(activation);
        var reference = new ReferenceMlp(network);
        var theta = Array.ConvertAll(network.Parameters.Values, v => (double)v);
        var accumulated = SumOverBatches(b => reference.Gradient(theta, BatchInputs(b), BatchLabels(b), BatchLength(b), 1.0), theta.Length);
        var expected = new double[theta.Length];
        for (var i = 0; i < theta.Length; i++)
        {
            expected[i] = Math.Abs(theta[i] * accumulated[i]);
        }

        var scores = new SnipPruner(Data) { ScoreSamples = 5, BatchSize = BatchSize }.ComputeScores(network);
        AssertClose(network, expected, scores, relativeTolerance: 1e-5);
    }

    [Theory]
    [InlineData(Activation.Tanh, 1f)]
    [InlineData(Activation.Tanh, 200f)]
    [InlineData(Activation.Sigmoid, 200f)]
    [InlineData(Activation.ReLU, 1f)]
    [InlineData(Activation.ReLU, 200f)]
    public void GraspScoresMatchMinusWeightTimesHessianGradientOverTheWeights(Activation activation, float temperature)
    {
        var network = Create(activation);
        var reference = new ReferenceMlp(network);
        var parameters = network.Parameters;
        var theta = Array.ConvertAll(parameters.Values, v => (double)v);
        var g = SumOverBatches(b => reference.Gradient(theta, BatchInputs(b), BatchLabels(b), BatchLength(b), temperature), theta.Length);

        // g is taken over the prunable weights only (biases zero), as in the authors' implementation.
        foreach (var tensor in parameters.Tensors.Where(t => !t.IsPrunable))
        {
            Array.Clear(g, tensor.Offset, tensor.Length);
        }

        var hg = SumOverBatches(b => reference.HessianVectorProduct(theta, g, BatchInputs(b), BatchLabels(b), BatchLength(b), temperature), theta.Length);
        var expected = new double[theta.Length];
        for (var i = 0; i < theta.Length; i++)
        {
            expected[i] = -theta[i] * hg[i];
        }

        var pruner = new GraspPruner(Data) { ScoreSamples = 5, BatchSize = BatchSize, Temperature = temperature };
        var scores = pruner.ComputeScores(network);

        // float32 gradients feed the Hessian pass, so the product carries float32 rounding of g and of H·g.
        AssertClose(network, expected, scores, relativeTolerance: 1e-4);

        // The highest scores are the ones removed.
        pruner.Prune(network, 0.5);
        var prunable = parameters.Tensors.Where(t => t.IsPrunable).SelectMany(t => Enumerable.Range(t.Offset, t.Length)).ToList();
        var keptByScore = prunable.OrderBy(i => scores[i]).ThenBy(i => i).Take(TopK.KeptCount(prunable.Count, 0.5)).ToHashSet();
        Assert.All(prunable, i => Assert.Equal(keptByScore.Contains(i) ? 1f : 0f, network.Masks.Values[i]));
    }

    [Fact]
    public void GraspDefaultsToTheScoringSetupOfTheIssue()
    {
        var pruner = new GraspPruner(Data);
        Assert.Equal(200f, pruner.Temperature);
        Assert.Equal(1000, pruner.ScoreSamples);
        Assert.Equal(100, pruner.BatchSize);
        Assert.Equal(PruningScope.Global, pruner.Scope);
    }

    private static INetwork Create(Activation activation)
    {
        INetwork network = activation switch
        {
            Activation.Tanh => new ScoreTanhNet(),
            Activation.Sigmoid => new ScoreSigmoidNet(),
            Activation.ReLU => new ScoreReluNet(),
            _ => throw new ArgumentOutOfRangeException(nameof(activation)),
        };
        var parameters = network.Parameters;
        Fc1Weight.CopyTo(parameters.Value(parameters["fc1.weight"]));
        Fc1Bias.CopyTo(parameters.Value(parameters["fc1.bias"]));
        Fc2Weight.CopyTo(parameters.Value(parameters["fc2.weight"]));
        Fc2Bias.CopyTo(parameters.Value(parameters["fc2.bias"]));
        return network;
    }

    private static int BatchLength(int batch) => Math.Min(BatchSize, Labels.Length - (batch * BatchSize));

    private static float[] BatchInputs(int batch) => Inputs.AsSpan(batch * BatchSize * 2, BatchLength(batch) * 2).ToArray();

    private static int[] BatchLabels(int batch) => Labels.AsSpan(batch * BatchSize, BatchLength(batch)).ToArray();

    private static double[] SumOverBatches(Func<int, double[]> perBatch, int length)
    {
        var sum = new double[length];
        for (var b = 0; b * BatchSize < Labels.Length; b++)
        {
            var part = perBatch(b);
            for (var i = 0; i < length; i++)
            {
                sum[i] += part[i];
            }
        }

        return sum;
    }

    private static void AssertClose(INetwork network, double[] expected, float[] actual, double relativeTolerance)
    {
        var scale = 0.0;
        foreach (var tensor in network.Parameters.Tensors.Where(t => t.IsPrunable))
        {
            for (var i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                scale = Math.Max(scale, Math.Abs(expected[i]));
            }
        }

        Assert.True(scale > 0, "the reference scores are all zero: the test would not discriminate");
        foreach (var tensor in network.Parameters.Tensors.Where(t => t.IsPrunable))
        {
            for (var i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                var error = Math.Abs(actual[i] - expected[i]);
                Assert.True(error <= relativeTolerance * scale, $"{tensor.Name}[{i - tensor.Offset}]: expected {expected[i]:R}, got {actual[i]:R} (scale {scale:R})");
            }
        }
    }
}
