using System;
using System.ComponentModel;

namespace ModelGen.Kernels;

/// <summary>
/// How a batch of activations (or of their gradients) of some number of features lies in a buffer: sample-major
/// [batch, features], as the dense kernels and the user's spans have it, or feature-major [features, stride] with
/// stride = batch rounded up to 8 (SparseProp's layout, which the batch-vectorised sparse kernels compute in). Between
/// two layers that both run sparse, activations stay feature-major, so no product transposes them.
/// </summary>
/// <remarks>
/// <para>Feature-major is stored tile by tile, as the kernels walk it: samples [64t, 64t + 64) of every feature form
/// one block [features, width] (width 64, or the last tile's samples rounded up to 8), so within a tile the rows of
/// two features are 64 floats apart whatever the batch (<see cref="Offset"/>). One row of 256 floats per feature
/// would put the rows of every fourth feature in the same L1 sets (1 KiB apart) and made batch 256 slower per
/// sample than batch 60.</para>
/// <para>The padding lanes [batch, stride) of a feature-major buffer never hold stale data: each kernel that writes a
/// feature-major buffer writes them too, as a pure function of the weights. Gradients (and R-gradients) have them
/// exactly zero (products of zero padding; elementwise derivatives times zero); activations, R and R-pre buffers have
/// them finite (the bias is added to the real lanes only, so padding is the activation of bias-free products of the
/// previous padding: 0 for ReLU and tanh, 0.5 for the sigmoid). The weight gradient's dot products over the padding
/// therefore add exactly zero, and bias gradients sum the real lanes only.</para>
/// <para>The layout of a boundary is a pure function of the kernel choice of its two neighbours and of the batch
/// (<see cref="For"/>), never of timings or the thread count.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct ActivationLayout : IEquatable<ActivationLayout>
{
    private ActivationLayout(int batch, bool featureMajor)
    {
        Batch = batch;
        IsFeatureMajor = featureMajor;
    }

    /// <summary>Samples in the batch (the real lanes of a feature-major buffer).</summary>
    public int Batch { get; }

    /// <summary>Whether the buffer is feature-major ([features, <see cref="Stride"/>], tile by tile) rather than [batch, features].</summary>
    public bool IsFeatureMajor { get; }

    /// <summary>Lanes per feature of a feature-major buffer: the batch rounded up to whole 8-lane vectors (the batch when sample-major).</summary>
    public int Stride => IsFeatureMajor ? FeatureMajor.Stride(Batch) : Batch;

    /// <summary>Sample-major [batch, features].</summary>
    public static ActivationLayout SampleMajor(int batch)
    {
        KernelGuard.Dimension(batch, nameof(batch));
        return new ActivationLayout(batch, featureMajor: false);
    }

    /// <summary>
    /// Feature-major when <paramref name="featureMajor"/> is asked for and the sparse kernels run this batch
    /// vectorised (<see cref="SparseGemm.RunsFeatureMajor"/>); sample-major otherwise.
    /// </summary>
    public static ActivationLayout For(bool featureMajor, int batch)
    {
        KernelGuard.Dimension(batch, nameof(batch));
        return new ActivationLayout(batch, featureMajor && SparseGemm.RunsFeatureMajor(batch));
    }

    /// <summary>Samples per feature-major tile (the products' tile).</summary>
    internal const int Tile = 64;

    /// <summary>Floats a buffer of <paramref name="features"/> takes in this layout (padding included).</summary>
    public int Length(int features) => features * Stride;

    /// <summary>Where value (<paramref name="feature"/>, <paramref name="sample"/>) of a buffer of <paramref name="features"/> lies.</summary>
    public int Offset(int feature, int sample, int features)
    {
        if (!IsFeatureMajor)
        {
            return (sample * features) + feature;
        }

        var tileStart = sample - (sample % Tile);
        var width = Math.Min(Tile, Stride - tileStart);
        return (tileStart * features) + (feature * width) + (sample - tileStart);
    }

    /// <summary>
    /// The buffer to read for this layout: <paramref name="featureMajor"/>'s first <see cref="Length"/> floats when
    /// feature-major, else <paramref name="sampleMajor"/> (the network input, which a first sparse layer transposed
    /// into <paramref name="featureMajor"/> in the forward pass).
    /// </summary>
    public ReadOnlySpan<float> Select(ReadOnlySpan<float> sampleMajor, float[] featureMajor, int features) =>
        IsFeatureMajor ? featureMajor.AsSpan(0, Length(features)) : sampleMajor;

    /// <inheritdoc />
    public bool Equals(ActivationLayout other) => Batch == other.Batch && IsFeatureMajor == other.IsFeatureMajor;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ActivationLayout other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Batch, IsFeatureMajor);

    /// <inheritdoc />
    public override string ToString() => IsFeatureMajor ? $"feature-major [features, {Stride}] (batch {Batch})" : $"sample-major [{Batch}, features]";

    /// <summary>Same batch and layout.</summary>
    public static bool operator ==(ActivationLayout left, ActivationLayout right) => left.Equals(right);

    /// <summary>Different batch or layout.</summary>
    public static bool operator !=(ActivationLayout left, ActivationLayout right) => !left.Equals(right);
}
