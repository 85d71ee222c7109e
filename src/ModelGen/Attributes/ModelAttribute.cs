using System;

namespace ModelGen;

/// <summary>
/// Declares a network on a top-level, non-generic <c>partial</c> class. The layers follow as <see cref="DenseAttribute"/>s
/// in source order; the last layer's outputs are logits for softmax cross-entropy.
/// </summary>
/// <example>
/// <code>
/// [Model(Input = 784)]
/// [Dense(300, Activation.ReLU)]
/// [Dense(100, Activation.ReLU)]
/// [Dense(10)]
/// public partial class LeNet300 { }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ModelAttribute : Attribute
{
    /// <summary>Number of input features per sample (784 for a flattened 28×28 image).</summary>
    public int Input { get; set; }

    /// <summary>Name the model is listed under (CLI, JSON). Defaults to the class name in lower case.</summary>
    public string? Name { get; set; }
}
