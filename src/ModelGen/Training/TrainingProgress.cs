namespace ModelGen.Training;

/// <summary>A progress report of a <see cref="Trainer"/> run, sent every few steps and at each epoch's end.</summary>
/// <param name="Epoch">Current epoch, 1-based.</param>
/// <param name="Epochs">Epochs in the run.</param>
/// <param name="Step">Global step index, 1-based, of the last completed step.</param>
/// <param name="TotalSteps">Steps in the whole run.</param>
/// <param name="MeanLoss">Mean training loss per sample over this epoch so far.</param>
/// <param name="TestAccuracy">Test accuracy (0..1) after the last completed epoch; null before the first epoch ends or without a test set.</param>
/// <param name="SamplesPerSecond">Training throughput so far (training steps only; evaluation excluded).</param>
/// <param name="IsEpochEnd">Whether this report closes an epoch (its test accuracy is then this epoch's).</param>
public sealed record TrainingProgress(
    int Epoch,
    int Epochs,
    int Step,
    int TotalSteps,
    double MeanLoss,
    double? TestAccuracy,
    double SamplesPerSecond,
    bool IsEpochEnd);
