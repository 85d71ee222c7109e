// Shared source: see TicketTensor.cs.
using System;
using System.Collections.Generic;

namespace ModelGen.Tickets;

/// <summary>
/// Values a ticket's survivors rewind to when they are not the seed's initialization (late rewinding): for one
/// parameter tensor, the kept entries of a masked tensor in row-major order, or every entry of an unmasked one (biases).
/// </summary>
#if MODELGEN_GENERATOR
internal
#else
public
#endif
sealed class TicketValues
{
    private readonly float[] _values;

    /// <summary>Creates the entry.</summary>
    /// <exception cref="ArgumentException">The name is empty or contains white space.</exception>
    public TicketValues(string name, IReadOnlyList<float> values)
    {
        TicketText.CheckName(name);

        if (values is null)
        {
            throw new ArgumentNullException(nameof(values));
        }

        _values = new float[values.Count];
        for (var i = 0; i < _values.Length; i++)
        {
            _values[i] = values[i];
        }

        Name = name;
    }

    /// <summary>Parameter name (<c>fc1.weight</c>, <c>fc1.bias</c>).</summary>
    public string Name { get; }

    /// <summary>The values, in the order described on the class.</summary>
    public IReadOnlyList<float> Values => _values;
}
