// Shared source: see TicketTensor.cs.
using System;
using System.Collections.Generic;

namespace ModelGen.Tickets;

/// <summary>
/// A lottery ticket as a file holds it (docs/TICKETS.md): the model it was found on, the masks of its prunable
/// tensors, where its survivors rewind to (the seed's initialization θ0, or recorded values after late rewinding),
/// the sparsity achieved, and a SHA-256 over the content. Immutable. Two documents are equal when their content
/// hashes are, which makes a parsed ticket a cacheable value in the generator's pipeline.
/// </summary>
#if MODELGEN_GENERATOR
internal
#else
public
#endif
sealed class TicketDocument : IEquatable<TicketDocument>
{
    private readonly TicketTensor[] _tensors;
    private readonly TicketValues[] _values;

    /// <summary>Creates a ticket; the content hash is computed from the canonical text.</summary>
    /// <param name="model">The model's listed name (<c>lenet300</c>).</param>
    /// <param name="seed">Seed whose initialization the survivors rewind to when <paramref name="rewindIteration"/> is 0.</param>
    /// <param name="rewindIteration">0 for θ0; k &gt; 0 when the survivors rewind to the values after step k (then <paramref name="values"/> holds them).</param>
    /// <param name="tensors">Masks of the prunable tensors, in parameter order.</param>
    /// <param name="values">Rewind values, one entry per parameter tensor; empty when <paramref name="rewindIteration"/> is 0.</param>
    /// <exception cref="ArgumentException">A name repeats, the model name is empty, or values are missing or given for θ0.</exception>
    public TicketDocument(string model, int seed, int rewindIteration, IReadOnlyList<TicketTensor> tensors, IReadOnlyList<TicketValues> values)
    {
        TicketText.CheckName(model);
        if (rewindIteration < 0)
        {
            throw new ArgumentException("The rewind iteration must be 0 or positive.", nameof(rewindIteration));
        }

        if (tensors is null || tensors.Count == 0)
        {
            throw new ArgumentException("A ticket holds at least one masked tensor.", nameof(tensors));
        }

        values ??= Array.Empty<TicketValues>();
        if (rewindIteration == 0 && values.Count > 0)
        {
            throw new ArgumentException("A ticket that rewinds to the seed's initialization (rewind iteration 0) carries no values.", nameof(values));
        }

        if (rewindIteration > 0 && values.Count == 0)
        {
            throw new ArgumentException($"A ticket that rewinds to step {rewindIteration} must carry the values of that step.", nameof(values));
        }

        _tensors = Copy(tensors, t => t.Name, nameof(tensors));
        _values = Copy(values, v => v.Name, nameof(values));
        Model = model;
        Seed = seed;
        RewindIteration = rewindIteration;
        long kept = 0, total = 0;
        foreach (var tensor in _tensors)
        {
            kept += tensor.KeptCount;
            total += tensor.Length;
        }

        Sparsity = 1.0 - ((double)kept / total);
        ContentHash = TicketText.Hash(this);
    }

    /// <summary>The model's listed name.</summary>
    public string Model { get; }

    /// <summary>Seed of the initialization the survivors rewind to (and of the run that found the ticket).</summary>
    public int Seed { get; }

    /// <summary>0: survivors rewind to θ0 of <see cref="Seed"/>; k &gt; 0: to <see cref="Values"/>, the weights after step k.</summary>
    public int RewindIteration { get; }

    /// <summary>Masks of the prunable tensors, in parameter order.</summary>
    public IReadOnlyList<TicketTensor> Tensors => _tensors;

    /// <summary>Rewind values (empty for θ0).</summary>
    public IReadOnlyList<TicketValues> Values => _values;

    /// <summary>Fraction of the prunable weights removed, over all masked tensors.</summary>
    public double Sparsity { get; }

    /// <summary>Lower-case hex SHA-256 of the canonical content (every line but comments and the hash line).</summary>
    public string ContentHash { get; }

    /// <summary>The entry for <paramref name="name"/>, or null.</summary>
    public TicketTensor? FindTensor(string name) => Array.Find(_tensors, t => t.Name == name);

    /// <summary>The rewind values for <paramref name="name"/>, or null.</summary>
    public TicketValues? FindValues(string name) => Array.Find(_values, v => v.Name == name);

    /// <inheritdoc />
    public bool Equals(TicketDocument? other) => other is not null && other.ContentHash == ContentHash;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as TicketDocument);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ContentHash);

    private static T[] Copy<T>(IReadOnlyList<T> items, Func<T, string> name, string parameter)
    {
        var result = new T[items.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = items[i] ?? throw new ArgumentException($"Entry {i} is null.", parameter);
            if (!seen.Add(name(result[i])))
            {
                throw new ArgumentException($"Tensor '{name(result[i])}' appears twice.", parameter);
            }
        }

        return result;
    }
}
