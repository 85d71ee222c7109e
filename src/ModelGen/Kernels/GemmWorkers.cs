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

    /// <summary>How many whole blocks the split axis holds: the most slices worth cutting.</summary>
    public readonly int UnitCount => SplitColumns ? (N + ColumnUnit - 1) / ColumnUnit : (M + RowUnit - 1) / RowUnit;

    /// <summary>Computes slice <paramref name="part"/> of <paramref name="parts"/>. Every element of C is computed
    /// by the same sequence of operations whichever slice holds it, so the result does not depend on the split.</summary>
    public readonly void Execute(int part, int parts)
    {
        var unit = SplitColumns ? ColumnUnit : RowUnit;
        var extent = SplitColumns ? N : M;
        var units = UnitCount;
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
/// A small pool of persistent worker threads (one per extra core) that compute slices of a product alongside the
/// caller. Nothing is allocated per product. The product is cut into fixed chunks (whole micro-kernel blocks); the
/// caller claims chunks from the front, workers from the back, so on a quiet machine each thread keeps touching the
/// same part of the operands from call to call (the weight matrix stays split across the cores' L2 caches), and on
/// a busy one a worker that is not scheduled in time simply leaves its chunks to the caller. Which thread computes
/// a chunk never changes its result. Workers spin for a short while after each product (the products of a training
/// step follow each other within microseconds) and then sleep on an event. One product at a time uses the pool; a
/// product issued while another thread holds it runs whole on its caller, with the same result.
/// <para>
/// Besides products the pool runs item jobs (<see cref="RunItems"/>): a fixed number of independent work items, such
/// as a convolution's chunks of samples, each run by one thread, which passes the body its slot (0 for the caller,
/// 1… for the workers) so that an item can use per-thread scratch. A product issued from inside an item finds the
/// pool held and runs whole on that thread.
/// </para>
/// </summary>
internal static unsafe class GemmWorkers
{
    // Chunks per thread: enough for the caller to take over a late worker's share in small pieces.
    private const int ChunksPerThread = 4;

    private static readonly Worker[] s_workers = CreateWorkers();
    private static int s_gate;
    private static GemmJob s_job;
    private static int s_chunkCount;

    // The item job (when s_itemBody is not null, instead of s_job): the body is called as body(context, item, slot).
    private static delegate*<void*, int, int, void> s_itemBody;
    private static void* s_itemContext;

    // Unclaimed chunks [front, back), packed as front << 32 | back so both ends are claimed with one CAS.
    private static long s_unclaimed;

    /// <summary>The largest number of threads a product can use: the caller plus the workers.</summary>
    public static int MaxThreads => s_workers.Length + 1;

    /// <summary>Runs <paramref name="job"/> on up to <paramref name="parts"/> threads, the caller included.</summary>
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
            s_itemBody = null;
            s_job = job;
            s_chunkCount = Math.Min(job.UnitCount, parts * ChunksPerThread);
            Volatile.Write(ref s_unclaimed, s_chunkCount);
            for (var worker = 0; worker < parts - 1; worker++)
            {
                s_workers[worker].Post();
            }

            while (TryClaim(fromFront: true, out var chunk))
            {
                job.Execute(chunk, s_chunkCount);
            }
        }
        finally
        {
            // The operands are pinned only by the caller's frame: return only once no worker can touch them.
            for (var worker = 0; worker < parts - 1; worker++)
            {
                s_workers[worker].Retire();
            }

            Volatile.Write(ref s_gate, 0);
        }
    }

    /// <summary>
    /// Runs <c>body(context, item, slot)</c> for every item in [0, <paramref name="items"/>) on up to
    /// <paramref name="parts"/> threads, the caller included, and returns once all have finished. Items are claimed
    /// one at a time (the caller from the front, workers from the back); <c>slot</c> is less than
    /// <paramref name="parts"/> and no two threads share one at the same time. The body must not throw and must make
    /// each item's result independent of which thread and slot ran it. When the pool is held (a job issued from inside
    /// an item, or by another thread) every item runs on the caller in slot 0.
    /// </summary>
    public static void RunItems(delegate*<void*, int, int, void> body, void* context, int items, int parts)
    {
        parts = Math.Min(Math.Min(parts, items), MaxThreads);
        if (parts <= 1 || Interlocked.CompareExchange(ref s_gate, 1, 0) != 0)
        {
            for (var item = 0; item < items; item++)
            {
                body(context, item, 0);
            }

            return;
        }

        try
        {
            s_itemBody = body;
            s_itemContext = context;
            s_chunkCount = items;
            Volatile.Write(ref s_unclaimed, items);
            for (var worker = 0; worker < parts - 1; worker++)
            {
                s_workers[worker].Post();
            }

            while (TryClaim(fromFront: true, out var item))
            {
                body(context, item, 0);
            }
        }
        finally
        {
            for (var worker = 0; worker < parts - 1; worker++)
            {
                s_workers[worker].Retire();
            }

            s_itemBody = null;
            Volatile.Write(ref s_gate, 0);
        }
    }

    private static bool TryClaim(bool fromFront, out int chunk)
    {
        while (true)
        {
            var range = Volatile.Read(ref s_unclaimed);
            var front = (int)(range >> 32);
            var back = (int)range;
            if (front >= back)
            {
                chunk = -1;
                return false;
            }

            var claimed = fromFront ? ((long)(front + 1) << 32) | (uint)back : ((long)front << 32) | (uint)(back - 1);
            if (Interlocked.CompareExchange(ref s_unclaimed, claimed, range) == range)
            {
                chunk = fromFront ? front : back - 1;
                return true;
            }
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
        private const int Idle = 0;
        private const int Posted = 1;
        private const int Running = 2;

        // How long a worker spins for the next product before it sleeps on its event.
        private static readonly long s_spinTicks = Stopwatch.Frequency / 20_000; // 50 µs

        private readonly ManualResetEventSlim _wake = new(false, 0);
        private readonly int _slot;
        private int _state;
        private int _sleeping;

        public Worker(int index)
        {
            _slot = index;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"ModelGen GEMM worker {index}" };
            thread.Start();
        }

        /// <summary>Offers the current product to this worker (called after the job is published).</summary>
        public void Post()
        {
            // Full fences on both sides (here and in the worker's sleep announcement): either the worker sees the
            // post before sleeping, or this sees it sleeping and wakes it.
            Interlocked.Exchange(ref _state, Posted);
            if (Volatile.Read(ref _sleeping) != 0)
            {
                _wake.Set();
            }
        }

        /// <summary>Withdraws the offer if the worker has not taken it up, else waits until it has finished.</summary>
        public void Retire()
        {
            if (Interlocked.CompareExchange(ref _state, Idle, Posted) == Posted)
            {
                return;
            }

            var spinner = default(SpinWait);
            while (Volatile.Read(ref _state) != Idle)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }

        private void Loop()
        {
            while (true)
            {
                WaitForPost();
                if (Interlocked.CompareExchange(ref _state, Running, Posted) != Posted)
                {
                    continue; // withdrawn: the caller finished every chunk first
                }

                var body = s_itemBody;
                if (body != null)
                {
                    var context = s_itemContext;
                    while (TryClaim(fromFront: false, out var item))
                    {
                        body(context, item, _slot);
                    }
                }
                else
                {
                    var job = s_job;
                    var chunkCount = s_chunkCount;
                    while (TryClaim(fromFront: false, out var chunk))
                    {
                        job.Execute(chunk, chunkCount);
                    }
                }

                Volatile.Write(ref _state, Idle);
            }
        }

        private void WaitForPost()
        {
            var spinStart = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _state) != Posted)
            {
                if (Stopwatch.GetTimestamp() - spinStart < s_spinTicks)
                {
                    Thread.SpinWait(16);
                    continue;
                }

                Interlocked.Exchange(ref _sleeping, 1);
                if (Volatile.Read(ref _state) != Posted)
                {
                    _wake.Wait();
                }

                _wake.Reset();
                Interlocked.Exchange(ref _sleeping, 0);
                spinStart = Stopwatch.GetTimestamp();
            }
        }
    }
}
