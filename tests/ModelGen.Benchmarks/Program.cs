using BenchmarkDotNet.Running;
using ModelGen.Benchmarks;

// `onnx-peer [rounds]` runs the interleaved ModelGen / ONNX Runtime comparison; anything else goes to BenchmarkDotNet.
if (args is ["onnx-peer", .. var rest])
{
    OnnxPeerHarness.Run(rest);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
