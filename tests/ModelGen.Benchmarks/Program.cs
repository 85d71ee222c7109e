using BenchmarkDotNet.Running;
using ModelGen.Benchmarks;

// `sparse [threads]` and `crossover [threads]` run the Stopwatch harness of SparseSpeedCheck; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] is "sparse" or "crossover")
{
    SparseSpeedCheck.Run(args[0], args[1..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
