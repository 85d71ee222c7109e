using System;
using System.Collections.Generic;
using ModelGen.Model;

namespace ModelGen.Training;

/// <summary>The checks every <see cref="IOptimizerState.ImportState"/> makes, with messages that name the entry.</summary>
internal static class OptimizerStateChecks
{
    public static void Check(OptimizerState state, IOptimizer optimizer, IOptimizerState layout, ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Optimizer != optimizer.Name)
        {
            throw new ArgumentException($"The state is of optimizer '{state.Optimizer}', this one is '{optimizer.Name}'.", nameof(state));
        }

        var known = new HashSet<string>(layout.BufferNames, StringComparer.Ordinal);
        foreach (var (name, buffer) in state.Buffers)
        {
            if (!known.Contains(name))
            {
                throw new ArgumentException($"'{optimizer.Name}' has no state buffer '{name}' (it has {string.Join(", ", layout.BufferNames)}).", nameof(state));
            }

            if (buffer is null || buffer.Length != parameters.Count)
            {
                throw new ArgumentException($"State buffer '{name}' has {buffer?.Length ?? 0} entries, the parameters {parameters.Count}.", nameof(state));
            }
        }

        foreach (var name in layout.CounterNames)
        {
            if (!state.Counters.TryGetValue(name, out var value) || value < 0 || value > int.MaxValue)
            {
                throw new ArgumentException($"The state lacks counter '{name}' or holds {value}, outside [0, {int.MaxValue}].", nameof(state));
            }
        }

        var counters = new HashSet<string>(layout.CounterNames, StringComparer.Ordinal);
        foreach (var name in state.Counters.Keys)
        {
            if (!counters.Contains(name))
            {
                throw new ArgumentException($"'{optimizer.Name}' has no counter '{name}'.", nameof(state));
            }
        }
    }
}
