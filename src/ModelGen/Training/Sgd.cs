using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ModelGen.Model;

namespace ModelGen.Training;

/// <summary>
/// Stochastic gradient descent with the semantics of <c>torch.optim.SGD</c> (no dampening, no Nesterov):
/// with weight decay λ the gradient becomes g + λ·w (coupled L2); with momentum μ the buffer is b = μ·b + g
/// (b = g on the first step after construction or <see cref="Reset"/>) and the update w ← w − lr·b; without
/// momentum w ← w − lr·g.
/// </summary>
public sealed partial class Sgd : IOptimizer
{
    private readonly ParameterSegments _segments;
    private readonly float[]? _momentumBuffer;
    private bool _hasMomentumBuffer;
    private float _learningRate;
    private int _maskedVersion = -1;

    /// <summary>Creates the optimizer for <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="learningRate">Step size (positive, finite).</param>
    /// <param name="momentum">Momentum factor μ in [0, 1); 0 disables the buffer.</param>
    /// <param name="weightDecay">Coupled L2 coefficient λ ≥ 0 added to the gradient as λ·w.</param>
    /// <param name="decayFilter">Which tensors get weight decay; all when null (PyTorch's default).</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range.</exception>
    public Sgd(ParameterSet parameters, float learningRate, float momentum = 0f, float weightDecay = 0f, Func<ParameterTensor, bool>? decayFilter = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        OptimizerChecks.LearningRate(learningRate);
        OptimizerChecks.UnitInterval(momentum, nameof(momentum));
        OptimizerChecks.WeightDecay(weightDecay);
        Parameters = parameters;
        _learningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
        _segments = new ParameterSegments(parameters, decayFilter);
        _momentumBuffer = momentum > 0f ? new float[parameters.Count] : null;
    }

    /// <inheritdoc />
    public string Name => "sgd";

    /// <inheritdoc />
    public ParameterSet Parameters { get; }

    /// <inheritdoc />
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            OptimizerChecks.LearningRate(value);
            _learningRate = value;
        }
    }

    /// <summary>Momentum factor μ.</summary>
    public float Momentum { get; }

    /// <summary>Coupled L2 coefficient λ.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc />
    public void Step(MaskSet masks)
    {
        OptimizerChecks.Masks(masks, Parameters);
        var values = Parameters.Values;
        var gradients = Parameters.Gradients;
        var plan = masks.UpdatePlan;
        if (plan.HasSparse)
        {
            StepSparse(plan, masks);
            _hasMomentumBuffer = true;
            return;
        }

        for (var s = 0; s < _segments.Count; s++)
        {
            var start = _segments.Start(s);
            var length = _segments.Length(s);
            var decay = _segments.IsDecayed(s) ? WeightDecay : 0f;
            var w = values.AsSpan(start, length);
            var g = gradients.AsSpan(start, length);
            if (_momentumBuffer is null)
            {
                UpdatePlain(w, g, decay, _learningRate);
            }
            else
            {
                UpdateMomentum(w, g, _momentumBuffer.AsSpan(start, length), decay, Momentum, _learningRate, _hasMomentumBuffer);
            }
        }

        _hasMomentumBuffer = true;
        masks.ApplyTo(values);
    }

    /// <inheritdoc />
    public void Reset()
    {
        if (_momentumBuffer is not null)
        {
            Array.Clear(_momentumBuffer);
        }

        _hasMomentumBuffer = false;
        _maskedVersion = -1;
    }

    // Tensors that run sparse are updated at their kept positions only (the scalar form of the same update, equal to
    // the vector body bit for bit); the whole mask is applied once per mask version, then only to dense pieces with
    // removed entries. Removed weights are zero and their momentum is never read.
    private void StepSparse(SparseUpdatePlan plan, MaskSet masks)
    {
        var values = Parameters.Values;
        var gradients = Parameters.Gradients;
        var negativeRate = -_learningRate;
        for (var piece = 0; piece < plan.Count; piece++)
        {
            var start = plan.Starts[piece];
            var decay = _segments.IsDecayedAt(start) ? WeightDecay : 0f;
            if (plan.Kept[piece] is { } kept)
            {
                foreach (var i in kept)
                {
                    var gi = decay != 0f ? MathF.FusedMultiplyAdd(decay, values[i], gradients[i]) : gradients[i];
                    if (_momentumBuffer is not null)
                    {
                        ref var bi = ref _momentumBuffer[i];
                        bi = _hasMomentumBuffer ? MathF.FusedMultiplyAdd(Momentum, bi, gi) : gi;
                        gi = bi;
                    }

                    values[i] = MathF.FusedMultiplyAdd(negativeRate, gi, values[i]);
                }

                continue;
            }

            var length = plan.Lengths[piece];
            var w = values.AsSpan(start, length);
            var g = gradients.AsSpan(start, length);
            if (_momentumBuffer is null)
            {
                UpdatePlain(w, g, decay, _learningRate);
            }
            else
            {
                UpdateMomentum(w, g, _momentumBuffer.AsSpan(start, length), decay, Momentum, _learningRate, _hasMomentumBuffer);
            }

            if (plan.Masked[piece] && _maskedVersion == masks.Version)
            {
                TensorPrimitives.Multiply(w, masks.Values.Slice(start, length), w);
            }
        }

        if (_maskedVersion != masks.Version)
        {
            masks.ApplyTo(values);
            _maskedVersion = masks.Version;
        }
    }

    // w ← w − lr·(g + λ·w), one fused pass. The same operations in the same order in the vector body and the scalar
    // tail (FMA in both), so an element's result does not depend on where it falls.
    private static void UpdatePlain(Span<float> w, ReadOnlySpan<float> g, float decay, float learningRate)
    {
        ref var wr = ref MemoryMarshal.GetReference(w);
        ref var gr = ref MemoryMarshal.GetReference(g);
        var n = w.Length;
        var i = 0;
        var negativeRate = -learningRate;
        if (Vector256.IsHardwareAccelerated)
        {
            var vDecay = Vector256.Create(decay);
            var vRate = Vector256.Create(negativeRate);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var wv = Vector256.LoadUnsafe(ref wr, (nuint)i);
                var gv = Vector256.LoadUnsafe(ref gr, (nuint)i);
                if (decay != 0f)
                {
                    gv = Vector256.FusedMultiplyAdd(vDecay, wv, gv);
                }

                Vector256.FusedMultiplyAdd(vRate, gv, wv).StoreUnsafe(ref wr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            ref var wi = ref Unsafe.Add(ref wr, i);
            var gi = Unsafe.Add(ref gr, i);
            if (decay != 0f)
            {
                gi = MathF.FusedMultiplyAdd(decay, wi, gi);
            }

            wi = MathF.FusedMultiplyAdd(negativeRate, gi, wi);
        }
    }

    // d = g + λ·w; b ← first ? d : μ·b + d; w ← w − lr·b.
    private static void UpdateMomentum(Span<float> w, ReadOnlySpan<float> g, Span<float> b, float decay, float momentum, float learningRate, bool hasBuffer)
    {
        ref var wr = ref MemoryMarshal.GetReference(w);
        ref var gr = ref MemoryMarshal.GetReference(g);
        ref var br = ref MemoryMarshal.GetReference(b);
        var n = w.Length;
        var i = 0;
        var negativeRate = -learningRate;
        if (Vector256.IsHardwareAccelerated)
        {
            var vDecay = Vector256.Create(decay);
            var vRate = Vector256.Create(negativeRate);
            var vMomentum = Vector256.Create(momentum);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var wv = Vector256.LoadUnsafe(ref wr, (nuint)i);
                var gv = Vector256.LoadUnsafe(ref gr, (nuint)i);
                if (decay != 0f)
                {
                    gv = Vector256.FusedMultiplyAdd(vDecay, wv, gv);
                }

                var bv = hasBuffer ? Vector256.FusedMultiplyAdd(vMomentum, Vector256.LoadUnsafe(ref br, (nuint)i), gv) : gv;
                bv.StoreUnsafe(ref br, (nuint)i);
                Vector256.FusedMultiplyAdd(vRate, bv, wv).StoreUnsafe(ref wr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            ref var wi = ref Unsafe.Add(ref wr, i);
            ref var bi = ref Unsafe.Add(ref br, i);
            var gi = Unsafe.Add(ref gr, i);
            if (decay != 0f)
            {
                gi = MathF.FusedMultiplyAdd(decay, wi, gi);
            }

            bi = hasBuffer ? MathF.FusedMultiplyAdd(momentum, bi, gi) : gi;
            wi = MathF.FusedMultiplyAdd(negativeRate, bi, wi);
        }
    }
}
