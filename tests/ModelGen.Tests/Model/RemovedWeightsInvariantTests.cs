using ModelGen.Examples;
using ModelGen.IO;
using ModelGen.Kernels;
using ModelGen.Model;
using ModelGen.Tests.Data;
using ModelGen.Training;
using Xunit;

namespace ModelGen.Tests.Model;

/// <summary>
/// <see cref="MaskSet"/>'s invariant that removed weights are exactly zero in the parameters, which lets the masked
/// dense mode of <see cref="WeightMatrixHandle"/> read W in place: established by every mask change and by loading,
/// kept by training, and giving exactly what the unmasked network computes on the same weights.
/// </summary>
public sealed class RemovedWeightsInvariantTests
{
    private const int Batch = 9;

    [Fact]
    public void Setting_a_mask_zeroes_exactly_the_removed_weights()
    {
        var network = new LeNet300(seed: 4);
        var before = network.Parameters.Values.ToArray();
        var tensor = network.Parameters["fc2.weight"];
        var mask = RandomMask(new Random(1), tensor.Length, 0.5);
        network.Masks.Set(tensor, mask);

        var values = network.Parameters.Values;
        for (var i = 0; i < values.Length; i++)
        {
            var removed = i >= tensor.Offset && i < tensor.Offset + tensor.Length && mask[i - tensor.Offset] == 0f;
            Assert.Equal(removed ? 0f : before[i], values[i]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(Batch)]
    [InlineData(64)]
    public void Masked_dense_computes_bit_for_bit_what_the_unmasked_network_computes_on_the_same_weights(int batch)
    {
        // Density 0.5 everywhere: every layer runs the dense kernels with a mask, reading W in place.
        var masked = new LeNet300(seed: 5);
        var random = new Random(6);
        foreach (var tensor in masked.Parameters.Tensors.Where(t => t.IsPrunable))
        {
            masked.Masks.Set(tensor, RandomMask(random, tensor.Length, 0.5));
        }

        Assert.All(masked.Execution, e => Assert.Equal(KernelKind.Dense, e.Kernel));
        var plain = new LeNet300(seed: 0);
        masked.Parameters.Values.CopyTo(plain.Parameters.Values, 0);
        var (input, labels) = Data(random, batch);
        AssertSameForward(plain, masked, input, batch);

        plain.Parameters.ZeroGradients();
        masked.Parameters.ZeroGradients();
        Assert.Equal(plain.ForwardBackward(input, labels, batch), masked.ForwardBackward(input, labels, batch));
        var mask = masked.Masks.Values;
        for (var i = 0; i < mask.Length; i++)
        {
            Assert.Equal(mask[i] == 0f ? 0f : plain.Parameters.Gradients[i], masked.Parameters.Gradients[i]);
        }
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.1)]
    public void Removed_weights_stay_exactly_zero_through_training_with_weight_decay(double density)
    {
        var network = new LeNet300(seed: 7);
        var random = new Random(8);
        foreach (var tensor in network.Parameters.Tensors.Where(t => t.IsPrunable))
        {
            network.Masks.Set(tensor, RandomMask(random, tensor.Length, density));
        }

        var (input, labels) = Data(random, 40);
        var trainer = new Trainer(network, new Adam(network.Parameters, 1e-2f, weightDecay: 1e-3f), new TrainingOptions { BatchSize = 20 });
        for (var step = 0; step < 5; step++)
        {
            trainer.TrainStep(input.AsSpan((step % 2) * 20 * 784, 20 * 784), labels.AsSpan((step % 2) * 20, 20), 20);
        }

        AssertRemovedAreZero(network);
    }

    [Fact]
    public void Loading_saved_weights_zeroes_the_removed_entries_whatever_the_network_held()
    {
        using var folder = new TempFolder();
        var source = new LeNet300(seed: 9);
        var random = new Random(10);
        var fc1 = source.Parameters["fc1.weight"];
        source.Masks.Set(fc1, RandomMask(random, fc1.Length, 0.3));
        NetworkWeights.Save(source, folder.File("w.safetensors"));

        // A network whose every weight is nonzero, including where the file's mask removes entries.
        var target = new LeNet300(seed: 11);
        Array.Fill(target.Parameters.Values, 0.5f);
        NetworkWeights.Load(target, folder.File("w.safetensors"));

        AssertRemovedAreZero(target);
        Assert.Equal(source.Parameters.Values, target.Parameters.Values);
        AssertSameForward(source, target, Data(random, Batch).Input, Batch);
    }

    private static void AssertSameForward(INetwork expected, INetwork actual, float[] input, int batch)
    {
        var a = new float[batch * 10];
        var b = new float[batch * 10];
        expected.Forward(input, batch, a);
        actual.Forward(input, batch, b);
        Assert.Equal(a, b);
    }

    private static void AssertRemovedAreZero(INetwork network)
    {
        var values = network.Parameters.Values;
        var mask = network.Masks.Values;
        Assert.Contains(0f, mask.ToArray());
        for (var i = 0; i < values.Length; i++)
        {
            if (mask[i] == 0f)
            {
                Assert.True(values[i] == 0f, $"removed entry {i} holds {values[i]}");
            }
        }
    }

    private static float[] RandomMask(Random random, int length, double density)
    {
        var mask = new float[length];
        for (var i = 0; i < length; i++)
        {
            mask[i] = random.NextDouble() < density ? 1f : 0f;
        }

        mask[0] = 1f;
        return mask;
    }

    /// <summary>MNIST-like inputs: most pixels exactly zero, the rest in (0, 1].</summary>
    private static (float[] Input, int[] Labels) Data(Random random, int batch)
    {
        var input = new float[batch * 784];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = random.NextDouble() < 0.8 ? 0f : (float)random.NextDouble();
        }

        return (input, Enumerable.Range(0, batch).Select(_ => random.Next(10)).ToArray());
    }
}
