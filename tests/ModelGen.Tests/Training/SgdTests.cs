using ModelGen.Model;
using ModelGen.Training;
using Xunit;
using static ModelGen.Tests.Training.OptimizerTestParameters;

namespace ModelGen.Tests.Training;

public sealed class SgdTests
{
    // Values of magnitude ≤ 2.3 after three steps of a few float operations each: a handful of float32 roundings
    // (ulp(2) ≈ 2.4e-7) stays well below 1e-6, while any wrong term (a missing λ·w, momentum applied on the first
    // step) changes results by ≥ 1e-2.
    private const float Tolerance = 1e-6f;

    [Fact]
    public void Momentum_and_weight_decay_match_hand_computed_steps()
    {
        var parameters = Pair(1f, -2f);
        var sgd = new Sgd(parameters, learningRate: 0.5f, momentum: 0.9f, weightDecay: 0.1f);
        var masks = new MaskSet(parameters);

        // Step 1: d = g + 0.1·w = (0.5 + 0.1, 0.25 − 0.2) = (0.6, 0.05); b = d (first step); w − 0.5·b = (0.7, −2.025).
        SetGradients(parameters, 0.5f, 0.25f);
        sgd.Step(masks);
        AssertValues(parameters, 0.7, -2.025);

        // Step 2: d = (−1 + 0.07, 0.5 − 0.2025) = (−0.93, 0.2975); b = 0.9·(0.6, 0.05) + d = (−0.39, 0.3425);
        // w = (0.7 + 0.195, −2.025 − 0.17125) = (0.895, −2.19625).
        SetGradients(parameters, -1f, 0.5f);
        sgd.Step(masks);
        AssertValues(parameters, 0.895, -2.19625);

        // Step 3: zero gradient, decay only: d = (0.0895, −0.219625); b = 0.9·(−0.39, 0.3425) + d = (−0.2615, 0.088625);
        // w = (0.895 + 0.13075, −2.19625 − 0.0443125) = (1.02575, −2.2405625).
        SetGradients(parameters, 0f, 0f);
        sgd.Step(masks);
        AssertValues(parameters, 1.02575, -2.2405625);
    }

    [Fact]
    public void Plain_sgd_subtracts_the_scaled_gradient()
    {
        var parameters = Pair(1f, -2f);
        var sgd = new Sgd(parameters, learningRate: 0.5f);
        var masks = new MaskSet(parameters);

        SetGradients(parameters, 0.5f, 0.25f);
        sgd.Step(masks);
        SetGradients(parameters, -1f, 0.5f);
        sgd.Step(masks);

        // (1 − 0.25 + 0.5, −2 − 0.125 − 0.25): no momentum carries over.
        AssertValues(parameters, 1.25, -2.375);
    }

    [Fact]
    public void Vector_body_and_tail_agree_with_a_double_precision_reference()
    {
        // 37 weights + 1 bias: four full 8-wide vectors and a 6-element scalar tail in one segment.
        var parameters = WeightAndBias(37);
        Fill(parameters.Values, seed: 1, scale: 1f);
        var reference = parameters.Values.Select(v => (double)v).ToArray();
        var buffer = new double[reference.Length];
        const double lr = 0.05, mu = 0.8, wd = 0.01;
        var sgd = new Sgd(parameters, (float)lr, (float)mu, (float)wd);
        var masks = new MaskSet(parameters);

        for (var step = 0; step < 5; step++)
        {
            Fill(parameters.Gradients, seed: 100 + step, scale: 2f);
            for (var i = 0; i < reference.Length; i++)
            {
                var d = parameters.Gradients[i] + (wd * reference[i]);
                buffer[i] = step == 0 ? d : (mu * buffer[i]) + d;
                reference[i] -= lr * buffer[i];
            }

            sgd.Step(masks);
        }

        // |w| ≲ 2 after five steps; float32 rounding of hyperparameters (e.g. 0.8f vs 0.8, relative 1e-8) and of
        // ~20 operations per element stays below 2e-6.
        for (var i = 0; i < reference.Length; i++)
        {
            Assert.Equal(reference[i], parameters.Values[i], 2e-6);
        }
    }

    [Fact]
    public void Masked_weights_stay_exactly_zero_despite_momentum_and_gradients()
    {
        var parameters = WeightAndBias(10);
        Fill(parameters.Values, seed: 2, scale: 1f);
        var sgd = new Sgd(parameters, learningRate: 0.1f, momentum: 0.9f, weightDecay: 0.01f);
        var masks = new MaskSet(parameters);

        // Build up momentum on every weight, then prune half of them: the buffer still pushes them.
        Fill(parameters.Gradients, seed: 3, scale: 1f);
        sgd.Step(masks);
        var weight = parameters["fc1.weight"];
        masks.Set(weight, [1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
        masks.ApplyToParameters();
        for (var step = 0; step < 3; step++)
        {
            Fill(parameters.Gradients, seed: 10 + step, scale: 1f);
            sgd.Step(masks);
        }

        var values = parameters.Value(weight).ToArray();
        for (var i = 1; i < values.Length; i += 2)
        {
            Assert.Equal(0f, values[i]);
        }

        for (var i = 0; i < values.Length; i += 2)
        {
            Assert.NotEqual(0f, values[i]);
        }
    }

    [Fact]
    public void Decay_filter_excludes_tensors_from_weight_decay()
    {
        var parameters = WeightAndBias(3);
        parameters.Values.AsSpan().Fill(2f);
        var sgd = new Sgd(parameters, learningRate: 0.5f, weightDecay: 0.1f, decayFilter: t => t.Role != ParameterRole.Bias);

        // Zero gradients: only decay moves anything. Weights: 2 − 0.5·0.1·2 = 1.9; the bias stays exactly 2.
        sgd.Step(new MaskSet(parameters));

        Assert.Equal([1.9f, 1.9f, 1.9f], parameters.Value(parameters["fc1.weight"]).ToArray());
        Assert.Equal(2f, parameters.Values[3]);
    }

    [Fact]
    public void Reset_makes_the_next_step_a_first_step()
    {
        var parameters = Pair(1f, -2f);
        var sgd = new Sgd(parameters, learningRate: 0.5f, momentum: 0.9f);
        var masks = new MaskSet(parameters);
        SetGradients(parameters, 1f, 1f);
        sgd.Step(masks);

        sgd.Reset();
        parameters.Restore([1f, -2f]);
        sgd.Step(masks);

        // Without the reset the buffer would be 0.9·1 + 1 = 1.9; after it, b = g = 1.
        AssertValues(parameters, 0.5, -2.5);
    }

    [Fact]
    public void Rejects_bad_hyperparameters_and_foreign_masks()
    {
        var parameters = Pair(0f, 0f);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(parameters, learningRate: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(parameters, learningRate: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(parameters, learningRate: 0.1f, momentum: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(parameters, learningRate: 0.1f, weightDecay: -1f));

        var sgd = new Sgd(parameters, 0.1f);
        var exception = Assert.Throws<ArgumentException>(() => sgd.Step(new MaskSet(WeightAndBias(4))));
        Assert.Contains("covers 5 entries", exception.Message);
        Assert.Equal("sgd", sgd.Name);
    }

    private static void AssertValues(ParameterSet parameters, double first, double second)
    {
        Assert.Equal((float)first, parameters.Values[0], Tolerance);
        Assert.Equal((float)second, parameters.Values[1], Tolerance);
    }
}
