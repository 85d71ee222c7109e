using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace ModelGen.Kernels;

/// <summary>
/// Max- and average-pooling over a batch of NCHW samples (<see cref="PoolShape"/>), with the backward passes and, for
/// max-pooling, the routing of a directional derivative (R-operator) or a linearized signal through the recorded
/// maxima. Allocation-free; every sum runs in a fixed order. With <see cref="Gemm.MaxDegreeOfParallelism"/> above 1,
/// max-pooling's forward and backward passes over a large batch share their planes out among Gemm's worker threads;
/// every plane is computed whole by one thread, so results do not depend on the thread count.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class Pooling
{
    // Below this many input values per pass (about 15 µs of pooling) a worker's hand-off costs more than it saves.
    private const int ParallelMinValues = 64 * 1024;

    // Ranges of planes per thread: a late worker's share is taken over in small pieces.
    private const int RangesPerThread = 4;

    /// <summary>
    /// output = max over each window; <paramref name="argmax"/> records, per output value, the index within its
    /// channel's input plane (y·InWidth + x) of the maximum. Ties go to the first maximum in row-major window order
    /// and a NaN wins over numbers, as in PyTorch; so on an all-equal input (SynFlow's all-ones probe) every window
    /// routes through its top-left position.
    /// </summary>
    /// <param name="input">batch × InputSize values.</param>
    /// <param name="output">batch × OutputSize values, overwritten.</param>
    /// <param name="argmax">batch × OutputSize indices, overwritten.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="shape">The pooling layer.</param>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The shape is invalid or the batch negative.</exception>
    public static void MaxForward(ReadOnlySpan<float> input, Span<float> output, Span<int> argmax, int batch, PoolShape shape)
    {
        Check(input.Length, output.Length, batch, shape, nameof(input), nameof(output));
        KernelGuard.MatrixLength(argmax.Length, batch, shape.OutputSize, nameof(argmax), "batch×OutputSize");
        var planes = batch * shape.Channels;
        var parts = Parts(batch, shape);
        if (parts <= 1)
        {
            MaxForwardPlanes(input, output, argmax, shape, 0, planes);
            return;
        }

        fixed (float* x = input)
        fixed (float* y = output)
        fixed (int* at = argmax)
        {
            var pass = new PlanePass(x, y, at, planes, parts, shape);
            GemmWorkers.RunItems(&MaxForwardItem, &pass, pass.Ranges, parts);
        }
    }

    private static void MaxForwardItem(void* context, int item, int slot)
    {
        var pass = (PlanePass*)context;
        var shape = pass->Shape;
        var (first, end) = pass->Range(item);
        MaxForwardPlanes(
            new ReadOnlySpan<float>(pass->Values, pass->Planes * shape.InHeight * shape.InWidth),
            new Span<float>(pass->Result, pass->Planes * shape.OutHeight * shape.OutWidth),
            new Span<int>(pass->Argmax, pass->Planes * shape.OutHeight * shape.OutWidth),
            shape,
            first,
            end);
    }

    /// <summary>Max-pools planes [first, end) (plane = sample·Channels + channel).</summary>
    private static void MaxForwardPlanes(ReadOnlySpan<float> input, Span<float> output, Span<int> argmax, PoolShape shape, int firstPlane, int endPlane)
    {
        int h = shape.InHeight, w = shape.InWidth, oh = shape.OutHeight, ow = shape.OutWidth, size = shape.Size, s = shape.Stride;
        // 2×2 windows at stride 2 (every LeNet-style pool) take four windows per step without branches; the compare
        // on real activations is a coin flip that the scalar loop's branch predictor loses.
        var vectorWindows = size == 2 && s == 2 && Avx2.IsSupported ? Math.Min(ow, w / 2) / 4 * 4 : 0;
        for (var plane = firstPlane; plane < endPlane; plane++)
        {
            var x = input.Slice(plane * h * w, h * w);
            var y = output.Slice(plane * oh * ow, oh * ow);
            var at = argmax.Slice(plane * oh * ow, oh * ow);
            for (var oy = 0; oy < oh; oy++)
            {
                var top = oy * s * w;
                if (vectorWindows > 0)
                {
                    MaxRow2x2(x, top, w, vectorWindows, y.Slice(oy * ow), at.Slice(oy * ow));
                }

                for (var ox = vectorWindows; ox < ow; ox++)
                {
                    var best = top + (ox * s);
                    var max = x[best];
                    for (var i = 0; i < size && !float.IsNaN(max); i++)
                    {
                        var row = top + (i * w) + (ox * s);
                        for (var j = 0; j < size; j++)
                        {
                            var value = x[row + j];
                            if (value > max || float.IsNaN(value))
                            {
                                max = value;
                                best = row + j;
                                if (float.IsNaN(value))
                                {
                                    break;
                                }
                            }
                        }
                    }

                    y[(oy * ow) + ox] = max;
                    at[(oy * ow) + ox] = best;
                }
            }
        }
    }

    /// <summary>
    /// The first <paramref name="windows"/> (a multiple of 4, with 2·windows ≤ width, so the 8-float loads stay in the row) 2×2 stride-2 windows of the
    /// row pair starting at <paramref name="top"/>. Within a window (a, b / c, d) the winner is pick(pick(a, b),
    /// pick(c, d)) with pick(m, v) = v when m is a number and v &gt; m or v is NaN: the first NaN, else the first
    /// maximum in row-major order, exactly the scalar loop's rule.
    /// </summary>
    private static unsafe void MaxRow2x2(ReadOnlySpan<float> plane, int top, int width, int windows, Span<float> output, Span<int> argmax)
    {
        var evenLanes = Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6);
        var laneOffsets = Vector256<int>.Indices;
        fixed (float* x = plane)
        fixed (float* y = output)
        fixed (int* at = argmax)
        {
            float* upper = x + top, lower = upper + width;
            for (var ox = 0; ox < windows; ox += 4)
            {
                // Lanes [a0 b0 a1 b1 …] of the upper row and [c0 d0 …] of the lower; the swap puts b (d) under a (c).
                var v0 = Avx.LoadVector256(upper + (2 * ox));
                var v1 = Avx.LoadVector256(lower + (2 * ox));
                var index = Vector256.Create(top + (2 * ox)) + laneOffsets;
                var (m0, i0) = Pick(v0, Avx.Permute(v0, 0b10_11_00_01), index, index + Vector256<int>.One);
                var (m1, i1) = Pick(v1, Avx.Permute(v1, 0b10_11_00_01), index + Vector256.Create(width), index + Vector256.Create(width + 1));
                var (max, best) = Pick(m0, m1, i0, i1);
                Avx2.PermuteVar8x32(max, evenLanes).GetLower().Store(y + ox);
                Avx2.PermuteVar8x32(best, evenLanes).GetLower().Store(at + ox);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Max, Vector256<int> Index) Pick(Vector256<float> m, Vector256<float> v, Vector256<int> mIndex, Vector256<int> vIndex)
    {
        // v wins when m is a number and not (v ≤ m): v > m, or v is NaN.
        var take = Vector256.AndNot(Vector256.Equals(m, m), Vector256.LessThanOrEqual(v, m));
        return (Vector256.ConditionalSelect(take, v, m), Vector256.ConditionalSelect(take.AsInt32(), vIndex, mIndex));
    }

    /// <summary>
    /// output[o] = input[argmax[o]] within each channel plane: the max-pool applied with fixed, recorded choices. This
    /// is the R-operator (directional derivative) of <see cref="MaxForward"/>, which is piecewise linear.
    /// </summary>
    /// <param name="input">batch × InputSize values.</param>
    /// <param name="argmax">batch × OutputSize indices from <see cref="MaxForward"/>.</param>
    /// <param name="output">batch × OutputSize values, overwritten.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="shape">The pooling layer.</param>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The shape is invalid, the batch negative or an index outside its plane.</exception>
    public static void MaxRoute(ReadOnlySpan<float> input, ReadOnlySpan<int> argmax, Span<float> output, int batch, PoolShape shape)
    {
        Check(input.Length, output.Length, batch, shape, nameof(input), nameof(output));
        KernelGuard.MatrixLength(argmax.Length, batch, shape.OutputSize, nameof(argmax), "batch×OutputSize");
        int planeIn = shape.InHeight * shape.InWidth, planeOut = shape.OutHeight * shape.OutWidth;
        for (var plane = 0; plane < batch * shape.Channels; plane++)
        {
            var x = input.Slice(plane * planeIn, planeIn);
            var at = argmax.Slice(plane * planeOut, planeOut);
            var y = output.Slice(plane * planeOut, planeOut);
            for (var o = 0; o < planeOut; o++)
            {
                y[o] = x[CheckedIndex(at[o], planeIn)];
            }
        }
    }

    /// <summary>
    /// inputGradient = 0, then each output gradient added onto its window's recorded maximum (overlapping windows
    /// add up, in output order).
    /// </summary>
    /// <param name="outputGradient">batch × OutputSize values.</param>
    /// <param name="argmax">batch × OutputSize indices from <see cref="MaxForward"/>.</param>
    /// <param name="inputGradient">batch × InputSize values, overwritten.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="shape">The pooling layer.</param>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The shape is invalid, the batch negative or an index outside its plane.</exception>
    public static void MaxBackward(ReadOnlySpan<float> outputGradient, ReadOnlySpan<int> argmax, Span<float> inputGradient, int batch, PoolShape shape)
    {
        Check(inputGradient.Length, outputGradient.Length, batch, shape, nameof(inputGradient), nameof(outputGradient));
        KernelGuard.MatrixLength(argmax.Length, batch, shape.OutputSize, nameof(argmax), "batch×OutputSize");
        var planes = batch * shape.Channels;
        var parts = Parts(batch, shape);
        int bad;
        if (parts <= 1)
        {
            bad = MaxBackwardPlanes(outputGradient, argmax, inputGradient, shape, 0, planes);
        }
        else
        {
            fixed (float* dy = outputGradient)
            fixed (float* dx = inputGradient)
            fixed (int* at = argmax)
            {
                var pass = new PlanePass(dy, dx, at, planes, parts, shape);
                GemmWorkers.RunItems(&MaxBackwardItem, &pass, pass.Ranges, parts);
                bad = pass.Bad;
            }
        }

        if (bad != -1)
        {
            CheckedIndex(bad, shape.InHeight * shape.InWidth);
        }
    }

    private static void MaxBackwardItem(void* context, int item, int slot)
    {
        var pass = (PlanePass*)context;
        var shape = pass->Shape;
        var (first, end) = pass->Range(item);
        var bad = MaxBackwardPlanes(
            new ReadOnlySpan<float>(pass->Values, pass->Planes * shape.OutHeight * shape.OutWidth),
            new ReadOnlySpan<int>(pass->Argmax, pass->Planes * shape.OutHeight * shape.OutWidth),
            new Span<float>(pass->Result, pass->Planes * shape.InHeight * shape.InWidth),
            shape,
            first,
            end);
        if (bad != -1)
        {
            // Workers must not throw: the caller reports one of the bad indices.
            Volatile.Write(ref pass->Bad, bad);
        }
    }

    /// <summary>
    /// The backward pass of planes [first, end), each cleared and then added to while it is in cache. Returns an
    /// index outside its plane if the argmax holds one (and stops there), else −1.
    /// </summary>
    private static int MaxBackwardPlanes(ReadOnlySpan<float> outputGradient, ReadOnlySpan<int> argmax, Span<float> inputGradient, PoolShape shape, int firstPlane, int endPlane)
    {
        int planeIn = shape.InHeight * shape.InWidth, planeOut = shape.OutHeight * shape.OutWidth;
        for (var plane = firstPlane; plane < endPlane; plane++)
        {
            var dx = inputGradient.Slice(plane * planeIn, planeIn);
            var at = argmax.Slice(plane * planeOut, planeOut);
            var dy = outputGradient.Slice(plane * planeOut, planeOut);
            dx.Clear();
            for (var o = 0; o < planeOut; o++)
            {
                var index = at[o];
                if ((uint)index >= (uint)planeIn)
                {
                    return index;
                }

                dx[index] += dy[o];
            }
        }

        return -1;
    }

    /// <summary>Threads a max-pooling pass over <paramref name="batch"/> samples uses.</summary>
    private static int Parts(int batch, PoolShape shape) =>
        (long)batch * shape.InputSize < ParallelMinValues || batch * shape.Channels < 2 ? 1 : Math.Min(Gemm.MaxDegreeOfParallelism, GemmWorkers.MaxThreads);

    /// <summary>A pass over planes as the worker threads see it: pinned operands, the plane count and the ranges.</summary>
    private struct PlanePass
    {
        public PlanePass(float* values, float* result, int* argmax, int planes, int parts, PoolShape shape)
        {
            Values = values;
            Result = result;
            Argmax = argmax;
            Planes = planes;
            Ranges = Math.Min(planes, parts * RangesPerThread);
            Shape = shape;
            Bad = -1;
        }

        public float* Values;
        public float* Result;
        public int* Argmax;
        public int Planes;
        public int Ranges;
        public PoolShape Shape;
        public int Bad;

        public readonly (int First, int End) Range(int item) => ((int)((long)Planes * item / Ranges), (int)((long)Planes * (item + 1) / Ranges));
    }

    /// <summary>output = mean over each window (Size² values, summed in row-major order).</summary>
    /// <param name="input">batch × InputSize values.</param>
    /// <param name="output">batch × OutputSize values, overwritten.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="shape">The pooling layer.</param>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The shape is invalid or the batch negative.</exception>
    public static void AverageForward(ReadOnlySpan<float> input, Span<float> output, int batch, PoolShape shape)
    {
        Check(input.Length, output.Length, batch, shape, nameof(input), nameof(output));
        int h = shape.InHeight, w = shape.InWidth, oh = shape.OutHeight, ow = shape.OutWidth, size = shape.Size, s = shape.Stride;
        var scale = 1f / (size * size);
        for (var plane = 0; plane < batch * shape.Channels; plane++)
        {
            var x = input.Slice(plane * h * w, h * w);
            var y = output.Slice(plane * oh * ow, oh * ow);
            for (var oy = 0; oy < oh; oy++)
            {
                for (var ox = 0; ox < ow; ox++)
                {
                    var sum = 0f;
                    for (var i = 0; i < size; i++)
                    {
                        var row = (((oy * s) + i) * w) + (ox * s);
                        for (var j = 0; j < size; j++)
                        {
                            sum += x[row + j];
                        }
                    }

                    y[(oy * ow) + ox] = sum * scale;
                }
            }
        }
    }

    /// <summary>inputGradient = 0, then each output gradient / Size² added onto every position of its window.</summary>
    /// <param name="outputGradient">batch × OutputSize values.</param>
    /// <param name="inputGradient">batch × InputSize values, overwritten.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="shape">The pooling layer.</param>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The shape is invalid or the batch negative.</exception>
    public static void AverageBackward(ReadOnlySpan<float> outputGradient, Span<float> inputGradient, int batch, PoolShape shape)
    {
        Check(inputGradient.Length, outputGradient.Length, batch, shape, nameof(inputGradient), nameof(outputGradient));
        inputGradient.Clear();
        int h = shape.InHeight, w = shape.InWidth, oh = shape.OutHeight, ow = shape.OutWidth, size = shape.Size, s = shape.Stride;
        var scale = 1f / (size * size);
        for (var plane = 0; plane < batch * shape.Channels; plane++)
        {
            var dx = inputGradient.Slice(plane * h * w, h * w);
            var dy = outputGradient.Slice(plane * oh * ow, oh * ow);
            for (var oy = 0; oy < oh; oy++)
            {
                for (var ox = 0; ox < ow; ox++)
                {
                    var share = dy[(oy * ow) + ox] * scale;
                    for (var i = 0; i < size; i++)
                    {
                        var row = (((oy * s) + i) * w) + (ox * s);
                        for (var j = 0; j < size; j++)
                        {
                            dx[row + j] += share;
                        }
                    }
                }
            }
        }
    }

    private static int CheckedIndex(int index, int plane)
    {
        if ((uint)index >= (uint)plane)
        {
            throw new ArgumentOutOfRangeException("argmax", index, $"Recorded maximum {index} lies outside its {plane}-value plane.");
        }

        return index;
    }

    private static void Check(int inputLength, int outputLength, int batch, PoolShape shape, string inputName, string outputName)
    {
        shape.Validate();
        KernelGuard.Dimension(batch, nameof(batch));
        KernelGuard.MatrixLength(inputLength, batch, shape.InputSize, inputName, "batch×Channels·InHeight·InWidth");
        KernelGuard.MatrixLength(outputLength, batch, shape.OutputSize, outputName, "batch×Channels·OutHeight·OutWidth");
    }
}
