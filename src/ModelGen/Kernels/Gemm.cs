using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.Kernels;

/// <summary>
/// Dense single-precision matrix products in the three forms a dense layer needs: the forward pass
/// (<see cref="MultiplyTransposedB"/>), the input gradient (<see cref="Multiply"/>) and the weight gradient
/// (<see cref="MultiplyTransposedA"/>). All matrices are row-major and contiguous; each span must be exactly the
/// matrix its dimensions describe.
/// </summary>
/// <remarks>
/// With AVX2 and FMA the products run register-blocked micro-kernels: the A·Bᵀ form keeps a 4×3 block of dot
/// products in twelve 8-lane accumulators running along k and reduces them horizontally once; the A·B and Aᵀ·B
/// forms broadcast four elements of A and multiply-add them into a 4×24 block of C held in twelve registers.
/// Column and depth tails use masked loads and stores, so 784, 300, 100 and 10 need no scalar loops. Without FMA
/// a plain scalar loop runs. With <see cref="MaxDegreeOfParallelism"/> above 1, large products are cut into fixed
/// slices of C (whole micro-kernel blocks) that the caller and pooled worker threads compute side by side, without
/// allocating; each element is still summed by one
/// thread in one fixed order, identical in every micro-kernel, so results are bit-for-bit the same on a given
/// machine whatever the thread count (see <see cref="MaxDegreeOfParallelism"/>).
/// </remarks>
public static unsafe class Gemm
{
    // A·Bᵀ walks all of B once per four rows of A; keeping the B rows of one pass within this many bytes keeps
    // them in L2 (512 KiB per core on the EPYC machines we target) while the rows of A cycle through L1.
    private const int TransposedBPanelBytes = 192 * 1024;

    /// <summary>
    /// C[m×n] = A[m×k] · B[n×k]ᵀ, or C += A·Bᵀ when <paramref name="accumulate"/> is set. This is a dense layer's
    /// forward pass Y = X·Wᵀ with the weight stored [out, in].
    /// </summary>
    /// <param name="a">A, m×k.</param>
    /// <param name="b">B, n×k.</param>
    /// <param name="c">C, m×n; overwritten, or added to when <paramref name="accumulate"/> is set.</param>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Rows of B, columns of C.</param>
    /// <param name="k">Columns of A and B (the summed dimension).</param>
    /// <param name="accumulate">Add the product to C instead of overwriting it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A span's length does not match its dimensions.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)] // generated code's; hidden from completion like the other kernels
    public static void MultiplyTransposedB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        CheckDimensions(m, n, k);
        KernelGuard.MatrixLength(a.Length, m, k, nameof(a), "m×k");
        KernelGuard.MatrixLength(b.Length, n, k, nameof(b), "n×k");
        KernelGuard.MatrixLength(c.Length, m, n, nameof(c), "m×n");
        if (HandleDegenerate(c, m, n, k, accumulate))
        {
            return;
        }

        if (Fma.IsSupported && k <= ShortDepthLimit && m >= ShortDepthMinRows)
        {
            // Short dot products (the rank-r factors of a factorized layer) spend more time reducing 8-lane
            // accumulators than multiplying: transpose B (n·k floats, cheap next to m·n·k) and broadcast instead.
            var transposed = TransposeBuffer(n * k);
            Transpose(b, transposed, n, k);
            fixed (float* pa = a)
            fixed (float* pt = transposed)
            fixed (float* pc = c)
            {
                BroadcastA(pa, k, 1, pt, pc, m, n, k, accumulate);
            }

            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            if (Fma.IsSupported)
            {
                var job = GemmJob.ForTransposedB(pa, pb, pc, m, n, k, accumulate);
                GemmWorkers.Run(job, job.PlanParts(s_maxDegreeOfParallelism, ParallelMinMultiplyAdds));
            }
            else
            {
                TransposedBScalar(pa, pb, pc, m, n, k, accumulate);
            }
        }
    }

    /// <summary>
    /// C[m×n] = A[m×k] · B[k×n], or C += A·B when <paramref name="accumulate"/> is set. This is a dense layer's
    /// input gradient dX = dY·W.
    /// </summary>
    /// <param name="a">A, m×k.</param>
    /// <param name="b">B, k×n.</param>
    /// <param name="c">C, m×n; overwritten, or added to when <paramref name="accumulate"/> is set.</param>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">Columns of A, rows of B (the summed dimension).</param>
    /// <param name="accumulate">Add the product to C instead of overwriting it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A span's length does not match its dimensions.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)] // generated code's; hidden from completion like the other kernels
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        CheckDimensions(m, n, k);
        KernelGuard.MatrixLength(a.Length, m, k, nameof(a), "m×k");
        KernelGuard.MatrixLength(b.Length, k, n, nameof(b), "k×n");
        KernelGuard.MatrixLength(c.Length, m, n, nameof(c), "m×n");
        if (HandleDegenerate(c, m, n, k, accumulate))
        {
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            // A[i, p] sits at a[i·k + p].
            BroadcastA(pa, k, 1, pb, pc, m, n, k, accumulate);
        }
    }

    /// <summary>
    /// C[m×n] = A[k×m]ᵀ · B[k×n], or C += Aᵀ·B when <paramref name="accumulate"/> is set. This is a dense layer's
    /// weight gradient dW += dYᵀ·X.
    /// </summary>
    /// <param name="a">A, k×m (used transposed).</param>
    /// <param name="b">B, k×n.</param>
    /// <param name="c">C, m×n; overwritten, or added to when <paramref name="accumulate"/> is set.</param>
    /// <param name="m">Columns of A, rows of C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">Rows of A and B (the summed dimension, typically the batch).</param>
    /// <param name="accumulate">Add the product to C instead of overwriting it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A span's length does not match its dimensions.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)] // generated code's; hidden from completion like the other kernels
    public static void MultiplyTransposedA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        CheckDimensions(m, n, k);
        KernelGuard.MatrixLength(a.Length, k, m, nameof(a), "k×m");
        KernelGuard.MatrixLength(b.Length, k, n, nameof(b), "k×n");
        KernelGuard.MatrixLength(c.Length, m, n, nameof(c), "m×n");
        if (HandleDegenerate(c, m, n, k, accumulate))
        {
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            // Aᵀ[i, p] = A[p, i] sits at a[p·m + i].
            BroadcastA(pa, 1, m, pb, pc, m, n, k, accumulate);
        }
    }

    /// <summary>
    /// The most threads one product may use (the calling thread plus pooled workers, at most 8 in all); 1 by
    /// default. Products below about a quarter million multiply-adds always run on the calling thread. Every
    /// output element is computed by one thread in a fixed order whatever this is set to, so results are
    /// bit-for-bit the same for every value.
    /// </summary>
    /// <remarks>
    /// Single-threaded is the default because that is what measured best end to end on the shared 2-core machine
    /// this library is benchmarked on (docs/BENCHMARKS.md): two threads double a large product on an idle machine,
    /// but once other processes compete for the second core the hand-over costs more than it saves. Set it to the
    /// core count on a machine you have to yourself.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxDegreeOfParallelism
    {
        get => s_maxDegreeOfParallelism;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            s_maxDegreeOfParallelism = value;
        }
    }

    private static int s_maxDegreeOfParallelism = 1;

    // Below this many multiply-adds (~10 µs of work) waking a worker costs more than it saves; the sparse tile loops
    // (SparseGemm.Lines.cs) split a tile only above it too.
    internal const long ParallelMinMultiplyAdds = 256 * 1024;

    private static void BroadcastA(float* a, nint aRowStride, nint aDepthStride, float* b, float* c, int m, int n, int k, bool accumulate)
    {
        if (Fma.IsSupported)
        {
            var job = GemmJob.ForBroadcastA(a, aRowStride, aDepthStride, b, c, m, n, k, accumulate);
            GemmWorkers.Run(job, job.PlanParts(s_maxDegreeOfParallelism, ParallelMinMultiplyAdds));
        }
        else
        {
            BroadcastAScalar(a, aRowStride, aDepthStride, b, c, m, n, k, accumulate);
        }
    }

    // A·Bᵀ with k at most this takes the transposed route: with few 8-lane steps per 4×3 block the horizontal
    // reductions dominate (measured: k = 17..32 ran at a third of the speed of k = 784).
    private const int ShortDepthLimit = 64;

    // ... but only when B's transpose is reused by enough rows of A to pay for itself.
    private const int ShortDepthMinRows = 8;

    [ThreadStatic]
    private static float[]? t_transposeBuffer;

    /// <summary>A per-thread scratch array of at least <paramref name="length"/> floats, grown (rarely), never
    /// shrunk, so steady-state calls allocate nothing.</summary>
    private static Span<float> TransposeBuffer(int length)
    {
        var buffer = t_transposeBuffer;
        if (buffer is null || buffer.Length < length)
        {
            buffer = new float[Math.Max(length, 1024)];
            t_transposeBuffer = buffer;
        }

        return buffer.AsSpan(0, length);
    }

    /// <summary>destination[cols×rows] = source[rows×cols]ᵀ.</summary>
    private static void Transpose(ReadOnlySpan<float> source, Span<float> destination, int rows, int cols)
    {
        for (var r = 0; r < rows; r++)
        {
            var row = source.Slice(r * cols, cols);
            for (var j = 0; j < row.Length; j++)
            {
                destination[(j * rows) + r] = row[j];
            }
        }
    }

    private static void CheckDimensions(int m, int n, int k)
    {
        KernelGuard.Dimension(m, nameof(m));
        KernelGuard.Dimension(n, nameof(n));
        KernelGuard.Dimension(k, nameof(k));
    }

    /// <summary>Empty products: nothing to do, or C = 0 when k is 0 and C is overwritten.</summary>
    private static bool HandleDegenerate(Span<float> c, int m, int n, int k, bool accumulate)
    {
        if (m == 0 || n == 0)
        {
            return true;
        }

        if (k == 0)
        {
            if (!accumulate)
            {
                c.Clear();
            }

            return true;
        }

        return false;
    }

    // Lane masks for the last 1..7 elements of a row: TailMask(r) has its first r lanes set. Computed in registers
    // (a compare against the lane indices) rather than loaded from a constant table, which Debug builds allocate.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> TailMask(int remaining) =>
        Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(remaining)).AsSingle();

    // ---------------------------------------------------------------------------------------------------------
    // C = A·Bᵀ: dot products along k.
    // ---------------------------------------------------------------------------------------------------------

    /// <summary>C = A·Bᵀ on the FMA path; <paramref name="ldc"/> is C's row stride (n of the whole product when
    /// this call computes a column slice of it).</summary>
    internal static void TransposedBVector(float* a, float* b, float* c, int m, int n, int k, nint ldc, bool accumulate)
    {
        var panelRows = Math.Max(3, TransposedBPanelBytes / (k * sizeof(float)) / 3 * 3);
        for (var j0 = 0; j0 < n; j0 += panelRows)
        {
            var jEnd = Math.Min(n, j0 + panelRows);
            var i = 0;
            for (; i + 4 <= m; i += 4)
            {
                var aRows = a + ((nint)i * k);
                var cRows = c + (i * ldc);
                var j = j0;
                for (; j + 3 <= jEnd; j += 3)
                {
                    TransposedB4x3(aRows, b + ((nint)j * k), cRows + j, k, ldc, accumulate);
                }

                for (; j < jEnd; j++)
                {
                    TransposedB4x1(aRows, b + ((nint)j * k), cRows + j, k, ldc, accumulate);
                }
            }

            for (; i < m; i++)
            {
                var aRow = a + ((nint)i * k);
                var cRow = c + (i * ldc);
                var j = j0;
                for (; j + 4 <= jEnd; j += 4)
                {
                    TransposedB1x4(aRow, b + ((nint)j * k), cRow + j, k, accumulate);
                }

                for (; j < jEnd; j++)
                {
                    var dot = Dot(aRow, b + ((nint)j * k), k);
                    cRow[j] = accumulate ? cRow[j] + dot : dot;
                }
            }
        }
    }

    /// <summary>Four rows of A against three rows of B: twelve running dot products, 7 loads per 12 FMAs.</summary>
    private static void TransposedB4x3(float* a, float* b, float* c, int k, nint ldc, bool accumulate)
    {
        var c00 = Vector256<float>.Zero; var c01 = Vector256<float>.Zero; var c02 = Vector256<float>.Zero;
        var c10 = Vector256<float>.Zero; var c11 = Vector256<float>.Zero; var c12 = Vector256<float>.Zero;
        var c20 = Vector256<float>.Zero; var c21 = Vector256<float>.Zero; var c22 = Vector256<float>.Zero;
        var c30 = Vector256<float>.Zero; var c31 = Vector256<float>.Zero; var c32 = Vector256<float>.Zero;
        float* a0 = a, a1 = a + k, a2 = a + (2 * (nint)k), a3 = a + (3 * (nint)k);
        float* b0 = b, b1 = b + k, b2 = b + (2 * (nint)k);
        var p = 0;
        for (; p + 8 <= k; p += 8)
        {
            var vb0 = Avx.LoadVector256(b0 + p);
            var vb1 = Avx.LoadVector256(b1 + p);
            var vb2 = Avx.LoadVector256(b2 + p);
            var va = Avx.LoadVector256(a0 + p);
            c00 = Fma.MultiplyAdd(va, vb0, c00); c01 = Fma.MultiplyAdd(va, vb1, c01); c02 = Fma.MultiplyAdd(va, vb2, c02);
            va = Avx.LoadVector256(a1 + p);
            c10 = Fma.MultiplyAdd(va, vb0, c10); c11 = Fma.MultiplyAdd(va, vb1, c11); c12 = Fma.MultiplyAdd(va, vb2, c12);
            va = Avx.LoadVector256(a2 + p);
            c20 = Fma.MultiplyAdd(va, vb0, c20); c21 = Fma.MultiplyAdd(va, vb1, c21); c22 = Fma.MultiplyAdd(va, vb2, c22);
            va = Avx.LoadVector256(a3 + p);
            c30 = Fma.MultiplyAdd(va, vb0, c30); c31 = Fma.MultiplyAdd(va, vb1, c31); c32 = Fma.MultiplyAdd(va, vb2, c32);
        }

        if (p < k)
        {
            // Masked-off lanes load as zero in both operands, so they add nothing.
            var mask = TailMask(k - p);
            var vb0 = Avx.MaskLoad(b0 + p, mask);
            var vb1 = Avx.MaskLoad(b1 + p, mask);
            var vb2 = Avx.MaskLoad(b2 + p, mask);
            var va = Avx.MaskLoad(a0 + p, mask);
            c00 = Fma.MultiplyAdd(va, vb0, c00); c01 = Fma.MultiplyAdd(va, vb1, c01); c02 = Fma.MultiplyAdd(va, vb2, c02);
            va = Avx.MaskLoad(a1 + p, mask);
            c10 = Fma.MultiplyAdd(va, vb0, c10); c11 = Fma.MultiplyAdd(va, vb1, c11); c12 = Fma.MultiplyAdd(va, vb2, c12);
            va = Avx.MaskLoad(a2 + p, mask);
            c20 = Fma.MultiplyAdd(va, vb0, c20); c21 = Fma.MultiplyAdd(va, vb1, c21); c22 = Fma.MultiplyAdd(va, vb2, c22);
            va = Avx.MaskLoad(a3 + p, mask);
            c30 = Fma.MultiplyAdd(va, vb0, c30); c31 = Fma.MultiplyAdd(va, vb1, c31); c32 = Fma.MultiplyAdd(va, vb2, c32);
        }

        StoreDots(c, c00, c01, c02, accumulate);
        StoreDots(c + ldc, c10, c11, c12, accumulate);
        StoreDots(c + (2 * ldc), c20, c21, c22, accumulate);
        StoreDots(c + (3 * ldc), c30, c31, c32, accumulate);
    }

    /// <summary>Four rows of A against one row of B (the n % 3 leftovers of a four-row block).</summary>
    private static void TransposedB4x1(float* a, float* b, float* c, int k, nint ldc, bool accumulate)
    {
        var c0 = Vector256<float>.Zero; var c1 = Vector256<float>.Zero;
        var c2 = Vector256<float>.Zero; var c3 = Vector256<float>.Zero;
        float* a0 = a, a1 = a + k, a2 = a + (2 * (nint)k), a3 = a + (3 * (nint)k);
        var p = 0;
        for (; p + 8 <= k; p += 8)
        {
            var vb = Avx.LoadVector256(b + p);
            c0 = Fma.MultiplyAdd(Avx.LoadVector256(a0 + p), vb, c0);
            c1 = Fma.MultiplyAdd(Avx.LoadVector256(a1 + p), vb, c1);
            c2 = Fma.MultiplyAdd(Avx.LoadVector256(a2 + p), vb, c2);
            c3 = Fma.MultiplyAdd(Avx.LoadVector256(a3 + p), vb, c3);
        }

        if (p < k)
        {
            var mask = TailMask(k - p);
            var vb = Avx.MaskLoad(b + p, mask);
            c0 = Fma.MultiplyAdd(Avx.MaskLoad(a0 + p, mask), vb, c0);
            c1 = Fma.MultiplyAdd(Avx.MaskLoad(a1 + p, mask), vb, c1);
            c2 = Fma.MultiplyAdd(Avx.MaskLoad(a2 + p, mask), vb, c2);
            c3 = Fma.MultiplyAdd(Avx.MaskLoad(a3 + p, mask), vb, c3);
        }

        StoreDot(c, c0, accumulate);
        StoreDot(c + ldc, c1, accumulate);
        StoreDot(c + (2 * ldc), c2, accumulate);
        StoreDot(c + (3 * ldc), c3, accumulate);
    }

    /// <summary>One row of A against four rows of B (the m % 4 leftover rows; all of a batch-1 forward pass).</summary>
    private static void TransposedB1x4(float* a, float* b, float* c, int k, bool accumulate)
    {
        var c0 = Vector256<float>.Zero; var c1 = Vector256<float>.Zero;
        var c2 = Vector256<float>.Zero; var c3 = Vector256<float>.Zero;
        float* b0 = b, b1 = b + k, b2 = b + (2 * (nint)k), b3 = b + (3 * (nint)k);
        var p = 0;
        for (; p + 8 <= k; p += 8)
        {
            var va = Avx.LoadVector256(a + p);
            c0 = Fma.MultiplyAdd(va, Avx.LoadVector256(b0 + p), c0);
            c1 = Fma.MultiplyAdd(va, Avx.LoadVector256(b1 + p), c1);
            c2 = Fma.MultiplyAdd(va, Avx.LoadVector256(b2 + p), c2);
            c3 = Fma.MultiplyAdd(va, Avx.LoadVector256(b3 + p), c3);
        }

        if (p < k)
        {
            var mask = TailMask(k - p);
            var va = Avx.MaskLoad(a + p, mask);
            c0 = Fma.MultiplyAdd(va, Avx.MaskLoad(b0 + p, mask), c0);
            c1 = Fma.MultiplyAdd(va, Avx.MaskLoad(b1 + p, mask), c1);
            c2 = Fma.MultiplyAdd(va, Avx.MaskLoad(b2 + p, mask), c2);
            c3 = Fma.MultiplyAdd(va, Avx.MaskLoad(b3 + p, mask), c3);
        }

        StoreDot(c, c0, accumulate);
        StoreDot(c + 1, c1, accumulate);
        StoreDot(c + 2, c2, accumulate);
        StoreDot(c + 3, c3, accumulate);
    }

    private static float Dot(float* x, float* y, int k)
    {
        var sum = Vector256<float>.Zero;
        var p = 0;
        for (; p + 8 <= k; p += 8)
        {
            sum = Fma.MultiplyAdd(Avx.LoadVector256(x + p), Avx.LoadVector256(y + p), sum);
        }

        if (p < k)
        {
            var mask = TailMask(k - p);
            sum = Fma.MultiplyAdd(Avx.MaskLoad(x + p, mask), Avx.MaskLoad(y + p, mask), sum);
        }

        return Vector256.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreDots(float* c, Vector256<float> s0, Vector256<float> s1, Vector256<float> s2, bool accumulate)
    {
        StoreDot(c, s0, accumulate);
        StoreDot(c + 1, s1, accumulate);
        StoreDot(c + 2, s2, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreDot(float* c, Vector256<float> lanes, bool accumulate)
    {
        var dot = Vector256.Sum(lanes);
        *c = accumulate ? *c + dot : dot;
    }

    private static void TransposedBScalar(float* a, float* b, float* c, int m, int n, int k, bool accumulate)
    {
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0f;
                for (var p = 0; p < k; p++)
                {
                    sum += a[((nint)i * k) + p] * b[((nint)j * k) + p];
                }

                var index = ((nint)i * n) + j;
                c[index] = accumulate ? c[index] + sum : sum;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // C = op(A)·B with B k×n: broadcast elements of op(A), multiply-add rows of B. op(A)[i, p] is at
    // a[i·aRowStride + p·aDepthStride], which covers A (k, 1) and Aᵀ (1, m) with one set of micro-kernels.
    // ---------------------------------------------------------------------------------------------------------

    /// <summary>C = op(A)·B on the FMA path; <paramref name="ldb"/> and <paramref name="ldc"/> are the row strides
    /// of B and C (n of the whole product when this call computes a column slice of it).</summary>
    internal static void BroadcastAVector(float* a, nint aRowStride, nint aDepthStride, float* b, float* c, int m, int n, int k, nint ldb, nint ldc, bool accumulate)
    {
        // Column panels outermost: a k×24 panel of B is reused by every row block of A while it sits in L1.
        var j = 0;
        for (; j + 24 <= n; j += 24)
        {
            var i = 0;
            for (; i + 4 <= m; i += 4)
            {
                Broadcast4x24(a + (i * aRowStride), aRowStride, aDepthStride, b + j, ldb, c + (i * ldc) + j, ldc, k, accumulate);
            }

            for (; i < m; i++)
            {
                Broadcast1x24(a + (i * aRowStride), aDepthStride, b + j, ldb, c + (i * ldc) + j, k, accumulate);
            }
        }

        for (; j < n; j += 8)
        {
            var width = Math.Min(8, n - j);
            var mask = width == 8 ? Vector256<float>.AllBitsSet : TailMask(width);
            var i = 0;
            for (; i + 4 <= m; i += 4)
            {
                Broadcast4x8(a + (i * aRowStride), aRowStride, aDepthStride, b + j, ldb, c + (i * ldc) + j, ldc, k, mask, accumulate);
            }

            for (; i < m; i++)
            {
                Broadcast1x8(a + (i * aRowStride), aDepthStride, b + j, ldb, c + (i * ldc) + j, k, mask, accumulate);
            }
        }
    }

    /// <summary>A 4×24 block of C in twelve registers: per k step, 3 loads of B and 4 broadcasts feed 12 FMAs.</summary>
    private static void Broadcast4x24(float* a, nint aRowStride, nint aDepthStride, float* b, nint ldb, float* c, nint ldc, int k, bool accumulate)
    {
        var c00 = Vector256<float>.Zero; var c01 = Vector256<float>.Zero; var c02 = Vector256<float>.Zero;
        var c10 = Vector256<float>.Zero; var c11 = Vector256<float>.Zero; var c12 = Vector256<float>.Zero;
        var c20 = Vector256<float>.Zero; var c21 = Vector256<float>.Zero; var c22 = Vector256<float>.Zero;
        var c30 = Vector256<float>.Zero; var c31 = Vector256<float>.Zero; var c32 = Vector256<float>.Zero;
        float* a0 = a, a1 = a + aRowStride, a2 = a + (2 * aRowStride), a3 = a + (3 * aRowStride);
        var pb = b;
        for (var p = 0; p < k; p++)
        {
            var vb0 = Avx.LoadVector256(pb);
            var vb1 = Avx.LoadVector256(pb + 8);
            var vb2 = Avx.LoadVector256(pb + 16);
            var va = Avx.BroadcastScalarToVector256(a0);
            c00 = Fma.MultiplyAdd(va, vb0, c00); c01 = Fma.MultiplyAdd(va, vb1, c01); c02 = Fma.MultiplyAdd(va, vb2, c02);
            va = Avx.BroadcastScalarToVector256(a1);
            c10 = Fma.MultiplyAdd(va, vb0, c10); c11 = Fma.MultiplyAdd(va, vb1, c11); c12 = Fma.MultiplyAdd(va, vb2, c12);
            va = Avx.BroadcastScalarToVector256(a2);
            c20 = Fma.MultiplyAdd(va, vb0, c20); c21 = Fma.MultiplyAdd(va, vb1, c21); c22 = Fma.MultiplyAdd(va, vb2, c22);
            va = Avx.BroadcastScalarToVector256(a3);
            c30 = Fma.MultiplyAdd(va, vb0, c30); c31 = Fma.MultiplyAdd(va, vb1, c31); c32 = Fma.MultiplyAdd(va, vb2, c32);
            a0 += aDepthStride; a1 += aDepthStride; a2 += aDepthStride; a3 += aDepthStride;
            pb += ldb;
        }

        StoreRow24(c, c00, c01, c02, accumulate);
        StoreRow24(c + ldc, c10, c11, c12, accumulate);
        StoreRow24(c + (2 * ldc), c20, c21, c22, accumulate);
        StoreRow24(c + (3 * ldc), c30, c31, c32, accumulate);
    }

    /// <summary>One row of C, 24 columns (the m % 4 leftover rows).</summary>
    private static void Broadcast1x24(float* a, nint aDepthStride, float* b, nint ldb, float* c, int k, bool accumulate)
    {
        var c0 = Vector256<float>.Zero; var c1 = Vector256<float>.Zero; var c2 = Vector256<float>.Zero;
        var pb = b;
        for (var p = 0; p < k; p++)
        {
            var va = Avx.BroadcastScalarToVector256(a);
            c0 = Fma.MultiplyAdd(va, Avx.LoadVector256(pb), c0);
            c1 = Fma.MultiplyAdd(va, Avx.LoadVector256(pb + 8), c1);
            c2 = Fma.MultiplyAdd(va, Avx.LoadVector256(pb + 16), c2);
            a += aDepthStride;
            pb += ldb;
        }

        StoreRow24(c, c0, c1, c2, accumulate);
    }

    /// <summary>Four rows of C, up to 8 columns selected by <paramref name="mask"/> (column tails).</summary>
    private static void Broadcast4x8(float* a, nint aRowStride, nint aDepthStride, float* b, nint ldb, float* c, nint ldc, int k, Vector256<float> mask, bool accumulate)
    {
        var c0 = Vector256<float>.Zero; var c1 = Vector256<float>.Zero;
        var c2 = Vector256<float>.Zero; var c3 = Vector256<float>.Zero;
        float* a0 = a, a1 = a + aRowStride, a2 = a + (2 * aRowStride), a3 = a + (3 * aRowStride);
        var pb = b;
        for (var p = 0; p < k; p++)
        {
            var vb = Avx.MaskLoad(pb, mask);
            c0 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a0), vb, c0);
            c1 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a1), vb, c1);
            c2 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a2), vb, c2);
            c3 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a3), vb, c3);
            a0 += aDepthStride; a1 += aDepthStride; a2 += aDepthStride; a3 += aDepthStride;
            pb += ldb;
        }

        StoreMasked(c, c0, mask, accumulate);
        StoreMasked(c + ldc, c1, mask, accumulate);
        StoreMasked(c + (2 * ldc), c2, mask, accumulate);
        StoreMasked(c + (3 * ldc), c3, mask, accumulate);
    }

    /// <summary>One row of C, up to 8 columns selected by <paramref name="mask"/>.</summary>
    private static void Broadcast1x8(float* a, nint aDepthStride, float* b, nint ldb, float* c, int k, Vector256<float> mask, bool accumulate)
    {
        var c0 = Vector256<float>.Zero;
        var pb = b;
        for (var p = 0; p < k; p++)
        {
            c0 = Fma.MultiplyAdd(Avx.BroadcastScalarToVector256(a), Avx.MaskLoad(pb, mask), c0);
            a += aDepthStride;
            pb += ldb;
        }

        StoreMasked(c, c0, mask, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow24(float* c, Vector256<float> s0, Vector256<float> s1, Vector256<float> s2, bool accumulate)
    {
        if (accumulate)
        {
            s0 = Avx.Add(s0, Avx.LoadVector256(c));
            s1 = Avx.Add(s1, Avx.LoadVector256(c + 8));
            s2 = Avx.Add(s2, Avx.LoadVector256(c + 16));
        }

        Avx.Store(c, s0);
        Avx.Store(c + 8, s1);
        Avx.Store(c + 16, s2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreMasked(float* c, Vector256<float> sum, Vector256<float> mask, bool accumulate)
    {
        if (accumulate)
        {
            sum = Avx.Add(sum, Avx.MaskLoad(c, mask));
        }

        Avx.MaskStore(c, mask, sum);
    }

    private static void BroadcastAScalar(float* a, nint aRowStride, nint aDepthStride, float* b, float* c, int m, int n, int k, bool accumulate)
    {
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0f;
                for (var p = 0; p < k; p++)
                {
                    sum += a[(i * aRowStride) + (p * aDepthStride)] * b[((nint)p * n) + j];
                }

                var index = ((nint)i * n) + j;
                c[index] = accumulate ? c[index] + sum : sum;
            }
        }
    }
}
