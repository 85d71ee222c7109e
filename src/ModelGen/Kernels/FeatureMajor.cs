using System;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.Kernels;

/// <summary>
/// Row-major [batch, features] ↔ feature-major [features, stride] conversion for the batch-vectorised sparse kernels
/// (SparseProp's layout: one feature's values for the whole batch are contiguous, so a kept weight multiplies a
/// vector of samples). 8×8 AVX blocks with scalar edges; per-thread scratch buffers that grow rarely and never
/// shrink, so steady-state calls allocate nothing. Buffers between sparse layers are feature-major throughout
/// (<see cref="ActivationLayout"/>); only sample-major operands of the sparse products pass through here per tile.
/// </summary>
internal static unsafe class FeatureMajor
{
    [ThreadStatic]
    private static float[]? t_first;

    [ThreadStatic]
    private static float[]? t_second;

    /// <summary>The batch rounded up to whole 8-lane vectors: the row length of feature-major buffers.</summary>
    public static int Stride(int batch) => (batch + 7) & ~7;

    /// <summary>The first per-thread scratch buffer, at least <paramref name="length"/> floats.</summary>
    public static float[] First(int length) => Grow(ref t_first, length);

    /// <summary>The second per-thread scratch buffer, at least <paramref name="length"/> floats.</summary>
    public static float[] Second(int length) => Grow(ref t_second, length);

    /// <summary>
    /// destination[c·destinationStride + r] = source[r·sourceStride + c] for r &lt; rows, c &lt; cols (added to the
    /// destination with <paramref name="accumulate"/>).
    /// </summary>
    public static void Transpose(float* source, int rows, int cols, int sourceStride, float* destination, int destinationStride, bool accumulate)
    {
        var r = 0;
        if (Avx.IsSupported)
        {
            for (; r + 8 <= rows; r += 8)
            {
                var c = 0;
                for (; c + 8 <= cols; c += 8)
                {
                    Block(source + ((long)r * sourceStride) + c, sourceStride, destination + ((long)c * destinationStride) + r, destinationStride, accumulate);
                }

                Scalar(source, r, r + 8, c, cols, sourceStride, destination, destinationStride, accumulate);
            }
        }

        Scalar(source, r, rows, 0, cols, sourceStride, destination, destinationStride, accumulate);
    }

    /// <summary>
    /// Sample-major [rows, cols] into a feature-major buffer: destination[c·destinationStride + r] = source[r·sourceStride + c]
    /// for r &lt; rows and 0 for the padding lanes rows ≤ r &lt; <see cref="Stride"/>(rows), so that products over the
    /// padding add exactly nothing (the destination stride is at least that). A last partial group of rows goes
    /// through the same 8×8 blocks with zero rows rather than element by element. Needs AVX.
    /// </summary>
    public static void TransposePadded(float* source, int rows, int cols, int sourceStride, float* destination, int destinationStride)
    {
        for (var r = 0; r < rows; r += 8)
        {
            var valid = Math.Min(8, rows - r);
            var c = 0;
            for (; c + 8 <= cols; c += 8)
            {
                PaddedBlock(source + ((long)r * sourceStride) + c, sourceStride, valid, destination + ((long)c * destinationStride) + r, destinationStride);
            }

            PaddedScalar(source + ((long)r * sourceStride), sourceStride, valid, c, cols, destination + r, destinationStride);
        }
    }

    /// <summary>
    /// <see cref="TransposePadded"/> of the source columns of the listed blocks of 8 only (block b: columns 8b … 8b+7,
    /// clipped to <paramref name="cols"/>); destination rows of other columns keep what they held.
    /// </summary>
    public static void TransposeColumnBlocksPadded(float* source, int rows, int cols, int sourceStride, float* destination, int destinationStride, int[] blocks)
    {
        for (var r = 0; r < rows; r += 8)
        {
            var valid = Math.Min(8, rows - r);
            var rowStart = source + ((long)r * sourceStride);
            foreach (var b in blocks)
            {
                var c = b * 8;
                if (c + 8 <= cols)
                {
                    PaddedBlock(rowStart + c, sourceStride, valid, destination + ((long)c * destinationStride) + r, destinationStride);
                }
                else
                {
                    PaddedScalar(rowStart, sourceStride, valid, c, cols, destination + r, destinationStride);
                }
            }
        }
    }

    /// <summary>An 8×8 block of which the first <paramref name="valid"/> source rows exist; the others transpose as zeros.</summary>
    private static void PaddedBlock(float* source, int sourceStride, int valid, float* destination, int destinationStride)
    {
        if (valid == 8)
        {
            Block(source, sourceStride, destination, destinationStride, accumulate: false);
            return;
        }

        var zero = Vector256<float>.Zero;
        Block(
            Avx.LoadVector256(source),
            valid > 1 ? Avx.LoadVector256(source + sourceStride) : zero,
            valid > 2 ? Avx.LoadVector256(source + (2 * sourceStride)) : zero,
            valid > 3 ? Avx.LoadVector256(source + (3 * sourceStride)) : zero,
            valid > 4 ? Avx.LoadVector256(source + (4 * sourceStride)) : zero,
            valid > 5 ? Avx.LoadVector256(source + (5 * sourceStride)) : zero,
            valid > 6 ? Avx.LoadVector256(source + (6 * sourceStride)) : zero,
            zero,
            destination,
            destinationStride,
            accumulate: false);
    }

    /// <summary>Columns [colStart, colEnd) of a group of 8 rows, of which the first <paramref name="valid"/> exist, element by element.</summary>
    private static void PaddedScalar(float* source, int sourceStride, int valid, int colStart, int colEnd, float* destination, int destinationStride)
    {
        for (var c = colStart; c < colEnd; c++)
        {
            var target = destination + ((long)c * destinationStride);
            for (var i = 0; i < 8; i++)
            {
                target[i] = i < valid ? source[((long)i * sourceStride) + c] : 0f;
            }
        }
    }

    private static void Scalar(float* source, int rowStart, int rowEnd, int colStart, int colEnd, int sourceStride, float* destination, int destinationStride, bool accumulate)
    {
        for (var r = rowStart; r < rowEnd; r++)
        {
            for (var c = colStart; c < colEnd; c++)
            {
                ref var target = ref destination[((long)c * destinationStride) + r];
                var value = source[((long)r * sourceStride) + c];
                target = accumulate ? target + value : value;
            }
        }
    }

    private static void Block(float* source, int sourceStride, float* destination, int destinationStride, bool accumulate) =>
        Block(
            Avx.LoadVector256(source),
            Avx.LoadVector256(source + sourceStride),
            Avx.LoadVector256(source + (2 * sourceStride)),
            Avx.LoadVector256(source + (3 * sourceStride)),
            Avx.LoadVector256(source + (4 * sourceStride)),
            Avx.LoadVector256(source + (5 * sourceStride)),
            Avx.LoadVector256(source + (6 * sourceStride)),
            Avx.LoadVector256(source + (7 * sourceStride)),
            destination,
            destinationStride,
            accumulate);

    /// <summary>Stores the transpose of the 8×8 block of rows r0 … r7 at the destination's 8 rows.</summary>
    private static void Block(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3, Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* destination, int destinationStride, bool accumulate)
    {
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Store(destination, Avx.Permute2x128(s0, s4, 0x20), accumulate);
        Store(destination + destinationStride, Avx.Permute2x128(s1, s5, 0x20), accumulate);
        Store(destination + (2 * destinationStride), Avx.Permute2x128(s2, s6, 0x20), accumulate);
        Store(destination + (3 * destinationStride), Avx.Permute2x128(s3, s7, 0x20), accumulate);
        Store(destination + (4 * destinationStride), Avx.Permute2x128(s0, s4, 0x31), accumulate);
        Store(destination + (5 * destinationStride), Avx.Permute2x128(s1, s5, 0x31), accumulate);
        Store(destination + (6 * destinationStride), Avx.Permute2x128(s2, s6, 0x31), accumulate);
        Store(destination + (7 * destinationStride), Avx.Permute2x128(s3, s7, 0x31), accumulate);
    }

    private static void Store(float* destination, Vector256<float> value, bool accumulate) =>
        Avx.Store(destination, accumulate ? Avx.Add(Avx.LoadVector256(destination), value) : value);

    private static float[] Grow(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer = new float[Math.Max(length, 4096)];
        }

        return buffer;
    }
}
