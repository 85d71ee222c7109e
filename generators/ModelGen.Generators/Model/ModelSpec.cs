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

    public int WeightLength => OutFeatures * InFeatures;

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
}

/// <summary>
/// A declared pruning plan ([PruningPlan]) as values: the method's CLI name, the sparsity, and the optional settings
/// (<paramref name="LayerWise"/> null when the scope is not given).
/// </summary>
internal sealed record PlanSpec(string Method, double Sparsity, bool? LayerWise, double? PruneRate, double? OutputLayerPruneRate);

/// <summary>What parsing one [Model] class produced: a spec when it is valid, and its diagnostics.</summary>
internal sealed record ModelParseResult(ModelSpec? Model, EquatableArray<DiagnosticInfo> Diagnostics);
