using System;

namespace ModelGen;

/// <summary>
/// A fully connected layer y = f(W x + b) with W stored row-major as [out, in] (PyTorch's <c>nn.Linear</c> layout).
/// Layers apply in the order their attributes appear on the class.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : Attribute
{
    /// <summary>Declares a layer with <paramref name="units"/> outputs.</summary>
    /// <param name="units">Number of output features (must be positive).</param>
    /// <param name="activation">Nonlinearity after the affine map; <see cref="Activation.None"/> for logits.</param>
    public DenseAttribute(int units, Activation activation = Activation.None)
    {
        Units = units;
        Activation = activation;
    }

    /// <summary>Number of output features.</summary>
    public int Units { get; }

    /// <summary>Nonlinearity after the affine map.</summary>
    public Activation Activation { get; }

    /// <summary>Parameter name prefix (<c>fc1</c>, <c>fc2</c>, … by position when not given).</summary>
    public string? Name { get; set; }

    /// <summary>
    /// Whether pruners may mask this layer's weights. Defaults to true for plain layers and false for factorized ones.
    /// Biases are never pruned.
    /// </summary>
    public bool Prunable { get; set; }

    /// <summary>
    /// When positive, the layer is factorized as W = U·Vt with U [out, rank] and Vt [rank, in]
    /// (Khodak et al. 2021); 0 (the default) declares a plain dense layer.
    /// </summary>
    public int Rank { get; set; }
}
