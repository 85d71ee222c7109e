using System.Diagnostics;
using ModelGen.Examples;
using ModelGen.Kernels;

namespace ModelGen.Benchmarks;

/// <summary>
/// <c>lenet5-profile [threads]</c>: where one LeNet-5 training step at batch 60 spends its time, kernel by kernel
/// (conv1 and conv2 forward, weight gradient, input gradient, the unfold alone; both max-pools), next to the whole
/// generated step. Each
/// figure is the fastest of many short Stopwatch rounds: on a shared machine the fastest round is the undisturbed
/// one, which is what a kernel costs (BenchmarkDotNet's medians take minutes per case here).
/// </summary>
internal static class ConvolutionProfile
{
    private const int Batch = 60;

    public static void Run(string[] args)
    {
        var threads = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1;
        Gemm.MaxDegreeOfParallelism = threads;
        Console.WriteLine($"lenet5 batch {Batch}, {threads} thread(s); fastest of 2-ms rounds, µs per call");
        var random = new Random(0);
        foreach (var (name, shape) in new[] { ("conv1", new ConvolutionShape(1, 28, 28, 20, 5, 5)), ("conv2", new ConvolutionShape(20, 12, 12, 50, 5, 5)) })
        {
            var x = Values(random, Batch * shape.InputSize);
            var w = Values(random, shape.WeightLength);
            var y = new float[Batch * shape.OutputSize];
            var dx = new float[Batch * shape.InputSize];
            var dw = new float[shape.WeightLength];
            var workspace = new float[shape.WorkspaceLength(Batch)];
            Report($"{name} forward", () => Convolution.Forward(x, w, y, Batch, shape, workspace));
            Report($"{name} weight gradient", () => Convolution.AccumulateWeightGradient(x, y, dw, Batch, shape, workspace));
            Report($"{name} input gradient", () => Convolution.BackwardInput(y, w, dx, Batch, shape, workspace));
            Report($"{name} unfold only ({Batch} samples)", () =>
            {
                for (var n = 0; n < Batch; n++)
                {
                    Convolution.Unfold(x.AsSpan(n * shape.InputSize, shape.InputSize), shape, workspace);
                }
            });
        }

        foreach (var (name, shape) in new[] { ("pool1", new PoolShape(20, 24, 24, 2)), ("pool2", new PoolShape(50, 8, 8, 2)) })
        {
            var x = Values(random, Batch * shape.InputSize);
            var y = new float[Batch * shape.OutputSize];
            var argmax = new int[y.Length];
            var dx = new float[x.Length];
            Report($"{name} max forward", () => Pooling.MaxForward(x, y, argmax, Batch, shape));
            Report($"{name} max backward", () => Pooling.MaxBackward(y, argmax, dx, Batch, shape));
        }

        var network = new LeNet5(seed: 0);
        var input = Values(random, Batch * LeNet5.InputFeatures).Select(Math.Abs).ToArray();
        var labels = Enumerable.Range(0, Batch).Select(i => i % 10).ToArray();
        Report("whole training step (ForwardBackward)", () => network.ForwardBackward(input, labels, Batch));
    }

    private static void Report(string what, Action action)
    {
        for (var i = 0; i < 3; i++)
        {
            action();
        }

        var clock = Stopwatch.StartNew();
        var calls = 0;
        while (clock.ElapsedMilliseconds < 200)
        {
            action();
            calls++;
        }

        var perRound = Math.Max(1, (int)(calls * 2.0 / clock.Elapsed.TotalMilliseconds));
        var best = double.MaxValue;
        for (var round = 0; round < 200; round++)
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < perRound; i++)
            {
                action();
            }

            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMicroseconds / perRound);
        }

        Console.WriteLine($"{what,-42} {best,10:N0}");
    }

    private static float[] Values(Random random, int length)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
