using System;
using System.Collections.Generic;

namespace ModelGen.Training;

// Checkpoint support, kept apart from the update loop: the state is the two moments and the step count t.
public sealed partial class Adam : IOptimizerState
{
    private const string FirstMomentName = "exp_avg";
    private const string SecondMomentName = "exp_avg_sq";
    private const string StepName = "step";

    /// <inheritdoc />
    public IReadOnlyList<string> BufferNames { get; } = [FirstMomentName, SecondMomentName];

    /// <inheritdoc />
    public IReadOnlyList<string> CounterNames { get; } = [StepName];

    /// <inheritdoc />
    public OptimizerState ExportState()
    {
        // The sparse pieces' moments live compacted between steps; the exported buffers have the full layout.
        FlushCompactMoments();
        return new(
            Name,
            new Dictionary<string, float[]>(StringComparer.Ordinal)
            {
                [FirstMomentName] = (float[])_firstMoment.Clone(),
                [SecondMomentName] = (float[])_secondMoment.Clone(),
            },
            new Dictionary<string, long>(StringComparer.Ordinal) { [StepName] = StepCount });
    }

    /// <inheritdoc />
    public void ImportState(OptimizerState state)
    {
        OptimizerStateChecks.Check(state, this, this, Parameters);
        if (!state.Buffers.TryGetValue(FirstMomentName, out var first) || !state.Buffers.TryGetValue(SecondMomentName, out var second))
        {
            throw new ArgumentException($"Adam's state needs both '{FirstMomentName}' and '{SecondMomentName}'.", nameof(state));
        }

        first.CopyTo(_firstMoment, 0);
        second.CopyTo(_secondMoment, 0);
        _compactPlan = null;
        StepCount = (int)state.Counters[StepName];
    }
}
