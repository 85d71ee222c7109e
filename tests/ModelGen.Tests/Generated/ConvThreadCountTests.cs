using ModelGen.Examples;
using ModelGen.Kernels;
using ModelGen.Training;
using Xunit;

namespace ModelGen.Tests.Generated;

/// <summary>
/// LeNet-5 at a training batch: its convolutions share their chunks of samples out among Gemm's threads (the weight
/// gradient summed per chunk in chunk order), its max-pools their planes, and its dense layers split their products, so
/// the training step, the Hessian-vector product and evaluation must come out bit for bit the same for every thread
/// count.
/// </summary>
public sealed class ConvThreadCountTests
{
    private const int Batch = 60;

    [Fact]
    public void LeNet5_steps_and_hessian_vector_products_are_bit_identical_for_one_two_and_four_threads()
    {
        var one = Run(1);
        foreach (var threads in new[] { 2, 4 })
        {
            var other = Run(threads);
            Assert.Equal(one.Parameters, other.Parameters);
            Assert.Equal(one.Hvp, other.Hvp);
            Assert.Equal(one.Logits, other.Logits);
        }
    }

    private static (float[] Parameters, float[] Hvp, float[] Logits) Run(int threads)
    {
        var previous = Gemm.MaxDegreeOfParallelism;
        Gemm.MaxDegreeOfParallelism = threads;
        try
        {
            var network = new LeNet5(seed: 3);
            var adam = new Adam(network.Parameters, 1.2e-3f);
            var random = new Random(4);
            var (input, labels) = Data(random);
            for (var step = 0; step < 3; step++)
            {
                network.Masks.ZeroGradients();
                network.ForwardBackward(input, labels, Batch);
                adam.Step(network.Masks);
            }

            var vector = Enumerable.Range(0, LeNet5.ParameterCount).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            var hvp = new float[LeNet5.ParameterCount];
            network.HessianVectorProduct(input, labels, Batch, vector, hvp);
            var logits = new float[Batch * 10];
            network.Forward(input, Batch, logits);
            return (network.Parameters.Values.ToArray(), hvp, logits);
        }
        finally
        {
            Gemm.MaxDegreeOfParallelism = previous;
        }
    }

    private static (float[] Input, int[] Labels) Data(Random random)
    {
        var input = new float[Batch * LeNet5.InputFeatures];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = random.NextDouble() < 0.8 ? 0f : (float)random.NextDouble();
        }

        return (input, Enumerable.Range(0, Batch).Select(_ => random.Next(10)).ToArray());
    }
}
