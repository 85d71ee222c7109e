using System;

namespace ModelGen;

/// <summary>
/// A 2-D convolution y = f(W ∗ x + b) over the previous layer's channels × height × width (PyTorch's <c>nn.Conv2d</c>:
/// weights [filters, in channels, kernel, kernel], square kernel, the same stride and zero padding on both axes).
/// Needs an image input (<see cref="ModelAttribute.Channels"/>, <see cref="ModelAttribute.Height"/>,
/// <see cref="ModelAttribute.Width"/>) or a spatial layer before it. Layers apply in the order their attributes appear.
/// </summary>
/// <example>
/// <code>
/// [Model(Channels = 1, Height = 28, Width = 28)]
/// [Conv2D(20, 5, Activation.ReLU)]
/// [MaxPool2D(2)]
/// [Dense(10)]
/// public partial class TinyConv { }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2DAttribute : Attribute
{
    /// <summary>Declares a convolution with <paramref name="filters"/> output channels and a <paramref name="kernel"/>×<paramref name="kernel"/> kernel.</summary>
    /// <param name="filters">Output channels (must be positive).</param>
    /// <param name="kernel">Kernel side (must be positive and fit the padded input).</param>
    /// <param name="activation">Nonlinearity after the convolution.</param>
    public Conv2DAttribute(int filters, int kernel, Activation activation = Activation.None)
    {
        Filters = filters;
        Kernel = kernel;
        Activation = activation;
    }

    /// <summary>Output channels.</summary>
    public int Filters { get; }

    /// <summary>Kernel side.</summary>
    public int Kernel { get; }

    /// <summary>Nonlinearity after the convolution.</summary>
    public Activation Activation { get; }

    /// <summary>Step between neighbouring windows along both axes (default 1; must be positive).</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Zeros added on every side of the input (default 0; must not be negative).</summary>
    public int Padding { get; set; }

    /// <summary>Parameter name prefix (<c>conv1</c>, <c>conv2</c>, … counting convolutions, when not given).</summary>
    public string? Name { get; set; }

    /// <summary>Whether pruners may mask this layer's weights (default true). Biases are never pruned.</summary>
    public bool Prunable { get; set; } = true;
}
