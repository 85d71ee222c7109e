using System;
using System.Collections.Generic;
using ModelGen.Model;

namespace ModelGen.Training;

/// <summary>
/// The flat parameter array cut into maximal runs of tensors that either all get weight decay or all do not, computed
/// once at optimizer construction so a step walks a few ranges instead of asking the filter per tensor.
/// </summary>
internal sealed class ParameterSegments
{
    private readonly int[] _starts;
    private readonly int[] _lengths;
    private readonly bool[] _decayed;

    public ParameterSegments(ParameterSet parameters, Func<ParameterTensor, bool>? decayFilter)
    {
        var starts = new List<int>();
        var lengths = new List<int>();
        var decayed = new List<bool>();
        foreach (var tensor in parameters.Tensors)
        {
            var decay = decayFilter?.Invoke(tensor) ?? true;
            if (decayed.Count > 0 && decayed[^1] == decay && starts[^1] + lengths[^1] == tensor.Offset)
            {
                lengths[^1] += tensor.Length;
            }
            else
            {
                starts.Add(tensor.Offset);
                lengths.Add(tensor.Length);
                decayed.Add(decay);
            }
        }

        _starts = starts.ToArray();
        _lengths = lengths.ToArray();
        _decayed = decayed.ToArray();
    }

    public int Count => _starts.Length;

    public int Start(int segment) => _starts[segment];

    public int Length(int segment) => _lengths[segment];

    public bool IsDecayed(int segment) => _decayed[segment];

    /// <summary>Whether the parameter at <paramref name="offset"/> gets weight decay (segments are few: a linear scan).</summary>
    public bool IsDecayedAt(int offset)
    {
        for (var s = 0; s < _starts.Length; s++)
        {
            if (offset < _starts[s] + _lengths[s])
            {
                return _decayed[s];
            }
        }

        return false;
    }
}
