using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using ModelGen.Data;
using ModelGen.Examples;
using ModelGen.IO;
using ModelGen.Kernels;
using ModelGen.Model;
using ModelGen.Pruning;

namespace ModelGen.Benchmarks;

/// <summary>
/// Inference of the generated LeNet-300-100 (<c>Forward</c>) next to ONNX Runtime running the same network exported
/// with <see cref="OnnxExporter"/>, in the same run: dense, and SNIP-pruned at 90% and 98% (seed 0, the first 1,000
/// bundled training digits), at batch 1, 60 and 256, with 1 and 2 threads on each side (ours:
/// <see cref="Gemm.MaxDegreeOfParallelism"/>; ONNX Runtime: CPU execution provider, <c>IntraOpNumThreads</c>, one
/// inter-op thread, sequential execution, all graph optimizations, otherwise its defaults). ONNX Runtime is called the
/// cheapest way its C# API offers: input and output tensors bound once over pinned arrays (<see cref="OrtIoBinding"/>),
/// one <c>RunWithBinding</c> per operation, so neither side allocates per call.
/// </summary>
[Config(typeof(NetworkConfig))]
public class OnnxRuntimeBenchmarks
{
    private INetwork _network = null!;
    private float[] _input = [];
    private float[] _logits = [];
    private float[] _onnxLogits = [];
    private InferenceSession _session = null!;
    private SessionOptions _sessionOptions = null!;
    private RunOptions _runOptions = null!;
    private OrtIoBinding _binding = null!;
    private OrtValue _inputValue = null!;
    private OrtValue _outputValue = null!;

    /// <summary>Fraction of the weights SNIP removes (0 = dense).</summary>
    [Params(0.0, 0.9, 0.98)]
    public double Sparsity { get; set; }

    [Params(1, 60, 256)]
    public int Batch { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxDegreeOfParallelism = Threads;
        _network = new LeNet300(seed: 0);
        if (Sparsity > 0)
        {
            var (train, _) = MnistDataset.Load(BundledMnist.Folder);
            new SnipPruner(train).Prune(_network, Sparsity);
        }

        var random = new Random(0);
        _input = new float[Batch * _network.InputSize];
        for (var i = 0; i < _input.Length; i++)
        {
            _input[i] = (float)random.NextDouble();
        }

        _logits = new float[Batch * _network.OutputSize];
        _onnxLogits = new float[Batch * _network.OutputSize];

        using var model = new MemoryStream();
        OnnxExporter.Export(_network, model);
        _sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(model.ToArray(), _sessionOptions);
        _runOptions = new RunOptions();
        _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [Batch, _network.InputSize]);
        _outputValue = OrtValue.CreateTensorValueFromMemory(_onnxLogits, [Batch, _network.OutputSize]);
        _binding = _session.CreateIoBinding();
        _binding.BindInput(OnnxExporter.InputName, _inputValue);
        _binding.BindOutput(OnnxExporter.OutputName, _outputValue);

        ModelGen();
        OnnxRuntime();
        CheckSameLogits();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _binding.Dispose();
        _inputValue.Dispose();
        _outputValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
        _sessionOptions.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void ModelGen() => _network.Forward(_input, Batch, _logits);

    [Benchmark]
    public void OnnxRuntime() => _session.RunWithBinding(_runOptions, _binding);

    /// <summary>A benchmark of two different computations would compare nothing: both must give the same logits.</summary>
    private void CheckSameLogits()
    {
        for (var i = 0; i < _logits.Length; i++)
        {
            if (Math.Abs(_logits[i] - _onnxLogits[i]) > 1e-4f * (1f + Math.Abs(_logits[i])))
            {
                throw new InvalidOperationException($"Logit {i}: ModelGen {_logits[i]}, ONNX Runtime {_onnxLogits[i]}.");
            }
        }
    }
}
