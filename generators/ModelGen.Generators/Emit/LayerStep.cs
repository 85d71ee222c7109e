using ModelGen.Generators.Model;

namespace ModelGen.Generators.Emit;

/// <summary>
/// One layer's place in a pass: the layer, its identifiers, and its neighbour towards the input (null for the first
/// layer, whose input is the network's <c>input</c> span).
/// </summary>
internal sealed class LayerStep
{
    public LayerStep(LayerSpec layer, LayerSpec? previous, bool isLast)
    {
        Layer = layer;
        Previous = previous;
        IsLast = isLast;
    }

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
    public string SavedInput => Previous is null ? "input" : Names.Rows("ws", PreviousId + "Output", PreviousId + "Out");

    /// <summary>R{input}: the previous layer's R buffer, or null for the first layer (R{x} = 0).</summary>
    public string? SavedInputR => Previous is null ? null : Names.Rows("hs", PreviousId + "R", PreviousId + "Out");

    /// <summary>Where ∂L/∂input goes: the previous layer's gradient buffer, or null (never computed for the input).</summary>
    public string? InputGradient => Previous is null ? null : Names.Rows("ws", PreviousId + "Gradient", PreviousId + "Out");

    /// <summary>Where R{∂L/∂input} goes, or null for the first layer.</summary>
    public string? InputRGradient => Previous is null ? null : Names.Rows("hs", PreviousId + "RGradient", PreviousId + "Out");
}
