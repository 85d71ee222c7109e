using System;

namespace ModelGen.Kernels;

/// <summary>
/// The one shape check every kernel calls before touching memory. Kernels take spans that must be exactly the
/// matrices their dimensions describe (row-major, contiguous), so a mismatch is always a caller bug: it fails here
/// with the argument's name and both lengths instead of reading past a row or leaving part of an output stale.
/// </summary>
internal static class KernelGuard
{
    /// <summary>Throws when a dimension is negative.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public static void Dimension(int value, string name)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"Dimension '{name}' must be non-negative, got {value}.");
        }
    }

    /// <summary>Throws when a dimension is not at least one.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is zero or negative.</exception>
    public static void PositiveDimension(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"Dimension '{name}' must be positive, got {value}.");
        }
    }

    /// <summary>
    /// Throws unless <paramref name="actual"/> equals <paramref name="rows"/>·<paramref name="cols"/>.
    /// </summary>
    /// <param name="actual">The span's length.</param>
    /// <param name="rows">Rows of the matrix the span must hold.</param>
    /// <param name="cols">Columns of the matrix the span must hold.</param>
    /// <param name="name">The span argument's name.</param>
    /// <param name="shape">The shape in the kernel's own terms, e.g. <c>"m×k"</c>, quoted in the message.</param>
    /// <exception cref="ArgumentException">The length differs.</exception>
    public static void MatrixLength(int actual, int rows, int cols, string name, string shape)
    {
        var expected = (long)rows * cols;
        if (actual != expected)
        {
            throw new ArgumentException(
                $"'{name}' has length {actual}, expected {expected} ({shape} = {rows}×{cols}, row-major and contiguous).", name);
        }
    }

    /// <summary>The common batch of two operands' layouts; throws when they differ.</summary>
    /// <exception cref="ArgumentException">The batches differ.</exception>
    public static int SameBatch(ActivationLayout a, ActivationLayout b, string name) =>
        a.Batch == b.Batch ? a.Batch : throw new ArgumentException($"The operands' layouts have different batches ({a.Batch} and {b.Batch}).", name);

    /// <summary>Throws unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    /// <exception cref="ArgumentException">The length differs.</exception>
    public static void Length(int actual, int expected, string name, string what)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"'{name}' has length {actual}, expected {expected} ({what}).", name);
        }
    }

    /// <summary>Throws unless the temperature is a positive finite number.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The temperature is zero, negative, infinite or NaN.</exception>
    public static void Temperature(float temperature, string name)
    {
        if (!(temperature > 0f) || float.IsPositiveInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(name, temperature, $"Temperature must be positive and finite, got {temperature}.");
        }
    }

    /// <summary>Throws when any label lies outside [0, <paramref name="classes"/>), naming the first bad row.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is negative or not less than <paramref name="classes"/>.</exception>
    public static void Labels(ReadOnlySpan<int> labels, int classes, string name)
    {
        for (var row = 0; row < labels.Length; row++)
        {
            var label = labels[row];
            if ((uint)label >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(name, label, $"Label of row {row} is {label}, outside [0, {classes}).");
            }
        }
    }
}
