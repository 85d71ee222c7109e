using System;
using System.Collections.Generic;

namespace ModelGen.Model;

/// <summary>
/// All parameters of a network in one contiguous array, with gradients of the same layout, and the named
/// <see cref="ParameterTensor"/> views into them. Optimizers work on the flat arrays; pruners and I/O on the views.
/// </summary>
public sealed class ParameterSet
{
    private readonly Dictionary<string, ParameterTensor> _byName;

    /// <summary>Creates the storage for <paramref name="tensors"/>, which must tile [0, total) in order.</summary>
    /// <exception cref="ArgumentException">The tensors overlap, leave gaps, or repeat a name.</exception>
    public ParameterSet(IReadOnlyList<ParameterTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        _byName = new Dictionary<string, ParameterTensor>(tensors.Count, StringComparer.Ordinal);
        var next = 0;
        foreach (var tensor in tensors)
        {
            if (tensor.Offset != next || tensor.Rows <= 0 || tensor.Cols <= 0)
            {
                throw new ArgumentException($"Parameter '{tensor.Name}' starts at {tensor.Offset}, expected {next} with positive dimensions.", nameof(tensors));
            }

            if (!_byName.TryAdd(tensor.Name, tensor))
            {
                throw new ArgumentException($"Parameter name '{tensor.Name}' is used twice.", nameof(tensors));
            }

            next = checked(next + tensor.Length);
        }

        Tensors = tensors;
        Values = new float[next];
        Gradients = new float[next];
    }

    /// <summary>The tensors in storage order.</summary>
    public IReadOnlyList<ParameterTensor> Tensors { get; }

    /// <summary>Every parameter value, tensors back to back.</summary>
    public float[] Values { get; }

    /// <summary>Gradients, same layout as <see cref="Values"/>. Backward passes accumulate into it.</summary>
    public float[] Gradients { get; }

    /// <summary>Total number of parameter entries.</summary>
    public int Count => Values.Length;

    /// <summary>Looks a tensor up by its full name (<c>fc1.weight</c>).</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    public ParameterTensor this[string name] =>
        _byName.TryGetValue(name, out var tensor) ? tensor : throw new KeyNotFoundException($"The model has no parameter named '{name}'.");

    /// <summary>Whether a tensor of that name exists.</summary>
    public bool TryGet(string name, out ParameterTensor tensor) => _byName.TryGetValue(name, out tensor!);

    /// <summary>The values of one tensor.</summary>
    public Span<float> Value(ParameterTensor tensor) => Values.AsSpan(tensor.Offset, tensor.Length);

    /// <summary>The gradient of one tensor.</summary>
    public Span<float> Gradient(ParameterTensor tensor) => Gradients.AsSpan(tensor.Offset, tensor.Length);

    /// <summary>Sets every gradient to zero (before accumulating a new step's gradient).</summary>
    public void ZeroGradients() => Array.Clear(Gradients);

    /// <summary>A copy of all values (for rewinding or restoring).</summary>
    public float[] Snapshot() => (float[])Values.Clone();

    /// <summary>Overwrites all values with a snapshot taken from a set of the same layout.</summary>
    /// <exception cref="ArgumentException">The snapshot has a different length.</exception>
    public void Restore(ReadOnlySpan<float> snapshot)
    {
        if (snapshot.Length != Values.Length)
        {
            throw new ArgumentException($"Snapshot has {snapshot.Length} values, the parameter set {Values.Length}.", nameof(snapshot));
        }

        snapshot.CopyTo(Values);
    }
}
