using ModelGen.Factorization;
using ModelGen.Model;
using Xunit;
using static ModelGen.Tests.Factorization.FactorTestLayouts;

namespace ModelGen.Tests.Factorization;

public sealed class FactorizedLayersTests
{
    private static readonly LayerInfo[] Layers = { Factorized("fc1", 37, 23, 5), Plain("fc2", 23, 9) };

    [Fact]
    public void EffectiveWeightOfAFactorizedLayerIsTheProductOfItsFactors()
    {
        var parameters = Build(Layers);
        FillRandom(parameters, seed: 1);
        var effective = new float[23 * 37];
        FactorizedLayers.EffectiveWeight(parameters, Layers[0], effective);

        var u = parameters.Value(parameters["fc1.U"]);
        var vt = parameters.Value(parameters["fc1.Vt"]);
        for (var i = 0; i < 23; i++)
        {
            for (var j = 0; j < 37; j++)
            {
                double sum = 0;
                for (var k = 0; k < 5; k++)
                {
                    sum += (double)u[(i * 5) + k] * vt[(k * 37) + j];
                }

                // Five float products summed in float: error ≤ ~5·6e-8 of |u||vt| ≤ 1, far below 1e-6.
                Assert.Equal(sum, effective[(i * 37) + j], 1e-6);
            }
        }
    }

    [Fact]
    public void EffectiveWeightOfAPlainLayerIsItsWeight()
    {
        var parameters = Build(Layers);
        FillRandom(parameters, seed: 2);
        var effective = new float[9 * 23];
        FactorizedLayers.EffectiveWeight(parameters, Layers[1], effective);
        Assert.Equal(parameters.Value(parameters["fc2.weight"]).ToArray(), effective);
    }

    [Fact]
    public void EffectiveWeightRejectsAWrongDestination()
    {
        var parameters = Build(Layers);
        var error = Assert.Throws<ArgumentException>(() => FactorizedLayers.EffectiveWeight(parameters, Layers[0], new float[10]));
        Assert.Contains("fc1", error.Message);
    }

    [Fact]
    public void ExcludeFactorsKeepsDecayOnPlainWeightsAndBiasesOnly()
    {
        var parameters = Build(Layers);
        var decayed = parameters.Tensors.Where(FactorizedLayers.ExcludeFactors).Select(t => t.Name).ToArray();
        Assert.Equal(new[] { "fc1.bias", "fc2.weight", "fc2.bias" }, decayed);
    }
}
