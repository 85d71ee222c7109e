using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

public class ActivationKernelsTests
{
    public enum Kind
    {
        Relu,
        Tanh,
        Sigmoid,
    }

    // Lengths below, at and around the 8-lane vector width so both the vector loop and the scalar tail run.
    public static TheoryData<Kind, int> Cases()
    {
        var data = new TheoryData<Kind, int>();
        foreach (var kind in new[] { Kind.Relu, Kind.Tanh, Kind.Sigmoid })
        {
            foreach (var length in new[] { 1, 7, 8, 9, 33 })
            {
                data.Add(kind, length);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesDoublePrecisionFunction(Kind kind, int length)
    {
        var a = PreActivations(kind, length, seed: 1);
        var y = (float[])a.Clone();
        Forward(kind, y);
        for (var i = 0; i < length; i++)
        {
            // TensorPrimitives' tanh and sigmoid are within a few ulps of the exact value; 1e-6 on outputs in
            // (−1, 1) allows ~16 ulps, while a wrong formula is off by orders of magnitude more.
            Assert.True(Math.Abs(y[i] - Exact(kind, a[i])) <= 1e-6, $"{kind}[{i}]: f({a[i]}) = {y[i]}, expected {Exact(kind, a[i])}.");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesFiniteDifferenceDerivative(Kind kind, int length)
    {
        var a = PreActivations(kind, length, seed: 2);
        var upstream = RandomValues(length, seed: 3);
        var y = (float[])a.Clone();
        Forward(kind, y);
        var grad = (float[])upstream.Clone();
        Backward(kind, y, grad);
        for (var i = 0; i < length; i++)
        {
            // Central difference of the exact function in double: truncation ~h²·|f'''|/6 ≈ 1e-11 and rounding
            // ~1e-16/h ≈ 1e-11, so the reference is exact to float precision. The kernel works from the float
            // output y, whose rounding (≤ 6e-8) moves f' = 1 − y² or y(1 − y) by at most ~1.2e-7.
            const double h = 1e-5;
            var derivative = (Exact(kind, a[i] + h) - Exact(kind, a[i] - h)) / (2 * h);
            var expected = upstream[i] * derivative;
            Assert.True(Math.Abs(grad[i] - expected) <= 5e-7 * (1 + Math.Abs(upstream[i])), $"{kind}[{i}]: {grad[i]}, expected {expected}.");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardWithRMatchesFiniteDifferenceOfBackward(Kind kind, int length)
    {
        // Along the direction (R{a}, R{δh}) = (rPre, rUpstream), the backward output δa(t) = f'(a + t·rPre)·(δh + t·rUpstream)
        // has derivative f''(a)·rPre·δh + f'(a)·rUpstream at t = 0, which is what the R pass must return.
        var a = PreActivations(kind, length, seed: 4);
        var rPre = RandomValues(length, seed: 5);
        var upstream = RandomValues(length, seed: 6);
        var rUpstream = RandomValues(length, seed: 7);

        var y = (float[])a.Clone();
        Forward(kind, y);
        var grad = (float[])upstream.Clone();
        var rGrad = (float[])rUpstream.Clone();
        BackwardWithR(kind, y, rPre, grad, rGrad);

        var plainGrad = (float[])upstream.Clone();
        Backward(kind, y, plainGrad);
        Assert.Equal(plainGrad, grad);

        // The float kernels are differenced at step h = 3e-3: rounding of outputs ≈ 1 contributes ~6e-8/h ≈ 2e-5,
        // truncation h²·|third derivative|/6 ≈ 1e-5 at most; 1e-4 leaves margin and is still far below the size of
        // a missing f'' term (|f''|·|rPre|·|δh| up to ~0.4).
        const float h = 3e-3f;
        var plus = Perturbed(kind, a, rPre, upstream, rUpstream, h);
        var minus = Perturbed(kind, a, rPre, upstream, rUpstream, -h);
        for (var i = 0; i < length; i++)
        {
            var expected = ((double)plus[i] - minus[i]) / (2 * h);
            Assert.True(Math.Abs(rGrad[i] - expected) <= 1e-4 * (1 + Math.Abs(expected)), $"{kind}[{i}]: R = {rGrad[i]}, finite difference {expected}.");
        }
    }

    [Fact]
    public void ReluBackwardStopsGradientAtDeadUnitsEvenWhenInfinite()
    {
        float[] y = [0f, 2f, 0f];
        float[] grad = [float.PositiveInfinity, 3f, -1f];
        ActivationKernels.ReluBackward(y, grad);
        Assert.Equal(new[] { 0f, 3f, 0f }, grad);
    }

    [Fact]
    public void MismatchedLengthsNameTheArgument()
    {
        var error = Assert.Throws<ArgumentException>(() => ActivationKernels.TanhBackward(new float[4], new float[5]));
        Assert.Equal("grad", error.ParamName);
        Assert.Contains("length 5", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected 4", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<ArgumentException>(() => ActivationKernels.SigmoidBackwardWithR(new float[4], new float[3], new float[4], new float[4]));
        Assert.Equal("rPre", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => ActivationKernels.ReluBackwardWithR(new float[4], new float[4], new float[4], new float[2]));
        Assert.Equal("rGrad", error.ParamName);
    }

    private static float[] Perturbed(Kind kind, float[] a, float[] rPre, float[] upstream, float[] rUpstream, float t)
    {
        var y = new float[a.Length];
        var grad = new float[a.Length];
        for (var i = 0; i < a.Length; i++)
        {
            y[i] = a[i] + (t * rPre[i]);
            grad[i] = upstream[i] + (t * rUpstream[i]);
        }

        Forward(kind, y);
        Backward(kind, y, grad);
        return grad;
    }

    private static float[] PreActivations(Kind kind, int length, int seed)
    {
        var values = RandomValues(length, seed);
        for (var i = 0; i < length; i++)
        {
            values[i] *= 2.5f;

            // ReLU is not differentiable at 0: keep pre-activations (and the ±h·rPre probes) clear of the kink.
            if (kind == Kind.Relu && Math.Abs(values[i]) < 0.05f)
            {
                values[i] = values[i] < 0 ? -0.05f : 0.05f;
            }
        }

        return values;
    }

    private static float[] RandomValues(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    private static double Exact(Kind kind, double a) => kind switch
    {
        Kind.Relu => Math.Max(a, 0),
        Kind.Tanh => Math.Tanh(a),
        _ => 1 / (1 + Math.Exp(-a)),
    };

    private static void Forward(Kind kind, float[] x)
    {
        switch (kind)
        {
            case Kind.Relu: ActivationKernels.ReluForward(x); break;
            case Kind.Tanh: ActivationKernels.TanhForward(x); break;
            default: ActivationKernels.SigmoidForward(x); break;
        }
    }

    private static void Backward(Kind kind, float[] y, float[] grad)
    {
        switch (kind)
        {
            case Kind.Relu: ActivationKernels.ReluBackward(y, grad); break;
            case Kind.Tanh: ActivationKernels.TanhBackward(y, grad); break;
            default: ActivationKernels.SigmoidBackward(y, grad); break;
        }
    }

    private static void BackwardWithR(Kind kind, float[] y, float[] rPre, float[] grad, float[] rGrad)
    {
        switch (kind)
        {
            case Kind.Relu: ActivationKernels.ReluBackwardWithR(y, rPre, grad, rGrad); break;
            case Kind.Tanh: ActivationKernels.TanhBackwardWithR(y, rPre, grad, rGrad); break;
            default: ActivationKernels.SigmoidBackwardWithR(y, rPre, grad, rGrad); break;
        }
    }
}
