using System;

namespace ModelGen.Training;

/// <summary>Settings of a <see cref="Trainer"/> run.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training set (at least 1).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Samples per step; the last batch of an epoch keeps the remainder (it is not dropped).</summary>
    public int BatchSize { get; init; } = 60;

    /// <summary>Seed of the shuffling stream (one stream for the whole run, a fresh permutation per epoch).</summary>
    public int Seed { get; init; }

    /// <summary>
    /// The generator behind the epoch permutations: ModelGen's (a Fisher–Yates shuffle from a <see cref="Random"/> derived
    /// from <see cref="Seed"/>), or PyTorch's (<c>torch.randperm</c> on <c>torch.Generator().manual_seed(Seed)</c>, the
    /// order a PyTorch loop with that seed sees).
    /// </summary>
    public ModelGen.Model.RandomSource Shuffling { get; init; }

    /// <summary>
    /// Steps between evaluations of the validation set (the lottery-ticket paper evaluates every 100 iterations).
    /// 0 evaluates it at the end of each epoch instead. Ignored without a validation set.
    /// </summary>
    public int ValidationInterval { get; init; }

    /// <summary>Samples per forward pass when evaluating the test or validation set.</summary>
    public int EvaluationBatchSize { get; init; } = 1000;

    /// <summary>Steps between progress reports within an epoch (each epoch's end is always reported).</summary>
    public int ProgressInterval { get; init; } = 50;

    /// <summary>
    /// The epoch to start at, 1-based (resuming from a checkpoint taken after epoch <c>FirstEpoch − 1</c>). Earlier
    /// epochs are not trained, but their shuffles are replayed from the seed, so every later epoch sees the data in
    /// the order an uninterrupted run gives it and step indices continue where they were.
    /// </summary>
    public int FirstEpoch { get; init; } = 1;

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Naming the setting.</exception>
    public void Validate()
    {
        if (Epochs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be at least 1.");
        }

        if (FirstEpoch < 1 || FirstEpoch > Epochs)
        {
            throw new ArgumentOutOfRangeException(nameof(FirstEpoch), FirstEpoch, $"FirstEpoch must lie in [1, Epochs = {Epochs}].");
        }

        if (BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        }

        if (!Enum.IsDefined(Shuffling))
        {
            throw new ArgumentOutOfRangeException(nameof(Shuffling), Shuffling, "Shuffling must be ModelGen or PyTorch.");
        }

        if (ValidationInterval < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ValidationInterval), ValidationInterval, "ValidationInterval must be 0 (each epoch's end) or positive.");
        }

        if (EvaluationBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(EvaluationBatchSize), EvaluationBatchSize, "EvaluationBatchSize must be at least 1.");
        }

        if (ProgressInterval < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ProgressInterval), ProgressInterval, "ProgressInterval must be at least 1.");
        }
    }
}
