using ModelGen.Examples;
using ModelGen.Kernels;
using ModelGen.Model;
using ModelGen.Training;
using Xunit;

namespace ModelGen.Tests.Generated;

/// <summary>
/// LeNet-300-100 with random masks: the per-layer kernel choice, agreement of the sparse path with the dense path
/// on the same (zeroed) weights, thread-count invariance and weights staying zero through training steps.
/// </summary>
public sealed class SparseExecutionTests
{
    private const int Batch = 7;

    [Fact]
    public void Execution_reports_the_choice_by_density_and_follows_mask_changes()
    {
        var network = new LeNet300(seed: 1);
        Assert.All(network.Execution, e => Assert.Equal((KernelKind.Dense, 1.0), (e.Kernel, e.Density)));

        Prune(network, new Random(2), density: 0.5);
        Assert.All(network.Execution, e => Assert.Equal(KernelKind.Dense, e.Kernel));

        Prune(network, new Random(2), density: 0.02);
        var execution = network.Execution;
        Assert.Equal(["fc1", "fc2", "fc3"], execution.Select(e => e.Layer));
        Assert.All(execution, e => Assert.Equal(KernelKind.Sparse, e.Kernel));
        var fc1 = network.Parameters["fc1.weight"];
        Assert.Equal(network.Masks.CountKept(fc1) / (double)fc1.Length, execution[0].Density, 12);

        network.Masks.Reset();
        Assert.All(network.Execution, e => Assert.Equal((KernelKind.Dense, 1.0), (e.Kernel, e.Density)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(Batch)]
    public void Sparse_path_matches_the_dense_path_on_the_same_weights(int batch)
    {
        var sparse = new LeNet300(seed: 3);
        Prune(sparse, new Random(4), density: 0.05);
        Assert.Equal(KernelKind.Sparse, sparse.Execution[0].Kernel);
        var dense = new LeNet300(seed: 3);
        sparse.Parameters.Values.CopyTo(dense.Parameters.Values, 0);
        var (input, labels) = Data(new Random(5), batch);

        var expected = new float[batch * 10];
        var actual = new float[batch * 10];
        dense.Forward(input, batch, expected);
        sparse.Forward(input, batch, actual);
        AssertClose(expected, actual);

        dense.Parameters.ZeroGradients();
        sparse.Parameters.ZeroGradients();
        Assert.Equal(dense.ForwardBackward(input, labels, batch), sparse.ForwardBackward(input, labels, batch), 5);
        var mask = sparse.Masks.Values.ToArray();
        var kept = dense.Parameters.Gradients.Select((g, i) => mask[i] == 0f ? 0f : g).ToArray();
        AssertClose(kept, sparse.Parameters.Gradients);
    }

    [Fact]
    public void Training_steps_are_bit_identical_across_thread_counts_and_removed_weights_stay_zero()
    {
        float[] Train(int threads)
        {
            var previous = Gemm.MaxDegreeOfParallelism;
            Gemm.MaxDegreeOfParallelism = threads;
            try
            {
                var network = new LeNet300(seed: 6);
                Prune(network, new Random(7), density: 0.1);
                var adam = new Adam(network.Parameters, 1e-3f);
                var random = new Random(8);
                for (var step = 0; step < 4; step++)
                {
                    var (input, labels) = Data(random, 60);
                    network.Masks.ZeroGradients();
                    network.ForwardBackward(input, labels, 60);
                    adam.Step(network.Masks);
                }

                var mask = network.Masks.Values;
                for (var i = 0; i < mask.Length; i++)
                {
                    if (mask[i] == 0f)
                    {
                        Assert.Equal(0f, network.Parameters.Values[i]);
                    }
                }

                return network.Parameters.Values.ToArray();
            }
            finally
            {
                Gemm.MaxDegreeOfParallelism = previous;
            }
        }

        Assert.Equal(Train(1), Train(2));
    }

    /// <summary>
    /// Sample by sample, a sparse layer above the per-sample crossover runs its forward and input-gradient products on
    /// the dense kernels (bit for bit the masked network's dense products) and its weight gradient on the sparse walk;
    /// from 8 samples everything runs sparse; a layer at or below the crossover stays sparse at every batch.
    /// </summary>
    [Fact]
    public void Below_eight_samples_layers_above_the_per_sample_crossover_run_forward_dense()
    {
        var network = new LeNet300(seed: 6);
        var random = new Random(7);
        var fc1 = network.Parameters["fc1.weight"];
        var fc2 = network.Parameters["fc2.weight"];
        network.Masks.Set(fc1, Enumerable.Range(0, fc1.Length).Select(_ => random.NextDouble() < 0.05 ? 1f : 0f).ToArray());
        network.Masks.Set(fc2, Enumerable.Range(0, fc2.Length).Select(_ => random.NextDouble() < 0.2 ? 1f : 0f).ToArray());
        network.Masks.ApplyToParameters();
        var execution = network.Execution;
        Assert.Equal((KernelKind.Sparse, KernelKind.Sparse, KernelKind.Sparse), (execution[0].Kernel, execution[0].KernelAt(1), execution[0].KernelAt(60)));
        Assert.Equal((KernelKind.Sparse, KernelKind.Dense, KernelKind.Dense, KernelKind.Sparse), (execution[1].Kernel, execution[1].PerSampleKernel, execution[1].KernelAt(7), execution[1].KernelAt(8)));

        var handle = new WeightMatrixHandle(network.Parameters, network.Masks, fc2);
        handle.Prepare();
        Assert.Equal((KernelKind.Sparse, KernelKind.Dense), (handle.Kernel, handle.PerSampleKernel));
        var weights = network.Parameters.Value(fc2).ToArray();
        var pattern = SparsePattern.FromMask(network.Masks.Get(fc2), 100, 300);
        foreach (var batch in new[] { 1, 3, 60 })
        {
            var x = Enumerable.Range(0, batch * 300).Select(_ => random.NextDouble() < 0.5 ? 0f : (float)random.NextDouble()).ToArray();
            var dy = Enumerable.Range(0, batch * 100).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            var y = new float[batch * 100];
            var expectedY = new float[batch * 100];
            var dx = new float[batch * 300];
            var expectedDx = new float[batch * 300];
            handle.Forward(x, y, batch);
            handle.InputGradient(dy, dx, batch);
            if (batch < SparseGemm.VectorBatch)
            {
                Gemm.MultiplyTransposedB(x, weights, expectedY, batch, 100, 300);
                Gemm.Multiply(dy, weights, expectedDx, batch, 300, 100);
            }
            else
            {
                SparseGemm.MultiplyTransposedB(x, pattern, weights, expectedY, batch);
                SparseGemm.Multiply(dy, pattern, weights, expectedDx, batch);
            }

            Assert.Equal(expectedY, y);
            Assert.Equal(expectedDx, dx);

            // The weight gradient stays on the sparse walk: removed entries are never written.
            var gradients = Enumerable.Repeat(0.25f, network.Parameters.Count).ToArray();
            handle.AccumulateWeightGradient(dy, x, gradients, batch);
            var expectedG = Enumerable.Repeat(0.25f, fc2.Length).ToArray();
            SparseGemm.AccumulateWeightGradient(dy, x, pattern, expectedG, new float[pattern.Count], batch);
            Assert.Equal(expectedG, gradients.AsSpan(fc2.Offset, fc2.Length).ToArray());
        }
    }

    [Fact]
    public void A_handle_refuses_to_compute_with_a_mask_changed_since_prepare()
    {
        var network = new LeNet300(seed: 9);
        var tensor = network.Parameters["fc2.weight"];
        var handle = new WeightMatrixHandle(network.Parameters, network.Masks, tensor);
        handle.Prepare();
        handle.Forward(new float[300], new float[100], 1);
        network.Masks.Set(tensor, new float[tensor.Length]);
        Assert.Equal(KernelKind.Sparse, handle.Kernel); // describing the new choice is not preparing for it
        var error = Assert.Throws<InvalidOperationException>(() => handle.Forward(new float[300], new float[100], 1));
        Assert.Contains("fc2.weight", error.Message);
        handle.Prepare();
        Assert.Equal(KernelKind.Sparse, handle.Kernel);
        var output = Enumerable.Repeat(1f, 100).ToArray();
        handle.Forward(Enumerable.Repeat(1f, 300).ToArray(), output, 1);
        Assert.All(output, y => Assert.Equal(0f, y));

        var other = new LeNet300(seed: 9);
        Assert.Throws<ArgumentException>(() => new WeightMatrixHandle(other.Parameters, other.Masks, tensor));
        Assert.Throws<ArgumentException>(() => new WeightMatrixHandle(network.Parameters, other.Masks, tensor));
    }

    /// <summary>Random masks of the given density on every weight, and the removed values zeroed.</summary>
    private static void Prune(INetwork network, Random random, double density)
    {
        foreach (var tensor in network.Parameters.Tensors.Where(t => t.IsPrunable))
        {
            var mask = new float[tensor.Length];
            for (var i = 0; i < mask.Length; i++)
            {
                mask[i] = random.NextDouble() < density ? 1f : 0f;
            }

            network.Masks.Set(tensor, mask);
        }

        network.Masks.ApplyToParameters();
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

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f + 1e-4f * Math.Abs(expected[i]), $"entry {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
