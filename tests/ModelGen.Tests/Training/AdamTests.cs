using ModelGen.Model;
using ModelGen.Training;
using Xunit;
using static ModelGen.Tests.Training.OptimizerTestParameters;

namespace ModelGen.Tests.Training;

public sealed class AdamTests
{
    // |w| ≤ 2.2 after three steps; each step is ~10 float32 operations on well-conditioned values (m/√v ≈ ±1), so
    // accumulated rounding is a few ulp(2) ≈ 2.4e-7 and β stored as float (0.9f − 0.9 ≈ 2.4e-8) shifts results by
    // < 1e-7. 1e-6 allows that, while a wrong bias correction or decoupled decay moves results by ≥ 1e-3.
    private const float Tolerance = 1e-6f;

    [Fact]
    public void Weight_decay_and_bias_correction_match_hand_computed_steps()
    {
        var parameters = Pair(1f, -2f);
        var adam = new Adam(parameters, learningRate: 0.1f, weightDecay: 0.1f);
        var masks = new MaskSet(parameters);

        // Step 1: d = g + 0.1·w = (0.6, 0.05); m = 0.1·d, v = 0.001·d²; m̂ = d, √v̂ = |d|, so
        // w −= 0.1·d/(|d| + 1e-8) = 0.1·sign(d): (0.9, −2.1) up to 0.1·1e-8/|d| ≈ 2e-8.
        SetGradients(parameters, 0.5f, 0.25f);
        adam.Step(masks);
        AssertValues(parameters, 0.9000000016666666, -2.099999980000004);

        // Step 2: d = (−1 + 0.09, 0.5 − 0.21) = (−0.91, 0.29); m = 0.9·(0.06, 0.005) + 0.1·d = (−0.037, 0.0335);
        // v = 0.999·(3.6e-4, 2.5e-6) + 0.001·d² = (1.18774e-3, 8.65975e-5); with 1 − 0.9² = 0.19 and
        // 1 − 0.999² = 1.999e-3: w −= 0.1·(m/0.19)/(√(v/1.999e-3) + 1e-8) = (0.9 + 0.0252635, −2.1 − 0.0847120).
        SetGradients(parameters, -1f, 0.5f);
        adam.Step(masks);
        AssertValues(parameters, 0.9252635194456061, -2.1847119740372833);

        // Step 3: zero gradient, so d = 0.1·w drives both moments (values from the same formulas at t = 3).
        SetGradients(parameters, 0f, 0f);
        adam.Step(masks);
        AssertValues(parameters, 0.9393154851900462, -2.1991883891007475);
        Assert.Equal(3, adam.StepCount);
    }

    [Fact]
    public void Vector_body_and_tail_agree_with_a_double_precision_reference()
    {
        // 37 weights + 1 bias, the bias excluded from decay: segments of 37 (four 8-wide vectors + 5 tail) and 1.
        var parameters = WeightAndBias(37);
        Fill(parameters.Values, seed: 4, scale: 1f);
        var reference = parameters.Values.Select(v => (double)v).ToArray();
        var m = new double[reference.Length];
        var v = new double[reference.Length];
        const double lr = 0.01, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, wd = 0.05;
        var adam = new Adam(parameters, (float)lr, weightDecay: (float)wd, decayFilter: t => t.Role == ParameterRole.Weight);
        var masks = new MaskSet(parameters);

        for (var t = 1; t <= 6; t++)
        {
            Fill(parameters.Gradients, seed: 200 + t, scale: 1f);
            for (var i = 0; i < reference.Length; i++)
            {
                var decay = i < 37 ? wd : 0;
                var d = parameters.Gradients[i] + (decay * reference[i]);
                m[i] = (beta1 * m[i]) + ((1 - beta1) * d);
                v[i] = (beta2 * v[i]) + ((1 - beta2) * d * d);
                var denominator = (Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(beta2, t))) + eps;
                reference[i] -= lr / (1 - Math.Pow(beta1, t)) * m[i] / denominator;
            }

            adam.Step(masks);
        }

        // Each step moves a weight by ≤ lr·(m̂/√v̂) ≲ 0.03; float32 rounding of that ratio (relative ~1e-6 after the
        // square root and division) over six steps stays below 1e-6 absolute.
        for (var i = 0; i < reference.Length; i++)
        {
            Assert.Equal(reference[i], parameters.Values[i], 1e-6);
        }
    }

    [Fact]
    public void Masked_weights_stay_exactly_zero_despite_moments_and_gradients()
    {
        var parameters = WeightAndBias(12);
        Fill(parameters.Values, seed: 5, scale: 1f);
        var adam = new Adam(parameters, learningRate: 0.01f, weightDecay: 0.01f);
        var masks = new MaskSet(parameters);

        // Moments built up on every weight; then prune a third of them and keep feeding nonzero gradients there.
        Fill(parameters.Gradients, seed: 6, scale: 1f);
        adam.Step(masks);
        var weight = parameters["fc1.weight"];
        float[] mask = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0];
        masks.Set(weight, mask);
        masks.ApplyToParameters();
        for (var step = 0; step < 4; step++)
        {
            Fill(parameters.Gradients, seed: 20 + step, scale: 1f);
            adam.Step(masks);
        }

        var values = parameters.Value(weight).ToArray();
        for (var i = 0; i < values.Length; i++)
        {
            if (mask[i] == 0f)
            {
                Assert.Equal(0f, values[i]);
            }
            else
            {
                Assert.NotEqual(0f, values[i]);
            }
        }
    }

    [Fact]
    public void Decay_filter_excludes_tensors_from_weight_decay()
    {
        var parameters = WeightAndBias(3);
        parameters.Values.AsSpan().Fill(2f);
        var adam = new Adam(parameters, learningRate: 0.1f, weightDecay: 0.5f, decayFilter: t => t.Role != ParameterRole.Bias);

        // Zero gradients: the decayed weights get d = 0.5·2 = 1 and move by lr·sign(d) = 0.1 on the first step;
        // the bias sees d = 0, so m = 0 and it stays exactly 2.
        adam.Step(new MaskSet(parameters));

        Assert.All(parameters.Value(parameters["fc1.weight"]).ToArray(), w => Assert.Equal(1.9f, w, Tolerance));
        Assert.Equal(2f, parameters.Values[3]);
    }

    [Fact]
    public void Reset_restarts_the_bias_correction_and_clears_the_moments()
    {
        var parameters = Pair(1f, -2f);
        var adam = new Adam(parameters, learningRate: 0.1f);
        var masks = new MaskSet(parameters);
        SetGradients(parameters, 3f, -0.5f);
        adam.Step(masks);
        adam.Step(masks);

        adam.Reset();
        parameters.Restore([1f, -2f]);
        SetGradients(parameters, -1f, 1f);
        adam.Step(masks);

        // A first step again: w −= lr·sign(g) (stale moments would have kept w[0] moving the other way).
        Assert.Equal(1, adam.StepCount);
        AssertValues(parameters, 1.1, -2.1);
    }

    [Fact]
    public void Rejects_bad_hyperparameters()
    {
        var parameters = Pair(0f, 0f);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(parameters, learningRate: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(parameters, learningRate: 0.1f, beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(parameters, learningRate: 0.1f, beta2: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(parameters, learningRate: 0.1f, epsilon: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(parameters, learningRate: 0.1f, weightDecay: float.PositiveInfinity));
        Assert.Equal("adam", new Adam(parameters, 0.1f).Name);
    }

    private static void AssertValues(ParameterSet parameters, double first, double second)
    {
        Assert.Equal((float)first, parameters.Values[0], Tolerance);
        Assert.Equal((float)second, parameters.Values[1], Tolerance);
    }
}
