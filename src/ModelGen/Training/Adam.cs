using System;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ModelGen.Model;

namespace ModelGen.Training;

/// <summary>
/// Adam (Kingma and Ba 2015) with the semantics of <c>torch.optim.Adam</c> (amsgrad off): with weight decay λ the
/// gradient becomes g + λ·w (coupled L2, not AdamW); m ← β₁·m + (1−β₁)·g; v ← β₂·v + (1−β₂)·g²; at step t
/// w ← w − lr/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε).
/// </summary>
public sealed partial class Adam : IOptimizer
{
    private readonly ParameterSegments _segments;
    private readonly float[] _firstMoment;
    private readonly float[] _secondMoment;
    private float _learningRate;
    private int _maskedVersion = -1;

    // The moments of sparse pieces, compacted in kept order for the plan they were gathered for (null: none), so that a
    // step reads and writes them sequentially; the full arrays are brought up to date by FlushCompactMoments.
    private SparseUpdatePlan? _compactPlan;
    private float[]?[] _compactFirst = [];
    private float[]?[] _compactSecond = [];

    /// <summary>Creates the optimizer for <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="learningRate">Step size (positive, finite).</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator (positive).</param>
    /// <param name="weightDecay">Coupled L2 coefficient λ ≥ 0 added to the gradient as λ·w.</param>
    /// <param name="decayFilter">Which tensors get weight decay; all when null (PyTorch's default).</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range.</exception>
    public Adam(ParameterSet parameters, float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f, Func<ParameterTensor, bool>? decayFilter = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        OptimizerChecks.LearningRate(learningRate);
        OptimizerChecks.UnitInterval(beta1, nameof(beta1));
        OptimizerChecks.UnitInterval(beta2, nameof(beta2));
        if (!(epsilon > 0f) || !float.IsFinite(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive and finite.");
        }

        OptimizerChecks.WeightDecay(weightDecay);
        Parameters = parameters;
        _learningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        _segments = new ParameterSegments(parameters, decayFilter);
        _firstMoment = new float[parameters.Count];
        _secondMoment = new float[parameters.Count];
    }

    /// <inheritdoc />
    public string Name => "adam";

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

    /// <summary>Decay of the first moment β₁.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second moment β₂.</summary>
    public float Beta2 { get; }

    /// <summary>Denominator term ε.</summary>
    public float Epsilon { get; }

    /// <summary>Coupled L2 coefficient λ.</summary>
    public float WeightDecay { get; }

    /// <summary>Steps taken since construction or the last <see cref="Reset"/> (t in the bias corrections).</summary>
    public int StepCount { get; private set; }

    /// <inheritdoc />
    public void Step(MaskSet masks)
    {
        OptimizerChecks.Masks(masks, Parameters);
        StepCount++;

        // Bias corrections in double, as PyTorch computes them from the Python-float step count.
        var correction1 = 1.0 - Math.Pow(Beta1, StepCount);
        var correction2Sqrt = Math.Sqrt(1.0 - Math.Pow(Beta2, StepCount));
        var coefficients = new Coefficients(
            Beta1: Beta1,
            OneMinusBeta1: 1f - Beta1,
            Beta2: Beta2,
            OneMinusBeta2: 1f - Beta2,
            InverseCorrection2Sqrt: (float)(1.0 / correction2Sqrt),
            Epsilon: Epsilon,
            NegativeStepSize: (float)(-_learningRate / correction1));

        var values = Parameters.Values;
        var gradients = Parameters.Gradients;
        var plan = masks.UpdatePlan;
        if (plan.HasSparse)
        {
            StepSparse(plan, masks, coefficients);
            return;
        }

        FlushCompactMoments();
        _compactPlan = null;

        for (var s = 0; s < _segments.Count; s++)
        {
            var start = _segments.Start(s);
            var length = _segments.Length(s);
            var decay = _segments.IsDecayed(s) ? WeightDecay : 0f;
            Update(
                values.AsSpan(start, length),
                gradients.AsSpan(start, length),
                _firstMoment.AsSpan(start, length),
                _secondMoment.AsSpan(start, length),
                decay,
                coefficients);
        }

        masks.ApplyTo(values);
    }

    /// <inheritdoc />
    public void Reset()
    {
        _maskedVersion = -1;
        _compactPlan = null;
        Array.Clear(_firstMoment);
        Array.Clear(_secondMoment);
        StepCount = 0;
    }

    // Tensors that run sparse are updated at their kept positions only, with the scalar form of the same update (which
    // gives the vector body's result bit for bit): removed weights are zero, their gradients are not read, and their
    // moments stay what they were (zero when the mask came before training). The whole mask is applied once per mask
    // version, after that only to the dense pieces that have removed entries.
    private void StepSparse(SparseUpdatePlan plan, MaskSet masks, in Coefficients coefficients)
    {
        var values = Parameters.Values;
        var gradients = Parameters.Gradients;
        CompactMoments(plan);
        for (var piece = 0; piece < plan.Count; piece++)
        {
            var start = plan.Starts[piece];
            var decay = _segments.IsDecayedAt(start) ? WeightDecay : 0f;
            if (plan.Kept[piece] is { } kept)
            {
                UpdateKept(kept, values, gradients, _compactFirst[piece]!, _compactSecond[piece]!, decay, coefficients);
            }
            else
            {
                var length = plan.Lengths[piece];
                Update(values.AsSpan(start, length), gradients.AsSpan(start, length), _firstMoment.AsSpan(start, length), _secondMoment.AsSpan(start, length), decay, coefficients);
                if (plan.Masked[piece] && _maskedVersion == masks.Version)
                {
                    TensorPrimitives.Multiply(values.AsSpan(start, length), masks.Values.Slice(start, length), values.AsSpan(start, length));
                }
            }
        }

        if (_maskedVersion != masks.Version)
        {
            masks.ApplyTo(values);
            _maskedVersion = masks.Version;
        }
    }

    // Gathers the moments of the plan's sparse pieces into kept order (after writing back those of an earlier plan).
    private void CompactMoments(SparseUpdatePlan plan)
    {
        if (ReferenceEquals(plan, _compactPlan))
        {
            return;
        }

        FlushCompactMoments();
        _compactFirst = new float[]?[plan.Count];
        _compactSecond = new float[]?[plan.Count];
        for (var piece = 0; piece < plan.Count; piece++)
        {
            if (plan.Kept[piece] is { } kept)
            {
                var first = _compactFirst[piece] = new float[kept.Length];
                var second = _compactSecond[piece] = new float[kept.Length];
                for (var k = 0; k < kept.Length; k++)
                {
                    first[k] = _firstMoment[kept[k]];
                    second[k] = _secondMoment[kept[k]];
                }
            }
        }

        _compactPlan = plan;
    }

    // Writes the compacted moments back to their positions in the full arrays (which then hold the whole state again).
    private void FlushCompactMoments()
    {
        if (_compactPlan is not { } plan)
        {
            return;
        }

        for (var piece = 0; piece < plan.Count; piece++)
        {
            if (plan.Kept[piece] is { } kept)
            {
                var first = _compactFirst[piece]!;
                var second = _compactSecond[piece]!;
                for (var k = 0; k < kept.Length; k++)
                {
                    _firstMoment[kept[k]] = first[k];
                    _secondMoment[kept[k]] = second[k];
                }
            }
        }
    }

    // How many kept positions ahead UpdateKept asks for the cache lines of w and g. The positions ascend but skip lines
    // irregularly, and at 90% sparsity the gathers touch about 11k lines of fc1's W and as many of its gradient, more
    // than L2 holds next to the step's activations. Measured on this machine (A/B in one process, each step after a
    // dense network's step, as bench interleaves them): 32 or 64 ahead about 8% faster at 90%, 3% at 98%; 128 no better.
    private const int PrefetchAhead = 64;

    // The update at the listed (ascending, distinct) positions of w and g, with their moments m and v compacted in the
    // same order: eight at a time with AVX2 gathers of w and g and the vector body's operations (so √ and ÷ run
    // eight-wide, and the eight positions' cache misses overlap), scalar stores back; the scalar form for the rest.
    // Both give UpdateOne's result bit for bit.
    private static unsafe void UpdateKept(int[] kept, float[] w, float[] g, float[] m, float[] v, float decay, in Coefficients c)
    {
        var k = 0;
        if (Avx2.IsSupported && Fma.IsSupported)
        {
            var b = new VectorCoefficients(c, decay);
            var lanes = stackalloc float[8];
            fixed (int* pk = kept)
            fixed (float* pw = w, pg = g, pm = m, pv = v)
            {
                for (; k + 8 <= kept.Length; k += 8)
                {
                    if (k + PrefetchAhead + 8 <= kept.Length)
                    {
                        Sse.Prefetch0(pw + pk[k + PrefetchAhead]);
                        Sse.Prefetch0(pg + pk[k + PrefetchAhead]);
                        Sse.Prefetch0(pw + pk[k + PrefetchAhead + 4]);
                        Sse.Prefetch0(pg + pk[k + PrefetchAhead + 4]);
                    }

                    var index = Avx.LoadVector256(pk + k);
                    var mv = Avx.LoadVector256(pm + k);
                    var vv = Avx.LoadVector256(pv + k);
                    var wv = UpdateVector(Avx2.GatherVector256(pw, index, 4), Avx2.GatherVector256(pg, index, 4), ref mv, ref vv, b);
                    Avx.Store(pm + k, mv);
                    Avx.Store(pv + k, vv);
                    Avx.Store(lanes, wv);
                    var at = pk + k;
                    pw[at[0]] = lanes[0];
                    pw[at[1]] = lanes[1];
                    pw[at[2]] = lanes[2];
                    pw[at[3]] = lanes[3];
                    pw[at[4]] = lanes[4];
                    pw[at[5]] = lanes[5];
                    pw[at[6]] = lanes[6];
                    pw[at[7]] = lanes[7];
                }
            }
        }

        for (; k < kept.Length; k++)
        {
            var i = kept[k];
            UpdateOne(ref w[i], g[i], ref m[k], ref v[k], decay, c);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateOne(ref float wi, float gi, ref float mi, ref float vi, float decay, in Coefficients c)
    {
        if (decay != 0f)
        {
            gi = MathF.FusedMultiplyAdd(decay, wi, gi);
        }

        mi = MathF.FusedMultiplyAdd(c.OneMinusBeta1, gi - mi, mi);
        vi = MathF.FusedMultiplyAdd(c.OneMinusBeta2, gi * gi, c.Beta2 * vi);
        var denominator = MathF.FusedMultiplyAdd(MathF.Sqrt(vi), c.InverseCorrection2Sqrt, c.Epsilon);
        wi = MathF.FusedMultiplyAdd(c.NegativeStepSize, mi / denominator, wi);
    }

    // One fused pass over w, g, m, v. The vector body and the scalar tail perform the same operations in the same
    // order (FMA in both), so an element's result does not depend on its position. The update is bound by the
    // square root and divider, so √v̂ is formed as √v·(1/√(1−β₂ᵗ)) rather than PyTorch's division: one division per
    // element instead of two, at a difference of at most an ulp in the denominator.
    private static void Update(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float decay, in Coefficients c)
    {
        ref var wr = ref MemoryMarshal.GetReference(w);
        ref var gr = ref MemoryMarshal.GetReference(g);
        ref var mr = ref MemoryMarshal.GetReference(m);
        ref var vr = ref MemoryMarshal.GetReference(v);
        var n = w.Length;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var b = new VectorCoefficients(c, decay);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var mv = Vector256.LoadUnsafe(ref mr, (nuint)i);
                var vv = Vector256.LoadUnsafe(ref vr, (nuint)i);
                var wv = UpdateVector(Vector256.LoadUnsafe(ref wr, (nuint)i), Vector256.LoadUnsafe(ref gr, (nuint)i), ref mv, ref vv, b);
                mv.StoreUnsafe(ref mr, (nuint)i);
                vv.StoreUnsafe(ref vr, (nuint)i);
                wv.StoreUnsafe(ref wr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            UpdateOne(ref Unsafe.Add(ref wr, i), Unsafe.Add(ref gr, i), ref Unsafe.Add(ref mr, i), ref Unsafe.Add(ref vr, i), decay, c);
        }
    }

    // UpdateOne on eight lanes: the same operations in the same order. m and v come in loaded and go out updated; the
    // new weights are returned.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> UpdateVector(Vector256<float> wv, Vector256<float> gv, ref Vector256<float> mv, ref Vector256<float> vv, in VectorCoefficients b)
    {
        if (b.Decayed)
        {
            gv = Vector256.FusedMultiplyAdd(b.Decay, wv, gv);
        }

        // m ← m + (1−β₁)(g − m): PyTorch's lerp form of β₁·m + (1−β₁)·g.
        mv = Vector256.FusedMultiplyAdd(b.OneMinusBeta1, gv - mv, mv);
        vv = Vector256.FusedMultiplyAdd(b.OneMinusBeta2, gv * gv, b.Beta2 * vv);
        var denominator = Vector256.FusedMultiplyAdd(Vector256.Sqrt(vv), b.InverseCorrection2Sqrt, b.Epsilon);
        return Vector256.FusedMultiplyAdd(b.NegativeStepSize, mv / denominator, wv);
    }

    // The coefficients broadcast to eight lanes, once per piece.
    private readonly struct VectorCoefficients(in Coefficients c, float decay)
    {
        public readonly bool Decayed = decay != 0f;
        public readonly Vector256<float> Decay = Vector256.Create(decay);
        public readonly Vector256<float> OneMinusBeta1 = Vector256.Create(c.OneMinusBeta1);
        public readonly Vector256<float> Beta2 = Vector256.Create(c.Beta2);
        public readonly Vector256<float> OneMinusBeta2 = Vector256.Create(c.OneMinusBeta2);
        public readonly Vector256<float> InverseCorrection2Sqrt = Vector256.Create(c.InverseCorrection2Sqrt);
        public readonly Vector256<float> Epsilon = Vector256.Create(c.Epsilon);
        public readonly Vector256<float> NegativeStepSize = Vector256.Create(c.NegativeStepSize);
    }

    private readonly record struct Coefficients(
        float Beta1,
        float OneMinusBeta1,
        float Beta2,
        float OneMinusBeta2,
        float InverseCorrection2Sqrt,
        float Epsilon,
        float NegativeStepSize);
}
