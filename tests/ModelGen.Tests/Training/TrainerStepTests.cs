using ModelGen.Training;
using Xunit;
using static ModelGen.Tests.Training.TrainingTestData;

namespace ModelGen.Tests.Training;

/// <summary><see cref="Trainer.TrainStep"/> is the step <see cref="Trainer.Train"/> takes, so benchmarks time training.</summary>
public sealed class TrainerStepTests
{
    [Fact]
    public void One_step_gives_the_parameters_of_a_one_batch_epoch_bit_for_bit()
    {
        // One sample, batch 1: the epoch's shuffle cannot reorder anything, so Train takes exactly this step.
        var data = Blobs(1, seed: 3);
        var trained = new TrainingTinyNet(seed: 0);
        var stepped = new TrainingTinyNet(seed: 0);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 1 };
        var decayed = 0;
        var trainer = new Trainer(trained, new Adam(trained.Parameters, 0.01f), options) { BeforeOptimizerStep = _ => decayed++ };
        var stepper = new Trainer(stepped, new Adam(stepped.Parameters, 0.01f), options) { BeforeOptimizerStep = _ => decayed++ };

        trainer.Train(data);
        var loss = stepper.TrainStep(data.Inputs, data.Labels, 1);

        Assert.Equal(trained.Parameters.Values.ToArray(), stepped.Parameters.Values.ToArray());
        Assert.Equal(trained.Parameters.Gradients.ToArray(), stepped.Parameters.Gradients.ToArray());
        Assert.True(float.IsFinite(loss) && loss > 0, $"loss {loss}");
        Assert.Equal(2, decayed);
    }

    [Fact]
    public void A_batch_that_does_not_match_the_spans_is_refused()
    {
        var network = new TrainingTinyNet(seed: 0);
        var trainer = new Trainer(network, new Sgd(network.Parameters, 0.01f), new TrainingOptions { BatchSize = 2 });
        var data = Blobs(2, seed: 1);

        var error = Assert.Throws<ArgumentException>(() => trainer.TrainStep(data.Inputs, data.Labels, 3));

        Assert.Contains("A step of 3 samples needs 12 inputs and 3 labels (got 8 and 2).", error.Message, StringComparison.Ordinal);
    }
}
