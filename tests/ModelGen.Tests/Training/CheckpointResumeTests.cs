using ModelGen.IO;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Tests.Data;
using ModelGen.Tests.IO;
using ModelGen.Training;
using Xunit;
using static ModelGen.Tests.Training.TrainingTestData;

namespace ModelGen.Tests.Training;

public sealed class CheckpointResumeTests : IDisposable
{
    private const int Epochs = 3;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string, bool> Optimizers => new() { { "adam", false }, { "adam", true }, { "sgd", true } };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Resuming_at_every_epoch_boundary_ends_bit_identical_to_an_uninterrupted_run(string optimizer, bool pruned)
    {
        // 23 samples in batches of 5: the partial last batch and the shuffle replay both matter.
        var data = BlobsWithoutIndex(23, seed: 4);
        var reference = NewNetwork(pruned);
        var referenceOptimizer = NewOptimizer(reference, optimizer);
        new Trainer(reference, referenceOptimizer, Options()).Train(data);

        for (var stopAfter = 0; stopAfter < Epochs; stopAfter++)
        {
            var folder = Path.Combine(_folder.Path, $"{optimizer}-{pruned}-{stopAfter}");
            var first = NewNetwork(pruned);
            var firstOptimizer = NewOptimizer(first, optimizer);
            TrainingCheckpoint.Save(folder, first, (IOptimizerState)firstOptimizer, completedEpochs: 0);
            if (stopAfter > 0)
            {
                var trainer = new Trainer(first, firstOptimizer, Options() with { Epochs = stopAfter });
                trainer.AfterEpoch = epoch => TrainingCheckpoint.Save(folder, first, (IOptimizerState)firstOptimizer, epoch.Epoch);
                trainer.Train(data);
            }

            // A fresh process: another init, a fresh optimizer, everything from the checkpoint.
            var resumed = new TrainingTinyNet(seed: 99);
            var resumedOptimizer = NewOptimizer(resumed, optimizer);
            var info = TrainingCheckpoint.Load(folder, resumed, (IOptimizerState)resumedOptimizer);
            Assert.Equal(stopAfter, info.CompletedEpochs);
            var result = new Trainer(resumed, resumedOptimizer, Options() with { FirstEpoch = info.CompletedEpochs + 1 }).Train(data);

            NetworkWeightsTests.AssertSameBits(reference.Parameters.Values, resumed.Parameters.Values);
            NetworkWeightsTests.AssertSameBits(reference.Masks.Values, resumed.Masks.Values);
            Assert.Equal(Epochs * 5, result.Steps);
            Assert.Equal(Epochs - stopAfter, result.Epochs.Count);
        }
    }

    [Fact]
    public void Optimizer_state_round_trips_exactly()
    {
        var network = new TrainingTinyNet(seed: 1);
        var adam = new Adam(network.Parameters, 0.01f);
        new Trainer(network, adam, new TrainingOptions { Epochs = 1, BatchSize = 4 }).Train(BlobsWithoutIndex(12, seed: 1));
        var state = adam.ExportState();

        var copy = new Adam(new TrainingTinyNet(seed: 2).Parameters, 0.01f);
        copy.ImportState(state);

        Assert.Equal(3, copy.StepCount);
        var again = copy.ExportState();
        NetworkWeightsTests.AssertSameBits(state.Buffers["exp_avg"], again.Buffers["exp_avg"]);
        NetworkWeightsTests.AssertSameBits(state.Buffers["exp_avg_sq"], again.Buffers["exp_avg_sq"]);
        Assert.Throws<ArgumentException>(() => new Sgd(network.Parameters, 0.1f).ImportState(state));
        Assert.Throws<ArgumentException>(() => copy.ImportState(state with { Buffers = new Dictionary<string, float[]> { ["exp_avg"] = new float[3], ["exp_avg_sq"] = new float[3] } }));
    }

    [Fact]
    public void Checkpoint_of_another_model_is_refused_and_changes_nothing()
    {
        var folder = _folder.File("ckpt");
        var other = new ModelGen.Tests.Generated.TanhNet(seed: 1);
        TrainingCheckpoint.Save(folder, other, new Adam(other.Parameters, 0.01f), completedEpochs: 2);
        var network = new TrainingTinyNet(seed: 3);
        var adam = new Adam(network.Parameters, 0.01f);
        var before = network.Parameters.Snapshot();
        var bytes = File.ReadAllBytes(TrainingCheckpoint.FilePath(folder));

        var error = Assert.Throws<SafetensorsFormatException>(() => TrainingCheckpoint.Load(folder, network, adam));

        Assert.Equal("__metadata__", error.Tensor);
        Assert.Contains("a checkpoint of model 'test-tanh', this run trains 'training-tiny'", error.Message, StringComparison.Ordinal);
        NetworkWeightsTests.AssertSameBits(before, network.Parameters.Values);
        Assert.Equal(0, adam.StepCount);
        Assert.Equal(bytes, File.ReadAllBytes(TrainingCheckpoint.FilePath(folder)));
    }

    [Fact]
    public void Checkpoint_of_a_run_with_other_settings_or_optimizer_is_refused()
    {
        var folder = _folder.File("ckpt");
        var network = new TrainingTinyNet(seed: 3);
        TrainingCheckpoint.Save(folder, network, new Adam(network.Parameters, 0.01f), 1, run: new Dictionary<string, string> { ["seed"] = "0", ["lr"] = "0.01" });

        var settings = Assert.Throws<SafetensorsFormatException>(() =>
            TrainingCheckpoint.Load(folder, new TrainingTinyNet(seed: 3), new Adam(network.Parameters, 0.01f), new Dictionary<string, string> { ["seed"] = "1", ["lr"] = "0.01" }));
        Assert.Contains("written by a different run: seed 0 in the checkpoint, 1 in this run", settings.Message, StringComparison.Ordinal);

        var optimizer = Assert.Throws<SafetensorsFormatException>(() => TrainingCheckpoint.Load(folder, new TrainingTinyNet(seed: 3), new Sgd(network.Parameters, 0.01f)));
        Assert.Contains("a checkpoint of optimizer 'adam', this run uses 'sgd'", optimizer.Message, StringComparison.Ordinal);

        // A weights file is not a checkpoint.
        NetworkWeights.Save(network, TrainingCheckpoint.FilePath(folder));
        var weights = Assert.Throws<SafetensorsFormatException>(() => TrainingCheckpoint.Load(folder, network, new Adam(network.Parameters, 0.01f)));
        Assert.Contains("not a ModelGen checkpoint", weights.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Damaged_checkpoint_is_refused_and_left_as_it_is()
    {
        var folder = _folder.File("ckpt");
        var network = new TrainingTinyNet(seed: 3);
        TrainingCheckpoint.Save(folder, network, new Adam(network.Parameters, 0.01f), 1);
        var path = TrainingCheckpoint.FilePath(folder);
        var truncated = File.ReadAllBytes(path)[..^7];
        File.WriteAllBytes(path, truncated);
        var target = new TrainingTinyNet(seed: 4);
        var before = target.Parameters.Snapshot();

        var error = Assert.Throws<SafetensorsFormatException>(() => TrainingCheckpoint.Load(folder, target, new Adam(target.Parameters, 0.01f)));

        Assert.Equal("optimizer.exp_avg_sq", error.Tensor);
        Assert.Contains("run past the end of the data section", error.Problem, StringComparison.Ordinal);
        NetworkWeightsTests.AssertSameBits(before, target.Parameters.Values);
        Assert.Equal(truncated, File.ReadAllBytes(path));
    }

    [Fact]
    public void Non_finite_loss_stops_training_naming_epoch_and_batch()
    {
        var data = BlobsWithoutIndex(23, seed: 4);
        var network = new TrainingTinyNet(seed: 1);
        var trainer = new Trainer(network, new Sgd(network.Parameters, 0.1f), Options());
        // After step 7 (epoch 2, batch 2) a weight becomes NaN: the loss of epoch 2, batch 3 is NaN.
        trainer.AfterStep = step =>
        {
            if (step == 7)
            {
                network.Parameters.Values[0] = float.NaN;
            }
        };
        var completed = new List<int>();
        trainer.AfterEpoch = epoch => completed.Add(epoch.Epoch);

        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Train(data));

        Assert.Equal(2, error.Epoch);
        Assert.Equal(3, error.Batch);
        Assert.Equal(8, error.Step);
        Assert.True(float.IsNaN(error.Loss));
        Assert.Equal("the training loss is NaN at epoch 2, batch 3 (step 8); training stopped before that step", error.Message);
        Assert.Equal([1], completed);
    }

    private static TrainingOptions Options() => new() { Epochs = Epochs, BatchSize = 5, Seed = 7 };

    private static INetwork NewNetwork(bool pruned)
    {
        var network = new TrainingTinyNet(seed: 5);
        if (pruned)
        {
            new RandomPruner(seed: 2).Prune(network, 0.5);
        }

        return network;
    }

    private static IOptimizer NewOptimizer(INetwork network, string name) => name switch
    {
        "adam" => new Adam(network.Parameters, 0.05f, weightDecay: 1e-3f),
        _ => new Sgd(network.Parameters, 0.1f, momentum: 0.9f, weightDecay: 1e-3f),
    };
}
