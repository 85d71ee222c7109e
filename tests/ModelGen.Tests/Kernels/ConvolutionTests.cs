using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

public class ConvolutionTests
{
    // (C, H, W, F, kh, kw, stride, padding): odd sizes, non-square kernels and inputs, stride 2 and 3, padding 1 and 2,
    // a kernel as large as the padded input, a pointwise 1×1 kernel, LeNet-5's two layers.
    public static TheoryData<int, int, int, int, int, int, int, int> Shapes() => new()
    {
        { 1, 5, 5, 1, 3, 3, 1, 0 },
        { 2, 7, 6, 3, 3, 2, 1, 0 },
        { 3, 9, 7, 5, 3, 3, 2, 1 },
        { 2, 8, 11, 4, 5, 3, 3, 2 },
        { 1, 3, 3, 2, 5, 5, 1, 1 },
        { 4, 5, 7, 3, 1, 1, 1, 0 },
        { 3, 6, 6, 2, 1, 1, 2, 0 },
        { 1, 28, 28, 20, 5, 5, 1, 0 },
        { 20, 12, 12, 50, 5, 5, 1, 0 },
        { 32, 9, 8, 40, 3, 3, 2, 1 },
        { 4, 12, 13, 8, 9, 9, 1, 2 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardAndBothGradientsMatchDoublePrecisionReference(int c, int h, int w, int f, int kh, int kw, int stride, int padding)
    {
        var shape = new ConvolutionShape(c, h, w, f, kh, kw, stride, padding);
        foreach (var batch in new[] { 1, 3 })
        {
            var x = Random(batch * shape.InputSize, 1);
            var weights = Random(shape.WeightLength, 2);
            var dy = Random(batch * shape.OutputSize, 3);
            var columns = new float[shape.WorkspaceLength(batch)];

            var y = new float[batch * shape.OutputSize];
            Convolution.Forward(x, weights, y, batch, shape, columns);
            var (refY, refDx, refDw) = Reference(x, weights, dy, batch, shape);
            AssertClose(refY, y, shape.PatchSize);

            var dx = Fill(batch * shape.InputSize, 99f);
            Convolution.BackwardInput(dy, weights, dx, batch, shape, columns);
            AssertClose(refDx, dx, shape.OutChannels * kh * kw);

            var dw = new float[shape.WeightLength];
            Convolution.AccumulateWeightGradient(x, dy, dw, batch, shape, columns);
            AssertClose(refDw, dw, batch * shape.OutPlane);

            // The fused bias gives exactly Forward then AddBias.
            var bias = Random(shape.OutChannels, 4);
            var withBias = new float[y.Length];
            Convolution.ForwardWithBias(x, weights, bias, withBias, batch, shape, columns);
            var thenBias = (float[])y.Clone();
            Convolution.AddBias(thenBias, bias, batch, shape.OutChannels, shape.OutPlane);
            Assert.Equal(thenBias, withBias);

            // Accumulating forms add exactly what the overwriting forms write.
            var y2 = (float[])y.Clone();
            Convolution.Forward(x, weights, y2, batch, shape, columns, accumulate: true);
            AssertClose(Scaled(refY, 2), y2, 2 * shape.PatchSize);
            var dx2 = (float[])dx.Clone();
            Convolution.BackwardInput(dy, weights, dx2, batch, shape, columns, accumulate: true);
            AssertClose(Scaled(refDx, 2), dx2, 2 * shape.OutChannels * kh * kw);
            Convolution.AccumulateWeightGradient(x, dy, dw, batch, shape, columns);
            AssertClose(Scaled(refDw, 2), dw, 2 * batch * shape.OutPlane);
        }
    }

    [Theory]
    [InlineData(1, 28, 28, 20, 5, 5, 1, 0, 60)] // LeNet-5's conv1 at batch 60: several chunks, shared out on two threads
    [InlineData(20, 12, 12, 50, 5, 5, 1, 0, 7)] // conv2's 8×8 planes: vectors only
    [InlineData(3, 9, 7, 5, 3, 3, 2, 1, 3)] // 5×4 planes: a vector and a scalar tail per plane
    public void ForwardWithBiasAndRelu_gives_ForwardWithBias_then_ReluForward_bit_for_bit(int c, int h, int w, int f, int kh, int kw, int stride, int padding, int batch)
    {
        var shape = new ConvolutionShape(c, h, w, f, kh, kw, stride, padding);
        var x = Random(batch * shape.InputSize, 21);
        var weights = Random(shape.WeightLength, 22);
        weights.AsSpan(0, shape.PatchSize).Clear(); // channel 0 computes exact zeros, to which −0 is added
        var bias = Random(shape.OutChannels, 23);
        bias[0] = -0f;
        bias[1] = float.NaN;
        bias[2] = float.NegativeInfinity;
        bias[3 % shape.OutChannels] = float.PositiveInfinity;
        var saved = Gemm.MaxDegreeOfParallelism;
        try
        {
            foreach (var threads in new[] { 1, 2 })
            {
                Gemm.MaxDegreeOfParallelism = threads;
                var columns = new float[shape.WorkspaceLength(batch)];
                var twoPasses = new float[batch * shape.OutputSize];
                Convolution.ForwardWithBias(x, weights, bias, twoPasses, batch, shape, columns);
                ActivationKernels.ReluForward(twoPasses);
                var fused = Fill(twoPasses.Length, 99f);
                Convolution.ForwardWithBias(x, weights, bias, fused, batch, shape, columns, relu: true);

                Assert.Equal(twoPasses.Select(BitConverter.SingleToInt32Bits), fused.Select(BitConverter.SingleToInt32Bits));
                Assert.Contains(fused, float.IsNaN);
                Assert.Contains(fused, v => v > 0);
                Assert.Contains(fused, v => v == 0);
            }
        }
        finally
        {
            Gemm.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void BatchesSpanningSeveralChunksMatchTheReference()
    {
        // LeNet-5's conv2 padded by 1 takes 2 samples per chunk: 7 samples are four chunks, the last one short, through
        // a workspace that holds one chunk.
        var shape = new ConvolutionShape(20, 12, 12, 50, 5, 5, 1, 1);
        Assert.Equal(2, shape.ChunkSamples);
        const int batch = 7;
        var x = Random(batch * shape.InputSize, 21);
        var weights = Random(shape.WeightLength, 22);
        var dy = Random(batch * shape.OutputSize, 23);
        var workspace = new float[shape.WorkspaceLength(batch)];
        Assert.Equal(4, shape.Chunks(batch));
        var (refY, refDx, refDw) = Reference(x, weights, dy, batch, shape);

        var y = new float[batch * shape.OutputSize];
        Convolution.Forward(x, weights, y, batch, shape, workspace);
        AssertClose(refY, y, shape.PatchSize);
        var dw = new float[shape.WeightLength];
        Convolution.AccumulateWeightGradient(x, dy, dw, batch, shape, workspace);
        AssertClose(refDw, dw, batch * shape.OutPlane);
        var dx = new float[batch * shape.InputSize];
        Convolution.BackwardInput(dy, weights, dx, batch, shape, workspace);
        AssertClose(refDx, dx, shape.OutChannels * shape.KernelHeight * shape.KernelWidth);
    }

    [Fact]
    public void BiasIsAddedPerChannelAndItsGradientSumsPlanesAndSamples()
    {
        const int batch = 2, channels = 3, plane = 5;
        var output = Random(batch * channels * plane, 4);
        var before = (float[])output.Clone();
        var bias = new[] { 1f, -2f, 0.5f };
        Convolution.AddBias(output, bias, batch, channels, plane);
        for (var i = 0; i < output.Length; i++)
        {
            Assert.Equal(before[i] + bias[(i / plane) % channels], output[i]);
        }

        var gradient = new[] { 10f, 20f, 30f };
        Convolution.AccumulateBiasGradient(before, gradient, batch, channels, plane);
        for (var ch = 0; ch < channels; ch++)
        {
            double sum = 10 * (ch + 1);
            for (var n = 0; n < batch; n++)
            {
                for (var p = 0; p < plane; p++)
                {
                    sum += before[(((n * channels) + ch) * plane) + p];
                }
            }

            Assert.Equal(sum, gradient[ch], 1e-4);
        }
    }

    [Fact]
    public void FoldIsTheAdjointOfUnfold()
    {
        // <Unfold(x), c> = <x, Fold(c)> for every x and c is what makes the input gradient the transpose of the forward.
        var shape = new ConvolutionShape(2, 7, 9, 1, 3, 4, 2, 1);
        var x = Random(shape.InputSize, 5);
        var c = Random(shape.ColumnsLength, 6);
        var unfolded = Convolution.Unfold(x, shape, new float[shape.ColumnsLength]).ToArray();
        var folded = new float[shape.InputSize];
        Convolution.Fold(c, shape, folded);
        Assert.Equal(Dot(unfolded, c), Dot(x, folded), 1e-4);
    }

    // Shapes whose training batches span several chunks, so that chunks are shared out among threads: LeNet-5's two
    // layers (5 and 3 samples per chunk), conv2 padded (2), an odd strided and padded one (3) and a stride-3 one (15).
    public static TheoryData<int, int, int, int, int, int, int, int, int> ChunkedShapes() => new()
    {
        { 1, 28, 28, 20, 5, 5, 1, 0, 60 },
        { 20, 12, 12, 50, 5, 5, 1, 0, 60 },
        { 20, 12, 12, 50, 5, 5, 1, 1, 7 },
        { 7, 33, 31, 16, 5, 3, 2, 2, 13 },
        { 3, 40, 37, 8, 4, 4, 3, 1, 31 },
        { 20, 12, 12, 50, 5, 5, 1, 0, 1 },
        { 32, 9, 8, 40, 3, 3, 2, 1, 41 },
        { 4, 12, 13, 8, 9, 9, 1, 2, 37 },
    };

    [Theory]
    [MemberData(nameof(ChunkedShapes))]
    public void ResultsDoNotDependOnTheThreadCount(int c, int h, int w, int f, int kh, int kw, int stride, int padding, int batch)
    {
        var shape = new ConvolutionShape(c, h, w, f, kh, kw, stride, padding);
        var x = Random(batch * shape.InputSize, 7);
        var weights = Random(shape.WeightLength, 8);
        var dy = Random(batch * shape.OutputSize, 9);
        var saved = Gemm.MaxDegreeOfParallelism;
        try
        {
            Gemm.MaxDegreeOfParallelism = 1;
            var one = RunAll(x, weights, dy, batch, shape);
            foreach (var threads in new[] { 2, 4, 3 })
            {
                Gemm.MaxDegreeOfParallelism = threads;
                var other = RunAll(x, weights, dy, batch, shape);
                Assert.Equal(one.Y, other.Y);
                Assert.Equal(one.Dx, other.Dx);
                Assert.Equal(one.Dw, other.Dw);
                Assert.Equal(one.YTwice, other.YTwice);
                Assert.Equal(one.DxTwice, other.DxTwice);
                Assert.Equal(one.YBiased, other.YBiased);
            }

            var expectedBiased = (float[])one.Y.Clone();
            Convolution.AddBias(expectedBiased, Random(shape.OutChannels, 14), batch, shape.OutChannels, shape.OutPlane);
            Assert.Equal(expectedBiased, one.YBiased);

            // And the shared-out chunks compute the convolution (not only the same wrong thing every time).
            Gemm.MaxDegreeOfParallelism = 2;
            var (refY, refDx, refDw) = Reference(x, weights, dy, batch, shape);
            var two = RunAll(x, weights, dy, batch, shape);
            AssertClose(refY, two.Y, shape.PatchSize);
            AssertClose(refDx, two.Dx, shape.OutChannels * kh * kw);
            AssertClose(Scaled(refDw, 2), two.Dw, 2 * batch * shape.OutPlane);
            AssertClose(Scaled(refY, 2), two.YTwice, 2 * shape.PatchSize);
            AssertClose(Scaled(refDx, 2), two.DxTwice, 2 * shape.OutChannels * kh * kw);
        }
        finally
        {
            Gemm.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void TheWeightGradientTakesRowsWhereTheDepthIsShortNextToThePatch()
    {
        // Both routes are covered by the shapes above: LeNet-5's conv2 and the deep-input shapes take rows (the padded and
        // strided ones through the per-element edge copies, kw 9 through whole-vector runs), conv1 and the rest columns.
        Assert.False(new ConvolutionShape(1, 28, 28, 20, 5, 5).WeightGradientByRows);
        Assert.True(new ConvolutionShape(20, 12, 12, 50, 5, 5).WeightGradientByRows);
        Assert.True(new ConvolutionShape(20, 12, 12, 50, 5, 5, 1, 1).WeightGradientByRows);
        Assert.True(new ConvolutionShape(32, 9, 8, 40, 3, 3, 2, 1).WeightGradientByRows);
        Assert.True(new ConvolutionShape(4, 12, 13, 8, 9, 9, 1, 2).WeightGradientByRows);
        Assert.False(new ConvolutionShape(3, 9, 7, 5, 3, 3, 2, 1).WeightGradientByRows);
    }

    [Fact]
    public void TheWorkspaceHoldsASlotPerThreadThatCanTakeAChunk()
    {
        var shape = new ConvolutionShape(20, 12, 12, 50, 5, 5);
        Assert.Equal(3, shape.ChunkSamples);
        Assert.Equal(shape.ChunkLength(1), shape.WorkspaceLength(1));
        Assert.Equal(shape.ChunkLength(3), shape.WorkspaceLength(3));
        var slots = Math.Min(2, GemmWorkers.MaxThreads);
        Assert.Equal(slots, shape.WorkspaceSlots(4));
        Assert.Equal(slots * (shape.ChunkLength(4) + (slots > 1 ? shape.WeightLength : 0)), shape.WorkspaceLength(4));
        Assert.True(shape.WorkspaceLength(60) >= shape.WorkspaceLength(7));
    }

    [Fact]
    public void StepsAllocateNothing()
    {
        var shape = new ConvolutionShape(3, 10, 10, 4, 3, 3, 1, 1);
        var x = Random(2 * shape.InputSize, 10);
        var weights = Random(shape.WeightLength, 11);
        var y = new float[2 * shape.OutputSize];
        var dx = new float[2 * shape.InputSize];
        var dw = new float[shape.WeightLength];
        var columns = new float[shape.WorkspaceLength(2)];
        Convolution.Forward(x, weights, y, 2, shape, columns);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Convolution.Forward(x, weights, y, 2, shape, columns);
        Convolution.BackwardInput(y, weights, dx, 2, shape, columns);
        Convolution.AccumulateWeightGradient(x, y, dw, 2, shape, columns);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());

        // Chunks shared out among threads allocate nothing either (LeNet-5's conv2, 4 chunks of 3 samples).
        var lenet = new ConvolutionShape(20, 12, 12, 50, 5, 5);
        const int batch = 12;
        var lx = Random(batch * lenet.InputSize, 12);
        var lw = Random(lenet.WeightLength, 13);
        var ly = new float[batch * lenet.OutputSize];
        var ldx = new float[batch * lenet.InputSize];
        var ldw = new float[lenet.WeightLength];
        var workspace = new float[lenet.WorkspaceLength(batch)];
        var saved = Gemm.MaxDegreeOfParallelism;
        try
        {
            Gemm.MaxDegreeOfParallelism = 2;
            Convolution.Forward(lx, lw, ly, batch, lenet, workspace);
            Convolution.BackwardInput(ly, lw, ldx, batch, lenet, workspace);
            Convolution.AccumulateWeightGradient(lx, ly, ldw, batch, lenet, workspace);
            before = GC.GetAllocatedBytesForCurrentThread();
            Convolution.Forward(lx, lw, ly, batch, lenet, workspace);
            Convolution.BackwardInput(ly, lw, ldx, batch, lenet, workspace);
            Convolution.AccumulateWeightGradient(lx, ly, ldw, batch, lenet, workspace);
            Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        }
        finally
        {
            Gemm.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void BadShapesAndSpansAreRejectedWithTheirNames()
    {
        var tooLarge = new ConvolutionShape(1, 4, 4, 1, 5, 5);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Convolution.Forward(new float[16], new float[25], new float[1], 1, tooLarge, new float[100]));
        Assert.Contains("does not fit", e.Message);
        var zeroStride = new ConvolutionShape(1, 4, 4, 1, 3, 3, stride: 0);
        Assert.Equal("Stride", Assert.Throws<ArgumentOutOfRangeException>(() => zeroStride.Validate()).ParamName);
        var shape = new ConvolutionShape(1, 4, 4, 1, 3, 3);
        Assert.Equal("workspace", Assert.Throws<ArgumentException>(() => Convolution.Forward(new float[16], new float[9], new float[4], 1, shape, new float[shape.WorkspaceLength(1) - 1])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => Convolution.Forward(new float[16], new float[8], new float[4], 1, shape, new float[shape.WorkspaceLength(1)])).ParamName);
    }

    /// <summary>Every pass once, the weight gradient twice (accumulated), and the forward and input gradient accumulated onto themselves.</summary>
    private static (float[] Y, float[] Dx, float[] Dw, float[] YTwice, float[] DxTwice, float[] YBiased) RunAll(float[] x, float[] weights, float[] dy, int batch, ConvolutionShape shape)
    {
        var columns = new float[shape.WorkspaceLength(batch)];
        var y = new float[batch * shape.OutputSize];
        var dx = new float[batch * shape.InputSize];
        var dw = new float[shape.WeightLength];
        Convolution.Forward(x, weights, y, batch, shape, columns);
        Convolution.BackwardInput(dy, weights, dx, batch, shape, columns);
        Convolution.AccumulateWeightGradient(x, dy, dw, batch, shape, columns);
        Convolution.AccumulateWeightGradient(x, dy, dw, batch, shape, columns);
        var yTwice = (float[])y.Clone();
        Convolution.Forward(x, weights, yTwice, batch, shape, columns, accumulate: true);
        var dxTwice = (float[])dx.Clone();
        Convolution.BackwardInput(dy, weights, dxTwice, batch, shape, columns, accumulate: true);
        var yBiased = new float[y.Length];
        Convolution.ForwardWithBias(x, weights, Random(shape.OutChannels, 14), yBiased, batch, shape, columns);
        return (y, dx, dw, yTwice, dxTwice, yBiased);
    }

    /// <summary>The textbook six-loop convolution and its two gradients in double precision.</summary>
    private static (double[] Y, double[] Dx, double[] Dw) Reference(float[] x, float[] w, float[] dy, int batch, ConvolutionShape s)
    {
        var y = new double[batch * s.OutputSize];
        var dx = new double[batch * s.InputSize];
        var dw = new double[s.WeightLength];
        for (var n = 0; n < batch; n++)
        {
            for (var f = 0; f < s.OutChannels; f++)
            {
                for (var oy = 0; oy < s.OutHeight; oy++)
                {
                    for (var ox = 0; ox < s.OutWidth; ox++)
                    {
                        var o = (((n * s.OutChannels) + f) * s.OutPlane) + (oy * s.OutWidth) + ox;
                        for (var c = 0; c < s.InChannels; c++)
                        {
                            for (var i = 0; i < s.KernelHeight; i++)
                            {
                                for (var j = 0; j < s.KernelWidth; j++)
                                {
                                    int iy = (oy * s.Stride) - s.Padding + i, ix = (ox * s.Stride) - s.Padding + j;
                                    if (iy < 0 || iy >= s.InHeight || ix < 0 || ix >= s.InWidth)
                                    {
                                        continue;
                                    }

                                    var xi = (((n * s.InChannels) + c) * s.InHeight * s.InWidth) + (iy * s.InWidth) + ix;
                                    var wi = (((f * s.InChannels) + c) * s.KernelHeight * s.KernelWidth) + (i * s.KernelWidth) + j;
                                    y[o] += (double)w[wi] * x[xi];
                                    dx[xi] += (double)w[wi] * dy[o];
                                    dw[wi] += (double)x[xi] * dy[o];
                                }
                            }
                        }
                    }
                }
            }
        }

        return (y, dx, dw);
    }

    /// <summary>Float sums of <paramref name="terms"/> products of values in [−1, 1] stay within terms·ε of the exact sum.</summary>
    private static void AssertClose(double[] expected, float[] actual, int terms)
    {
        Assert.Equal(expected.Length, actual.Length);
        var tolerance = 4 * Math.Max(terms, 1) * 1.2e-7;
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"[{i}]: expected {expected[i]}, got {actual[i]} (tolerance {tolerance})");
        }
    }

    private static double[] Scaled(double[] values, double factor) => values.Select(v => v * factor).ToArray();

    private static double Dot(float[] a, float[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }

    private static float[] Fill(int length, float value) => Enumerable.Repeat(value, length).ToArray();

    private static float[] Random(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
