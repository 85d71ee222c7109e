using ModelGen.Examples;
using ModelGen.Model;
using Xunit;

namespace ModelGen.Tests.Generated;

/// <summary>
/// What the generated code computes, checked against <see cref="ReferenceNetwork"/> (double precision, plain loops):
/// forward values, gradients and Hessian-vector products against central finite differences, with and without masks,
/// for every activation and for factorized layers.
/// </summary>
public sealed class GeneratedNetworkTests
{
    private const int Batch = 4;

    // The generated code runs in float32 over sums of at most a few dozen O(1) terms (rounding ≲ 1e-6); the double
    // finite differences are accurate to ~1e-9. 5e-5 absolute plus 1e-3 relative is far above the former and far
    // below the size of any real error (a wrong term changes entries by O(1e-2) or more).
    private const double AbsoluteTolerance = 5e-5;
    private const double RelativeTolerance = 1e-3;

    public static TheoryData<string, bool, float> Cases()
    {
        var data = new TheoryData<string, bool, float>();
        foreach (var model in new[] { "relu", "tanh", "sigmoid", "factorized" })
        {
            data.Add(model, false, 1f);
            data.Add(model, true, 1f);
        }

        data.Add("tanh", false, 3f);
        data.Add("factorized", true, 200f);

        // Masks keeping ≤ 15% of each prunable tensor: every prunable matrix runs on the sparse kernels.
        foreach (var model in new[] { "relu-sparse", "tanh-sparse", "sigmoid-sparse", "factorized-sparse" })
        {
            data.Add(model, true, 1f);
        }

        // Convolution, pooling and flatten layers (issue 8).
        foreach (var model in new[] { "conv-tanh", "conv-stride", "pool-first" })
        {
            data.Add(model, false, 1f);
            data.Add(model, true, 1f);
        }

        data.Add("conv-tanh", true, 200f);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_matches_reference(string model, bool masked, float temperature)
    {
        _ = temperature;
        var (network, input, _) = Setup(model, masked);
        var output = new float[Batch * network.OutputSize];
        network.Forward(input, Batch, output);
        var theta = ToDouble(network.Parameters.Values);
        var mask = network.Masks.Values.ToArray();
        for (var s = 0; s < Batch; s++)
        {
            var expected = ReferenceNetwork.Forward(network, theta, mask, input.AsSpan(s * network.InputSize, network.InputSize), linearized: false);
            for (var c = 0; c < expected.Length; c++)
            {
                Assert.Equal(expected[c], output[s * network.OutputSize + c], 1e-5);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradient_matches_central_differences(string model, bool masked, float temperature)
    {
        var (network, input, labels) = Setup(model, masked);
        var parameters = network.Parameters;
        parameters.ZeroGradients();
        var loss = network.ForwardBackward(input, labels, Batch, temperature);

        var theta = ToDouble(parameters.Values);
        var mask = network.Masks.Values.ToArray();
        Assert.Equal(ReferenceNetwork.Loss(network, theta, mask, input, labels, Batch, temperature), loss, 1e-5);
        const double step = 1e-5;
        for (var i = 0; i < theta.Length; i++)
        {
            if (mask[i] == 0f)
            {
                Assert.Equal(0f, parameters.Gradients[i]);
                continue;
            }

            var saved = theta[i];
            theta[i] = saved + step;
            var plus = ReferenceNetwork.Loss(network, theta, mask, input, labels, Batch, temperature);
            theta[i] = saved - step;
            var minus = ReferenceNetwork.Loss(network, theta, mask, input, labels, Batch, temperature);
            theta[i] = saved;
            AssertClose((plus - minus) / (2 * step), parameters.Gradients[i], i);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Hessian_vector_product_matches_mixed_differences(string model, bool masked, float temperature)
    {
        var (network, input, labels) = Setup(model, masked);
        var parameters = network.Parameters;
        var random = new Random(7);
        var direction = new float[parameters.Count];
        for (var i = 0; i < direction.Length; i++)
        {
            direction[i] = (float)(random.NextDouble() * 2 - 1);
        }

        var gradientsBefore = parameters.Gradients.ToArray();
        var result = new float[parameters.Count];
        network.HessianVectorProduct(input, labels, Batch, direction, result, temperature);
        Assert.Equal(gradientsBefore, parameters.Gradients);

        // ∂/∂θᵢ (vᵀ∇L) by mixed central differences of the double-precision loss: O(ε²) truncation, ~1e-8 rounding.
        var theta = ToDouble(parameters.Values);
        var mask = network.Masks.Values.ToArray();
        const double step = 1e-4;
        double LossAt(int i, double along, double across)
        {
            var shifted = (double[])theta.Clone();
            shifted[i] += along;
            for (var j = 0; j < shifted.Length; j++)
            {
                shifted[j] += across * direction[j];
            }

            return ReferenceNetwork.Loss(network, shifted, mask, input, labels, Batch, temperature);
        }

        for (var i = 0; i < theta.Length; i++)
        {
            if (mask[i] == 0f)
            {
                Assert.Equal(0f, result[i]);
                continue;
            }

            var expected = (LossAt(i, step, step) - LossAt(i, step, -step) - LossAt(i, -step, step) + LossAt(i, -step, -step)) / (4 * step * step);
            AssertClose(expected, result[i], i);
        }

        // The product accumulates: a second call adds the same vector again.
        var first = result.ToArray();
        network.HessianVectorProduct(input, labels, Batch, direction, result, temperature);
        for (var i = 0; i < result.Length; i++)
        {
            Assert.Equal(2 * first[i], result[i], 1e-5);
        }
    }

    [Theory]
    [InlineData("relu", true)]
    [InlineData("sigmoid", true)]
    [InlineData("factorized", true)]
    [InlineData("tanh", false)]
    [InlineData("relu-sparse", true)]
    [InlineData("factorized-sparse", true)]
    [InlineData("sigmoid-sparse", false)]
    [InlineData("conv-tanh", true)]
    [InlineData("conv-tanh", false)]
    [InlineData("conv-stride", true)]
    [InlineData("pool-first", true)]
    public void Backward_from_output_matches_differences(string model, bool linearized)
    {
        var (network, input, _) = Setup(model, masked: true);
        var parameters = network.Parameters;
        var random = new Random(3);
        var outputGradient = new float[Batch * network.OutputSize];
        for (var i = 0; i < outputGradient.Length; i++)
        {
            outputGradient[i] = (float)(random.NextDouble() * 2 - 1);
        }

        parameters.ZeroGradients();
        var output = new float[outputGradient.Length];
        network.ForwardBackwardFromOutput(input, Batch, outputGradient, linearized, output);

        var theta = ToDouble(parameters.Values);
        var mask = network.Masks.Values.ToArray();
        for (var s = 0; s < Batch; s++)
        {
            var expected = ReferenceNetwork.Forward(network, theta, mask, input.AsSpan(s * network.InputSize, network.InputSize), linearized);
            for (var c = 0; c < expected.Length; c++)
            {
                Assert.Equal(expected[c], output[s * network.OutputSize + c], 1e-5);
            }
        }

        const double step = 1e-5;
        for (var i = 0; i < theta.Length; i++)
        {
            var saved = theta[i];
            theta[i] = saved + step;
            var plus = ReferenceNetwork.OutputFunctional(network, theta, mask, input, outputGradient, Batch, linearized);
            theta[i] = saved - step;
            var minus = ReferenceNetwork.OutputFunctional(network, theta, mask, input, outputGradient, Batch, linearized);
            theta[i] = saved;
            AssertClose((plus - minus) / (2 * step), parameters.Gradients[i], i);
        }
    }

    [Fact]
    public void Removed_weights_are_zero_and_values_written_under_the_mask_count_only_until_the_mask_is_reapplied()
    {
        var (network, input, _) = Setup("relu", masked: true);
        var values = network.Parameters.Values;
        var mask = network.Masks.Values;

        // MaskSet.Set established the invariant the kernels rely on: removed entries are exactly zero.
        for (var i = 0; i < values.Length; i++)
        {
            Assert.True(mask[i] != 0f || values[i] == 0f, $"removed entry {i} holds {values[i]}");
        }

        var before = new float[Batch * network.OutputSize];
        network.Forward(input, Batch, before);

        // Writing under the mask breaks the invariant (the dense kernels would read the value); reapplying the mask
        // restores it, and the network computes exactly what it did.
        for (var i = 0; i < values.Length; i++)
        {
            if (mask[i] == 0f)
            {
                values[i] = 1000f;
            }
        }

        network.Masks.ApplyToParameters();
        var after = new float[before.Length];
        network.Forward(input, Batch, after);
        Assert.Equal(before, after);
    }

    [Fact]
    public void Gradients_accumulate_across_calls()
    {
        var (network, input, labels) = Setup("tanh", masked: false);
        var parameters = network.Parameters;
        parameters.ZeroGradients();
        network.ForwardBackward(input, labels, Batch);
        var once = parameters.Gradients.ToArray();
        network.ForwardBackward(input, labels, Batch);
        for (var i = 0; i < once.Length; i++)
        {
            Assert.Equal(2 * once[i], parameters.Gradients[i], 1e-6);
        }
    }

    [Fact]
    public void Wrong_sizes_are_rejected_with_the_argument_named()
    {
        var network = new ReluNet(seed: 1);
        var error = Assert.Throws<ArgumentException>(() => network.Forward(new float[5], 2, new float[6]));
        Assert.Equal("input", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.Forward(new float[5], 0, new float[3]));
        var labelsError = Assert.Throws<ArgumentException>(() => network.ForwardBackward(new float[10], new int[1], 2));
        Assert.Equal("labels", labelsError.ParamName);
        var vectorError = Assert.Throws<ArgumentException>(() =>
            network.HessianVectorProduct(new float[5], new int[1], 1, new float[3], new float[network.Parameters.Count]));
        Assert.Equal("vector", vectorError.ParamName);
    }

    [Fact]
    public void Same_seed_gives_same_parameters_and_layout_follows_pytorch_names()
    {
        var a = new FactorizedMixNet(seed: 5);
        var b = new FactorizedMixNet(seed: 5);
        var c = new FactorizedMixNet(seed: 6);
        Assert.Equal(a.Parameters.Values, b.Parameters.Values);
        Assert.NotEqual(a.Parameters.Values, c.Parameters.Values);
        Assert.Equal(
            new[] { "fc1.Vt", "fc1.U", "fc1.bias", "fc2.weight", "fc2.bias", "low.Vt", "low.U", "low.bias", "fc4.weight", "fc4.bias" },
            a.Parameters.Tensors.Select(t => t.Name));
        Assert.Equal(new[] { 2, 7 }, a.Parameters["fc1.Vt"].Shape);
        Assert.Equal(new[] { 6, 2 }, a.Parameters["fc1.U"].Shape);
        Assert.False(a.Parameters["fc1.U"].IsPrunable);
        Assert.False(a.Parameters["fc2.weight"].IsPrunable);
        Assert.True(a.Parameters["low.U"].IsPrunable);
        Assert.True(a.Parameters["fc4.weight"].IsPrunable);
        Assert.Equal(FactorizedMixNet.ParameterCount, a.Parameters.Count);
    }

    [Fact]
    public void Convolution_weights_report_pytorch_shapes_over_their_matrix_view()
    {
        // nn.Conv2d's [out, in, kh, kw]; kernels, masks and pruners keep the matrix view [out, in·kh·kw].
        var network = new LeNet5(seed: 0);
        var conv1 = network.Parameters["conv1.weight"];
        var conv2 = network.Parameters["conv2.weight"];
        Assert.Equal(new[] { 20, 1, 5, 5 }, conv1.Shape);
        Assert.Equal(new[] { 50, 20, 5, 5 }, conv2.Shape);
        Assert.Equal((50, 500), (conv2.Rows, conv2.Cols));
        Assert.Equal(new[] { 50 }, network.Parameters["conv2.bias"].Shape);
        Assert.Equal(new[] { 500, 800 }, network.Parameters["fc1.weight"].Shape);

        // A 1×1 convolution is still four-dimensional, as in PyTorch.
        var pointwise = new PoolFirstNet(seed: 1).Parameters["mix.weight"];
        Assert.Equal(4, pointwise.Shape.Length);
        Assert.Equal(new[] { 1, 1 }, pointwise.Shape[2..]);
    }

    private static (INetwork Network, float[] Input, int[] Labels) Setup(string model, bool masked)
    {
        var sparse = model.EndsWith("-sparse", StringComparison.Ordinal);
        INetwork network = model.Replace("-sparse", string.Empty, StringComparison.Ordinal) switch
        {
            "relu" => new ReluNet(seed: 11),
            "tanh" => new TanhNet(seed: 12),
            "sigmoid" => new SigmoidNet(seed: 13),
            "factorized" => new FactorizedMixNet(seed: 14),
            "conv-tanh" => new ConvTanhNet(seed: 15),
            "conv-stride" => new ConvStrideNet(seed: 16),
            "pool-first" => new PoolFirstNet(seed: 17),
            _ => throw new ArgumentOutOfRangeException(nameof(model)),
        };

        var random = new Random(model.Length * 31 + (masked ? 1 : 0));
        var input = new float[Batch * network.InputSize];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (float)(random.NextDouble() * 4 - 2);
        }

        var labels = new int[Batch];
        for (var s = 0; s < Batch; s++)
        {
            labels[s] = random.Next(network.OutputSize);
        }

        // Biases drawn wider than the default init so ReLU units sit well away from their kink.
        foreach (var tensor in network.Parameters.Tensors.Where(t => t.Role == ParameterRole.Bias))
        {
            var values = network.Parameters.Value(tensor);
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)(random.NextDouble() - 0.5);
            }
        }

        if (masked)
        {
            foreach (var tensor in network.Parameters.Tensors.Where(t => t.IsPrunable))
            {
                var mask = new float[tensor.Length];
                if (sparse)
                {
                    var kept = Math.Max(1, (int)(0.15 * mask.Length));
                    foreach (var position in Enumerable.Range(0, mask.Length).OrderBy(_ => random.Next()).Take(kept))
                    {
                        mask[position] = 1f;
                    }
                }
                else
                {
                    for (var i = 0; i < mask.Length; i++)
                    {
                        mask[i] = random.NextDouble() < 0.3 ? 0f : 1f;
                    }

                    mask[0] = 1f;
                }

                network.Masks.Set(tensor, mask);
            }

            Assert.True(network.Masks.IsActive);
            var prunableLayers = network.Parameters.Tensors.Where(t => t.IsPrunable).Select(t => t.Layer).ToHashSet();
            foreach (var execution in network.Execution)
            {
                var expected = sparse && prunableLayers.Contains(execution.Layer) ? KernelKind.Sparse : KernelKind.Dense;
                Assert.Equal(expected, execution.Kernel);
            }
        }

        return (network, input, labels);
    }

    private static double[] ToDouble(float[] values) => values.Select(v => (double)v).ToArray();

    private static void AssertClose(double expected, float actual, int index)
    {
        var tolerance = AbsoluteTolerance + RelativeTolerance * Math.Abs(expected);
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"parameter {index}: expected {expected:G9}, generated code gave {actual:G9} (tolerance {tolerance:G3})");
    }
}
