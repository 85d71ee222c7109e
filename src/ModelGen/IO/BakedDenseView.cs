using System;
using System.Collections.Generic;
using ModelGen.Model;

namespace ModelGen.IO;

/// <summary>
/// The dense view of an <see cref="IBakedNetwork"/> at one moment, as savers and exporters read networks: the source
/// model's name, layers and tensor layout (<see cref="IBakedNetwork.DenseLayers"/>, <see cref="IBakedNetwork.DenseTensors"/>)
/// holding <see cref="IBakedNetwork.ExpandToDense"/>'s values and mask. So <see cref="NetworkWeights"/> and
/// <see cref="OnnxExporter"/> write a baked network exactly as they write the masked source network, with no second
/// writer. <see cref="Forward"/> runs the baked network (the contract makes both compute the same function); a view
/// has no gradients of its own (train the baked network), so the training passes refuse.
/// </summary>
internal sealed class BakedDenseView : INetwork
{
    private readonly IBakedNetwork _baked;

    private BakedDenseView(IBakedNetwork baked)
    {
        _baked = baked;
        Parameters = new ParameterSet(baked.DenseTensors);
        var mask = new float[Parameters.Count];
        baked.ExpandToDense(Parameters.Values, mask);
        Masks = new MaskSet(Parameters);
        Masks.Install(mask);
    }

    /// <summary>The dense view of <paramref name="network"/> when it is baked, else the network itself.</summary>
    public static INetwork Of(INetwork network) => network is IBakedNetwork baked ? new BakedDenseView(baked) : network;

    /// <summary>The source model's name: a saved file loads into it.</summary>
    public string Name => _baked.SourceModel;

    /// <inheritdoc />
    public int InputSize => _baked.InputSize;

    /// <inheritdoc />
    public int OutputSize => _baked.OutputSize;

    /// <inheritdoc />
    public IReadOnlyList<LayerInfo> Layers => _baked.DenseLayers;

    /// <inheritdoc />
    public ParameterSet Parameters { get; }

    /// <inheritdoc />
    public MaskSet Masks { get; }

    /// <inheritdoc />
    public void Forward(ReadOnlySpan<float> input, int batch, Span<float> output) => _baked.Forward(input, batch, output);

    /// <inheritdoc />
    public float ForwardBackward(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, float temperature = 1f) => throw NoGradients();

    /// <inheritdoc />
    public float HessianVectorProduct(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, ReadOnlySpan<float> vector, Span<float> result, float temperature = 1f) => throw NoGradients();

    /// <inheritdoc />
    public void ForwardBackwardFromOutput(ReadOnlySpan<float> input, int batch, ReadOnlySpan<float> outputGradient, bool linearized, Span<float> output) => throw NoGradients();

    private NotSupportedException NoGradients() =>
        new($"The dense view of baked network '{_baked.Name}' is for saving and exporting; train '{_baked.Name}' itself.");
}
