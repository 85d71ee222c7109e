using ModelGen.Examples;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Tests.Data;
using ModelGen.Training;

namespace ModelGen.Tests.IO;

/// <summary>
/// The networks the ONNX tests export, built once per test run: trained on the bundled digits so that
/// weights and logits have trained magnitudes (not just the small values of an initialization).
/// </summary>
internal static class OnnxNetworks
{
    private static readonly Lazy<INetwork> DenseNetwork = new(() => Trained(new LeNet300(seed: 3)));

    private static readonly Lazy<INetwork> PrunedNetwork = new(() =>
    {
        var network = new LeNet300(seed: 4);
        new SnipPruner(BundledData.Mnist.Train).Prune(network, sparsity: 0.9);
        return Trained(network);
    });

    private static readonly Lazy<INetwork> FactorizedNetwork = new(() => Trained(new LeNet300Rank16(seed: 5)));

    private static readonly Lazy<INetwork> MixedNetwork = new(() =>
    {
        var network = new OnnxMixedNet(seed: 6);
        new RandomPruner(seed: 7).Prune(network, sparsity: 0.6);

        // The Sigmoid layer behind a pruned rank-8 bottleneck learns slowly: one epoch leaves it near chance.
        return Trained(network, epochs: 3);
    });

    /// <summary>LeNet-300-100, dense.</summary>
    public static INetwork Dense => DenseNetwork.Value;

    /// <summary>LeNet-300-100 with SNIP at 90% sparsity, trained with the mask in place.</summary>
    public static INetwork Pruned => PrunedNetwork.Value;

    /// <summary>LeNet-300-100 with fc1 and fc2 factorized at rank 16.</summary>
    public static INetwork Factorized => FactorizedNetwork.Value;

    /// <summary>Factorized and plain layers, Tanh/Sigmoid/ReLU, 60% randomly pruned (including a factorized layer).</summary>
    public static INetwork Mixed => MixedNetwork.Value;

    /// <summary>The networks by the name the theories use.</summary>
    public static INetwork Get(string name) => name switch
    {
        "dense" => Dense,
        "pruned" => Pruned,
        "factorized" => Factorized,
        "mixed" => Mixed,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown test network."),
    };

    private static INetwork Trained(INetwork network, int epochs = 1)
    {
        var optimizer = new Adam(network.Parameters, learningRate: 1.2e-3f);
        new Trainer(network, optimizer, new TrainingOptions { Epochs = epochs, Seed = 0 }).Train(BundledData.Mnist.Train);
        return network;
    }
}
