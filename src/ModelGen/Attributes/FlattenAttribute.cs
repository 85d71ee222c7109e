using System;

namespace ModelGen;

/// <summary>
/// Flattens channels × height × width into one vector of C·H·W values in NCHW order (PyTorch's <c>nn.Flatten</c>).
/// Optional: a <see cref="DenseAttribute"/> layer after a spatial one flattens its input anyway, so this only makes the
/// step explicit. No spatial layer (<see cref="Conv2DAttribute"/>, pooling) may follow a flattened vector.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : Attribute
{
    /// <summary>Layer name (<c>flatten1</c>, … when not given).</summary>
    public string? Name { get; set; }
}
