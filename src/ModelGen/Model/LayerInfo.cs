using System;

namespace ModelGen.Model;

/// <summary>The per-sample shape of a layer's input or output: channels × height × width (n × 1 × 1 for a vector).</summary>
/// <param name="Channels">Channels (features for a vector).</param>
/// <param name="Height">Height (1 for a vector).</param>
/// <param name="Width">Width (1 for a vector).</param>
public readonly record struct SampleShape(int Channels, int Height, int Width)
{
    /// <summary>Values per sample.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>Whether this is a plain vector (height and width 1).</summary>
    public bool IsVector => Height == 1 && Width == 1;

    /// <summary>"20×24×24", or "500" for a vector.</summary>
    public override string ToString() => IsVector ? Channels.ToString(System.Globalization.CultureInfo.InvariantCulture) : FormattableString.Invariant($"{Channels}×{Height}×{Width}");
}

/// <summary>A layer of a generated network, as declared and shape-inferred at compile time.</summary>
/// <param name="Name">Parameter prefix, e.g. <c>fc1</c>, <c>conv1</c>.</param>
/// <param name="Kind">What the layer computes.</param>
/// <param name="InputSize">Input values per sample.</param>
/// <param name="OutputSize">Output values per sample.</param>
/// <param name="Activation">Nonlinearity after the affine map.</param>
/// <param name="Rank">Factorization rank; 0 for a plain layer.</param>
/// <param name="Prunable">Whether pruners may mask this layer's weights.</param>
public sealed record LayerInfo(string Name, LayerKind Kind, int InputSize, int OutputSize, Activation Activation, int Rank, bool Prunable)
{
    private readonly SampleShape? _inputShape;
    private readonly SampleShape? _outputShape;

    /// <summary>Per-sample input shape; a vector of <see cref="InputSize"/> unless set (convolution, pooling, flatten).</summary>
    public SampleShape InputShape
    {
        get => _inputShape ?? new SampleShape(InputSize, 1, 1);
        init => _inputShape = value;
    }

    /// <summary>Per-sample output shape; a vector of <see cref="OutputSize"/> unless set.</summary>
    public SampleShape OutputShape
    {
        get => _outputShape ?? new SampleShape(OutputSize, 1, 1);
        init => _outputShape = value;
    }

    /// <summary>Kernel (convolution) or window (pooling) side; 0 for other layers.</summary>
    public int KernelSize { get; init; }

    /// <summary>Stride of a convolution or pool; 0 for other layers.</summary>
    public int Stride { get; init; }

    /// <summary>Zero padding of a convolution; 0 for other layers.</summary>
    public int Padding { get; init; }

    /// <summary>Whether the layer has a weight tensor (dense, factorized, convolution) rather than none (pooling, flatten).</summary>
    public bool HasWeights => Kind is LayerKind.Dense or LayerKind.FactorizedDense or LayerKind.Conv2D;

    /// <summary>
    /// Trainable weight entries (biases excluded): out·in, rank·(out+in) when factorized, out channels · in channels ·
    /// kernel² for a convolution, 0 for pooling and flatten.
    /// </summary>
    public int WeightCount => Kind switch
    {
        LayerKind.Conv2D => OutputShape.Channels * InputShape.Channels * KernelSize * KernelSize,
        LayerKind.Dense or LayerKind.FactorizedDense => (int)Shapes.ShapeInference.WeightCount(InputSize, OutputSize, Kind == LayerKind.FactorizedDense ? Rank : 0),
        _ => 0,
    };

    /// <summary>Bias entries: one per output channel (convolution) or output (dense); 0 for pooling and flatten.</summary>
    public int BiasCount => HasWeights ? OutputShape.Channels : 0;

    /// <summary>Trainable parameters of the layer: <see cref="WeightCount"/> + <see cref="BiasCount"/>.</summary>
    public long ParameterCount => (long)WeightCount + BiasCount;

    /// <summary>Forward FLOPs per sample, a multiply-add counted as 2 (biases, activations and pooling not counted).</summary>
    public long FlopsPerSample => Kind == LayerKind.Conv2D ? 2L * WeightCount * OutputShape.Height * OutputShape.Width : 2L * WeightCount;
}
