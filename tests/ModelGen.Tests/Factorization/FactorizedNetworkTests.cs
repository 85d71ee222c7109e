using MathNet.Numerics.LinearAlgebra;
using ModelGen.Examples;
using ModelGen.Factorization;
using ModelGen.Model;
using ModelGen.Tests.Data;
using ModelGen.Training;
using Xunit;
using static ModelGen.Tests.Factorization.FactorTestLayouts;

namespace ModelGen.Tests.Factorization;

/// <summary>A factorized layer first, a plain one, and a factorized logits layer (rank 2 of 5 outputs).</summary>
[Model(Input = 12, Name = "factor-test-lowrank")]
[Dense(9, Activation.ReLU, Rank = 3)]
[Dense(8, Activation.Tanh)]
[Dense(5, Rank = 2)]
public partial class FactorTestLowRankNet
{
}

/// <summary><see cref="FactorTestLowRankNet"/> with every layer dense.</summary>
[Model(Input = 12, Name = "factor-test-dense")]
[Dense(9, Activation.ReLU)]
[Dense(8, Activation.Tanh)]
[Dense(5)]
public partial class FactorTestDenseNet
{
}

/// <summary>
/// Generated factorized networks against dense networks that hold W = U·Vt: the factorized layer must compute exactly
/// the dense layer of its effective matrix, forward and backward, and the generated constructor must apply spectral
/// initialization.
/// </summary>
public sealed class FactorizedNetworkTests
{
    /// <summary>Copies a factorized network into a dense twin: W = U·Vt for factorized layers, everything else as is.</summary>
    private static void CopyAsDense(INetwork factorized, INetwork dense)
    {
        foreach (var layer in factorized.Layers)
        {
            var weight = dense.Parameters[layer.Name + ".weight"];
            FactorizedLayers.EffectiveWeight(factorized.Parameters, layer, dense.Parameters.Value(weight));
            var bias = layer.Name + ".bias";
            factorized.Parameters.Value(factorized.Parameters[bias]).CopyTo(dense.Parameters.Value(dense.Parameters[bias]));
        }
    }

    private static float[] RandomInputs(int count, int seed)
    {
        var random = new Random(seed);
        var inputs = new float[count];
        for (var i = 0; i < count; i++)
        {
            inputs[i] = (float)random.NextDouble();
        }

        return inputs;
    }

    public static TheoryData<string> Pairs() => new() { "small", "lenet300-r32" };

    private static (INetwork Factorized, INetwork Dense) Create(string pair, int seed) => pair switch
    {
        "small" => (new FactorTestLowRankNet(seed), new FactorTestDenseNet(seed)),
        _ => (new LeNet300Rank32(seed), new LeNet300(seed)),
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void FactorizedForwardEqualsDenseForwardOfTheEffectiveWeight(string pair)
    {
        var (factorized, dense) = Create(pair, seed: 1);
        CopyAsDense(factorized, dense);
        const int batch = 16;
        var input = RandomInputs(batch * factorized.InputSize, seed: 2);
        var expected = new float[batch * dense.OutputSize];
        var actual = new float[batch * factorized.OutputSize];
        dense.Forward(input, batch, expected);
        factorized.Forward(input, batch, actual);

        // U(Vt x) and (U·Vt)x differ only in float rounding: per layer about √in·2^-24 of Σ|w||x| (≈ 2e-5 for fc1 of
        // LeNet-300 at init, whose pre-activations are O(1)), so logits of O(0.1–1) agree to 1e-4. A wrong factor
        // order or a transposed factor gives O(1) differences.
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-4);
        }
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void FactorGradientsAreTheDenseGradientThroughTheChainRule(string pair)
    {
        var (factorized, dense) = Create(pair, seed: 3);
        CopyAsDense(factorized, dense);
        const int batch = 16;
        var input = RandomInputs(batch * factorized.InputSize, seed: 4);
        var labels = Enumerable.Range(0, batch).Select(i => i % factorized.OutputSize).ToArray();
        factorized.Parameters.ZeroGradients();
        dense.Parameters.ZeroGradients();
        var factorizedLoss = factorized.ForwardBackward(input, labels, batch);
        var denseLoss = dense.ForwardBackward(input, labels, batch);
        Assert.Equal(denseLoss, factorizedLoss, 1e-5);

        foreach (var layer in factorized.Layers)
        {
            var gradW = ToMatrix(dense.Parameters.Gradient(dense.Parameters[layer.Name + ".weight"]), layer.OutputSize, layer.InputSize);
            var bias = layer.Name + ".bias";
            Assert.True(MaxAbs(ToMatrix(factorized.Parameters.Gradient(factorized.Parameters[bias]), layer.OutputSize, 1)
                - ToMatrix(dense.Parameters.Gradient(dense.Parameters[bias]), layer.OutputSize, 1)) < 1e-5 + (1e-3 * MaxAbs(gradW)));
            if (layer.Kind != LayerKind.FactorizedDense)
            {
                continue;
            }

            // y = U(Vt x): ∂L/∂U = ∂L/∂W · Vtᵀ and ∂L/∂Vt = Uᵀ · ∂L/∂W, with ∂L/∂W the dense layer's gradient.
            var u = Factor(factorized.Parameters, layer.Name + ".U");
            var vt = Factor(factorized.Parameters, layer.Name + ".Vt");
            var expectedU = gradW.TransposeAndMultiply(vt);
            var expectedVt = u.TransposeThisAndMultiply(gradW);
            var gradU = Factor(factorized.Parameters, layer.Name + ".U", gradient: true);
            var gradVt = Factor(factorized.Parameters, layer.Name + ".Vt", gradient: true);
            // Both sides are float sums over a batch of 16 and ≤ 784 inputs; 1e-3 of the largest entry covers their
            // rounding (≲ 1e-5 relative) with a wide margin while a wrong term is off at order 1.
            Assert.True(MaxAbs(gradU - expectedU) < 1e-3 * MaxAbs(expectedU), $"{layer.Name}.U");
            Assert.True(MaxAbs(gradVt - expectedVt) < 1e-3 * MaxAbs(expectedVt), $"{layer.Name}.Vt");
        }
    }

    [Fact]
    public void ConstructorAppliesSpectralInitializationToFactorizedLayersOnly()
    {
        var network = new LeNet300Rank16(seed: 5);
        var constructed = network.Parameters.Snapshot();
        SpectralInitializer.Initialize(network.Parameters, network.Layers, seed: 5);
        Assert.Equal(constructed, network.Parameters.Values);

        // fc3 (plain) keeps PyTorch's default from the constructor: uniform within ±1/√100.
        var fc3 = network.Parameters.Value(network.Parameters["fc3.weight"]).ToArray();
        Assert.All(fc3, w => Assert.InRange(Math.Abs(w), 0, 1 / Math.Sqrt(100)));

        // Spectral factors are balanced: UᵀU = Vt·Vtᵀ = diag(σ₁…σ_r) (see SpectralInitializerTests for the tolerance).
        var u = Factor(network.Parameters, "fc1.U");
        var vt = Factor(network.Parameters, "fc1.Vt");
        var gramU = u.TransposeThisAndMultiply(u);
        Assert.True(MaxAbs(gramU - vt.TransposeAndMultiply(vt)) < 1e-5 * MaxAbs(gramU));
    }

    [Fact]
    public void EffectiveWeightByLayerNameMatchesANaiveProduct()
    {
        var network = new LeNet300Rank8(seed: 6);
        var effective = FactorizedLayers.EffectiveWeight(network, "fc2");
        var expected = Factor(network.Parameters, "fc2.U") * Factor(network.Parameters, "fc2.Vt");
        Assert.Equal(100 * 300, effective.Length);
        Assert.True(MaxAbs(ToMatrix(effective, 100, 300) - expected) < 1e-6 * MaxAbs(expected));
        Assert.Equal(network.Parameters.Value(network.Parameters["fc3.weight"]).ToArray(), FactorizedLayers.EffectiveWeight(network, "fc3"));
        var error = Assert.Throws<ArgumentException>(() => FactorizedLayers.EffectiveWeight(network, "fc9"));
        Assert.Contains("fc9", error.Message);
    }

    [Fact]
    public void TrainingWithFrobeniusDecayLearnsAndShrinksTheProductMoreThanWithout()
    {
        // Two epochs of lenet300-r16 on the bundled MNIST split, once with a strong Frobenius decay on the factors and
        // once without: both must learn (the factorized path trains end to end through the trainer hook), and the
        // decayed run must end with a smaller ‖U·Vt‖_F, since that is what the penalty acts on.
        var (train, test) = BundledData.Mnist;
        var options = new TrainingOptions { Epochs = 2, BatchSize = 60, Seed = 0 };

        var plain = new LeNet300Rank16(seed: 0);
        new Trainer(plain, new Adam(plain.Parameters, 1.2e-3f), options).Train(train);

        var decayed = new LeNet300Rank16(seed: 0);
        var decay = new FrobeniusDecay(decayed, 1e-2f);
        var trainer = new Trainer(decayed, new Adam(decayed.Parameters, 1.2e-3f), options)
        {
            BeforeOptimizerStep = decay.Apply,
        };
        trainer.Train(train);

        // Two epochs of the rank-32 LeNet reach 88–89% on this split (seeds 0–2); 80% leaves room for rank 16 and
        // noise while failing a broken path (chance is 10%).
        var plainAccuracy = Evaluator.Evaluate(plain, test).Accuracy;
        var decayedAccuracy = Evaluator.Evaluate(decayed, test).Accuracy;
        Assert.True(plainAccuracy > 0.80, $"accuracy without decay {plainAccuracy:P2}");
        Assert.True(decayedAccuracy > 0.80, $"accuracy with Frobenius decay {decayedAccuracy:P2}");
        Assert.True(decay.LastPenalty > 0);
        foreach (var layer in new[] { "fc1", "fc2" })
        {
            var plainNorm = System.Numerics.Tensors.TensorPrimitives.Norm(FactorizedLayers.EffectiveWeight(plain, layer));
            var decayedNorm = System.Numerics.Tensors.TensorPrimitives.Norm(FactorizedLayers.EffectiveWeight(decayed, layer));
            Assert.True(decayedNorm < plainNorm * 0.9, $"{layer}: ‖U·Vt‖ {decayedNorm} with decay vs {plainNorm} without.");
        }
    }
}
