namespace ModelGen;

/// <summary>Element-wise nonlinearity applied after a layer's affine map.</summary>
/// <remarks>The numeric values are part of the generator's contract: it reads them from attribute arguments.</remarks>
public enum Activation
{
    /// <summary>Identity: the layer outputs its affine map (used for logits).</summary>
    None = 0,

    /// <summary>max(0, x).</summary>
    ReLU = 1,

    /// <summary>tanh(x).</summary>
    Tanh = 2,

    /// <summary>1 / (1 + e^-x).</summary>
    Sigmoid = 3,
}
