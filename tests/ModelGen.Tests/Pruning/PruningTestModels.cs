using System;
using ModelGen.Data;
using ModelGen.Model;

namespace ModelGen.Tests.Pruning;

// Small generated networks for the pruner tests. Odd sizes so that rounding and ties matter; every activation so
// that scores are checked through each derivative.

/// <summary>7 → 5 → 3 → 4 with ReLU and Tanh: 62 prunable weights in tensors of 35, 15 and 12.</summary>
[Model(Input = 7, Name = "prune-odd")]
[Dense(5, Activation.ReLU)]
[Dense(3, Activation.Tanh)]
[Dense(4)]
public partial class PruneOddNet
{
}

/// <summary>9 → 6 (factorized at rank 2, prunable) → 3: layer-wise scope must treat U and Vt as tensors.</summary>
[Model(Input = 9, Name = "prune-factorized")]
[Dense(6, Activation.ReLU, Rank = 2, Prunable = true)]
[Dense(3)]
public partial class PruneFactorizedNet
{
}

/// <summary>2 → 3 → 2 with Tanh: the hand-checked SNIP/GraSP model.</summary>
[Model(Input = 2, Name = "score-tanh")]
[Dense(3, Activation.Tanh)]
[Dense(2)]
public partial class ScoreTanhNet
{
}

/// <summary>2 → 3 → 2 with Sigmoid.</summary>
[Model(Input = 2, Name = "score-sigmoid")]
[Dense(3, Activation.Sigmoid)]
[Dense(2)]
public partial class ScoreSigmoidNet
{
}

/// <summary>2 → 3 → 2 with ReLU.</summary>
[Model(Input = 2, Name = "score-relu")]
[Dense(3, Activation.ReLU)]
[Dense(2)]
public partial class ScoreReluNet
{
}

/// <summary>Shared fixtures for the pruner tests.</summary>
internal static class PruningFixtures
{
    /// <summary>
    /// A learnable synthetic task: inputs uniform in [0, 1), the label the argmax of a fixed random linear map, so
    /// a small network trains to well above chance within a few epochs.
    /// </summary>
    public static Dataset Synthetic(int count, int features, int classes, int seed)
    {
        var random = new Random(seed);
        var map = new double[classes * features];
        for (var i = 0; i < map.Length; i++)
        {
            map[i] = (random.NextDouble() * 2) - 1;
        }

        var inputs = new float[count * features];
        var labels = new int[count];
        for (var n = 0; n < count; n++)
        {
            for (var j = 0; j < features; j++)
            {
                inputs[(n * features) + j] = (float)random.NextDouble();
            }

            var best = 0;
            var bestValue = double.NegativeInfinity;
            for (var c = 0; c < classes; c++)
            {
                var value = 0.0;
                for (var j = 0; j < features; j++)
                {
                    value += map[(c * features) + j] * (inputs[(n * features) + j] - 0.5);
                }

                if (value > bestValue)
                {
                    bestValue = value;
                    best = c;
                }
            }

            labels[n] = best;
        }

        return new Dataset(inputs, labels, features, classes);
    }

    /// <summary>Total prunable weights of a network.</summary>
    public static int PrunableWeights(INetwork network)
    {
        var total = 0;
        foreach (var tensor in network.Parameters.Tensors)
        {
            total += tensor.IsPrunable ? tensor.Length : 0;
        }

        return total;
    }

    /// <summary>Prunable weights the network's mask keeps.</summary>
    public static int KeptWeights(INetwork network)
    {
        var kept = 0;
        foreach (var tensor in network.Parameters.Tensors)
        {
            kept += tensor.IsPrunable ? network.Masks.CountKept(tensor) : 0;
        }

        return kept;
    }
}

/// <summary>
/// 1×6×6 → conv 3@3×3 ReLU → max-pool 2 → conv 4@2×2 Tanh → dense 5 ReLU → dense 3: 110 prunable weights in tensors
/// of 27, 48, 20 and 15, every pruner and lth's per-kind rates checked on a convolutional network.
/// </summary>
[Model(Channels = 1, Height = 6, Width = 6, Name = "prune-conv")]
[Conv2D(3, 3, Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(4, 2, Activation.Tanh)]
[Dense(5, Activation.ReLU)]
[Dense(3)]
public partial class PruneConvNet
{
}
