using System;
using System.Globalization;

namespace ModelGen.Training;

/// <summary>
/// A training batch's loss was NaN or infinite: the run has diverged (learning rate too high, bad data). Thrown before
/// that batch's optimizer step, so the parameters are those after the previous step; a checkpoint written at the last
/// epoch end is untouched.
/// </summary>
public sealed class TrainingDivergedException : ArithmeticException
{
    /// <summary>Creates the exception for the batch that produced <paramref name="loss"/>.</summary>
    /// <param name="epoch">Epoch, 1-based.</param>
    /// <param name="batch">Batch within the epoch, 1-based.</param>
    /// <param name="step">Global step index the batch would have been, 1-based.</param>
    /// <param name="loss">The non-finite loss.</param>
    public TrainingDivergedException(int epoch, int batch, int step, float loss)
        : base(string.Create(CultureInfo.InvariantCulture, $"the training loss is {loss} at epoch {epoch}, batch {batch} (step {step}); training stopped before that step"))
    {
        Epoch = epoch;
        Batch = batch;
        Step = step;
        Loss = loss;
    }

    /// <summary>Epoch, 1-based.</summary>
    public int Epoch { get; }

    /// <summary>Batch within the epoch, 1-based.</summary>
    public int Batch { get; }

    /// <summary>Global step index, 1-based.</summary>
    public int Step { get; }

    /// <summary>The loss (NaN or ±∞).</summary>
    public float Loss { get; }
}
