using System;

namespace ModelGen;

/// <summary>
/// 2-D average pooling over <see cref="Size"/>×<see cref="Size"/> windows of each channel (PyTorch's
/// <c>nn.AvgPool2d</c> with no padding and <c>ceil_mode=False</c>). No parameters.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool2DAttribute : Attribute
{
    /// <summary>Declares average pooling over <paramref name="size"/>×<paramref name="size"/> windows.</summary>
    /// <param name="size">Window side (must be positive and fit the input).</param>
    public AvgPool2DAttribute(int size) => Size = size;

    /// <summary>Window side.</summary>
    public int Size { get; }

    /// <summary>Step between windows; 0 (the default) means <see cref="Size"/>, PyTorch's default.</summary>
    public int Stride { get; set; }

    /// <summary>Layer name (<c>pool1</c>, <c>pool2</c>, … counting pooling layers, when not given).</summary>
    public string? Name { get; set; }
}
