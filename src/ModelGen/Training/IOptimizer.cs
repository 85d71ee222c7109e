using ModelGen.Model;

namespace ModelGen.Training;

/// <summary>
/// A first-order optimizer bound to one <see cref="ParameterSet"/> (it allocates its state for that set at
/// construction). <see cref="Step"/> reads <see cref="ParameterSet.Gradients"/>, updates
/// <see cref="ParameterSet.Values"/> in place without allocating, then re-applies the pruning mask, so a pruned weight
/// is exactly zero after every step whatever the optimizer's state (momentum or moments of a weight pruned after they
/// built up cannot revive it).
/// </summary>
public interface IOptimizer
{
    /// <summary>Short lowercase name as reported in results (<c>sgd</c>, <c>adam</c>).</summary>
    string Name { get; }

    /// <summary>The parameters this optimizer updates.</summary>
    ParameterSet Parameters { get; }

    /// <summary>The step size; may be changed between steps (learning-rate schedules).</summary>
    float LearningRate { get; set; }

    /// <summary>One update from the current gradients, then <c>masks.ApplyTo(Parameters.Values)</c>.</summary>
    /// <exception cref="System.ArgumentException"><paramref name="masks"/> belongs to a parameter set of another size.</exception>
    void Step(MaskSet masks);

    /// <summary>Clears all state (moments, momentum buffers, step count), as a freshly constructed optimizer has.</summary>
    void Reset();
}
