// Shared source: compiled into the runtime (ModelGen) and linked into the generator (netstandard2.0).
// Plain C# only: no Roslyn types, no APIs newer than netstandard2.0.
using System.Collections.Generic;
using ModelGen.Model;

namespace ModelGen.Shapes;

/// <summary>
/// The shape of one sample's activations: channels × height × width (NCHW per sample). Dense layers use vectors
/// (n × 1 × 1); image inputs, convolution and pooling layers use all three.
/// </summary>
internal readonly struct TensorShape
{
    public TensorShape(int channels, int height, int width)
    {
        Channels = channels;
        Height = height;
        Width = width;
    }

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>Values per sample (what a dense layer sees after flattening); 0 for a malformed shape.</summary>
    public int Size
    {
        get
        {
            if (Channels <= 0 || Height <= 0 || Width <= 0)
            {
                return 0;
            }

            var size = (long)Channels * Height * Width;
            return size > int.MaxValue ? 0 : (int)size;
        }
    }

    public static TensorShape Vector(int features) => new(features, 1, 1);
}

/// <summary>One declared layer, as the attribute states it, before shapes are known.</summary>
internal readonly struct LayerDeclaration
{
    public LayerDeclaration(LayerKind kind, int units, int rank)
        : this(kind, units, rank, 0, 1, 0)
    {
    }

    public LayerDeclaration(LayerKind kind, int units, int rank, int kernel, int stride, int padding)
    {
        Kind = kind;
        Units = units;
        Rank = rank;
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
    }

    public LayerKind Kind { get; }

    /// <summary>Output features (dense) or output channels (Conv2D); unused by pooling and flatten.</summary>
    public int Units { get; }

    public int Rank { get; }

    /// <summary>Kernel side (Conv2D) or window side (pooling).</summary>
    public int Kernel { get; }

    /// <summary>Step between windows (Conv2D, pooling; a pool's 0 has already been replaced by its window side).</summary>
    public int Stride { get; }

    /// <summary>Zero padding on every side (Conv2D).</summary>
    public int Padding { get; }

    public static LayerDeclaration Conv2D(int filters, int kernel, int stride, int padding) =>
        new(LayerKind.Conv2D, filters, 0, kernel, stride, padding);

    public static LayerDeclaration Pool(LayerKind kind, int size, int stride) => new(kind, 0, 0, size, stride, 0);

    public static LayerDeclaration Flatten() => new(LayerKind.Flatten, 0, 0);
}

/// <summary>A layer with its inferred input and output sizes and its costs.</summary>
internal readonly struct InferredLayer
{
    public InferredLayer(LayerKind kind, int inFeatures, int outFeatures, int rank, int weightCount, int biasCount, long flopsPerSample)
        : this(kind, TensorShape.Vector(inFeatures), TensorShape.Vector(outFeatures), rank, weightCount, biasCount, flopsPerSample)
    {
    }

    public InferredLayer(LayerKind kind, TensorShape input, TensorShape output, int rank, int weightCount, int biasCount, long flopsPerSample, int kernel = 0, int stride = 0, int padding = 0)
    {
        Kind = kind;
        InShape = input;
        OutShape = output;
        InFeatures = input.Size;
        OutFeatures = output.Size;
        Rank = rank;
        WeightCount = weightCount;
        BiasCount = biasCount;
        FlopsPerSample = flopsPerSample;
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
    }

    /// <summary>Per-sample input shape (a vector n × 1 × 1 for dense layers, which flatten what they get).</summary>
    public TensorShape InShape { get; }

    /// <summary>Per-sample output shape.</summary>
    public TensorShape OutShape { get; }

    /// <summary>Kernel or window side; 0 for dense and flatten layers.</summary>
    public int Kernel { get; }

    /// <summary>Stride of a convolution or pool; 0 for dense and flatten layers.</summary>
    public int Stride { get; }

    /// <summary>Zero padding of a convolution.</summary>
    public int Padding { get; }

    public LayerKind Kind { get; }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    /// <summary>0 for a plain layer.</summary>
    public int Rank { get; }

    /// <summary>Trainable weight entries: out·in, or rank·(out+in) when factorized.</summary>
    public int WeightCount { get; }

    public int BiasCount { get; }

    /// <summary>Forward-pass FLOPs for one sample, a multiply-add counted as 2.</summary>
    public long FlopsPerSample { get; }
}

internal enum ShapeErrorKind
{
    /// <summary>The model declares no layers.</summary>
    NoLayers,

    /// <summary>The model's input size is zero or negative.</summary>
    NonPositiveInput,

    /// <summary>A layer's output size is zero or negative.</summary>
    NonPositiveUnits,

    /// <summary>A factorized layer's rank is negative.</summary>
    NegativeRank,

    /// <summary>A factorized layer's factors hold at least as many weights as the plain layer: r·(in + out) ≥ in·out.</summary>
    FactorizationDoesNotPay,

    /// <summary>A size product (weights of a layer, or of the model) does not fit in an int.</summary>
    Overflow,

    /// <summary>A convolution's kernel is larger than its padded input along some axis.</summary>
    KernelTooLarge,

    /// <summary>A pooling window is larger than its input along some axis.</summary>
    PoolDoesNotFit,

    /// <summary>A convolution's kernel or a pool's window side is zero or negative.</summary>
    NonPositiveKernel,

    /// <summary>A convolution's or pool's stride is zero or negative.</summary>
    NonPositiveStride,

    /// <summary>A convolution's padding is negative.</summary>
    NegativePadding,

    /// <summary>A convolution or pool follows a vector (a vector input, a dense layer or a flatten).</summary>
    SpatialAfterVector,
}

/// <summary>A shape problem with the index of the layer it belongs to (-1 for the model as a whole).</summary>
internal readonly struct ShapeError
{
    public ShapeError(ShapeErrorKind kind, int layerIndex, long count = 0)
    {
        Kind = kind;
        LayerIndex = layerIndex;
        Count = count;
    }

    /// <summary>For <see cref="ShapeErrorKind.Overflow"/>: the parameter count reached at that layer.</summary>
    public long Count { get; }

    public ShapeErrorKind Kind { get; }

    public int LayerIndex { get; }

    /// <summary>Whether the declaration still describes a computable network (only a warning is due).</summary>
    public bool IsWarning => Kind == ShapeErrorKind.FactorizationDoesNotPay;
}

internal sealed class ShapeInferenceResult
{
    public ShapeInferenceResult(IReadOnlyList<InferredLayer> layers, IReadOnlyList<ShapeError> errors, long totalParameters, long flopsPerSample)
    {
        Layers = layers;
        Errors = errors;
        TotalParameters = totalParameters;
        FlopsPerSample = flopsPerSample;
    }

    public IReadOnlyList<InferredLayer> Layers { get; }

    public IReadOnlyList<ShapeError> Errors { get; }

    public long TotalParameters { get; }

    public long FlopsPerSample { get; }

    public bool HasErrors
    {
        get
        {
            foreach (var error in Errors)
            {
                if (!error.IsWarning)
                {
                    return true;
                }
            }

            return false;
        }
    }
}

/// <summary>
/// The one place where layer shapes are derived from a declaration: the generator uses it to emit constants and
/// report diagnostics, the runtime to describe models (parameter and FLOP counts).
/// </summary>
internal static class ShapeInference
{
    /// <summary>Largest total parameter count a model may have: all parameters live in one float array.</summary>
    public const long MaxParameters = int.MaxValue;

    /// <summary>Trainable weights of a dense layer: out·in, or rank·(out+in) when factorized (rank &gt; 0).</summary>
    public static long WeightCount(int inFeatures, int outFeatures, int rank) =>
        rank > 0 ? (long)rank * ((long)inFeatures + outFeatures) : (long)inFeatures * outFeatures;

    /// <summary>Infers a network on flat inputs of <paramref name="inputFeatures"/> values per sample.</summary>
    public static ShapeInferenceResult Infer(int inputFeatures, IReadOnlyList<LayerDeclaration> layers) =>
        Infer(TensorShape.Vector(inputFeatures), layers, spatialInput: false);

    /// <summary>Infers a network on image inputs of shape <paramref name="image"/> (channels × height × width).</summary>
    public static ShapeInferenceResult Infer(TensorShape image, IReadOnlyList<LayerDeclaration> layers) =>
        Infer(image, layers, spatialInput: true);

    /// <summary>
    /// Output extent of a convolution or pool along one axis: floor((input + 2·padding − kernel) / stride) + 1
    /// (PyTorch's rule, <c>ceil_mode=False</c>); 0 or less when the kernel does not fit.
    /// </summary>
    public static int OutputExtent(int input, int kernel, int stride, int padding) =>
        input + (2 * padding) < kernel || stride <= 0 ? 0 : ((input + (2 * padding) - kernel) / stride) + 1;

    /// <summary>
    /// Walks the layers in order, each taking the previous layer's output shape. Every layer kind has its own case
    /// (dense layers flatten their input, so a Flatten before a dense layer is implied). All problems are collected,
    /// not just the first.
    /// </summary>
    private static ShapeInferenceResult Infer(TensorShape input, IReadOnlyList<LayerDeclaration> layers, bool spatialInput)
    {
        var state = new InferenceState { Spatial = spatialInput };
        if (input.Size <= 0)
        {
            state.Errors.Add(new ShapeError(ShapeErrorKind.NonPositiveInput, -1));
        }

        if (layers.Count == 0)
        {
            state.Errors.Add(new ShapeError(ShapeErrorKind.NoLayers, -1));
        }

        var shape = input;
        for (var i = 0; i < layers.Count; i++)
        {
            switch (layers[i].Kind)
            {
                case LayerKind.Dense:
                case LayerKind.FactorizedDense:
                    shape = InferDense(i, layers[i], shape, state);
                    break;
                case LayerKind.Conv2D:
                    shape = InferConv2D(i, layers[i], shape, state);
                    break;
                case LayerKind.MaxPool2D:
                case LayerKind.AvgPool2D:
                    shape = InferPool(i, layers[i], shape, state);
                    break;
                case LayerKind.Flatten:
                    state.Layers.Add(new InferredLayer(LayerKind.Flatten, shape, TensorShape.Vector(shape.Size), 0, 0, 0, 0));
                    state.Spatial = false;
                    shape = TensorShape.Vector(shape.Size);
                    break;
            }
        }

        return new ShapeInferenceResult(state.Layers, state.Errors, state.TotalParameters, state.Flops);
    }

    /// <summary>A dense (or factorized dense) layer: flattens its input, outputs a vector of <c>Units</c>.</summary>
    private static TensorShape InferDense(int index, LayerDeclaration layer, TensorShape input, InferenceState state)
    {
        state.Spatial = false;
        var inFeatures = input.Size;
        var outFeatures = layer.Units;
        if (outFeatures <= 0)
        {
            state.Errors.Add(new ShapeError(ShapeErrorKind.NonPositiveUnits, index));
        }

        var rank = layer.Kind == LayerKind.FactorizedDense ? layer.Rank : 0;
        if (rank < 0)
        {
            state.Errors.Add(new ShapeError(ShapeErrorKind.NegativeRank, index));
        }

        if (inFeatures <= 0 || outFeatures <= 0 || rank < 0)
        {
            // Later layers still get checked against the declared size so every problem is reported at once.
            state.Layers.Add(new InferredLayer(layer.Kind, 0, 0, rank, 0, 0, 0));
            return TensorShape.Vector(outFeatures > 0 ? outFeatures : 1);
        }

        if (rank > 0 && !PruningRules.FactorizationPays(inFeatures, outFeatures, rank))
        {
            state.Errors.Add(new ShapeError(ShapeErrorKind.FactorizationDoesNotPay, index));
        }

        var weights = WeightCount(inFeatures, outFeatures, rank);
        if (!state.AddParameters(index, weights, outFeatures, 2 * weights))
        {
            state.Layers.Add(new InferredLayer(layer.Kind, inFeatures, outFeatures, rank, 0, outFeatures, 0));
            return TensorShape.Vector(outFeatures);
        }

        state.Layers.Add(new InferredLayer(layer.Kind, inFeatures, outFeatures, rank, (int)weights, outFeatures, 2 * weights));
        return TensorShape.Vector(outFeatures);
    }

    /// <summary>
    /// A 2-D convolution: F × OH × OW out of C × H × W, weights F·C·k·k, FLOPs 2·weights·OH·OW. A layer with a problem
    /// still passes on the shape it would have (or a 1 × 1 stand-in) so that later layers are checked too.
    /// </summary>
    private static TensorShape InferConv2D(int index, LayerDeclaration layer, TensorShape input, InferenceState state)
    {
        var ok = CheckWindow(index, layer, input, state, layer.Padding);
        if (layer.Units <= 0)
        {
            state.Errors.Add(new ShapeError(ShapeErrorKind.NonPositiveUnits, index));
            ok = false;
        }

        if (ok && (layer.Kernel > input.Height + (2 * layer.Padding) || layer.Kernel > input.Width + (2 * layer.Padding)))
        {
            state.Errors.Add(new ShapeError(ShapeErrorKind.KernelTooLarge, index));
            ok = false;
        }

        if (!ok)
        {
            var stand = new TensorShape(layer.Units > 0 ? layer.Units : 1, 1, 1);
            state.Layers.Add(new InferredLayer(LayerKind.Conv2D, input, stand, 0, 0, 0, 0, layer.Kernel, layer.Stride, layer.Padding));
            return stand;
        }

        var output = new TensorShape(
            layer.Units,
            OutputExtent(input.Height, layer.Kernel, layer.Stride, layer.Padding),
            OutputExtent(input.Width, layer.Kernel, layer.Stride, layer.Padding));
        var weights = (long)layer.Units * input.Channels * layer.Kernel * layer.Kernel;
        var flops = 2 * weights * output.Height * output.Width;
        if (!state.AddParameters(index, weights, layer.Units, flops) || output.Size == 0)
        {
            state.Layers.Add(new InferredLayer(LayerKind.Conv2D, input, output, 0, 0, layer.Units, 0, layer.Kernel, layer.Stride, layer.Padding));
            return output;
        }

        state.Layers.Add(new InferredLayer(LayerKind.Conv2D, input, output, 0, (int)weights, layer.Units, flops, layer.Kernel, layer.Stride, layer.Padding));
        return output;
    }

    /// <summary>Max- or average-pooling: C × OH × OW out of C × H × W, no parameters.</summary>
    private static TensorShape InferPool(int index, LayerDeclaration layer, TensorShape input, InferenceState state)
    {
        var ok = CheckWindow(index, layer, input, state, 0);
        if (ok && (layer.Kernel > input.Height || layer.Kernel > input.Width))
        {
            state.Errors.Add(new ShapeError(ShapeErrorKind.PoolDoesNotFit, index));
            ok = false;
        }

        var output = ok
            ? new TensorShape(input.Channels, OutputExtent(input.Height, layer.Kernel, layer.Stride, 0), OutputExtent(input.Width, layer.Kernel, layer.Stride, 0))
            : new TensorShape(input.Channels > 0 ? input.Channels : 1, 1, 1);
        state.Layers.Add(new InferredLayer(layer.Kind, input, output, 0, 0, 0, 0, layer.Kernel, layer.Stride, 0));
        return output;
    }

    /// <summary>The checks a convolution and a pool share: a spatial input, a positive window and stride, padding ≥ 0.</summary>
    private static bool CheckWindow(int index, LayerDeclaration layer, TensorShape input, InferenceState state, int padding)
    {
        var ok = input.Size > 0;
        if (!state.Spatial)
        {
            state.Errors.Add(new ShapeError(ShapeErrorKind.SpatialAfterVector, index));
            ok = false;
        }

        if (layer.Kernel <= 0)
        {
            state.Errors.Add(new ShapeError(ShapeErrorKind.NonPositiveKernel, index));
            ok = false;
        }

        if (layer.Stride <= 0)
        {
            state.Errors.Add(new ShapeError(ShapeErrorKind.NonPositiveStride, index));
            ok = false;
        }

        if (padding < 0)
        {
            state.Errors.Add(new ShapeError(ShapeErrorKind.NegativePadding, index));
            ok = false;
        }

        return ok;
    }

    /// <summary>What the walk over the layers accumulates.</summary>
    private sealed class InferenceState
    {
        private bool _overflowed;

        /// <summary>Whether the current activations are an image (C × H × W) rather than a flattened vector.</summary>
        public bool Spatial { get; set; }

        public List<InferredLayer> Layers { get; } = new();

        public List<ShapeError> Errors { get; } = new();

        public long TotalParameters { get; private set; }

        public long Flops { get; private set; }

        /// <summary>Counts a layer's parameters; false (and one Overflow error, at the first such layer) past the limit.</summary>
        public bool AddParameters(int index, long weights, long biases, long flops)
        {
            TotalParameters += weights + biases;
            Flops += flops;
            if (weights <= MaxParameters && TotalParameters <= MaxParameters)
            {
                return true;
            }

            // Reported once, at the layer that crosses the limit; later layers only add to a count already too big.
            if (!_overflowed)
            {
                Errors.Add(new ShapeError(ShapeErrorKind.Overflow, index, TotalParameters));
                _overflowed = true;
            }

            return false;
        }
    }
}
