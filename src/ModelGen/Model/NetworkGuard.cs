using System;
using System.ComponentModel;

namespace ModelGen.Model;

/// <summary>
/// Argument checks shared by every generated network's public methods, so each model reports a wrong batch or span
/// size the same way (generated code stays thin).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)] // public for generated code in users' assemblies, hidden from their completion (as STJ hides JsonMetadataServices)
public static class NetworkGuard
{
    /// <summary>Checks that <paramref name="batch"/> is positive and that a span holds at least batch·perSample values.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive.</exception>
    /// <exception cref="ArgumentException">The span is too short.</exception>
    public static void RequireSamples(int batch, int spanLength, int perSample, string argument)
    {
        if (batch <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch size must be positive.");
        }

        var required = (long)batch * perSample;
        if (spanLength < required)
        {
            throw new ArgumentException($"'{argument}' holds {spanLength} values; a batch of {batch} needs {required} ({perSample} per sample).", argument);
        }
    }

    /// <summary>Checks that a span laid out like the parameter set has exactly <paramref name="parameterCount"/> values.</summary>
    /// <exception cref="ArgumentException">The length differs.</exception>
    public static void RequireParameterLayout(int spanLength, int parameterCount, string argument)
    {
        if (spanLength != parameterCount)
        {
            throw new ArgumentException($"'{argument}' holds {spanLength} values; the model has {parameterCount} parameters.", argument);
        }
    }

    /// <summary>Checks that a softmax temperature is positive and finite (the kernels' own rule, checked up front).</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not.</exception>
    public static void RequireTemperature(float temperature) => Kernels.KernelGuard.Temperature(temperature, nameof(temperature));
}
