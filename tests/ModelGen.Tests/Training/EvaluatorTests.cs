using ModelGen.Data;
using ModelGen.Training;
using Xunit;
using static ModelGen.Tests.Training.TrainingTestData;

namespace ModelGen.Tests.Training;

public sealed class EvaluatorTests
{
    [Fact]
    public void Matches_a_double_precision_evaluation_of_the_logits()
    {
        var network = new TrainingTinyNet(seed: 9);
        var data = BlobsWithoutIndex(23, seed: 10);
        var logits = new float[23 * 3];
        network.Forward(data.Inputs, 23, logits);
        double lossSum = 0;
        var correct = 0;
        for (var i = 0; i < 23; i++)
        {
            var row = logits.AsSpan(i * 3, 3);
            double max = Math.Max(row[0], Math.Max(row[1], row[2]));
            var logSumExp = max + Math.Log(Math.Exp(row[0] - max) + Math.Exp(row[1] - max) + Math.Exp(row[2] - max));
            lossSum += logSumExp - row[data.Labels[i]];
            var predicted = row[0] >= row[1] ? (row[0] >= row[2] ? 0 : 2) : (row[1] >= row[2] ? 1 : 2);
            correct += predicted == data.Labels[i] ? 1 : 0;
        }

        var result = Evaluator.Evaluate(network, data);

        Assert.Equal(23, result.Count);
        Assert.Equal(correct / 23.0, result.Accuracy);

        // Per-sample losses of order 1 computed in float32 by the kernel: relative error ~1e-6.
        Assert.Equal(lossSum / 23, result.Loss, 1e-5);
    }

    [Fact]
    public void Batch_size_does_not_change_the_result_beyond_rounding()
    {
        var network = new TrainingTinyNet(seed: 9);
        var data = BlobsWithoutIndex(23, seed: 10);

        var whole = Evaluator.Evaluate(network, data);
        var evaluator = new Evaluator(network, batchSize: 7);
        var batched = evaluator.Evaluate(data);
        var again = evaluator.Evaluate(data);

        // A row's logits may round differently under another batch blocking of the kernels, and the float mean per
        // batch is rounded differently: ~1e-7 relative on losses of order 1. Predictions would flip only for a
        // margin that small.
        Assert.Equal(whole.Accuracy, batched.Accuracy);
        Assert.Equal(whole.Loss, batched.Loss, 1e-6);
        Assert.Equal(batched, again);
    }

    [Fact]
    public void Rejects_empty_and_mismatched_data()
    {
        var network = new TrainingTinyNet(seed: 0);

        Assert.Throws<ArgumentException>(() => Evaluator.Evaluate(network, new Dataset([], [], features: 4, classes: 3)));
        Assert.Throws<ArgumentException>(() => Evaluator.Evaluate(network, new Dataset(new float[3], [0], features: 3, classes: 3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Evaluator(network, batchSize: 0));
    }
}
