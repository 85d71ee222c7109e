using BenchmarkDotNet.Running;
using ModelGen.Benchmarks;

// `onnx-peer [rounds]` runs the interleaved ModelGen / ONNX Runtime comparison; `sparse [threads]` and
// `crossover [threads]` run the Stopwatch harness of SparseSpeedCheck; `lenet5-profile [threads]` times
// LeNet-5's step kernel by kernel (ConvolutionProfile); anything else goes to BenchmarkDotNet.
if (args is ["onnx-peer", .. var rest])
{
    OnnxPeerHarness.Run(rest);
    return;
}

if (args is ["sparse" or "crossover" or "profile" or "loop", .. var sparseArgs])
{
    SparseSpeedCheck.Run(args[0], sparseArgs);
    return;
}

if (args is ["lenet5-profile", .. var profileArgs])
{
    ConvolutionProfile.Run(profileArgs);
    return;
}

if (args is ["analyzers", ..])
{
    ModelGen.Benchmarks.AnalyzerBenchmarks.RunTimed(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
