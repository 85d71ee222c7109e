using System.Collections.Generic;

namespace ModelGen.Training;

/// <summary>What happened in one epoch.</summary>
/// <param name="Epoch">Epoch number, 1-based.</param>
/// <param name="EndStep">Global step index at the epoch's end.</param>
/// <param name="TrainLoss">Mean training loss per sample over the epoch (each batch weighted by its size).</param>
/// <param name="Test">Test-set evaluation after the epoch; null without a test set.</param>
/// <param name="TrainSeconds">Seconds spent in this epoch's training steps.</param>
public sealed record EpochRecord(int Epoch, int EndStep, double TrainLoss, EvaluationResult? Test, double TrainSeconds);

/// <summary>One evaluation of the validation set.</summary>
/// <param name="Step">Global step index after which it was evaluated.</param>
/// <param name="Loss">Mean validation loss.</param>
/// <param name="Accuracy">Validation accuracy, 0..1.</param>
public sealed record ValidationRecord(int Step, double Loss, double Accuracy);

/// <summary>The outcome of <see cref="Trainer.Train"/>.</summary>
public sealed class TrainingResult
{
    internal TrainingResult(
        IReadOnlyList<EpochRecord> epochs,
        IReadOnlyList<ValidationRecord> validationHistory,
        int steps,
        long samples,
        double trainSeconds)
    {
        Epochs = epochs;
        ValidationHistory = validationHistory;
        Steps = steps;
        Samples = samples;
        TrainSeconds = trainSeconds;
        var best = -1;
        for (var i = 0; i < validationHistory.Count; i++)
        {
            if (best < 0 || validationHistory[i].Loss < validationHistory[best].Loss)
            {
                best = i;
            }
        }

        BestValidationStep = best < 0 ? null : validationHistory[best].Step;
    }

    /// <summary>One record per epoch, in order.</summary>
    public IReadOnlyList<EpochRecord> Epochs { get; }

    /// <summary>Mean training loss per sample over the last epoch.</summary>
    public double FinalTrainLoss => Epochs[^1].TrainLoss;

    /// <summary>Test-set evaluation after the last epoch; null when no test set was given.</summary>
    public EvaluationResult? Test => Epochs[^1].Test;

    /// <summary>Test accuracy (0..1) after the last epoch; NaN when no test set was given.</summary>
    public double TestAccuracy => Test?.Accuracy ?? double.NaN;

    /// <summary>Mean test loss after the last epoch; NaN when no test set was given.</summary>
    public double TestLoss => Test?.Loss ?? double.NaN;

    /// <summary>Seconds spent in training steps (batch gathering, forward, backward, hooks, optimizer); evaluation and progress reporting excluded.</summary>
    public double TrainSeconds { get; }

    /// <summary>Training samples processed per second of <see cref="TrainSeconds"/>.</summary>
    public double TrainSamplesPerSecond => TrainSeconds > 0 ? Samples / TrainSeconds : double.NaN;

    /// <summary>Global step index at the end: optimizer steps taken, counting those of epochs skipped when resuming (<see cref="TrainingOptions.FirstEpoch"/>).</summary>
    public int Steps { get; }

    /// <summary>Training samples processed in this call (epochs trained × training set size).</summary>
    public long Samples { get; }

    /// <summary>Validation evaluations in order (empty without a validation set).</summary>
    public IReadOnlyList<ValidationRecord> ValidationHistory { get; }

    /// <summary>
    /// The step at which the validation loss was lowest (the earliest on ties): the early-stopping iteration the
    /// lottery-ticket paper uses to measure how fast a network learns. Null without a validation set.
    /// </summary>
    public int? BestValidationStep { get; }
}
