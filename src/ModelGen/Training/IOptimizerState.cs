using System.Collections.Generic;

namespace ModelGen.Training;

/// <summary>
/// An optimizer's state as plain data: named buffers laid out like <see cref="Model.ParameterSet.Values"/> (Adam's
/// moments, SGD's momentum buffer) and integer counters (Adam's step count). Exported into checkpoints and imported
/// on resume, so the next step is the one an uninterrupted run would take. Hyperparameters are not state: they come
/// from the settings the optimizer is constructed with.
/// </summary>
/// <param name="Optimizer">The optimizer's <see cref="IOptimizer.Name"/>.</param>
/// <param name="Buffers">Buffers by name (PyTorch's names: <c>exp_avg</c>, <c>exp_avg_sq</c>, <c>momentum_buffer</c>), each one entry per parameter.</param>
/// <param name="Counters">Counters by name (<c>step</c>).</param>
public sealed record OptimizerState(string Optimizer, IReadOnlyDictionary<string, float[]> Buffers, IReadOnlyDictionary<string, long> Counters);

/// <summary>An optimizer whose state can be exported and imported exactly (bit for bit).</summary>
public interface IOptimizerState
{
    /// <summary>The names of the buffers <see cref="ExportState"/> may hold, and which <see cref="ImportState"/> accepts.</summary>
    IReadOnlyList<string> BufferNames { get; }

    /// <summary>The names of the counters <see cref="ExportState"/> holds.</summary>
    IReadOnlyList<string> CounterNames { get; }

    /// <summary>A copy of the current state.</summary>
    OptimizerState ExportState();

    /// <summary>Replaces the state with a copy of <paramref name="state"/>.</summary>
    /// <exception cref="System.ArgumentException">The state is another optimizer's, names a buffer or counter this optimizer does not have, lacks a counter, or a buffer has the wrong length.</exception>
    void ImportState(OptimizerState state);
}
