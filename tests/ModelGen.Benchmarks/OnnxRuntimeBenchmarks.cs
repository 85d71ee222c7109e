using BenchmarkDotNet.Attributes;

namespace ModelGen.Benchmarks;

/// <summary>
/// Inference of the generated LeNet-300-100 (<c>Forward</c>) next to ONNX Runtime on the same exported network (see
/// <see cref="OnnxInferencePair"/>): dense and SNIP-pruned at 90% and 98%, batch 1, 60 and 256, 1 and 2 threads on each
/// side. BenchmarkDotNet times the two methods one after the other; on a loaded machine <see cref="OnnxPeerHarness"/>
/// (which alternates them) gives the more trustworthy ratio.
/// </summary>
[Config(typeof(NetworkConfig))]
public class OnnxRuntimeBenchmarks
{
    private OnnxInferencePair _pair = null!;

    /// <summary>Fraction of the weights SNIP removes (0 = dense).</summary>
    [Params(0.0, 0.9, 0.98)]
    public double Sparsity { get; set; }

    [Params(1, 60, 256)]
    public int Batch { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup() => _pair = new OnnxInferencePair(Sparsity, Batch, Threads);

    [GlobalCleanup]
    public void Cleanup() => _pair.Dispose();

    [Benchmark(Baseline = true)]
    public void ModelGen() => _pair.RunModelGen();

    [Benchmark]
    public void OnnxRuntime() => _pair.RunOnnxRuntime();
}
