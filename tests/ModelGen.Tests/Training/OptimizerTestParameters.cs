using ModelGen.Model;

namespace ModelGen.Tests.Training;

/// <summary>Small parameter sets for optimizer tests, laid out like a generated network's.</summary>
internal static class OptimizerTestParameters
{
    /// <summary>One prunable weight of <paramref name="weights"/> entries (1 row) followed by a 1-entry bias.</summary>
    public static ParameterSet WeightAndBias(int weights) => new(
    [
        new ParameterTensor("fc1.weight", "fc1", 0, ParameterRole.Weight, 1, weights, 0, weights, IsPrunable: true),
        new ParameterTensor("fc1.bias", "fc1", 0, ParameterRole.Bias, 1, 1, weights, weights, IsPrunable: false),
    ]);

    /// <summary>A single prunable 1×2 weight, the shape of the hand-computed examples.</summary>
    public static ParameterSet Pair(float first, float second)
    {
        var parameters = new ParameterSet(
        [
            new ParameterTensor("fc1.weight", "fc1", 0, ParameterRole.Weight, 1, 2, 0, 2, IsPrunable: true),
        ]);
        parameters.Values[0] = first;
        parameters.Values[1] = second;
        return parameters;
    }

    public static void SetGradients(ParameterSet parameters, params float[] gradients) => gradients.CopyTo(parameters.Gradients, 0);

    /// <summary>Deterministic pseudo-random values in (−scale, scale).</summary>
    public static void Fill(Span<float> values, int seed, float scale)
    {
        var random = new Random(seed);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        }
    }
}
