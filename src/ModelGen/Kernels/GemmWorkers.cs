using System;
using System.Diagnostics;
using System.Threading;

namespace ModelGen.Kernels;

/// <summary>
/// One matrix product, described by pointers and strides so that it can be split into slices and handed to a
/// worker thread without allocating. The caller keeps the operands pinned until <see cref="GemmWorkers.Run"/>
/// returns.
/// </summary>
internal unsafe struct GemmJob
{
    // Slices are whole multiples of the micro-kernels' blocks: 24 columns (the widest block of C) or 4 rows.
    private const int ColumnUnit = 24;
    private const int RowUnit = 4;

    public bool TransposedB;
    public float* A;
    public float* B;
    public float* C;
    public nint ARowStride;
    public nint ADepthStride;
    public int M;
    public int N;
    public int K;
    public bool Accumulate;
    public bool SplitColumns;

    /// <summary>C = A·Bᵀ (A m×k, B n×k).</summary>
    public static GemmJob ForTransposedB(float* a, float* b, float* c, int m, int n, int k, bool accumulate) => new()
    {
        TransposedB = true, A = a, B = b, C = c, M = m, N = n, K = k, Accumulate = accumulate,
    };

    /// <summary>C = op(A)·B with op(A)[i, p] at a[i·aRowStride + p·aDepthStride] and B k×n.</summary>
    public static GemmJob ForBroadcastA(float* a, nint aRowStride, nint aDepthStride, float* b, float* c, int m, int n, int k, bool accumulate) => new()
    {
        A = a, ARowStride = aRowStride, ADepthStride = aDepthStride, B = b, C = c, M = m, N = n, K = k, Accumulate = accumulate,
    };

    /// <summary>
    /// How many slices to cut the product into, at most <paramref name="maxParts"/>, and along which axis. Small
    /// products stay whole: waking a worker costs a few microseconds, which only pays off above
    /// <paramref name="minMultiplyAdds"/> multiply-adds per product.
    /// </summary>
    public int PlanParts(int maxParts, long minMultiplyAdds)
    {
        if (maxParts <= 1 || (long)M * N * K < minMultiplyAdds)
        {
            return 1;
        }

        // Columns first: every form then reads only its share of the operand that spans the columns (the weight
        // matrix in the forward and input-gradient products), which is the large one in a dense layer.
        var columnUnits = (N + ColumnUnit - 1) / ColumnUnit;
        var rowUnits = (M + RowUnit - 1) / RowUnit;
        SplitColumns = columnUnits >= 2 * maxParts || columnUnits >= rowUnits;
        return Math.Min(maxParts, SplitColumns ? columnUnits : rowUnits);
    }

    /// <summary>Computes slice <paramref name="part"/> of <paramref name="parts"/>. Every element of C is computed
    /// by the same sequence of operations whichever slice holds it, so the result does not depend on the split.</summary>
    public readonly void Execute(int part, int parts)
    {
        var unit = SplitColumns ? ColumnUnit : RowUnit;
        var extent = SplitColumns ? N : M;
        var units = (extent + unit - 1) / unit;
        var start = Math.Min(extent, (int)((long)units * part / parts) * unit);
        var end = Math.Min(extent, (int)((long)units * (part + 1) / parts) * unit);
        if (start >= end)
        {
            return;
        }

        if (TransposedB)
        {
            if (SplitColumns)
            {
                Gemm.TransposedBVector(A, B + ((nint)start * K), C + start, M, end - start, K, N, Accumulate);
            }
            else
            {
                Gemm.TransposedBVector(A + ((nint)start * K), B, C + ((nint)start * N), end - start, N, K, N, Accumulate);
            }
        }
        else if (SplitColumns)
        {
            Gemm.BroadcastAVector(A, ARowStride, ADepthStride, B + start, C + start, M, end - start, K, N, N, Accumulate);
        }
        else
        {
            Gemm.BroadcastAVector(A + (start * ARowStride), ARowStride, ADepthStride, B, C + ((nint)start * N), end - start, N, K, N, N, Accumulate);
        }
    }
}

/// <summary>
/// A small pool of persistent worker threads (one per extra core) that take slices of a product. Nothing is
/// allocated per product: the job is copied into the worker, which is woken through a counter it spins on for a
/// short while after each job (products in a training step follow each other within microseconds) and then through
/// an event. One product at a time uses the pool; a product issued while another thread holds it runs whole on its
/// caller, which gives the same result.
/// </summary>
internal static class GemmWorkers
{
    private static readonly Worker[] s_workers = CreateWorkers();
    private static int s_gate;

    /// <summary>The largest number of threads a product can use: the caller plus the workers.</summary>
    public static int MaxThreads => s_workers.Length + 1;

    /// <summary>Runs <paramref name="job"/> in <paramref name="parts"/> slices, slice 0 on the calling thread.</summary>
    public static void Run(in GemmJob job, int parts)
    {
        parts = Math.Min(parts, MaxThreads);
        if (parts <= 1 || Interlocked.CompareExchange(ref s_gate, 1, 0) != 0)
        {
            job.Execute(0, 1);
            return;
        }

        try
        {
            for (var part = 1; part < parts; part++)
            {
                s_workers[part - 1].Post(job, part, parts);
            }

            job.Execute(0, parts);
        }
        finally
        {
            // The operands are pinned only by the caller's frame: return only once every slice is done.
            for (var part = 1; part < parts; part++)
            {
                s_workers[part - 1].WaitForCompletion();
            }

            Volatile.Write(ref s_gate, 0);
        }
    }

    private static Worker[] CreateWorkers()
    {
        // Eight threads is far beyond what the dense layers here can use; more would only add wake-up latency.
        var count = Math.Clamp(Environment.ProcessorCount, 1, 8) - 1;
        var workers = new Worker[count];
        for (var i = 0; i < count; i++)
        {
            workers[i] = new Worker(i + 1);
        }

        return workers;
    }

    private sealed class Worker
    {
        // How long a worker spins for the next job before it sleeps on its event.
        private static readonly long s_spinTicks = Stopwatch.Frequency / 20_000; // 50 µs

        private readonly ManualResetEventSlim _wake = new(false, 0);
        private GemmJob _job;
        private int _part;
        private int _parts;
        private int _posted;
        private int _completed;
        private int _sleeping;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"ModelGen GEMM worker {index}" };
            thread.Start();
        }

        public void Post(in GemmJob job, int part, int parts)
        {
            _job = job;
            _part = part;
            _parts = parts;
            Interlocked.Increment(ref _posted);
            if (Volatile.Read(ref _sleeping) != 0)
            {
                _wake.Set();
            }
        }

        public void WaitForCompletion()
        {
            var target = Volatile.Read(ref _posted);
            var spinner = default(SpinWait);
            while (Volatile.Read(ref _completed) != target)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }

        private void Loop()
        {
            var seen = 0;
            while (true)
            {
                var spinStart = Stopwatch.GetTimestamp();
                while (Volatile.Read(ref _posted) == seen)
                {
                    if (Stopwatch.GetTimestamp() - spinStart < s_spinTicks)
                    {
                        Thread.SpinWait(16);
                        continue;
                    }

                    // Announce the sleep before the last look (both sides use full fences), so a job posted in
                    // between is either seen here or followed by a Set.
                    Interlocked.Exchange(ref _sleeping, 1);
                    if (Volatile.Read(ref _posted) == seen)
                    {
                        _wake.Wait();
                    }

                    _wake.Reset();
                    Interlocked.Exchange(ref _sleeping, 0);
                    spinStart = Stopwatch.GetTimestamp();
                }

                seen = Volatile.Read(ref _posted);
                _job.Execute(_part, _parts);
                Volatile.Write(ref _completed, seen);
            }
        }
    }
}
