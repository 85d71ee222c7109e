using BenchmarkDotNet.Attributes;
using ModelGen.Examples;
using ModelGen.Kernels;
using ModelGen.Model;
using ModelGen.Training;

namespace ModelGen.Benchmarks;

/// <summary>
/// The generated LeNet-300-100, its factorized variants and LeNet-5-Caffe (convolutions): one training step (zero gradients, fused
/// forward+backward, Adam) and inference (forward only) at batch 1, 60 and 256. Inputs are uniform in [0, 1) like
/// scaled MNIST pixels; the kernels are dense, so timing does not depend on the pixel values.
/// </summary>
[Config(typeof(NetworkConfig))]
public class NetworkBenchmarks
{
    private INetwork _network = null!;
    private Adam _optimizer = null!;
    private float[] _input = [];
    private int[] _labels = [];
    private float[] _logits = [];

    [Params("lenet300", "lenet300-r8", "lenet300-r16", "lenet300-r32", "lenet300-r64", "lenet5")]
    public string Model { get; set; } = "lenet300";

    [Params(1, 60, 256)]
    public int Batch { get; set; }

    /// <summary>Threads a matrix product may use (<see cref="Gemm.MaxDegreeOfParallelism"/>).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxDegreeOfParallelism = Threads;
        _network = Model switch
        {
            "lenet300" => new LeNet300(seed: 0),
            "lenet300-r8" => new LeNet300Rank8(seed: 0),
            "lenet300-r16" => new LeNet300Rank16(seed: 0),
            "lenet300-r32" => new LeNet300Rank32(seed: 0),
            "lenet300-r64" => new LeNet300Rank64(seed: 0),
            "lenet5" => new LeNet5(seed: 0),
            _ => throw new ArgumentOutOfRangeException(nameof(Model), Model, "Unknown model."),
        };
        _optimizer = new Adam(_network.Parameters, learningRate: 1.2e-3f);

        var random = new Random(0);
        _input = new float[Batch * _network.InputSize];
        for (var i = 0; i < _input.Length; i++)
        {
            _input[i] = (float)random.NextDouble();
        }

        _labels = new int[Batch];
        for (var i = 0; i < _labels.Length; i++)
        {
            _labels[i] = random.Next(_network.OutputSize);
        }

        _logits = new float[Batch * _network.OutputSize];

        // Let the network size its buffers for this batch before measuring.
        TrainingStep();
        Inference();
    }

    /// <summary>What the trainer does per mini-batch.</summary>
    [Benchmark]
    public float TrainingStep()
    {
        _network.Parameters.ZeroGradients();
        var loss = _network.ForwardBackward(_input, _labels, Batch);
        _optimizer.Step(_network.Masks);
        return loss;
    }

    [Benchmark]
    public void Inference() => _network.Forward(_input, Batch, _logits);
}
