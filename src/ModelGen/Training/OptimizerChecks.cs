using System;
using ModelGen.Model;

namespace ModelGen.Training;

/// <summary>Argument checks shared by the optimizers, with messages that name the hyperparameter.</summary>
internal static class OptimizerChecks
{
    public static void LearningRate(float value)
    {
        if (!(value > 0f) || !float.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException("learningRate", value, "The learning rate must be positive and finite.");
        }
    }

    public static void UnitInterval(float value, string name)
    {
        if (!(value >= 0f && value < 1f))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must lie in [0, 1).");
        }
    }

    public static void WeightDecay(float value)
    {
        if (!(value >= 0f) || !float.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException("weightDecay", value, "The weight decay must be zero or positive and finite.");
        }
    }

    public static void Masks(MaskSet masks, ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (masks.Values.Length != parameters.Count)
        {
            throw new ArgumentException($"The mask covers {masks.Values.Length} entries, the optimizer's parameters {parameters.Count}.", nameof(masks));
        }
    }
}
