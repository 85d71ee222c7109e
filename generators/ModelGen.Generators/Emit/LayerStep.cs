using ModelGen.Generators.Model;

namespace ModelGen.Generators.Emit;

/// <summary>
/// One layer's place in a pass: the layer, its identifiers, its neighbour towards the input (null for the first
/// layer, whose input is the network's <c>input</c> span), and the layouts of its input and output boundaries.
/// </summary>
/// <remarks>
/// A boundary's layout is a local of the pass (<c>layout1</c>, a ModelGen.Kernels.ActivationLayout decided once per
/// pass from the neighbouring handles' kernel choice and the batch) for the layers that read it (plain dense layers);
/// null for the others, whose boundaries are always sample-major (<c>batch × features</c>), so their code is as before.
/// </remarks>
internal sealed class LayerStep
{
    public LayerStep(LayerSpec layer, LayerSpec? previous, bool isLast, string? inputLayout = null, string? outputLayout = null)
    {
        Layer = layer;
        Previous = previous;
        IsLast = isLast;
        InputLayout = inputLayout;
        OutputLayout = outputLayout;
    }

    /// <summary>The local holding the input boundary's layout, or null (sample-major, not declared).</summary>
    public string? InputLayout { get; }

    /// <summary>The local holding the output boundary's layout, or null (sample-major, not declared).</summary>
    public string? OutputLayout { get; }

    /// <summary>The floats of <paramref name="width"/> features at the output boundary: <c>layout2.Length(L2Out)</c> or <c>batch * L2Out</c>.</summary>
    public string OutputExtent(string width) => Names.Extent(OutputLayout, width);

    public LayerSpec Layer { get; }

    /// <summary>The layer feeding this one, or null for the first layer.</summary>
    public LayerSpec? Previous { get; }

    /// <summary>Whether this layer writes the logits.</summary>
    public bool IsLast { get; }

    /// <summary>Member prefix, <c>L2</c>.</summary>
    public string Id => Names.Id(Layer);

    /// <summary>Local prefix, <c>l2</c>.</summary>
    public string Local => Names.Local(Layer);

    /// <summary>The previous layer's member prefix, or null for the first layer.</summary>
    public string? PreviousId => Previous is null ? null : Names.Id(Previous);

    /// <summary>This layer's input in the forward pass: the previous layer's output local, or <c>input</c>.</summary>
    public string ForwardInput => Previous is null ? "input" : Names.Local(Previous) + "Output";

    /// <summary>This layer's input read back from the workspace (backward and R passes).</summary>
    public string SavedInput => Previous is null ? "input" : Names.Rows("ws", PreviousId + "Output", PreviousId + "Out", InputLayout);

    /// <summary>R{input}: the previous layer's R buffer, or null for the first layer (R{x} = 0).</summary>
    public string? SavedInputR => Previous is null ? null : Names.Rows("hs", PreviousId + "R", PreviousId + "Out", InputLayout);

    /// <summary>Where ∂L/∂input goes: the previous layer's gradient buffer, or null (never computed for the input).</summary>
    public string? InputGradient => Previous is null ? null : Names.Rows("ws", PreviousId + "Gradient", PreviousId + "Out", InputLayout);

    /// <summary>Where R{∂L/∂input} goes, or null for the first layer.</summary>
    public string? InputRGradient => Previous is null ? null : Names.Rows("hs", PreviousId + "RGradient", PreviousId + "Out", InputLayout);
}
