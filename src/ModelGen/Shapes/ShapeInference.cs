// Shared source: compiled into the runtime (ModelGen) and linked into the generator (netstandard2.0).
// Plain C# only: no Roslyn types, no APIs newer than netstandard2.0.
using System.Collections.Generic;

namespace ModelGen.Shapes;

/// <summary>What a layer declaration is. New kinds (Conv2D, MaxPool, Flatten) add members and cases below.</summary>
internal enum LayerKindCode
{
    Dense = 0,
    FactorizedDense = 1,
}

/// <summary>One declared layer, as the attribute states it, before shapes are known.</summary>
internal readonly struct LayerDeclaration
{
    public LayerDeclaration(LayerKindCode kind, int units, int rank)
    {
        Kind = kind;
        Units = units;
        Rank = rank;
    }

    public LayerKindCode Kind { get; }

    public int Units { get; }

    public int Rank { get; }
}

/// <summary>A layer with its inferred input and output sizes and its costs.</summary>
internal readonly struct InferredLayer
{
    public InferredLayer(LayerKindCode kind, int inFeatures, int outFeatures, int rank, int weightCount, int biasCount, long flopsPerSample)
    {
        Kind = kind;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Rank = rank;
        WeightCount = weightCount;
        BiasCount = biasCount;
        FlopsPerSample = flopsPerSample;
    }

    public LayerKindCode Kind { get; }

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

    public static ShapeInferenceResult Infer(int inputFeatures, IReadOnlyList<LayerDeclaration> layers)
    {
        var errors = new List<ShapeError>();
        var inferred = new List<InferredLayer>(layers.Count);
        if (inputFeatures <= 0)
        {
            errors.Add(new ShapeError(ShapeErrorKind.NonPositiveInput, -1));
        }

        if (layers.Count == 0)
        {
            errors.Add(new ShapeError(ShapeErrorKind.NoLayers, -1));
        }

        long total = 0;
        long flops = 0;
        var overflowed = false;
        var inFeatures = inputFeatures;
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var outFeatures = layer.Units;
            if (outFeatures <= 0)
            {
                errors.Add(new ShapeError(ShapeErrorKind.NonPositiveUnits, i));
            }

            var rank = layer.Kind == LayerKindCode.FactorizedDense ? layer.Rank : 0;
            if (rank < 0)
            {
                errors.Add(new ShapeError(ShapeErrorKind.NegativeRank, i));
            }

            if (inFeatures <= 0 || outFeatures <= 0 || rank < 0)
            {
                // Later layers still get checked against the declared size so every problem is reported at once.
                inFeatures = outFeatures > 0 ? outFeatures : 1;
                inferred.Add(new InferredLayer(layer.Kind, 0, 0, rank, 0, 0, 0));
                continue;
            }

            if (rank > 0 && rank >= System.Math.Min(inFeatures, outFeatures))
            {
                errors.Add(new ShapeError(ShapeErrorKind.RankNotBelowFullRank, i));
            }

            var weights = WeightCount(inFeatures, outFeatures, rank);
            var multiplyAdds = weights;
            total += weights + outFeatures;
            flops += 2 * multiplyAdds;
            if (weights > MaxParameters || total > MaxParameters)
            {
                // Reported once, at the layer that crosses the limit; later layers only add to a count already too big.
                if (!overflowed)
                {
                    errors.Add(new ShapeError(ShapeErrorKind.Overflow, i, total));
                    overflowed = true;
                }

                inferred.Add(new InferredLayer(layer.Kind, inFeatures, outFeatures, rank, 0, outFeatures, 0));
                inFeatures = outFeatures;
                continue;
            }

            inferred.Add(new InferredLayer(layer.Kind, inFeatures, outFeatures, rank, (int)weights, outFeatures, 2 * multiplyAdds));
            inFeatures = outFeatures;
        }

        return new ShapeInferenceResult(inferred, errors, total, flops);
    }
}
