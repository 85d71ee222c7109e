using System;

namespace ModelGen;

/// <summary>
/// Declares a network on a top-level, non-generic <c>partial</c> class. The layers follow as <see cref="DenseAttribute"/>s
/// (and <see cref="Conv2DAttribute"/>, <see cref="MaxPool2DAttribute"/>, <see cref="AvgPool2DAttribute"/>,
/// <see cref="FlattenAttribute"/>) in source order; the last layer's outputs are logits for softmax cross-entropy. The
/// input is either a vector (<see cref="Input"/>) or an image (<see cref="Channels"/> × <see cref="Height"/> ×
/// <see cref="Width"/>, NCHW per sample); exactly one of the two must be declared.
/// </summary>
/// <example>
/// <code>
/// [Model(Input = 784)]
/// [Dense(300, Activation.ReLU)]
/// [Dense(100, Activation.ReLU)]
/// [Dense(10)]
/// public partial class LeNet300 { }
///
/// [Model(Channels = 1, Height = 28, Width = 28)]
/// [Conv2D(20, 5, Activation.ReLU)]
/// [MaxPool2D(2)]
/// [Dense(10)]
/// public partial class TinyConv { }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ModelAttribute : Attribute
{
    /// <summary>Number of input features per sample (784 for a flattened 28×28 image).</summary>
    public int Input { get; set; }

    /// <summary>Channels of an image input (1 for MNIST); declare with <see cref="Height"/> and <see cref="Width"/> instead of <see cref="Input"/>.</summary>
    public int Channels { get; set; }

    /// <summary>Height of an image input in pixels.</summary>
    public int Height { get; set; }

    /// <summary>Width of an image input in pixels.</summary>
    public int Width { get; set; }

    /// <summary>Name the model is listed under (CLI, JSON). Defaults to the class name in lower case.</summary>
    public string? Name { get; set; }
}
