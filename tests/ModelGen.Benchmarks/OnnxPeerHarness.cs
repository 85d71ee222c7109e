using System.Diagnostics;
using System.Globalization;

namespace ModelGen.Benchmarks;

/// <summary>
/// <c>onnx-peer [rounds]</c>: ModelGen against ONNX Runtime on the same exported LeNet-300-100 with the two
/// <b>interleaved</b>, so both see the same machine load. Per configuration (dense, SNIP 90%, 98%; batch 1, 60, 256;
/// 1 and 2 threads): half a second of warm-up each, then <c>rounds</c> rounds (default 101), each timing a block of
/// calls of ours and a block of ONNX Runtime's (about 2 ms each, order swapped every round). Reported: the median
/// time per call of each, the median of the per-round ratios (a load spike hits both blocks of a round alike), and
/// the fastest block of each (on a machine shared with other work, the block nobody preempted is the closest to the
/// intrinsic cost; its ratio is the more stable one there).
/// </summary>
public static class OnnxPeerHarness
{
    private static readonly double[] Sparsities = [0.0, 0.9, 0.98];
    private static readonly int[] Batches = [1, 60, 256];
    private static readonly int[] ThreadCounts = [1, 2];

    public static void Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 101;
        Console.WriteLine($"load at start: {File.ReadAllText("/proc/loadavg").Trim()}  ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {rounds} rounds)");
        Console.WriteLine("| sparsity | batch | threads | ModelGen µs/call (median) | ONNX Runtime µs/call (median) | ORT / ours (median of rounds) | ModelGen µs/call (fastest) | ONNX Runtime µs/call (fastest) | ORT / ours (fastest) |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var sparsity in Sparsities)
        {
            foreach (var batch in Batches)
            {
                foreach (var threads in ThreadCounts)
                {
                    using var pair = new OnnxInferencePair(sparsity, batch, threads);
                    Measure(pair, sparsity, threads, rounds);
                }
            }
        }

        Console.WriteLine($"load at end: {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static void Measure(OnnxInferencePair pair, double sparsity, int threads, int rounds)
    {
        var ours = CallsPerBlock(pair.RunModelGen);
        var theirs = CallsPerBlock(pair.RunOnnxRuntime);
        var oursTimes = new double[rounds];
        var theirTimes = new double[rounds];
        var ratios = new double[rounds];
        for (var round = 0; round < rounds; round++)
        {
            if (round % 2 == 0)
            {
                oursTimes[round] = Block(pair.RunModelGen, ours);
                theirTimes[round] = Block(pair.RunOnnxRuntime, theirs);
            }
            else
            {
                theirTimes[round] = Block(pair.RunOnnxRuntime, theirs);
                oursTimes[round] = Block(pair.RunModelGen, ours);
            }

            ratios[round] = theirTimes[round] / oursTimes[round];
        }

        var oursFastest = oursTimes.Min();
        var theirFastest = theirTimes.Min();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {sparsity:0.00} | {pair.Batch} | {threads} | {Median(oursTimes):0.0} | {Median(theirTimes):0.0} | {Median(ratios):0.00} | {oursFastest:0.0} | {theirFastest:0.0} | {theirFastest / oursFastest:0.00} |"));
    }

    /// <summary>Warms up for half a second, then returns how many calls take about 2 ms.</summary>
    private static int CallsPerBlock(Action call)
    {
        var stopwatch = Stopwatch.StartNew();
        var calls = 0;
        while (stopwatch.Elapsed.TotalMilliseconds < 500)
        {
            call();
            calls++;
        }

        return Math.Max(1, calls / 250);
    }

    /// <summary>Microseconds per call over a block of <paramref name="calls"/> calls.</summary>
    private static double Block(Action call, int calls)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < calls; i++)
        {
            call();
        }

        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / calls;
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
