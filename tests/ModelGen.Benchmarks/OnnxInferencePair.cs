using Microsoft.ML.OnnxRuntime;
using ModelGen.Data;
using ModelGen.Examples;
using ModelGen.IO;
using ModelGen.Kernels;
using ModelGen.Model;
using ModelGen.Pruning;

namespace ModelGen.Benchmarks;

/// <summary>
/// The generated LeNet-300-100 and ONNX Runtime running the same network exported with <see cref="OnnxExporter"/>,
/// set up for one inference configuration: seed 0, SNIP-pruned to <c>sparsity</c> on the first 1,000 bundled training
/// digits when it is above 0, one fixed batch of inputs uniform in [0, 1). Ours runs with
/// <see cref="Gemm.MaxDegreeOfParallelism"/> = threads; ONNX Runtime with the CPU execution provider,
/// <c>IntraOpNumThreads</c> = threads, one inter-op thread, sequential execution, all graph optimizations, otherwise its
/// defaults, called the cheapest way its C# API offers: input and output bound once over pinned arrays
/// (<see cref="OrtIoBinding"/>), so neither side allocates per call. The constructor checks that both give the same logits.
/// </summary>
public sealed class OnnxInferencePair : IDisposable
{
    private readonly INetwork _network;
    private readonly float[] _input;
    private readonly float[] _logits;
    private readonly float[] _onnxLogits;
    private readonly SessionOptions _sessionOptions;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly OrtValue _inputValue;
    private readonly OrtValue _outputValue;
    private readonly OrtIoBinding _binding;

    public OnnxInferencePair(double sparsity, int batch, int threads)
    {
        Batch = batch;
        Gemm.MaxDegreeOfParallelism = threads;
        _network = new LeNet300(seed: 0);
        if (sparsity > 0)
        {
            var (train, _) = IdxDataset.Load(BundledMnist.Folder);
            new SnipPruner(train).Prune(_network, sparsity);
        }

        var random = new Random(0);
        _input = new float[batch * _network.InputSize];
        for (var i = 0; i < _input.Length; i++)
        {
            _input[i] = (float)random.NextDouble();
        }

        _logits = new float[batch * _network.OutputSize];
        _onnxLogits = new float[batch * _network.OutputSize];

        using var model = new MemoryStream();
        OnnxExporter.Export(_network, model);
        _sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(model.ToArray(), _sessionOptions);
        _runOptions = new RunOptions();
        _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [batch, _network.InputSize]);
        _outputValue = OrtValue.CreateTensorValueFromMemory(_onnxLogits, [batch, _network.OutputSize]);
        _binding = _session.CreateIoBinding();
        _binding.BindInput(OnnxExporter.InputName, _inputValue);
        _binding.BindOutput(OnnxExporter.OutputName, _outputValue);

        RunModelGen();
        RunOnnxRuntime();
        CheckSameLogits();
    }

    /// <summary>Samples per call.</summary>
    public int Batch { get; }

    /// <summary>One forward pass of the generated network.</summary>
    public void RunModelGen() => _network.Forward(_input, Batch, _logits);

    /// <summary>One run of the exported model in ONNX Runtime.</summary>
    public void RunOnnxRuntime() => _session.RunWithBinding(_runOptions, _binding);

    public void Dispose()
    {
        _binding.Dispose();
        _inputValue.Dispose();
        _outputValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
        _sessionOptions.Dispose();
    }

    /// <summary>A comparison of two different computations would compare nothing: both must give the same logits.</summary>
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
