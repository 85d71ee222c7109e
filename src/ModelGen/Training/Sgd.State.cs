using System;
using System.Collections.Generic;

namespace ModelGen.Training;

// Checkpoint support, kept apart from the update loop: the state is the momentum buffer, present only once a step
// has filled it (the first step after construction or Reset copies the gradient instead of blending).
public sealed partial class Sgd : IOptimizerState
{
    private const string MomentumBufferName = "momentum_buffer";

    /// <inheritdoc />
    public IReadOnlyList<string> BufferNames { get; } = [MomentumBufferName];

    /// <inheritdoc />
    public IReadOnlyList<string> CounterNames { get; } = [];

    /// <inheritdoc />
    public OptimizerState ExportState()
    {
        var buffers = new Dictionary<string, float[]>(StringComparer.Ordinal);
        if (_momentumBuffer is not null && _hasMomentumBuffer)
        {
            buffers[MomentumBufferName] = (float[])_momentumBuffer.Clone();
        }

        return new OptimizerState(Name, buffers, new Dictionary<string, long>(StringComparer.Ordinal));
    }

    /// <inheritdoc />
    public void ImportState(OptimizerState state)
    {
        OptimizerStateChecks.Check(state, this, this, Parameters);
        var hasBuffer = state.Buffers.TryGetValue(MomentumBufferName, out var buffer);
        if (hasBuffer && _momentumBuffer is null)
        {
            throw new ArgumentException("The state holds a momentum buffer, but this SGD has momentum 0.", nameof(state));
        }

        if (hasBuffer)
        {
            buffer!.CopyTo(_momentumBuffer!, 0);
        }
        else if (_momentumBuffer is not null)
        {
            Array.Clear(_momentumBuffer);
        }

        _hasMomentumBuffer = hasBuffer;
    }
}
