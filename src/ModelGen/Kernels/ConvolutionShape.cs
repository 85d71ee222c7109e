using System;
using System.ComponentModel;

namespace ModelGen.Kernels;

/// <summary>
/// The geometry of one 2-D convolution over NCHW samples: <see cref="InChannels"/>×<see cref="InHeight"/>×<see cref="InWidth"/>
/// in, <see cref="OutChannels"/>×<see cref="OutHeight"/>×<see cref="OutWidth"/> out, weights [out, in, kh, kw] (PyTorch's
/// <c>nn.Conv2d</c> layout), the same stride and zero padding along both axes.
/// </summary>
/// <remarks>
/// The output extent is PyTorch's floor((in + 2·padding − kernel) / stride) + 1; the generator's shape inference
/// (src/ModelGen/Shapes) derives the same numbers at compile time, and a test holds the two to each other.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct ConvolutionShape
{
    /// <summary>Describes a convolution; call <see cref="Validate"/> (every kernel does) before relying on it.</summary>
    public ConvolutionShape(int inChannels, int inHeight, int inWidth, int outChannels, int kernelHeight, int kernelWidth, int stride = 1, int padding = 0)
    {
        InChannels = inChannels;
        InHeight = inHeight;
        InWidth = inWidth;
        OutChannels = outChannels;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        Stride = stride;
        Padding = padding;
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Input height.</summary>
    public int InHeight { get; }

    /// <summary>Input width.</summary>
    public int InWidth { get; }

    /// <summary>Output channels (filters).</summary>
    public int OutChannels { get; }

    /// <summary>Kernel height.</summary>
    public int KernelHeight { get; }

    /// <summary>Kernel width.</summary>
    public int KernelWidth { get; }

    /// <summary>Step between neighbouring windows, along both axes.</summary>
    public int Stride { get; }

    /// <summary>Zeros added on every side of the input.</summary>
    public int Padding { get; }

    /// <summary>Output height: floor((InHeight + 2·Padding − KernelHeight) / Stride) + 1.</summary>
    public int OutHeight => Extent(InHeight, KernelHeight);

    /// <summary>Output width: floor((InWidth + 2·Padding − KernelWidth) / Stride) + 1.</summary>
    public int OutWidth => Extent(InWidth, KernelWidth);

    /// <summary>Values per input sample (C·H·W).</summary>
    public int InputSize => InChannels * InHeight * InWidth;

    /// <summary>Values per output sample (F·OH·OW).</summary>
    public int OutputSize => OutChannels * OutPlane;

    /// <summary>Output positions per channel (OH·OW).</summary>
    public int OutPlane => OutHeight * OutWidth;

    /// <summary>Entries of one filter, the weight's columns and the fan-in (C·kh·kw).</summary>
    public int PatchSize => InChannels * KernelHeight * KernelWidth;

    /// <summary>Weight entries (F·C·kh·kw).</summary>
    public int WeightLength => OutChannels * PatchSize;

    /// <summary>Floats of the column workspace the kernels need (PatchSize·OutPlane; one sample's unfolded patches).</summary>
    public int ColumnsLength => PatchSize * OutPlane;

    /// <summary>A 1×1 kernel with stride 1 and no padding: each unfolded patch is one input position.</summary>
    public bool IsPointwise => KernelHeight == 1 && KernelWidth == 1 && Stride == 1 && Padding == 0;

    /// <summary>
    /// Samples unfolded and multiplied together: as many as keep one chunk's columns and product within
    /// <see cref="Convolution.ChunkBytes"/> (in the L2 cache while the product reads them), at least one. LeNet-5's
    /// conv1 takes 5 samples per chunk, conv2 3.
    /// </summary>
    public int ChunkSamples => (int)Math.Clamp(Convolution.ChunkBytes / (sizeof(float) * ((long)ColumnsLength + OutputSize)), 1, int.MaxValue);

    /// <summary>
    /// Floats of the workspace <see cref="Convolution"/>'s passes need for up to <paramref name="batch"/> samples per
    /// call: one slot per thread that can work on its own chunk (as many as the batch has chunks, at most the threads
    /// of Gemm's pool), each holding one chunk's columns and channel-major product (min(batch,
    /// <see cref="ChunkSamples"/>) samples' worth, at least one sample's, so <see cref="Convolution.Unfold"/> fits too)
    /// and, when there is more than one slot, a partial weight gradient.
    /// </summary>
    /// <param name="batch">The most samples one call will pass.</param>
    public int WorkspaceLength(int batch) => WorkspaceSlots(batch) * SlotLength(batch);

    /// <summary>Chunks a batch of <paramref name="batch"/> samples is cut into.</summary>
    internal int Chunks(int batch) => (batch + ChunkSamples - 1) / ChunkSamples;

    /// <summary>Floats of one chunk's columns and product: min(batch, ChunkSamples) samples' worth, at least one.</summary>
    internal int ChunkLength(int batch) => Math.Clamp(batch, 1, ChunkSamples) * (ColumnsLength + OutputSize);

    /// <summary>
    /// Workspace slots for a batch: one per chunk, at most the threads Gemm's pool has on this machine (so the
    /// workspace a network sizes once fits every thread count it may be set to later).
    /// </summary>
    internal int WorkspaceSlots(int batch) => Math.Clamp(Chunks(batch), 1, GemmWorkers.MaxThreads);

    /// <summary>Floats of one slot: a chunk's columns and product, plus a partial weight gradient when the chunks can run in parallel.</summary>
    internal int SlotLength(int batch) => ChunkLength(batch) + (WorkspaceSlots(batch) > 1 ? WeightLength : 0);

    /// <summary>
    /// Whether the weight gradient unfolds each chunk as rows (output positions × patch, the columns' transpose) for
    /// Gemm's broadcast kernel rather than as columns for its dot-product kernel. The dot products run along the
    /// chunk's positions and end in a horizontal reduction per weight, which only a long depth amortizes: LeNet-5's
    /// conv1 (2,880 positions per chunk, patch 25) is faster on columns, conv2 (192 positions, patch 500) on rows.
    /// </summary>
    internal bool WeightGradientByRows => (long)ChunkSamples * OutPlane < 4L * PatchSize;

    /// <summary>Throws unless every size is positive, the padding non-negative and the kernel fits the padded input.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Naming the offending size.</exception>
    public void Validate()
    {
        KernelGuard.PositiveDimension(InChannels, nameof(InChannels));
        KernelGuard.PositiveDimension(InHeight, nameof(InHeight));
        KernelGuard.PositiveDimension(InWidth, nameof(InWidth));
        KernelGuard.PositiveDimension(OutChannels, nameof(OutChannels));
        KernelGuard.PositiveDimension(KernelHeight, nameof(KernelHeight));
        KernelGuard.PositiveDimension(KernelWidth, nameof(KernelWidth));
        KernelGuard.PositiveDimension(Stride, nameof(Stride));
        KernelGuard.Dimension(Padding, nameof(Padding));
        if (KernelHeight > InHeight + (2L * Padding) || KernelWidth > InWidth + (2L * Padding))
        {
            throw new ArgumentOutOfRangeException(
                nameof(KernelHeight),
                $"A {KernelHeight}×{KernelWidth} kernel does not fit a {InHeight}×{InWidth} input padded by {Padding}.");
        }

        var patch = (long)InChannels * KernelHeight * KernelWidth;
        var plane = (long)OutHeight * OutWidth;
        if (patch * OutChannels > int.MaxValue || patch * plane > int.MaxValue || plane * OutChannels > int.MaxValue
            || (long)InChannels * InHeight * InWidth > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(InChannels), "The convolution's sizes overflow an int.");
        }
    }

    private int Extent(int input, int kernel) => Stride > 0 ? ((input + (2 * Padding) - kernel) / Stride) + 1 : 0;
}
