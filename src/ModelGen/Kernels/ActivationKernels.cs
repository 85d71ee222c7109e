using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Kernels;

/// <summary>
/// Elementwise activations, their backward passes and the second-order backward pass of Pearlmutter's
/// R-operator. Derivatives are expressed through the activation's output y = f(a), which is what the forward pass
/// keeps, so no pre-activation buffer is needed: ReLU f' = [y &gt; 0], f'' = 0; tanh f' = 1 − y², f'' = −2y(1 − y²);
/// sigmoid f' = y(1 − y), f'' = y(1 − y)(1 − 2y).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)] // public for generated code in users' assemblies, hidden from their completion (as STJ hides JsonMetadataServices)
public static class ActivationKernels
{
    /// <summary>In place x = max(x, 0).</summary>
    public static void ReluForward(Span<float> x) => TensorPrimitives.Max(x, 0f, x);

    /// <summary>In place x = tanh(x).</summary>
    public static void TanhForward(Span<float> x) => TensorPrimitives.Tanh(x, x);

    /// <summary>In place x = 1 / (1 + e^−x).</summary>
    public static void SigmoidForward(Span<float> x) => TensorPrimitives.Sigmoid(x, x);

    /// <summary>grad *= f'(a) for ReLU, with f'(a) = [y &gt; 0] from the output y = relu(a).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void ReluBackward(ReadOnlySpan<float> y, Span<float> grad) => Backward<Relu>(y, grad);

    /// <summary>grad *= f'(a) for tanh, with f'(a) = 1 − y² from the output y = tanh(a).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void TanhBackward(ReadOnlySpan<float> y, Span<float> grad) => Backward<Tanh>(y, grad);

    /// <summary>grad *= f'(a) for the sigmoid, with f'(a) = y(1 − y) from the output y = σ(a).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void SigmoidBackward(ReadOnlySpan<float> y, Span<float> grad) => Backward<Sigmoid>(y, grad);

    /// <summary>
    /// R-operator backward pass through ReLU: rGrad := f'(a)·rGrad (f'' is zero away from the kink), then
    /// grad := f'(a)·grad.
    /// </summary>
    /// <param name="y">Activation output y = f(a).</param>
    /// <param name="rPre">R{a}, the directional derivative of the pre-activation (unused by ReLU, checked for shape).</param>
    /// <param name="grad">δh = ∂L/∂y on entry, ∂L/∂a on return.</param>
    /// <param name="rGrad">R{δh} on entry, R{∂L/∂a} on return.</param>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void ReluBackwardWithR(ReadOnlySpan<float> y, ReadOnlySpan<float> rPre, Span<float> grad, Span<float> rGrad) =>
        BackwardWithR<Relu>(y, rPre, grad, rGrad);

    /// <summary>
    /// R-operator backward pass through tanh: rGrad := f''(a)·rPre·grad + f'(a)·rGrad, then grad := f'(a)·grad.
    /// </summary>
    /// <param name="y">Activation output y = f(a).</param>
    /// <param name="rPre">R{a}, the directional derivative of the pre-activation.</param>
    /// <param name="grad">δh = ∂L/∂y on entry, ∂L/∂a on return.</param>
    /// <param name="rGrad">R{δh} on entry, R{∂L/∂a} on return.</param>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void TanhBackwardWithR(ReadOnlySpan<float> y, ReadOnlySpan<float> rPre, Span<float> grad, Span<float> rGrad) =>
        BackwardWithR<Tanh>(y, rPre, grad, rGrad);

    /// <summary>
    /// R-operator backward pass through the sigmoid: rGrad := f''(a)·rPre·grad + f'(a)·rGrad, then
    /// grad := f'(a)·grad.
    /// </summary>
    /// <param name="y">Activation output y = f(a).</param>
    /// <param name="rPre">R{a}, the directional derivative of the pre-activation.</param>
    /// <param name="grad">δh = ∂L/∂y on entry, ∂L/∂a on return.</param>
    /// <param name="rGrad">R{δh} on entry, R{∂L/∂a} on return.</param>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void SigmoidBackwardWithR(ReadOnlySpan<float> y, ReadOnlySpan<float> rPre, Span<float> grad, Span<float> rGrad) =>
        BackwardWithR<Sigmoid>(y, rPre, grad, rGrad);

    private static void Backward<TActivation>(ReadOnlySpan<float> y, Span<float> grad)
        where TActivation : struct, IDerivatives
    {
        KernelGuard.Length(grad.Length, y.Length, nameof(grad), "the length of y");
        ref var yRef = ref MemoryMarshal.GetReference(y);
        ref var gRef = ref MemoryMarshal.GetReference(grad);
        nuint length = (nuint)y.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= length; i += 8)
            {
                var vy = Vector256.LoadUnsafe(ref yRef, i);
                var vg = Vector256.LoadUnsafe(ref gRef, i);
                TActivation.Scale(vy, vg).StoreUnsafe(ref gRef, i);
            }
        }

        for (; i < length; i++)
        {
            ref var g = ref Unsafe.Add(ref gRef, i);
            g = TActivation.Scale(Unsafe.Add(ref yRef, i), g);
        }
    }

    private static void BackwardWithR<TActivation>(ReadOnlySpan<float> y, ReadOnlySpan<float> rPre, Span<float> grad, Span<float> rGrad)
        where TActivation : struct, IDerivatives
    {
        KernelGuard.Length(rPre.Length, y.Length, nameof(rPre), "the length of y");
        KernelGuard.Length(grad.Length, y.Length, nameof(grad), "the length of y");
        KernelGuard.Length(rGrad.Length, y.Length, nameof(rGrad), "the length of y");
        ref var yRef = ref MemoryMarshal.GetReference(y);
        ref var rPreRef = ref MemoryMarshal.GetReference(rPre);
        ref var gRef = ref MemoryMarshal.GetReference(grad);
        ref var rgRef = ref MemoryMarshal.GetReference(rGrad);
        nuint length = (nuint)y.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= length; i += 8)
            {
                var vy = Vector256.LoadUnsafe(ref yRef, i);
                var vg = Vector256.LoadUnsafe(ref gRef, i);
                var vrg = TActivation.Scale(vy, Vector256.LoadUnsafe(ref rgRef, i));
                if (TActivation.HasSecondDerivative)
                {
                    vrg += TActivation.Second(vy) * Vector256.LoadUnsafe(ref rPreRef, i) * vg;
                }

                vrg.StoreUnsafe(ref rgRef, i);
                TActivation.Scale(vy, vg).StoreUnsafe(ref gRef, i);
            }
        }

        for (; i < length; i++)
        {
            var vy = Unsafe.Add(ref yRef, i);
            ref var g = ref Unsafe.Add(ref gRef, i);
            ref var rg = ref Unsafe.Add(ref rgRef, i);
            var r = TActivation.Scale(vy, rg);
            if (TActivation.HasSecondDerivative)
            {
                r += TActivation.Second(vy) * Unsafe.Add(ref rPreRef, i) * g;
            }

            rg = r;
            g = TActivation.Scale(vy, g);
        }
    }

    /// <summary>f' (as a scaling) and f'' of an activation written through its output y; implemented by zero-size
    /// structs so the generic loops above are specialized and inlined per activation.</summary>
    private interface IDerivatives
    {
        static abstract bool HasSecondDerivative { get; }

        static abstract Vector256<float> Second(Vector256<float> y);

        static abstract float Second(float y);

        /// <summary>g·f'(a); ReLU selects instead of multiplying so that an infinite g behind a dead unit stays 0.</summary>
        static abstract Vector256<float> Scale(Vector256<float> y, Vector256<float> g);

        static abstract float Scale(float y, float g);
    }

    private readonly struct Relu : IDerivatives
    {
        public static bool HasSecondDerivative => false;

        public static Vector256<float> Second(Vector256<float> y) => Vector256<float>.Zero;

        public static float Second(float y) => 0f;

        public static Vector256<float> Scale(Vector256<float> y, Vector256<float> g) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<float>.Zero), g, Vector256<float>.Zero);

        public static float Scale(float y, float g) => y > 0f ? g : 0f;
    }

    private readonly struct Tanh : IDerivatives
    {
        public static bool HasSecondDerivative => true;

        private static Vector256<float> First(Vector256<float> y) => Vector256<float>.One - (y * y);

        private static float First(float y) => 1f - (y * y);

        public static Vector256<float> Second(Vector256<float> y) => Vector256.Create(-2f) * y * (Vector256<float>.One - (y * y));

        public static float Second(float y) => -2f * y * (1f - (y * y));

        public static Vector256<float> Scale(Vector256<float> y, Vector256<float> g) => g * First(y);

        public static float Scale(float y, float g) => g * First(y);
    }

    private readonly struct Sigmoid : IDerivatives
    {
        public static bool HasSecondDerivative => true;

        private static Vector256<float> First(Vector256<float> y) => y * (Vector256<float>.One - y);

        private static float First(float y) => y * (1f - y);

        public static Vector256<float> Second(Vector256<float> y) =>
            y * (Vector256<float>.One - y) * (Vector256<float>.One - (Vector256.Create(2f) * y));

        public static float Second(float y) => y * (1f - y) * (1f - (2f * y));

        public static Vector256<float> Scale(Vector256<float> y, Vector256<float> g) => g * First(y);

        public static float Scale(float y, float g) => g * First(y);
    }
}
