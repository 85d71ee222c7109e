using ModelGen.Model;

namespace ModelGen.Tests.IO;

/// <summary>
/// A hand-written <see cref="INetwork"/> with whatever layers and tensors a test gives it, including ones no generator
/// would produce (unknown kinds, sizes that do not chain): what the exporter must reject clearly. It cannot compute.
/// </summary>
internal sealed class FakeNetwork : INetwork
{
    public FakeNetwork(IReadOnlyList<LayerInfo> layers, IReadOnlyList<ParameterTensor> tensors)
    {
        Layers = layers;
        Parameters = new ParameterSet(tensors);
        Masks = new MaskSet(Parameters);
        for (var i = 0; i < Parameters.Count; i++)
        {
            Parameters.Values[i] = 0.01f * (i + 1);
        }
    }

    public string Name => "fake";

    public int InputSize => Layers[0].InputSize;

    public int OutputSize => Layers[^1].OutputSize;

    public IReadOnlyList<LayerInfo> Layers { get; }

    public ParameterSet Parameters { get; }

    public MaskSet Masks { get; }

    /// <summary>Plain layers, each with a weight [out, in] and a bias [out], laid out one after another.</summary>
    public static FakeNetwork Dense(params LayerInfo[] layers)
    {
        var tensors = new List<ParameterTensor>();
        var offset = 0;
        for (var i = 0; i < layers.Length; i++)
        {
            var layer = layers[i];
            tensors.Add(new ParameterTensor(layer.Name + ".weight", layer.Name, i, ParameterRole.Weight, layer.OutputSize, layer.InputSize, offset, layer.InputSize, true));
            offset += layer.OutputSize * layer.InputSize;
            tensors.Add(new ParameterTensor(layer.Name + ".bias", layer.Name, i, ParameterRole.Bias, layer.OutputSize, 1, offset, layer.InputSize, false));
            offset += layer.OutputSize;
        }

        return new FakeNetwork(layers, tensors);
    }

    public void Forward(ReadOnlySpan<float> input, int batch, Span<float> output) => throw new NotSupportedException();

    public float ForwardBackward(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, float temperature = 1f) => throw new NotSupportedException();

    public float HessianVectorProduct(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, ReadOnlySpan<float> vector, Span<float> result, float temperature = 1f) => throw new NotSupportedException();

    public void ForwardBackwardFromOutput(ReadOnlySpan<float> input, int batch, ReadOnlySpan<float> outputGradient, bool linearized, Span<float> output) => throw new NotSupportedException();
}
