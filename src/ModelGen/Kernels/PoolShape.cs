using System;
using System.ComponentModel;

namespace ModelGen.Kernels;

/// <summary>
/// The geometry of a 2-D pooling layer over NCHW samples: square <see cref="Size"/>×<see cref="Size"/> windows moved by
/// <see cref="Stride"/> along both axes, no padding, partial windows at the border dropped (PyTorch's
/// <c>nn.MaxPool2d</c>/<c>nn.AvgPool2d</c> with <c>ceil_mode=False</c>). Channels are pooled independently.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct PoolShape
{
    /// <summary>Describes a pooling layer; <paramref name="stride"/> 0 means the window size (PyTorch's default).</summary>
    public PoolShape(int channels, int inHeight, int inWidth, int size, int stride = 0)
    {
        Channels = channels;
        InHeight = inHeight;
        InWidth = inWidth;
        Size = size;
        Stride = stride == 0 ? size : stride;
    }

    /// <summary>Channels (the same in and out).</summary>
    public int Channels { get; }

    /// <summary>Input height.</summary>
    public int InHeight { get; }

    /// <summary>Input width.</summary>
    public int InWidth { get; }

    /// <summary>Window side.</summary>
    public int Size { get; }

    /// <summary>Step between neighbouring windows.</summary>
    public int Stride { get; }

    /// <summary>Output height: floor((InHeight − Size) / Stride) + 1.</summary>
    public int OutHeight => Stride > 0 ? ((InHeight - Size) / Stride) + 1 : 0;

    /// <summary>Output width: floor((InWidth − Size) / Stride) + 1.</summary>
    public int OutWidth => Stride > 0 ? ((InWidth - Size) / Stride) + 1 : 0;

    /// <summary>Values per input sample.</summary>
    public int InputSize => Channels * InHeight * InWidth;

    /// <summary>Values per output sample.</summary>
    public int OutputSize => Channels * OutHeight * OutWidth;

    /// <summary>Throws unless every size is positive and the window fits the input.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Naming the offending size.</exception>
    public void Validate()
    {
        KernelGuard.PositiveDimension(Channels, nameof(Channels));
        KernelGuard.PositiveDimension(InHeight, nameof(InHeight));
        KernelGuard.PositiveDimension(InWidth, nameof(InWidth));
        KernelGuard.PositiveDimension(Size, nameof(Size));
        KernelGuard.PositiveDimension(Stride, nameof(Stride));
        if (Size > InHeight || Size > InWidth)
        {
            throw new ArgumentOutOfRangeException(nameof(Size), Size, $"A {Size}×{Size} window does not fit a {InHeight}×{InWidth} input.");
        }

        if ((long)Channels * InHeight * InWidth > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(Channels), "The pooling layer's sizes overflow an int.");
        }
    }
}
