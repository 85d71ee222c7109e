using BenchmarkDotNet.Running;
using ModelGen.Benchmarks;

// `onnx-peer [rounds]` runs the interleaved ModelGen / ONNX Runtime comparison; `sparse [threads]` and
// `crossover [threads]` run the Stopwatch harness of SparseSpeedCheck; anything else goes to BenchmarkDotNet.
if (args is ["onnx-peer", .. var rest])
{
    OnnxPeerHarness.Run(rest);
    return;
}

if (args is ["sparse" or "crossover", .. var sparseArgs])
{
    SparseSpeedCheck.Run(args[0], sparseArgs);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
