using ModelGen.Data;
using ModelGen.Model;

namespace ModelGen.Tests.Training;

/// <summary>A tiny generated network for trainer and evaluator tests: 4 inputs, 6 tanh units, 3 logits.</summary>
[Model(Input = 4, Name = "training-tiny")]
[Dense(6, Activation.Tanh)]
[Dense(3)]
public partial class TrainingTinyNet
{
}

/// <summary>Synthetic data and a recording wrapper for trainer tests.</summary>
internal static class TrainingTestData
{
    /// <summary>
    /// Three Gaussian blobs in the first three features (class c centred at 2·e_c, noise σ = 0.5, so a linear model
    /// separates them almost perfectly); feature 3 holds the sample's index, so a recording network can tell which
    /// samples a batch held.
    /// </summary>
    public static Dataset Blobs(int count, int seed)
    {
        var random = new Random(seed);
        var inputs = new float[count * 4];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            var label = i % 3;
            labels[i] = label;
            for (var f = 0; f < 3; f++)
            {
                inputs[(i * 4) + f] = (float)((f == label ? 2.0 : 0.0) + (0.5 * Gaussian(random)));
            }

            inputs[(i * 4) + 3] = i;
        }

        return new Dataset(inputs, labels, features: 4, classes: 3);
    }

    /// <summary>Blobs with the index feature zeroed, for runs that should learn from the first three features only.</summary>
    public static Dataset BlobsWithoutIndex(int count, int seed)
    {
        var data = Blobs(count, seed);
        for (var i = 0; i < count; i++)
        {
            data.Inputs[(i * 4) + 3] = 0f;
        }

        return data;
    }

    private static double Gaussian(Random random)
    {
        // Box–Muller; 1 − U keeps the logarithm's argument in (0, 1].
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

/// <summary>Delegates to a real network and records, for every training step, which samples (by their index feature) it held.</summary>
internal sealed class RecordingNetwork(INetwork inner, int indexFeature) : INetwork
{
    public List<int[]> Batches { get; } = [];

    public string Name => inner.Name;

    public int InputSize => inner.InputSize;

    public int OutputSize => inner.OutputSize;

    public IReadOnlyList<LayerInfo> Layers => inner.Layers;

    public ParameterSet Parameters => inner.Parameters;

    public MaskSet Masks => inner.Masks;

    public void Forward(ReadOnlySpan<float> input, int batch, Span<float> output) => inner.Forward(input, batch, output);

    public float ForwardBackward(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, float temperature = 1f)
    {
        var ids = new int[batch];
        for (var b = 0; b < batch; b++)
        {
            ids[b] = (int)input[(b * InputSize) + indexFeature];
        }

        Batches.Add(ids);
        return inner.ForwardBackward(input, labels, batch, temperature);
    }

    public float HessianVectorProduct(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, ReadOnlySpan<float> vector, Span<float> result, float temperature = 1f) =>
        inner.HessianVectorProduct(input, labels, batch, vector, result, temperature);

    public void ForwardBackwardFromOutput(ReadOnlySpan<float> input, int batch, ReadOnlySpan<float> outputGradient, bool linearized, Span<float> output) =>
        inner.ForwardBackwardFromOutput(input, batch, outputGradient, linearized, output);
}

/// <summary>Delegates to a real network and counts the bytes allocated inside its calls on this thread.</summary>
internal sealed class AllocationMeteringNetwork(INetwork inner) : INetwork
{
    public long InnerBytes { get; set; }

    public string Name => inner.Name;

    public int InputSize => inner.InputSize;

    public int OutputSize => inner.OutputSize;

    public IReadOnlyList<LayerInfo> Layers => inner.Layers;

    public ParameterSet Parameters => inner.Parameters;

    public MaskSet Masks => inner.Masks;

    public void Forward(ReadOnlySpan<float> input, int batch, Span<float> output)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        inner.Forward(input, batch, output);
        InnerBytes += GC.GetAllocatedBytesForCurrentThread() - before;
    }

    public float ForwardBackward(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, float temperature = 1f)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var loss = inner.ForwardBackward(input, labels, batch, temperature);
        InnerBytes += GC.GetAllocatedBytesForCurrentThread() - before;
        return loss;
    }

    public float HessianVectorProduct(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, ReadOnlySpan<float> vector, Span<float> result, float temperature = 1f) =>
        inner.HessianVectorProduct(input, labels, batch, vector, result, temperature);

    public void ForwardBackwardFromOutput(ReadOnlySpan<float> input, int batch, ReadOnlySpan<float> outputGradient, bool linearized, Span<float> output) =>
        inner.ForwardBackwardFromOutput(input, batch, outputGradient, linearized, output);
}
