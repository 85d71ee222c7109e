using ModelGen.Examples;
using ModelGen.Kernels;
using ModelGen.Model;
using ModelGen.Training;
using Xunit;

namespace ModelGen.Tests.Generated;

/// <summary>Widths that are not multiples of 8 and a sigmoid (whose feature-major padding is 0.5, not 0).</summary>
[Model(Input = 37, Name = "test-feature-major")]
[Dense(29, Activation.Sigmoid)]
[Dense(19, Activation.Tanh)]
[Dense(13, Activation.ReLU)]
[Dense(5)]
public partial class OddWidthNet
{
}

/// <summary>
/// Generated networks on the sparse path (activations feature-major between two sparse layers, the input transposed
/// once when the first layer runs sparse) against the same weights on the dense path: forward, gradients,
/// Hessian-vector products and the linearized pass, at batches around the 8-lane vectors and the 64-sample tiles, with
/// masks that make some layers sparse and others dense so that both layouts meet at a boundary. Results do not depend
/// on the thread count, nor on what earlier passes left in the padding lanes.
/// </summary>
public sealed class FeatureMajorExecutionTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var masks in new[] { "lenet-all", "lenet-first-and-last", "lenet-last-two", "odd-first-two", "odd-last-three" })
        {
            foreach (var batch in new[] { 1, 7, 8, 9, 60, 64, 65, 256 })
            {
                data.Add(masks, batch);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sparse_path_matches_the_dense_path_in_every_pass(string masks, int batch)
    {
        var (sparse, dense, expectedKernels) = Pair(masks);
        Assert.Equal(expectedKernels, sparse.Execution.Select(e => e.Kernel));
        var random = new Random(batch * 17 + masks.Length);
        var (input, labels) = Data(random, sparse.InputSize, sparse.OutputSize, batch, mnistLike: masks.StartsWith("lenet", StringComparison.Ordinal));
        var keep = sparse.Masks.Values.ToArray();
        var outputs = sparse.OutputSize * batch;

        // Forward.
        var expected = new float[outputs];
        var actual = new float[outputs];
        dense.Forward(input, batch, expected);
        sparse.Forward(input, batch, actual);
        AssertClose(expected, actual, "forward");

        // Loss and gradients (the dense network is unmasked: compare at kept positions; removed ones stay zero).
        dense.Parameters.ZeroGradients();
        sparse.Parameters.ZeroGradients();
        Assert.Equal(dense.ForwardBackward(input, labels, batch), sparse.ForwardBackward(input, labels, batch), 4);
        AssertClose(Kept(dense.Parameters.Gradients, keep), sparse.Parameters.Gradients, "gradient");
        AssertRemovedZero(sparse.Parameters.Gradients, keep, "gradient");

        // Hessian-vector product: the sparse network masks the direction itself.
        var vector = Enumerable.Range(0, sparse.Parameters.Count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var expectedHv = new float[vector.Length];
        var actualHv = new float[vector.Length];
        dense.HessianVectorProduct(input, labels, batch, Kept(vector, keep), expectedHv);
        sparse.HessianVectorProduct(input, labels, batch, vector, actualHv);
        AssertClose(Kept(expectedHv, keep), actualHv, "Hessian-vector product");
        AssertRemovedZero(actualHv, keep, "Hessian-vector product");

        // Backward from a given output gradient, linearized (SynFlow's pass) and not.
        var outputGradient = Enumerable.Range(0, outputs).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        foreach (var linearized in new[] { true, false })
        {
            dense.Parameters.ZeroGradients();
            sparse.Parameters.ZeroGradients();
            dense.ForwardBackwardFromOutput(input, batch, outputGradient, linearized, expected);
            sparse.ForwardBackwardFromOutput(input, batch, outputGradient, linearized, actual);
            AssertClose(expected, actual, $"output (linearized {linearized})");
            AssertClose(Kept(dense.Parameters.Gradients, keep), sparse.Parameters.Gradients, $"gradient from output (linearized {linearized})");
        }
    }

    [Theory]
    [InlineData("lenet-all")]
    [InlineData("lenet-last-two")]
    [InlineData("odd-first-two")]
    [InlineData("odd-last-three")]
    public void Earlier_passes_leave_nothing_behind_in_the_padding_lanes(string masks)
    {
        // Batch 64 fills every lane of a stride-64 buffer; batch 60 then has four padding lanes holding its data.
        var (used, _, _) = Pair(masks);
        var (fresh, _, _) = Pair(masks);
        var random = new Random(5);
        var (first, firstLabels) = Data(random, used.InputSize, used.OutputSize, 64, mnistLike: false);
        var (input, labels) = Data(random, used.InputSize, used.OutputSize, 60, mnistLike: false);
        var vector = Enumerable.Range(0, used.Parameters.Count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        used.ForwardBackward(first, firstLabels, 64);
        used.HessianVectorProduct(first, firstLabels, 64, vector, new float[vector.Length]);

        used.Parameters.ZeroGradients();
        fresh.Parameters.ZeroGradients();
        Assert.Equal(fresh.ForwardBackward(input, labels, 60), used.ForwardBackward(input, labels, 60));
        Assert.Equal(fresh.Parameters.Gradients, used.Parameters.Gradients);
        var expectedHv = new float[vector.Length];
        var actualHv = new float[vector.Length];
        fresh.HessianVectorProduct(input, labels, 60, vector, expectedHv);
        used.HessianVectorProduct(input, labels, 60, vector, actualHv);
        Assert.Equal(expectedHv, actualHv);
    }

    [Theory]
    [InlineData("lenet-first-and-last", 65)]
    [InlineData("odd-first-two", 60)]
    [InlineData("odd-last-three", 256)]
    public void Steps_and_Hessian_vector_products_are_bit_identical_for_one_and_two_threads(string masks, int batch)
    {
        (float[] Parameters, float[] Hv) Run(int threads)
        {
            var previous = Gemm.MaxDegreeOfParallelism;
            Gemm.MaxDegreeOfParallelism = threads;
            try
            {
                var (network, _, _) = Pair(masks);
                var adam = new Adam(network.Parameters, 1e-3f);
                var random = new Random(8);
                for (var step = 0; step < 3; step++)
                {
                    var (input, labels) = Data(random, network.InputSize, network.OutputSize, batch, mnistLike: false);
                    network.Masks.ZeroGradients();
                    network.ForwardBackward(input, labels, batch);
                    adam.Step(network.Masks);
                }

                var (x, y) = Data(random, network.InputSize, network.OutputSize, batch, mnistLike: false);
                var vector = Enumerable.Range(0, network.Parameters.Count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
                var hv = new float[vector.Length];
                network.HessianVectorProduct(x, y, batch, vector, hv);
                return (network.Parameters.Values.ToArray(), hv);
            }
            finally
            {
                Gemm.MaxDegreeOfParallelism = previous;
            }
        }

        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Parameters, two.Parameters);
        Assert.Equal(one.Hv, two.Hv);
    }

    [Fact]
    public void Boundaries_are_feature_major_only_between_two_sparse_handles_at_vectorised_batches()
    {
        var network = new LeNet300(seed: 1);
        Prune(network, new Random(2), [0.05, 0.6, 0.2]);
        var fc1 = new WeightMatrixHandle(network.Parameters, network.Masks, network.Parameters["fc1.weight"]);
        var fc2 = new WeightMatrixHandle(network.Parameters, network.Masks, network.Parameters["fc2.weight"]);
        var fc3 = new WeightMatrixHandle(network.Parameters, network.Masks, network.Parameters["fc3.weight"]);
        fc1.Prepare();
        fc2.Prepare();
        fc3.Prepare();
        Assert.Equal((KernelKind.Sparse, KernelKind.Dense, KernelKind.Sparse), (fc1.Kernel, fc2.Kernel, fc3.Kernel));
        Assert.True(fc1.InputLayout(60).IsFeatureMajor);
        Assert.False(fc1.InputLayout(7).IsFeatureMajor);
        Assert.False(fc2.InputLayout(60).IsFeatureMajor);
        Assert.False(WeightMatrixHandle.Boundary(fc1, fc2, 60).IsFeatureMajor);
        Assert.False(WeightMatrixHandle.Boundary(fc2, fc3, 60).IsFeatureMajor);
        Assert.True(WeightMatrixHandle.Boundary(fc1, fc3, 60).IsFeatureMajor);
        Assert.False(WeightMatrixHandle.Boundary(fc1, fc3, 7).IsFeatureMajor);

        // The dense modes only ever see sample-major operands: a feature-major one is a caller bug, not a silent misread.
        var fm = ActivationLayout.For(true, 60);
        var error = Assert.Throws<InvalidOperationException>(() => fc2.Forward(new float[fm.Length(300)], fm, new float[60 * 100], ActivationLayout.SampleMajor(60)));
        Assert.Contains("fc2.weight", error.Message);
        Assert.Throws<InvalidOperationException>(() => fc2.TransposeInput(new float[60 * 300], new float[fm.Length(300)], fm));
    }

    /// <summary>
    /// The sparse network (masks of the named pattern, removed weights zeroed), the same weights in an unmasked network
    /// (dense kernels), and the kernels the sparse one should run.
    /// </summary>
    private static (INetwork Sparse, INetwork Dense, KernelKind[] Kernels) Pair(string masks)
    {
        var (densities, factory) = masks switch
        {
            "lenet-all" => (new[] { 0.05, 0.1, 0.2 }, (Func<INetwork>)(() => new LeNet300(seed: 3))),
            "lenet-first-and-last" => ([0.05, 0.6, 0.2], () => new LeNet300(seed: 3)),
            "lenet-last-two" => ([0.6, 0.1, 0.2], () => new LeNet300(seed: 3)),
            "odd-first-two" => ([0.2, 0.25, 0.7, 0.25], () => new OddWidthNet(seed: 4)),
            "odd-last-three" => ([1.0, 0.25, 0.2, 0.25], () => new OddWidthNet(seed: 4)),
            _ => throw new ArgumentOutOfRangeException(nameof(masks)),
        };

        var sparse = factory();
        var random = new Random(masks.Length);
        foreach (var tensor in sparse.Parameters.Tensors.Where(t => t.Role == ParameterRole.Bias))
        {
            // Biases away from zero, so padding (bias-free) and real lanes differ visibly.
            var values = sparse.Parameters.Value(tensor);
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)(random.NextDouble() - 0.5);
            }
        }

        Prune(sparse, random, densities);
        var dense = factory();
        sparse.Parameters.Values.CopyTo(dense.Parameters.Values, 0);
        return (sparse, dense, densities.Select(d => d <= SparseKernelChoice.CrossoverDensity ? KernelKind.Sparse : KernelKind.Dense).ToArray());
    }

    /// <summary>Keeps exactly round(density·length) random entries (at least one) of each layer's weight; 1 leaves it unmasked.</summary>
    private static void Prune(INetwork network, Random random, double[] densities)
    {
        var weights = network.Parameters.Tensors.Where(t => t.IsPrunable).ToList();
        Assert.Equal(densities.Length, weights.Count);
        for (var l = 0; l < weights.Count; l++)
        {
            if (densities[l] >= 1.0)
            {
                continue;
            }

            var tensor = weights[l];
            var mask = new float[tensor.Length];
            var kept = Math.Max(1, (int)Math.Round(densities[l] * mask.Length));
            foreach (var position in Enumerable.Range(0, mask.Length).OrderBy(_ => random.Next()).Take(kept))
            {
                mask[position] = 1f;
            }

            network.Masks.Set(tensor, mask);
        }

        network.Masks.ApplyToParameters();
    }

    /// <summary>Inputs (MNIST-like: 80% exact zeros, which the per-sample kernels skip; or values in (−2, 2)) and labels.</summary>
    private static (float[] Input, int[] Labels) Data(Random random, int features, int classes, int batch, bool mnistLike)
    {
        var input = new float[batch * features];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = mnistLike
                ? (random.NextDouble() < 0.8 ? 0f : (float)random.NextDouble())
                : (float)(random.NextDouble() * 4 - 2);
        }

        return (input, Enumerable.Range(0, batch).Select(_ => random.Next(classes)).ToArray());
    }

    private static float[] Kept(float[] values, float[] keep) => values.Select((v, i) => keep[i] == 0f ? 0f : v).ToArray();

    private static void AssertRemovedZero(float[] values, float[] keep, string what)
    {
        for (var i = 0; i < values.Length; i++)
        {
            Assert.True(keep[i] != 0f || values[i] == 0f, $"{what}: removed entry {i} is {values[i]}");
        }
    }

    /// <summary>
    /// Float rounding between two summation orders of at most a few thousand terms (batch 256 × 784 inputs for a
    /// weight gradient): within 1e-4 of the largest magnitude; a missing or wrong term moves an entry by far more.
    /// </summary>
    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = Math.Max(1f, expected.Max(Math.Abs));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f * scale, $"{what}, entry {i}: expected {expected[i]}, got {actual[i]} (scale {scale})");
        }
    }
}
