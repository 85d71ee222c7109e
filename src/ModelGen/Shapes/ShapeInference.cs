// Shared source: compiled into the runtime (ModelGen) and linked into the generator (netstandard2.0).
// Plain C# only: no Roslyn types, no APIs newer than netstandard2.0.
using System.Collections.Generic;
using ModelGen.Model;

namespace ModelGen.Shapes;

/// <summary>
/// The shape of one sample's activations: channels × height × width. Dense layers use vectors (n × 1 × 1); image
/// inputs and convolution layers (a later issue) use all three.
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
    {
        Kind = kind;
        Units = units;
        Rank = rank;
    }

    public LayerKind Kind { get; }

    public int Units { get; }

    public int Rank { get; }
}

/// <summary>A layer with its inferred input and output sizes and its costs.</summary>
internal readonly struct InferredLayer
{
    public InferredLayer(LayerKind kind, int inFeatures, int outFeatures, int rank, int weightCount, int biasCount, long flopsPerSample)
    {
        Kind = kind;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Rank = rank;
        WeightCount = weightCount;
        BiasCount = biasCount;
        FlopsPerSample = flopsPerSample;
    }

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

    /// <summary>A factorized layer's rank is larger than min(in, out): it stores more than the full matrix.</summary>
    RankNotBelowFullRank,

    /// <summary>A size product (weights of a layer, or of the model) does not fit in an int.</summary>
    Overflow,
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
    public bool IsWarning => Kind == ShapeErrorKind.RankNotBelowFullRank;
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
        Infer(TensorShape.Vector(inputFeatures), layers);

    /// <summary>
    /// Walks the layers in order, each taking the previous layer's output shape. Every layer kind has its own case
    /// (dense layers flatten their input); convolution, pooling and flatten layers add theirs without touching the
    /// others. All problems are collected, not just the first.
    /// </summary>
    public static ShapeInferenceResult Infer(TensorShape input, IReadOnlyList<LayerDeclaration> layers)
    {
        var state = new InferenceState();
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
            }
        }

        return new ShapeInferenceResult(state.Layers, state.Errors, state.TotalParameters, state.Flops);
    }

    /// <summary>A dense (or factorized dense) layer: flattens its input, outputs a vector of <c>Units</c>.</summary>
    private static TensorShape InferDense(int index, LayerDeclaration layer, TensorShape input, InferenceState state)
    {
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

        if (rank > 0 && rank >= System.Math.Min(inFeatures, outFeatures))
        {
            state.Errors.Add(new ShapeError(ShapeErrorKind.RankNotBelowFullRank, index));
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

    /// <summary>What the walk over the layers accumulates.</summary>
    private sealed class InferenceState
    {
        private bool _overflowed;

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
