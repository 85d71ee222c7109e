using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

public class PoolingTests
{
    // (C, H, W, size, stride): the LeNet-5 pools, odd inputs whose border windows are dropped, overlapping windows
    // (stride below size), a stride above the size, batch 1 and 3.
    public static TheoryData<int, int, int, int, int> Shapes() => new()
    {
        { 20, 24, 24, 2, 2 },
        { 2, 7, 5, 2, 2 },
        { 3, 7, 7, 3, 2 },
        { 1, 9, 8, 2, 3 },
        { 2, 5, 5, 3, 1 },
        { 1, 4, 4, 4, 4 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MaxPoolMatchesReferenceForwardBackwardAndRoute(int c, int h, int w, int size, int stride)
    {
        var shape = new PoolShape(c, h, w, size, stride);
        foreach (var batch in new[] { 1, 3 })
        {
            var x = Random(batch * shape.InputSize, 1);
            var dy = Random(batch * shape.OutputSize, 2);
            var y = new float[batch * shape.OutputSize];
            var argmax = new int[batch * shape.OutputSize];
            Pooling.MaxForward(x, y, argmax, batch, shape);

            var refDx = new double[x.Length];
            var planeIn = h * w;
            for (var o = 0; o < y.Length; o++)
            {
                var (plane, oy, ox) = (o / (shape.OutHeight * shape.OutWidth), o / shape.OutWidth % shape.OutHeight, o % shape.OutWidth);
                var best = double.NegativeInfinity;
                var at = -1;
                for (var i = 0; i < size; i++)
                {
                    for (var j = 0; j < size; j++)
                    {
                        var index = ((oy * stride) + i) * w + (ox * stride) + j;
                        if (x[(plane * planeIn) + index] > best)
                        {
                            best = x[(plane * planeIn) + index];
                            at = index;
                        }
                    }
                }

                Assert.Equal((float)best, y[o]);
                Assert.Equal(at, argmax[o]);
                refDx[(plane * planeIn) + at] += dy[o];
            }

            var dx = Enumerable.Repeat(5f, x.Length).ToArray();
            Pooling.MaxBackward(dy, argmax, dx, batch, shape);
            for (var i = 0; i < dx.Length; i++)
            {
                Assert.Equal(refDx[i], dx[i], 1e-5);
            }

            // Routing the input itself through the recorded maxima reproduces the forward output.
            var routed = new float[y.Length];
            Pooling.MaxRoute(x, argmax, routed, batch, shape);
            Assert.Equal(y, routed);
        }
    }

    [Fact]
    public void TiesGoToTheFirstMaximumInRowMajorOrderAsInPyTorch()
    {
        // SynFlow's all-ones probe: every window ties, so every window routes through its top-left entry.
        var shape = new PoolShape(1, 4, 6, 2);
        var argmax = new int[shape.OutputSize];
        Pooling.MaxForward(Enumerable.Repeat(1f, shape.InputSize).ToArray(), new float[shape.OutputSize], argmax, 1, shape);
        Assert.Equal(new[] { 0, 2, 4, 12, 14, 16 }, argmax);

        // A tie between the second and third entry of a window: the second (earlier) one wins.
        var x = new float[] { 0f, 3f, 3f, 1f };
        var one = new PoolShape(1, 2, 2, 2);
        var at = new int[1];
        Pooling.MaxForward(x, new float[1], at, 1, one);
        Assert.Equal(1, at[0]);
    }

    [Fact]
    public void TwoByTwoFastPathFollowsTheScalarRuleOnTiesNaNsAndSignedZeros()
    {
        // Widths whose rows are all vector steps (8, 24), leave a scalar tail (10, 13, 26) or are too short for one (6).
        var random = new Random(17);
        var pool = new[] { 0f, -0f, 1f, 1f, -1f, 2f, float.NaN, float.NegativeInfinity, float.PositiveInfinity };
        foreach (var (h, w) in new[] { (8, 8), (24, 24), (5, 10), (7, 13), (4, 26), (6, 6) })
        {
            var shape = new PoolShape(2, h, w, 2);
            var x = new float[2 * shape.InputSize];
            for (var i = 0; i < x.Length; i++)
            {
                // Few distinct values, so windows tie often; a NaN in about one window of nine.
                x[i] = pool[random.Next(pool.Length)];
            }

            var y = new float[2 * shape.OutputSize];
            var argmax = new int[y.Length];
            Pooling.MaxForward(x, y, argmax, 2, shape);
            for (var o = 0; o < y.Length; o++)
            {
                var (plane, oy, ox) = (o / (shape.OutHeight * shape.OutWidth), o / shape.OutWidth % shape.OutHeight, o % shape.OutWidth);
                var top = (2 * oy * w) + (2 * ox);
                var best = top;
                foreach (var index in new[] { top + 1, top + w, top + w + 1 })
                {
                    var (current, value) = (x[(plane * h * w) + best], x[(plane * h * w) + index]);
                    if (!float.IsNaN(current) && (value > current || float.IsNaN(value)))
                    {
                        best = index;
                    }
                }

                Assert.Equal(best, argmax[o]);
                Assert.Equal(BitConverter.SingleToInt32Bits(x[(plane * h * w) + best]), BitConverter.SingleToInt32Bits(y[o]));
            }
        }
    }

    [Fact]
    public void NaNWinsItsWindowAsInPyTorch()
    {
        var shape = new PoolShape(1, 2, 2, 2);
        var y = new float[1];
        var at = new int[1];
        Pooling.MaxForward(new[] { 1f, 2f, float.NaN, 9f }, y, at, 1, shape);
        Assert.True(float.IsNaN(y[0]));
        Assert.Equal(2, at[0]);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void AveragePoolMatchesReferenceAndItsBackwardIsTheAdjoint(int c, int h, int w, int size, int stride)
    {
        var shape = new PoolShape(c, h, w, size, stride);
        foreach (var batch in new[] { 1, 3 })
        {
            var x = Random(batch * shape.InputSize, 3);
            var dy = Random(batch * shape.OutputSize, 4);
            var y = new float[dy.Length];
            Pooling.AverageForward(x, y, batch, shape);
            var planeIn = h * w;
            for (var o = 0; o < y.Length; o++)
            {
                var (plane, oy, ox) = (o / (shape.OutHeight * shape.OutWidth), o / shape.OutWidth % shape.OutHeight, o % shape.OutWidth);
                var sum = 0.0;
                for (var i = 0; i < size; i++)
                {
                    for (var j = 0; j < size; j++)
                    {
                        sum += x[(plane * planeIn) + (((oy * stride) + i) * w) + (ox * stride) + j];
                    }
                }

                Assert.Equal(sum / (size * size), y[o], 1e-6);
            }

            var dx = new float[x.Length];
            Pooling.AverageBackward(dy, dx, batch, shape);
            Assert.Equal(Dot(y, dy), Dot(x, dx), 1e-4);
        }
    }

    [Fact]
    public void WindowsThatDoNotFitAndBadIndicesAreRejected()
    {
        Assert.Equal("Size", Assert.Throws<ArgumentOutOfRangeException>(() => new PoolShape(1, 3, 5, 4).Validate()).ParamName);
        Assert.Equal("Stride", Assert.Throws<ArgumentOutOfRangeException>(() => new PoolShape(1, 3, 5, 2, -1).Validate()).ParamName);
        var shape = new PoolShape(1, 2, 2, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => Pooling.MaxBackward(new float[1], new[] { 4 }, new float[4], 1, shape));
    }

    [Theory]
    [InlineData(20, 24, 24, 2, 2, 60)]
    [InlineData(50, 8, 8, 2, 2, 60)]
    [InlineData(3, 31, 29, 3, 2, 37)]
    [InlineData(7, 33, 35, 2, 2, 41)]
    public void MaxPoolResultsDoNotDependOnTheThreadCount(int c, int h, int w, int size, int stride, int batch)
    {
        // Large enough batches that the planes are shared out among threads (in ranges that do not divide the planes).
        var shape = new PoolShape(c, h, w, size, stride);
        var x = Random(batch * shape.InputSize, 5);
        var dy = Random(batch * shape.OutputSize, 6);
        var saved = Gemm.MaxDegreeOfParallelism;
        try
        {
            Gemm.MaxDegreeOfParallelism = 1;
            var one = Pass(x, dy, batch, shape);
            foreach (var threads in new[] { 2, 4, 3 })
            {
                Gemm.MaxDegreeOfParallelism = threads;
                var other = Pass(x, dy, batch, shape);
                Assert.Equal(one.Y, other.Y);
                Assert.Equal(one.Argmax, other.Argmax);
                Assert.Equal(one.Dx, other.Dx);
            }

            // The shared-out planes route every gradient to its window's maximum (not only the same thing every time).
            Gemm.MaxDegreeOfParallelism = 2;
            var two = Pass(x, dy, batch, shape);
            var planeIn = h * w;
            var expected = new double[x.Length];
            for (var o = 0; o < two.Y.Length; o++)
            {
                var plane = o / (shape.OutHeight * shape.OutWidth);
                Assert.Equal(x[(plane * planeIn) + two.Argmax[o]], two.Y[o]);
                expected[(plane * planeIn) + two.Argmax[o]] += dy[o];
            }

            for (var i = 0; i < x.Length; i++)
            {
                Assert.Equal(expected[i], two.Dx[i], 1e-5);
            }

            // Neither pass allocates, shared out or not.
            var before = GC.GetAllocatedBytesForCurrentThread();
            Pooling.MaxForward(x, two.Y, two.Argmax, batch, shape);
            Pooling.MaxBackward(dy, two.Argmax, two.Dx, batch, shape);
            Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        }
        finally
        {
            Gemm.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void ABadIndexSharedOutToAWorkerIsReportedByTheCaller()
    {
        var shape = new PoolShape(20, 24, 24, 2);
        const int batch = 60;
        var argmax = new int[batch * shape.OutputSize];
        argmax[^1] = shape.InHeight * shape.InWidth;
        var saved = Gemm.MaxDegreeOfParallelism;
        try
        {
            Gemm.MaxDegreeOfParallelism = 2;
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => Pooling.MaxBackward(new float[argmax.Length], argmax, new float[batch * shape.InputSize], batch, shape));
            Assert.Equal("argmax", e.ParamName);
        }
        finally
        {
            Gemm.MaxDegreeOfParallelism = saved;
        }
    }

    private static (float[] Y, int[] Argmax, float[] Dx) Pass(float[] x, float[] dy, int batch, PoolShape shape)
    {
        var y = new float[batch * shape.OutputSize];
        var argmax = new int[y.Length];
        Pooling.MaxForward(x, y, argmax, batch, shape);
        var dx = Enumerable.Repeat(7f, x.Length).ToArray();
        Pooling.MaxBackward(dy, argmax, dx, batch, shape);
        return (y, argmax, dx);
    }

    private static double Dot(float[] a, float[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }

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
