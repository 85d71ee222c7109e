using ModelGen.Generators.Helpers;
using ModelGen.Model;

namespace ModelGen.Generators.Model;

/// <summary>
/// One layer with everything the emitter needs, as plain values: shapes, activation, and where its tensors sit in
/// the flat parameter array. <paramref name="Activation"/> is ModelGen.Activation's numeric value; <paramref name="Index"/>
/// is the layer's position (emitted identifiers derive from it, not from the user's name). <paramref name="Kind"/> picks
/// the layer's emitter (Emit/LayerEmitters.cs).
/// </summary>
internal sealed record LayerSpec(
    int Index,
    string Name,
    LayerKind Kind,
    int InFeatures,
    int OutFeatures,
    int Rank,
    int Activation,
    bool Prunable,
    int WeightOffset,
    int FactorUOffset,
    int FactorVtOffset,
    int BiasOffset)
{
    public bool IsFactorized => Kind == LayerKind.FactorizedDense;

    public bool HasActivation => Activation != 0;

    /// <summary>Whether the layer owns a weight tensor and a bias (dense, factorized, convolution).</summary>
    public bool HasParameters => Kind is LayerKind.Dense or LayerKind.FactorizedDense or LayerKind.Conv2D;

    // Per-sample shapes (C × H × W; vectors are n × 1 × 1) and the window of a convolution or pool.
    public int InChannels { get; init; }

    public int InHeight { get; init; } = 1;

    public int InWidth { get; init; } = 1;

    public int OutChannels { get; init; }

    public int OutHeight { get; init; } = 1;

    public int OutWidth { get; init; } = 1;

    /// <summary>Kernel (convolution) or window (pool) side; 0 otherwise.</summary>
    public int Kernel { get; init; }

    public int Stride { get; init; }

    public int Padding { get; init; }

    /// <summary>Columns of a convolution's weight [out, in·kh·kw]: its fan-in.</summary>
    public int PatchSize => InChannels * Kernel * Kernel;

    public int WeightLength => Kind == LayerKind.Conv2D ? OutChannels * PatchSize : OutFeatures * InFeatures;

    public int FactorULength => OutFeatures * Rank;

    public int FactorVtLength => Rank * InFeatures;
}

/// <summary>A valid model declaration: the equatable input of the emitter.</summary>
internal sealed record ModelSpec(
    string Namespace,
    string ClassName,
    string ModelName,
    int InputFeatures,
    int ParameterCount,
    EquatableArray<LayerSpec> Layers,
    PlanSpec? Plan = null)
{
    public string FullyQualifiedName => Namespace.Length == 0 ? $"global::{ClassName}" : $"global::{Namespace}.{ClassName}";

    public string HintName => Namespace.Length == 0 ? $"{ClassName}.g.cs" : $"{Namespace}.{ClassName}.g.cs";

    public int OutputFeatures => Layers[Layers.Count - 1].OutFeatures;

    /// <summary>Image input channels × height × width; 0 × 0 × 0 for a vector input.</summary>
    public int InputChannels { get; init; }

    public int InputHeight { get; init; }

    public int InputWidth { get; init; }

    public bool HasImageInput => InputChannels > 0;
}

/// <summary>
/// A declared pruning plan ([PruningPlan]) as values: the method's CLI name, the sparsity, and the optional settings
/// (<paramref name="LayerWise"/> null when the scope is not given).
/// </summary>
internal sealed record PlanSpec(string Method, double Sparsity, bool? LayerWise, double? PruneRate, double? OutputLayerPruneRate);

/// <summary>
/// What parsing one [Model] class produced: a spec when it is valid, its diagnostics, and its [Ticket] when it has
/// one (then the spec is the dense source model the baker checks the ticket against).
/// </summary>
internal sealed record ModelParseResult(ModelSpec? Model, EquatableArray<DiagnosticInfo> Diagnostics, TicketReference? Ticket = null);
