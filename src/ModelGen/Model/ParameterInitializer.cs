using System;
using System.ComponentModel;

namespace ModelGen.Model;

/// <summary>Seeded, deterministic parameter initialization.</summary>
[EditorBrowsable(EditorBrowsableState.Never)] // public for generated code in users' assemblies, hidden from their completion (as STJ hides JsonMetadataServices)
public static class ParameterInitializer
{
    /// <summary>
    /// PyTorch's default <c>nn.Linear</c> initialization: every entry of every tensor uniform in
    /// (−1/√fan_in, 1/√fan_in) with the tensor's <see cref="ParameterTensor.FanIn"/> (weights and biases alike; this is
    /// what <c>kaiming_uniform_(a=√5)</c> amounts to). Tensors are drawn in storage order from one stream seeded by
    /// <paramref name="seed"/>, so the same seed gives the same parameters.
    /// </summary>
    public static void InitializeDefault(ParameterSet parameters, int seed)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var random = new Random(seed);
        foreach (var tensor in parameters.Tensors)
        {
            FillUniform(parameters.Value(tensor), 1.0 / Math.Sqrt(tensor.FanIn), random);
        }
    }

    /// <summary>Fills <paramref name="values"/> uniformly in (−bound, bound) from <paramref name="random"/>.</summary>
    public static void FillUniform(Span<float> values, double bound, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2.0 - 1.0) * bound);
        }
    }
}
