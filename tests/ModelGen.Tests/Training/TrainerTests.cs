using ModelGen.Data;
using ModelGen.Model;
using ModelGen.Training;
using Xunit;
using static ModelGen.Tests.Training.TrainingTestData;

namespace ModelGen.Tests.Training;

public sealed class TrainerTests
{
    [Fact]
    public void Every_epoch_visits_each_sample_once_and_keeps_the_partial_last_batch()
    {
        // 23 samples in batches of 5: four full batches and one of 3 per epoch.
        var data = Blobs(23, seed: 1);
        var network = new RecordingNetwork(new TrainingTinyNet(seed: 0), indexFeature: 3);
        var trainer = new Trainer(network, new Sgd(network.Parameters, 0.01f), new TrainingOptions { Epochs = 3, BatchSize = 5, Seed = 7 });

        var result = trainer.Train(data);

        Assert.Equal(15, result.Steps);
        Assert.Equal(3 * 23, result.Samples);
        Assert.Equal(15, network.Batches.Count);
        var epochOrders = new List<int[]>();
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var batches = network.Batches.Skip(epoch * 5).Take(5).ToList();
            Assert.Equal([5, 5, 5, 5, 3], batches.Select(b => b.Length));
            var order = batches.SelectMany(b => b).ToArray();
            Assert.Equal(Enumerable.Range(0, 23), order.Order());
            epochOrders.Add(order);
        }

        // Shuffled, and differently each epoch (the chance that a uniform permutation of 23 is the identity, or
        // that two epochs coincide, is 1/23! ≈ 4e-23).
        Assert.NotEqual(Enumerable.Range(0, 23), epochOrders[0]);
        Assert.NotEqual(epochOrders[0], epochOrders[1]);
        Assert.NotEqual(epochOrders[1], epochOrders[2]);
    }

    [Fact]
    public void Same_seed_gives_bit_identical_parameters_and_losses()
    {
        var data = BlobsWithoutIndex(50, seed: 2);

        var (first, firstResult) = TrainTiny(data, shuffleSeed: 11);
        var (second, secondResult) = TrainTiny(data, shuffleSeed: 11);
        var (other, _) = TrainTiny(data, shuffleSeed: 12);

        Assert.Equal(first.Parameters.Values, second.Parameters.Values);
        Assert.Equal(firstResult.Epochs.Select(e => e.TrainLoss), secondResult.Epochs.Select(e => e.TrainLoss));
        Assert.Equal(firstResult.TestAccuracy, secondResult.TestAccuracy);

        // The shuffle seed matters: another order ends at other parameters.
        Assert.NotEqual(first.Parameters.Values, other.Parameters.Values);
    }

    [Fact]
    public void Learns_a_separable_problem_and_reports_consistent_results()
    {
        var train = BlobsWithoutIndex(300, seed: 3);
        var test = BlobsWithoutIndex(90, seed: 4);

        var (network, result) = TrainTiny(train, shuffleSeed: 0, test: test, epochs: 8);

        // Blobs 2 apart with σ = 0.5: the Bayes error is below 3%, an MLP trained 8 epochs gets close to it.
        Assert.True(result.TestAccuracy >= 0.9, $"test accuracy {result.TestAccuracy}");
        Assert.True(result.Epochs[^1].TrainLoss < result.Epochs[0].TrainLoss / 2, "training loss should fall by more than half");
        Assert.Equal(8, result.Epochs.Count);
        Assert.Equal(result.Epochs[^1].TrainLoss, result.FinalTrainLoss);

        // The reported test numbers are those of the final network.
        var evaluation = Evaluator.Evaluate(network, test);
        Assert.Equal(evaluation.Accuracy, result.TestAccuracy);
        Assert.Equal(evaluation.Loss, result.TestLoss);
        Assert.Equal(90, result.Test!.Value.Count);
        Assert.True(result.TrainSeconds > 0);
        Assert.Equal(result.Samples / result.TrainSeconds, result.TrainSamplesPerSecond);
    }

    [Fact]
    public void Hooks_run_around_the_optimizer_step_in_order()
    {
        var data = Blobs(23, seed: 5);
        var network = new TrainingTinyNet(seed: 1);
        var before = network.Parameters.Snapshot();
        var trainer = new Trainer(network, new Sgd(network.Parameters, 0.1f), new TrainingOptions { Epochs = 2, BatchSize = 5 });
        var events = new List<string>();
        var sawGradient = true;
        trainer.BeforeOptimizerStep = parameters =>
        {
            Assert.Same(network.Parameters, parameters);
            sawGradient &= parameters.Gradients.Any(g => g != 0f);
            events.Add("before");

            // A gradient transform: zeroing the gradient must leave plain SGD nothing to do.
            Array.Clear(parameters.Gradients);
        };
        trainer.AfterStep = step => events.Add($"after {step}");

        var result = trainer.Train(data);

        Assert.True(sawGradient, "the hook runs after the backward pass");
        Assert.Equal(before, network.Parameters.Values);
        var expected = Enumerable.Range(1, 10).SelectMany(step => new[] { "before", $"after {step}" });
        Assert.Equal(expected, events);
        Assert.Equal(10, result.Steps);
    }

    [Fact]
    public void Validation_every_interval_reports_the_step_of_lowest_loss()
    {
        var train = BlobsWithoutIndex(40, seed: 6);
        var validation = BlobsWithoutIndex(30, seed: 7);
        var network = new TrainingTinyNet(seed: 2);
        var trainer = new Trainer(network, new Adam(network.Parameters, 0.01f), new TrainingOptions { Epochs = 3, BatchSize = 8, ValidationInterval = 4 });

        var result = trainer.Train(train, validation: validation);

        // 5 steps per epoch, 15 in all: evaluated after steps 4, 8, 12.
        Assert.Equal([4, 8, 12], result.ValidationHistory.Select(r => r.Step));
        var best = result.ValidationHistory.MinBy(r => r.Loss)!;
        Assert.Equal(best.Step, result.BestValidationStep);
        Assert.All(result.ValidationHistory, r => Assert.InRange(r.Accuracy, 0, 1));
    }

    [Fact]
    public void Validation_without_interval_happens_at_each_epoch_end()
    {
        var train = BlobsWithoutIndex(40, seed: 6);
        var validation = BlobsWithoutIndex(30, seed: 7);
        var network = new TrainingTinyNet(seed: 2);
        var trainer = new Trainer(network, new Adam(network.Parameters, 0.01f), new TrainingOptions { Epochs = 3, BatchSize = 8 });

        var result = trainer.Train(train, validation: validation);

        Assert.Equal([5, 10, 15], result.ValidationHistory.Select(r => r.Step));
        var final = Evaluator.Evaluate(network, validation);
        Assert.Equal(final.Loss, result.ValidationHistory[^1].Loss);
    }

    [Fact]
    public void Without_validation_there_is_no_best_step_and_without_test_no_test_numbers()
    {
        var network = new TrainingTinyNet(seed: 0);
        var trainer = new Trainer(network, new Sgd(network.Parameters, 0.01f), new TrainingOptions { Epochs = 1 });

        var result = trainer.Train(BlobsWithoutIndex(10, seed: 1));

        Assert.Empty(result.ValidationHistory);
        Assert.Null(result.BestValidationStep);
        Assert.Null(result.Test);
        Assert.True(double.IsNaN(result.TestAccuracy));
    }

    [Fact]
    public void Progress_is_reported_every_interval_and_at_each_epoch_end()
    {
        var network = new TrainingTinyNet(seed: 0);
        var trainer = new Trainer(network, new Sgd(network.Parameters, 0.05f), new TrainingOptions { Epochs = 2, BatchSize = 4, ProgressInterval = 2 });
        var reports = new List<TrainingProgress>();

        // 10 samples in batches of 4: steps 1–3 in epoch 1, 4–6 in epoch 2. Within an epoch steps 2 and 4 report;
        // steps 3 and 6 close the epochs.
        trainer.Train(BlobsWithoutIndex(10, seed: 1), test: BlobsWithoutIndex(9, seed: 2), progress: new SynchronousProgress(reports));

        Assert.Equal([2, 3, 4, 6], reports.Select(r => r.Step));
        Assert.Equal([false, true, false, true], reports.Select(r => r.IsEpochEnd));
        Assert.Equal([1, 1, 2, 2], reports.Select(r => r.Epoch));
        Assert.All(reports, r => Assert.Equal(6, r.TotalSteps));
        Assert.Null(reports[0].TestAccuracy);
        Assert.NotNull(reports[1].TestAccuracy);
        Assert.All(reports, r => Assert.True(r.MeanLoss > 0 && r.SamplesPerSecond > 0));
    }

    [Fact]
    public void Masked_weights_stay_zero_through_training()
    {
        var network = new TrainingTinyNet(seed: 3);
        var weight = network.Parameters["fc1.weight"];
        var mask = new float[weight.Length];
        for (var i = 0; i < mask.Length; i += 3)
        {
            mask[i] = 1f;
        }

        network.Masks.Set(weight, mask);
        network.Masks.ApplyToParameters();
        var trainer = new Trainer(network, new Adam(network.Parameters, 0.05f, weightDecay: 0.01f), new TrainingOptions { Epochs = 3, BatchSize = 7 });

        trainer.Train(BlobsWithoutIndex(50, seed: 8));

        var values = network.Parameters.Value(weight);
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0f)
            {
                Assert.Equal(0f, values[i]);
            }
        }
    }

    [Fact]
    public void Rejects_data_that_does_not_fit_and_foreign_optimizers()
    {
        var network = new TrainingTinyNet(seed: 0);
        var trainer = new Trainer(network, new Sgd(network.Parameters, 0.01f), new TrainingOptions());

        var features = Assert.Throws<ArgumentException>(() => trainer.Train(new Dataset(new float[10], new int[2], features: 5, classes: 3)));
        Assert.Contains("5 features per sample", features.Message);
        var classes = Assert.Throws<ArgumentException>(() => trainer.Train(new Dataset(new float[8], new int[2], features: 4, classes: 7)));
        Assert.Contains("7 classes", classes.Message);
        Assert.Throws<ArgumentException>(() => trainer.Train(new Dataset([], [], features: 4, classes: 3)));

        var other = new TrainingTinyNet(seed: 0);
        Assert.Throws<ArgumentException>(() => new Trainer(network, new Sgd(other.Parameters, 0.01f), new TrainingOptions()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(network, new Sgd(network.Parameters, 0.01f), new TrainingOptions { BatchSize = 0 }));
    }

    [Fact]
    public void Trainer_and_optimizer_allocate_nothing_per_step()
    {
        var data = BlobsWithoutIndex(200, seed: 9);

        // Bytes allocated by Train outside the network's own calls: whether the generated code allocates is the
        // generator's concern (and differs between Debug and Release); the trainer's loop and Adam must not.
        static long AllocatedOutsideNetwork(Dataset data, int epochs)
        {
            var network = new AllocationMeteringNetwork(new TrainingTinyNet(seed: 0));
            var trainer = new Trainer(network, new Adam(network.Parameters, 0.01f), new TrainingOptions { Epochs = epochs, BatchSize = 5 });
            trainer.Train(data); // buffers of the network and first-call initialization
            network.InnerBytes = 0;
            var before = GC.GetAllocatedBytesForCurrentThread();
            trainer.Train(data);
            return GC.GetAllocatedBytesForCurrentThread() - before - network.InnerBytes;
        }

        var oneEpoch = AllocatedOutsideNetwork(data, 1);
        var fiveEpochs = AllocatedOutsideNetwork(data, 5);

        // Four more epochs are 160 more steps; anything allocated per step (at least 24 bytes per object) would add
        // at least 3,840 bytes. What may grow is the four extra epoch records (well under 1 KB).
        Assert.InRange(fiveEpochs - oneEpoch, 0, 1024);
    }

    [Fact]
    public void Cancellation_stops_training()
    {
        var network = new TrainingTinyNet(seed: 0);
        var trainer = new Trainer(network, new Sgd(network.Parameters, 0.01f), new TrainingOptions());
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.Throws<OperationCanceledException>(() => trainer.Train(BlobsWithoutIndex(10, seed: 1), cancellationToken: cancellation.Token));
    }

    private static (TrainingTinyNet Network, TrainingResult Result) TrainTiny(Dataset train, int shuffleSeed, Dataset? test = null, int epochs = 3)
    {
        var network = new TrainingTinyNet(seed: 5);
        var optimizer = new Adam(network.Parameters, 0.02f, weightDecay: 1e-4f);
        var trainer = new Trainer(network, optimizer, new TrainingOptions { Epochs = epochs, BatchSize = 16, Seed = shuffleSeed });
        return (network, trainer.Train(train, test));
    }

    /// <summary>Records reports on the calling thread (<see cref="Progress{T}"/> would post them asynchronously).</summary>
    private sealed class SynchronousProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }
}
