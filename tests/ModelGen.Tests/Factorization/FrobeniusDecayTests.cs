using MathNet.Numerics.LinearAlgebra;
using ModelGen.Factorization;
using ModelGen.Model;
using Xunit;
using static ModelGen.Tests.Factorization.FactorTestLayouts;

namespace ModelGen.Tests.Factorization;

public sealed class FrobeniusDecayTests
{
    // A mixed model: two factorized layers of different ranks around a plain one.
    private static readonly LayerInfo[] Layers =
    {
        Factorized("fc1", 9, 7, 3),
        Plain("fc2", 7, 6),
        Factorized("fc3", 6, 11, 4),
    };

    private static ParameterSet RandomParameters(int seed)
    {
        var parameters = Build(Layers);
        FillRandom(parameters, seed);
        return parameters;
    }

    /// <summary>(λ/2)‖U·Vt‖²_F over the factorized layers with U·Vt formed explicitly, in double.</summary>
    private static double ExplicitPenalty(ParameterSet parameters, float lambda) =>
        Layers.Where(l => l.Kind == LayerKind.FactorizedDense).Sum(l =>
        {
            var product = Factor(parameters, l.Name + ".U") * Factor(parameters, l.Name + ".Vt");
            return 0.5 * lambda * product.FrobeniusNorm() * product.FrobeniusNorm();
        });

    [Theory]
    [InlineData(1e-4f)]
    [InlineData(0.3f)]
    public void PenaltyEqualsHalfLambdaTimesTheSquaredNormOfTheExplicitProduct(float lambda)
    {
        var parameters = RandomParameters(seed: 1);
        var expected = ExplicitPenalty(parameters, lambda);
        // The Gram route sums r² products of float sums of ≤ 11 terms: relative error a few 1e-7; 1e-5 is ample.
        Assert.Equal(expected, FrobeniusDecay.Penalty(parameters, Layers, lambda), expected * 1e-5);
    }

    [Fact]
    public void GradientEqualsTheGradientOfTheExplicitlyFormedPenalty()
    {
        const float lambda = 0.3f;
        var parameters = RandomParameters(seed: 2);
        FrobeniusDecay.AddGradient(parameters, Layers, lambda);

        foreach (var layer in Layers.Where(l => l.Kind == LayerKind.FactorizedDense))
        {
            var u = Factor(parameters, layer.Name + ".U");
            var vt = Factor(parameters, layer.Name + ".Vt");
            var product = u * vt;
            // ∂/∂U (λ/2)‖U·Vt‖² = λ (U·Vt) Vtᵀ and ∂/∂Vt = λ Uᵀ (U·Vt), through the [out, in] product.
            var expectedU = lambda * product.TransposeAndMultiply(vt);
            var expectedVt = lambda * u.TransposeThisAndMultiply(product);
            var gradU = ToMatrix(parameters.Gradient(parameters[layer.Name + ".U"]), layer.OutputSize, layer.Rank);
            var gradVt = ToMatrix(parameters.Gradient(parameters[layer.Name + ".Vt"]), layer.Rank, layer.InputSize);
            // Float Gram matrices and products against double: 1e-5 of the largest entry is ~100× the rounding.
            Assert.True(MaxAbs(gradU - expectedU) < MaxAbs(expectedU) * 1e-5, $"{layer.Name}.U");
            Assert.True(MaxAbs(gradVt - expectedVt) < MaxAbs(expectedVt) * 1e-5, $"{layer.Name}.Vt");
        }

        // Plain layers and biases get nothing.
        foreach (var tensor in parameters.Tensors.Where(t => !FactorizedLayers.IsFactor(t)))
        {
            Assert.All(parameters.Gradient(tensor).ToArray(), g => Assert.Equal(0f, g));
        }
    }

    [Fact]
    public void GradientMatchesCentralDifferencesOfThePenalty()
    {
        const float lambda = 0.3f;
        var parameters = RandomParameters(seed: 3);
        FrobeniusDecay.AddGradient(parameters, Layers, lambda);
        var analytic = (float[])parameters.Gradients.Clone();

        // P is quadratic in any single entry (U·Vt is linear in it), so a central difference has no truncation error
        // and h can be large: what remains is float rounding of P (~1e-7·P ≈ 1e-6 here) divided by 2h = 0.1, i.e.
        // ~1e-5, well inside the 1e-3 tolerance. A wrong factor (H for G, a missing λ) is off at order 1.
        const float h = 0.05f;
        var checkedEntries = 0;
        foreach (var tensor in parameters.Tensors.Where(FactorizedLayers.IsFactor))
        {
            for (var i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                var original = parameters.Values[i];
                parameters.Values[i] = original + h;
                var plus = FrobeniusDecay.Penalty(parameters, Layers, lambda);
                parameters.Values[i] = original - h;
                var minus = FrobeniusDecay.Penalty(parameters, Layers, lambda);
                parameters.Values[i] = original;
                var numeric = (plus - minus) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic[i]) < 1e-3 * Math.Max(1, Math.Abs(analytic[i])), $"{tensor.Name}[{i - tensor.Offset}]: {analytic[i]} vs {numeric}");
                checkedEntries++;
            }
        }

        Assert.Equal((7 * 3) + (3 * 9) + (11 * 4) + (4 * 6), checkedEntries);
    }

    [Fact]
    public void BoundInstanceAddsToExistingGradientsAndRecordsThePenalty()
    {
        const float lambda = 0.05f;
        var parameters = RandomParameters(seed: 4);
        var reference = RandomParameters(seed: 4);
        FrobeniusDecay.AddGradient(reference, Layers, lambda);

        Array.Fill(parameters.Gradients, 0.25f);
        var decay = new FrobeniusDecay(parameters, Layers, lambda);
        Assert.Equal(2, decay.FactorizedLayerCount);
        decay.Apply(parameters);

        for (var i = 0; i < parameters.Count; i++)
        {
            Assert.Equal(reference.Gradients[i] + 0.25f, parameters.Gradients[i], 1e-6f);
        }

        Assert.Equal(FrobeniusDecay.Penalty(parameters, Layers, lambda), decay.LastPenalty);
        Assert.Equal(decay.LastPenalty, decay.ComputePenalty());
    }

    [Fact]
    public void ApplyAllocatesNothing()
    {
        var parameters = RandomParameters(seed: 5);
        var decay = new FrobeniusDecay(parameters, Layers, 1e-4f);
        decay.Apply(parameters);
        decay.ComputePenalty();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            decay.Apply(parameters);
            decay.ComputePenalty();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ModelWithoutFactorizedLayersHasNoPenalty()
    {
        var layers = new[] { Plain("fc1", 5, 4), Plain("fc2", 4, 3) };
        var parameters = Build(layers);
        FillRandom(parameters, seed: 6);
        Assert.Equal(0f, FrobeniusDecay.Penalty(parameters, layers, 1f));
        var decay = new FrobeniusDecay(parameters, layers, 1f);
        decay.Apply(parameters);
        Assert.All(parameters.Gradients, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        var parameters = RandomParameters(seed: 7);
        Assert.Throws<ArgumentOutOfRangeException>(() => FrobeniusDecay.Penalty(parameters, Layers, -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrobeniusDecay(parameters, Layers, float.NaN));
        var decay = new FrobeniusDecay(parameters, Layers, 1f);
        var error = Assert.Throws<ArgumentException>(() => decay.Apply(RandomParameters(seed: 7)));
        Assert.Contains("bound", error.Message);
    }
}
