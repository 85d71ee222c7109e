using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

public class GemmParallelTests
{
    // Shapes on both sides of the split heuristics (columns vs rows) and with ragged last slices.
    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 61, 300, 784 },
        { 256, 10, 100 },
        { 9, 49, 17 },
        { 130, 25, 64 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public unsafe void EverySplitGivesBitwiseTheSameProduct(int m, int n, int k)
    {
        var random = new Random(m + n + k);
        var a = RandomValues(random, m * k);
        var b = RandomValues(random, n * k);
        var start = RandomValues(random, m * n);

        fixed (float* pa = a)
        fixed (float* pb = b)
        {
            var jobs = new[]
            {
                GemmJob.ForTransposedB(pa, pb, null, m, n, k, accumulate: true),
                GemmJob.ForBroadcastA(pa, k, 1, pb, null, m, n, k, accumulate: true),
                GemmJob.ForBroadcastA(pa, 1, m, pb, null, m, n, k, accumulate: true),
            };
            foreach (var template in jobs)
            {
                var whole = Compute(template, start, splitColumns: false, parts: 1);
                foreach (var splitColumns in new[] { false, true })
                {
                    for (var parts = 2; parts <= 5; parts++)
                    {
                        Assert.Equal(whole, Compute(template, start, splitColumns, parts));
                    }
                }
            }
        }
    }

    [Fact]
    public void PublicProductDoesNotDependOnDegreeOfParallelism()
    {
        const int m = 64, n = 300, k = 784;
        var random = new Random(3);
        var a = RandomValues(random, m * k);
        var b = RandomValues(random, n * k);
        var serial = new float[m * n];
        var parallel = new float[m * n];
        var saved = Gemm.MaxDegreeOfParallelism;
        try
        {
            Gemm.MaxDegreeOfParallelism = 1;
            Gemm.MultiplyTransposedB(a, b, serial, m, n, k);
            Gemm.MaxDegreeOfParallelism = 8;
            Gemm.MultiplyTransposedB(a, b, parallel, m, n, k);
        }
        finally
        {
            Gemm.MaxDegreeOfParallelism = saved;
        }

        Assert.Equal(serial, parallel);
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.MaxDegreeOfParallelism = 0);
    }

    [Fact]
    public void ConcurrentCallersAndSleepingWorkersGiveTheSerialResult()
    {
        // Several callers compete for the pool (losers run whole on their own thread) and pause long enough for
        // the workers to go to sleep between products, exercising every hand-over path.
        const int m = 60, n = 100, k = 300;
        var random = new Random(11);
        var a = RandomValues(random, m * k);
        var b = RandomValues(random, n * k);
        var expected = new float[m * n];
        var saved = Gemm.MaxDegreeOfParallelism;
        try
        {
            Gemm.MaxDegreeOfParallelism = 1;
            Gemm.MultiplyTransposedB(a, b, expected, m, n, k);
            Gemm.MaxDegreeOfParallelism = 8;
            var mismatches = 0;
            var callers = Enumerable.Range(0, 3).Select(caller => new Thread(() =>
            {
                var c = new float[m * n];
                for (var call = 0; call < 60; call++)
                {
                    Gemm.MultiplyTransposedB(a, b, c, m, n, k);
                    if (!c.AsSpan().SequenceEqual(expected))
                    {
                        Interlocked.Increment(ref mismatches);
                    }

                    if (call % 10 == caller)
                    {
                        Thread.Sleep(2);
                    }
                }
            })).ToList();
            callers.ForEach(thread => thread.Start());
            callers.ForEach(thread => thread.Join());
            Assert.Equal(0, mismatches);
        }
        finally
        {
            Gemm.MaxDegreeOfParallelism = saved;
        }
    }

    private static unsafe float[] Compute(GemmJob template, float[] start, bool splitColumns, int parts)
    {
        var c = (float[])start.Clone();
        fixed (float* pc = c)
        {
            var job = template;
            job.C = pc;
            job.SplitColumns = splitColumns;
            for (var part = 0; part < parts; part++)
            {
                job.Execute(part, parts);
            }
        }

        return c;
    }

    private static float[] RandomValues(Random random, int length)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
