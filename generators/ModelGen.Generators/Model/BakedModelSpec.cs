using ModelGen.Generators.Helpers;
using ModelGen.Tickets;

namespace ModelGen.Generators.Model;

/// <summary>
/// A <c>[Ticket("…")]</c> on a model class, as values: the path as written, the folder of the declaring source file
/// (the path is resolved against it first), and the attribute argument's location for diagnostics.
/// </summary>
internal sealed record TicketReference(string Path, string SourceDirectory, LocationInfo? Location);

/// <summary>
/// One <c>.ticket</c> additional file, parsed: the document, or the parser's error (line and message). Equal when the
/// path and the content hash (or the error) are, so an edit that changes nothing a baker reads is not a change.
/// </summary>
internal sealed record TicketFile(string Path, TicketDocument? Document, int ErrorLine, string? Error);

/// <summary>
/// One dense layer after baking. Units are the layer's live outputs (compact, in dense order), inputs the previous
/// layer's live units (the network input for the first layer). Kept weights are stored column by column (CSC over the
/// compact inputs), which is the order of <see cref="Positions"/> and of the layer's <c>weight</c> parameter.
/// </summary>
/// <param name="Dense">The declared (source) layer, with its dense offsets.</param>
/// <param name="Units">Live output units.</param>
/// <param name="Inputs">Live inputs (compact).</param>
/// <param name="UnitRows">Dense row of each live unit.</param>
/// <param name="ColumnStarts">CSC: the kept entries of compact input c are [ColumnStarts[c], ColumnStarts[c+1]).</param>
/// <param name="RowIndices">Compact unit of each kept entry.</param>
/// <param name="Positions">Row-major position in the dense weight [out, in] of each kept entry.</param>
/// <param name="TicketKept">Row-major positions the ticket keeps (for LoadDense's check and rewind values); empty when <paramref name="Unpruned"/>.</param>
/// <param name="Unpruned">The layer is not prunable: the ticket keeps all of it.</param>
/// <param name="Constants">Dense units without inputs whose constant output is folded into the next layer.</param>
/// <param name="ConstantTargets">Edges from the previous layer's constants into this layer's constants: target slot in <paramref name="Constants"/>.</param>
/// <param name="ConstantPositions">… their row-major positions in the dense weight.</param>
/// <param name="ConstantSources">… their source slot in the previous layer's constants.</param>
/// <param name="FoldTargets">Edges from the previous layer's constants into live units: the compact unit.</param>
/// <param name="FoldPositions">… their row-major positions in the dense weight.</param>
/// <param name="FoldSources">… their source slot in the previous layer's constants.</param>
/// <param name="RewindWeights">Rewind values of the ticket's kept entries (row-major order), empty for θ0.</param>
/// <param name="RewindBiases">Rewind values of the bias, empty for θ0.</param>
internal sealed record BakedLayerSpec(
    LayerSpec Dense,
    int Units,
    int Inputs,
    EquatableArray<int> UnitRows,
    EquatableArray<int> ColumnStarts,
    EquatableArray<int> RowIndices,
    EquatableArray<int> Positions,
    EquatableArray<int> TicketKept,
    bool Unpruned,
    EquatableArray<int> Constants,
    EquatableArray<int> ConstantTargets,
    EquatableArray<int> ConstantPositions,
    EquatableArray<int> ConstantSources,
    EquatableArray<int> FoldTargets,
    EquatableArray<int> FoldPositions,
    EquatableArray<int> FoldSources,
    EquatableArray<float> RewindWeights,
    EquatableArray<float> RewindBiases)
{
    /// <summary>Kept weights: the length of the layer's <c>weight</c> parameter.</summary>
    public int Kept => RowIndices.Count;

    /// <summary>Start of the weight parameter in the baked parameter vector.</summary>
    public int WeightOffset { get; init; }

    /// <summary>Start of the bias parameter (one per live unit) in the baked parameter vector.</summary>
    public int BiasOffset { get; init; }

    /// <summary>Whether constants of the previous layer add into this layer's units.</summary>
    public bool HasFold => FoldTargets.Count > 0;
}

/// <summary>A model baked from a ticket: the declared (dense) model, the ticket's identity and the baked layers.</summary>
internal sealed record BakedModelSpec(
    ModelSpec Source,
    string SourceModel,
    string TicketHash,
    int TicketSeed,
    int RewindIteration,
    double TicketSparsity,
    int ParameterCount,
    EquatableArray<BakedLayerSpec> Layers);

/// <summary>What baking one model produced: a spec when the ticket fits, and the diagnostics.</summary>
internal sealed record BakeResult(BakedModelSpec? Model, EquatableArray<DiagnosticInfo> Diagnostics);
