using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

public class SoftmaxCrossEntropyTests
{
    public static TheoryData<int, int, float> Cases() => new()
    {
        { 1, 10, 1f },
        { 3, 10, 1f },
        { 4, 7, 0.5f },
        { 5, 13, 3f },
        { 2, 1, 1f },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void LossAndProbabilitiesMatchDoublePrecisionReference(int batch, int classes, float temperature)
    {
        var (logits, labels) = RandomProblem(batch, classes, seed: batch + classes);
        var probabilities = new float[batch * classes];
        var gradLogits = new float[batch * classes];
        var loss = SoftmaxCrossEntropy.ForwardBackward(logits, labels, probabilities, gradLogits, batch, classes, temperature);

        // Float logits and float exp/sum: a few ulps relative error in the loss and in each probability.
        var expectedLoss = ReferenceLoss(logits, labels, batch, classes, temperature);
        Assert.True(Math.Abs(loss - expectedLoss) <= 1e-6 * (1 + expectedLoss), $"loss {loss}, expected {expectedLoss}.");
        for (var row = 0; row < batch; row++)
        {
            var expected = ReferenceSoftmax(logits.AsSpan(row * classes, classes), temperature);
            for (var j = 0; j < classes; j++)
            {
                Assert.True(Math.Abs(probabilities[(row * classes) + j] - expected[j]) <= 1e-6, $"p[{row},{j}] = {probabilities[(row * classes) + j]}, expected {expected[j]}.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientMatchesFiniteDifferenceOfMeanLoss(int batch, int classes, float temperature)
    {
        var (logits, labels) = RandomProblem(batch, classes, seed: 10 + batch + classes);
        var gradLogits = new float[batch * classes];
        SoftmaxCrossEntropy.ForwardBackward(logits, labels, new float[batch * classes], gradLogits, batch, classes, temperature);

        // Central differences of the double-precision mean loss: with h = 1e-4 the truncation error
        // h²·|∂³L|/6 is ~1e-9/T³ and rounding ~1e-16/h ≈ 1e-12, far below the gradient's float rounding (~1e-8).
        var perturbed = logits.Select(v => (double)v).ToArray();
        const double h = 1e-4;
        for (var i = 0; i < logits.Length; i++)
        {
            perturbed[i] = logits[i] + h;
            var plus = ReferenceLoss(perturbed, labels, batch, classes, temperature);
            perturbed[i] = logits[i] - h;
            var minus = ReferenceLoss(perturbed, labels, batch, classes, temperature);
            perturbed[i] = logits[i];
            var expected = (plus - minus) / (2 * h);
            Assert.True(Math.Abs(gradLogits[i] - expected) <= 1e-6 * (1 + Math.Abs(expected)), $"grad[{i}] = {gradLogits[i]}, finite difference {expected}.");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void HessianVectorProductMatchesFiniteDifferenceOfGradient(int batch, int classes, float temperature)
    {
        var (logits, labels) = RandomProblem(batch, classes, seed: 20 + batch + classes);
        var direction = RandomProblem(batch, classes, seed: 30 + batch + classes).Logits;
        var probabilities = new float[batch * classes];
        SoftmaxCrossEntropy.ForwardBackward(logits, labels, probabilities, new float[batch * classes], batch, classes, temperature);
        var product = new float[batch * classes];
        SoftmaxCrossEntropy.HessianVectorProduct(probabilities, direction, product, batch, classes, temperature);

        // d/dt of the double-precision gradient (p(z + t·r) − onehot)/(batch·T) at t = 0, by central differences;
        // as above the difference error (~1e-9) is far below float rounding of the product.
        const double h = 1e-4;
        var plus = ReferenceGradient(logits, direction, h, labels, batch, classes, temperature);
        var minus = ReferenceGradient(logits, direction, -h, labels, batch, classes, temperature);
        for (var i = 0; i < product.Length; i++)
        {
            var expected = (plus[i] - minus[i]) / (2 * h);
            Assert.True(Math.Abs(product[i] - expected) <= 1e-6 * (1 + Math.Abs(expected)), $"Hv[{i}] = {product[i]}, finite difference {expected}.");
        }
    }

    [Fact]
    public void HugeLogitsStayFinite()
    {
        float[] logits = [1000f, -1000f, 0f, 50f, 60f, 70f];
        int[] labels = [1, 2];
        var probabilities = new float[6];
        var grad = new float[6];
        var loss = SoftmaxCrossEntropy.ForwardBackward(logits, labels, probabilities, grad, 2, 3);

        // Row 0: −log p[1] = 2000 exactly (p underflows to 0, the loss must not); row 1: log(e^-20 + e^-10 + 1).
        var expected = (2000 + Math.Log(Math.Exp(-20) + Math.Exp(-10) + 1)) / 2;
        Assert.Equal(expected, loss, 3);
        Assert.All(grad, value => Assert.True(float.IsFinite(value)));
        Assert.Equal(1f, probabilities[0]);
    }

    [Fact]
    public void EvaluationLossMatchesTrainingLossAndCountsArgmaxWithFirstMaxOnTies()
    {
        float[] logits = [1f, 3f, 3f, /* */ 5f, 1f, 0f, /* */ 0f, 0f, 2f, /* */ 1f, 3f, 3f];
        int[] labels = [1, 0, 1, 2];
        var loss = SoftmaxCrossEntropy.Loss(logits, labels, 4, 3, out var correct);

        // Rows 0 (tie, first max is the label) and 1 are right; row 2 is wrong; row 3 ties but the label is the second max.
        Assert.Equal(2, correct);
        var trainingLoss = SoftmaxCrossEntropy.ForwardBackward(logits, labels, new float[12], new float[12], 4, 3);
        Assert.Equal(trainingLoss, loss, 6);
        Assert.Equal(ReferenceLoss(logits.Select(v => (double)v).ToArray(), labels, 4, 3, 1), loss, 6);
    }

    [Fact]
    public void LabelOutOfRangeNamesTheRow()
    {
        float[] logits = new float[9];
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Loss(logits, [0, 2, 3], 3, 3, out _));
        Assert.Equal("labels", error.ParamName);
        Assert.Contains("row 2", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.ForwardBackward(logits, [-1, 0, 0], new float[9], new float[9], 3, 3));
        Assert.Contains("row 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapeAndTemperatureErrorsNameTheArgument()
    {
        var error = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.ForwardBackward(new float[6], [0, 1], new float[6], new float[5], 2, 3));
        Assert.Equal("gradLogits", error.ParamName);
        Assert.Contains("expected 6", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Loss(new float[6], [0], 2, 3, out _));
        Assert.Equal("labels", error.ParamName);

        error = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.HessianVectorProduct(new float[6], new float[7], new float[6], 2, 3));
        Assert.Equal("rLogits", error.ParamName);

        var range = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.ForwardBackward(new float[6], [0, 1], new float[6], new float[6], 2, 3, 0f));
        Assert.Equal("temperature", range.ParamName);
        range = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.HessianVectorProduct(new float[6], new float[6], new float[6], 2, 3, float.NaN));
        Assert.Equal("temperature", range.ParamName);
    }

    private static (float[] Logits, int[] Labels) RandomProblem(int batch, int classes, int seed)
    {
        var random = new Random(seed);
        var logits = new float[batch * classes];
        for (var i = 0; i < logits.Length; i++)
        {
            logits[i] = (float)((random.NextDouble() * 6) - 3);
        }

        var labels = new int[batch];
        for (var row = 0; row < batch; row++)
        {
            labels[row] = random.Next(classes);
        }

        return (logits, labels);
    }

    private static double[] ReferenceSoftmax(ReadOnlySpan<float> logits, double temperature)
    {
        var values = new double[logits.Length];
        for (var j = 0; j < values.Length; j++)
        {
            values[j] = logits[j];
        }

        return ReferenceSoftmax(values, temperature);
    }

    private static double[] ReferenceSoftmax(ReadOnlySpan<double> logits, double temperature)
    {
        var max = double.NegativeInfinity;
        foreach (var value in logits)
        {
            max = Math.Max(max, value / temperature);
        }

        var result = new double[logits.Length];
        var sum = 0.0;
        for (var j = 0; j < logits.Length; j++)
        {
            result[j] = Math.Exp((logits[j] / temperature) - max);
            sum += result[j];
        }

        for (var j = 0; j < logits.Length; j++)
        {
            result[j] /= sum;
        }

        return result;
    }

    private static double ReferenceLoss(float[] logits, int[] labels, int batch, int classes, double temperature) =>
        ReferenceLoss(logits.Select(v => (double)v).ToArray(), labels, batch, classes, temperature);

    private static double ReferenceLoss(double[] logits, int[] labels, int batch, int classes, double temperature)
    {
        var total = 0.0;
        for (var row = 0; row < batch; row++)
        {
            var p = ReferenceSoftmax(logits.AsSpan(row * classes, classes), temperature);
            total -= Math.Log(p[labels[row]]);
        }

        return total / batch;
    }

    private static double[] ReferenceGradient(float[] logits, float[] direction, double t, int[] labels, int batch, int classes, double temperature)
    {
        var gradient = new double[logits.Length];
        for (var row = 0; row < batch; row++)
        {
            var z = new double[classes];
            for (var j = 0; j < classes; j++)
            {
                z[j] = logits[(row * classes) + j] + (t * direction[(row * classes) + j]);
            }

            var p = ReferenceSoftmax(z, temperature);
            for (var j = 0; j < classes; j++)
            {
                gradient[(row * classes) + j] = (p[j] - (j == labels[row] ? 1 : 0)) / (batch * temperature);
            }
        }

        return gradient;
    }
}
