using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using ModelGen.Data;
using ModelGen.Model;

namespace ModelGen.Training;

/// <summary>
/// Mini-batch training of a network with an optimizer. Each epoch visits every training sample exactly once in an
/// order drawn afresh per epoch from one stream seeded with <see cref="TrainingOptions.Seed"/> (ModelGen's Fisher–Yates
/// or PyTorch's randperm, <see cref="TrainingOptions.Shuffling"/>); the last batch of an epoch keeps the remainder. A
/// step is: zero gradients → <see cref="INetwork.ForwardBackward"/> → <see cref="BeforeOptimizerStep"/> →
/// <see cref="IOptimizer.Step"/> with the network's masks → <see cref="AfterStep"/>. The run is single-threaded above
/// the network's kernels, so the same seed on the same machine gives bit-identical parameters whatever the thread count
/// (given kernels with fixed work partitioning).
/// </summary>
public sealed class Trainer
{
    private readonly INetwork _network;
    private readonly IOptimizer _optimizer;
    private readonly TrainingOptions _options;
    private readonly float[] _batchInputs;
    private readonly int[] _batchLabels;
    private readonly Evaluator _evaluator;

    /// <summary>Creates a trainer; batch buffers are allocated here, once.</summary>
    /// <exception cref="ArgumentException">The optimizer is bound to another parameter set than the network's.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public Trainer(INetwork network, IOptimizer optimizer, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!ReferenceEquals(optimizer.Parameters, network.Parameters))
        {
            throw new ArgumentException($"The optimizer updates a different parameter set than the network '{network.Name}' has; construct it with network.Parameters.", nameof(optimizer));
        }

        _network = network;
        _optimizer = optimizer;
        _options = options;
        _batchInputs = new float[checked(options.BatchSize * network.InputSize)];
        _batchLabels = new int[options.BatchSize];
        _evaluator = new Evaluator(network, options.EvaluationBatchSize);
    }

    /// <summary>The settings of this trainer.</summary>
    public TrainingOptions Options => _options;

    /// <summary>
    /// Called after the backward pass and before the optimizer step, with the network's parameters: the place for
    /// gradient transforms (Frobenius decay adds its gradient here). Counted as training time.
    /// </summary>
    public Action<ParameterSet>? BeforeOptimizerStep { get; set; }

    /// <summary>
    /// Called after each optimizer step with the global step index (1-based, counted from the start of this
    /// <see cref="Train"/> call): the lottery-ticket pruner snapshots weights for rewinding here.
    /// </summary>
    public Action<int>? AfterStep { get; set; }

    /// <summary>
    /// Called at the end of each epoch, after its test evaluation, with its record: the place to write a checkpoint
    /// (the network, optimizer and data order are then exactly at an epoch boundary). Not counted as training time.
    /// </summary>
    public Action<EpochRecord>? AfterEpoch { get; set; }

    /// <summary>
    /// One training step on one batch, exactly as <see cref="Train"/> takes it per mini-batch: zero the gradients (only
    /// the kept ones under a mask), <see cref="INetwork.ForwardBackward"/>, <see cref="BeforeOptimizerStep"/>, the
    /// optimizer step with the network's masks. <see cref="AfterStep"/> is not called (it counts <see cref="Train"/>'s
    /// steps). Benchmarks time this, so what they measure stays what training does.
    /// </summary>
    /// <param name="inputs">Row-major [batch, InputSize].</param>
    /// <param name="labels">One class per sample.</param>
    /// <param name="batch">Samples in the batch.</param>
    /// <returns>The batch's mean loss.</returns>
    /// <exception cref="ArgumentException">The spans do not hold <paramref name="batch"/> samples.</exception>
    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batch)
    {
        if (batch <= 0 || inputs.Length != (long)batch * _network.InputSize || labels.Length != batch)
        {
            throw new ArgumentException($"A step of {batch} samples needs {(long)batch * _network.InputSize} inputs and {batch} labels (got {inputs.Length} and {labels.Length}).", nameof(batch));
        }

        var loss = ComputeGradients(inputs, labels, batch);
        ApplyOptimizerStep();
        return loss;
    }

    /// <summary>The first half of a step: gradients zeroed (only the kept ones under a mask), then forward and backward.</summary>
    private float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int batch)
    {
        _network.Masks.ZeroGradients();
        return _network.ForwardBackward(inputs, labels, batch);
    }

    /// <summary>The second half of a step: <see cref="BeforeOptimizerStep"/>, then the optimizer with the network's masks.</summary>
    private void ApplyOptimizerStep()
    {
        BeforeOptimizerStep?.Invoke(_network.Parameters);
        _optimizer.Step(_network.Masks);
    }

    /// <summary>Trains on <paramref name="train"/> for <see cref="TrainingOptions.Epochs"/> epochs.</summary>
    /// <param name="train">The training set.</param>
    /// <param name="test">Evaluated after every epoch when given.</param>
    /// <param name="validation">
    /// Evaluated every <see cref="TrainingOptions.ValidationInterval"/> steps (or at each epoch's end when the
    /// interval is 0) when given; the step of lowest validation loss is reported.
    /// </param>
    /// <param name="progress">Receives a report every <see cref="TrainingOptions.ProgressInterval"/> steps and at each epoch's end.</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    /// <exception cref="ArgumentException">A dataset is empty (training) or does not fit the network.</exception>
    /// <exception cref="OperationCanceledException">Cancellation was requested.</exception>
    /// <exception cref="TrainingDivergedException">A batch's loss was NaN or infinite (the optimizer step is not taken).</exception>
    public TrainingResult Train(Dataset train, Dataset? test = null, Dataset? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Evaluator.CheckFits(_network, train, nameof(train));
        if (train.Count == 0)
        {
            throw new ArgumentException("The training set is empty.", nameof(train));
        }

        if (test is not null)
        {
            Evaluator.CheckFits(_network, test, nameof(test));
        }

        if (validation is not null)
        {
            Evaluator.CheckFits(_network, validation, nameof(validation));
        }

        var epochs = _options.Epochs;
        var batchSize = _options.BatchSize;
        var features = train.Features;
        var stepsPerEpoch = (train.Count + batchSize - 1) / batchSize;
        var totalSteps = checked(epochs * stepsPerEpoch);
        var shuffle = EpochShuffle.For(_options);
        var order = new int[train.Count];
        var epochRecords = new List<EpochRecord>(epochs);
        var validationHistory = new List<ValidationRecord>();
        var stopwatch = new Stopwatch();
        var step = 0;
        long samples = 0;
        double? lastTestAccuracy = null;

        // Resuming: the skipped epochs' shuffles are drawn and discarded, so the stream is where it was.
        for (var epoch = 1; epoch < _options.FirstEpoch; epoch++)
        {
            shuffle.Next(order);
            step += stepsPerEpoch;
        }

        for (var epoch = _options.FirstEpoch; epoch <= epochs; epoch++)
        {
            shuffle.Next(order);
            var epochStart = stopwatch.Elapsed;
            double lossSum = 0;
            var epochSamples = 0;
            stopwatch.Start();
            for (var start = 0; start < order.Length; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = Math.Min(batchSize, order.Length - start);
                for (var b = 0; b < batch; b++)
                {
                    var sample = order[start + b];
                    Array.Copy(train.Inputs, sample * features, _batchInputs, b * features, features);
                    _batchLabels[b] = train.Labels[sample];
                }

                // The two halves of TrainStep, with the divergence check between them: a non-finite loss stops training
                // before the optimizer writes NaN into the weights.
                var loss = ComputeGradients(_batchInputs.AsSpan(0, batch * features), _batchLabels.AsSpan(0, batch), batch);
                if (!float.IsFinite(loss))
                {
                    throw new TrainingDivergedException(epoch, (start / batchSize) + 1, step + 1, loss);
                }

                ApplyOptimizerStep();
                step++;
                AfterStep?.Invoke(step);
                lossSum += (double)loss * batch;
                epochSamples += batch;
                samples += batch;

                var endOfEpoch = start + batch == order.Length;
                var validateNow = validation is not null && (_options.ValidationInterval > 0 ? step % _options.ValidationInterval == 0 : endOfEpoch);
                var reportNow = progress is not null && !endOfEpoch && step % _options.ProgressInterval == 0;
                if (validateNow || reportNow)
                {
                    // Evaluation and reporting are not training time.
                    stopwatch.Stop();
                    if (validateNow)
                    {
                        var result = _evaluator.Evaluate(validation!);
                        validationHistory.Add(new ValidationRecord(step, result.Loss, result.Accuracy));
                    }

                    if (reportNow)
                    {
                        progress!.Report(new TrainingProgress(epoch, epochs, step, totalSteps, lossSum / epochSamples, lastTestAccuracy, Throughput(samples, stopwatch), IsEpochEnd: false));
                    }

                    stopwatch.Start();
                }
            }

            stopwatch.Stop();
            EvaluationResult? testResult = test is null ? null : _evaluator.Evaluate(test);
            lastTestAccuracy = testResult?.Accuracy;
            var epochLoss = lossSum / epochSamples;
            var record = new EpochRecord(epoch, step, epochLoss, testResult, (stopwatch.Elapsed - epochStart).TotalSeconds);
            epochRecords.Add(record);
            AfterEpoch?.Invoke(record);
            progress?.Report(new TrainingProgress(epoch, epochs, step, totalSteps, epochLoss, lastTestAccuracy, Throughput(samples, stopwatch), IsEpochEnd: true));
        }

        return new TrainingResult(epochRecords, validationHistory, step, samples, stopwatch.Elapsed.TotalSeconds);
    }

    private static double Throughput(long samples, Stopwatch stopwatch)
    {
        var seconds = stopwatch.Elapsed.TotalSeconds;
        return seconds > 0 ? samples / seconds : 0;
    }
}
