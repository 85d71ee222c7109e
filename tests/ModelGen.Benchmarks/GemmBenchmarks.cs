using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using ModelGen.Kernels;

namespace ModelGen.Benchmarks;

/// <summary>
/// The three products of every LeNet-300-100 layer at batch 1, 60 and 256, as the generated code issues them:
/// forward Y = X·Wᵀ, input gradient dX = dY·W, weight gradient dW = dYᵀ·X.
/// </summary>
[Config(typeof(GemmConfig))]
public class GemmBenchmarks
{
    private float[] _input = [];
    private float[] _weight = [];
    private float[] _output = [];

    /// <summary>The layer as "in→out".</summary>
    [Params("784x300", "300x100", "100x10")]
    public string Layer { get; set; } = "784x300";

    [Params(1, 60, 256)]
    public int Batch { get; set; }

    /// <summary>Threads a product may use (1 = the single-core kernels, 2 = both cores of the benchmark machine).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    private int Inputs => int.Parse(Layer.AsSpan(0, Layer.IndexOf('x')), CultureInfo.InvariantCulture);

    private int Outputs => int.Parse(Layer.AsSpan(Layer.IndexOf('x') + 1), CultureInfo.InvariantCulture);

    /// <summary>2·batch·in·out: every form of a layer's product does the same number of multiply-adds.</summary>
    public static double FlopsPerOperation(BenchmarkCase benchmarkCase)
    {
        var layer = (string)benchmarkCase.Parameters["Layer"];
        var separator = layer.IndexOf('x');
        var inputs = int.Parse(layer.AsSpan(0, separator), CultureInfo.InvariantCulture);
        var outputs = int.Parse(layer.AsSpan(separator + 1), CultureInfo.InvariantCulture);
        return 2.0 * (int)benchmarkCase.Parameters["Batch"] * inputs * outputs;
    }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(0);
        _input = Fill(random, Batch * Inputs);
        _weight = Fill(random, Outputs * Inputs);
        _output = Fill(random, Batch * Outputs);
        Gemm.MaxDegreeOfParallelism = Threads;
    }

    /// <summary>Y[batch×out] = X[batch×in]·W[out×in]ᵀ.</summary>
    [Benchmark]
    public void Forward() => Gemm.MultiplyTransposedB(_input, _weight, _output, Batch, Outputs, Inputs);

    /// <summary>dX[batch×in] = dY[batch×out]·W[out×in].</summary>
    [Benchmark]
    public void InputGradient() => Gemm.Multiply(_output, _weight, _input, Batch, Inputs, Outputs);

    /// <summary>dW[out×in] += dY[batch×out]ᵀ·X[batch×in].</summary>
    [Benchmark]
    public void WeightGradient() => Gemm.MultiplyTransposedA(_output, _input, _weight, Outputs, Inputs, Batch, accumulate: true);

    private static float[] Fill(Random random, int length)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1) * 0.01f;
        }

        return values;
    }
}
