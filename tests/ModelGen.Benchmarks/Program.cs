using BenchmarkDotNet.Running;

if (args is ["analyzers", ..])
{
    ModelGen.Benchmarks.AnalyzerBenchmarks.RunTimed(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
