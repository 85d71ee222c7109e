namespace ModelGen.Generators.Emit;

/// <summary>
/// One parameter tensor of a layer as emitted code names it. The list a layer emitter returns drives CreateTensors,
/// the weight handles (fields, construction, PrepareWeights, Execution) and direction masking, so a tensor is
/// declared in one place.
/// </summary>
/// <param name="Suffix">Member suffix: constants <c>L1{Suffix}Offset</c>/<c>Length</c>, handle <c>_l1{Suffix}</c>.</param>
/// <param name="ParameterName">Name after the layer's: <c>weight</c> gives <c>fc1.weight</c>.</param>
/// <param name="Role">ModelGen.Model.ParameterRole member.</param>
/// <param name="Rows">Rows, as a constant expression.</param>
/// <param name="Cols">Columns, as a constant expression.</param>
/// <param name="FanIn">Fan-in for the default initialization, as a constant expression.</param>
/// <param name="Maskable">Whether a mask applies: the layer is prunable and the tensor is not a bias.</param>
/// <param name="IsMatrix">Whether products run through a weight handle (<see cref="LayerEmitter.Handle"/>); false for biases.</param>
internal sealed record TensorSpec(string Suffix, string ParameterName, string Role, string Rows, string Cols, string FanIn, bool Maskable, bool IsMatrix)
{
    public string Offset(string id) => id + Suffix + "Offset";

    public string Length(string id) => id + Suffix + "Length";
}

/// <summary>A per-sample workspace buffer: field <paramref name="Name"/>, <c>capacity × Size</c> floats.</summary>
internal sealed record WorkspaceBuffer(string Name, string Size);
