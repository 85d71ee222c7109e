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
/// <param name="IsMatrix">Whether the tensor has a weight handle (<see cref="LayerEmitter.Handle"/>); false for biases.</param>
/// <param name="SparseCapable">
/// Whether the handle's own sparse products serve the layer; false for kinds whose products run outside the handle
/// (convolutions read its dense or masked <c>Weights</c>), so the handle never picks the sparse kernels.
/// </param>
/// <param name="KernelSize">A convolution weight's square kernel size (its Cols are in·k·k), so that ParameterTensor.Shape
/// is PyTorch's [out, in, k, k]; null for every other tensor.</param>
internal sealed record TensorSpec(string Suffix, string ParameterName, string Role, string Rows, string Cols, string FanIn, bool Maskable, bool IsMatrix, bool SparseCapable = true, string? KernelSize = null)
{
    public string Offset(string id) => id + Suffix + "Offset";

    public string Length(string id) => id + Suffix + "Length";
}

/// <summary>
/// A workspace buffer: field <paramref name="Name"/>, <c>capacity × Size</c> elements, or just <c>Size</c> when not
/// <paramref name="PerSample"/> (a convolution's column scratch, reused sample after sample); <paramref name="Element"/>
/// is the element type (<c>int</c> for a max-pool's recorded maxima). A <paramref name="Padded"/> buffer may hold a
/// feature-major boundary ([Size, batch rounded up to 8]), so it is allocated for the capacity rounded up to 8.
/// </summary>
internal sealed record WorkspaceBuffer(string Name, string Size, bool PerSample = true, string Element = "float", bool Padded = false);
