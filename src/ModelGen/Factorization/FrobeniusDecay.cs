using System;
using System.Buffers;
using System.Collections.Generic;
using System.Numerics.Tensors;
using ModelGen.Kernels;
using ModelGen.Model;

namespace ModelGen.Factorization;

/// <summary>
/// Frobenius decay (Khodak et al. 2021): the penalty P = Σ (λ/2)‖U·Vt‖²_F over a network's factorized layers, which
/// regularizes the product the layer computes with rather than each factor (weight decay on U and Vt penalizes
/// ‖U‖² + ‖Vt‖², which depends on how the product is split between them).
/// </summary>
/// <remarks>
/// Everything goes through the r×r Gram matrices G = UᵀU and H = Vt·Vtᵀ, never the [out, in] product:
/// ‖U·Vt‖²_F = tr(Vtᵀ UᵀU Vt) = tr(G H), ∂P/∂U = λ U H and ∂P/∂Vt = λ G Vt, so a layer costs
/// O(r²·(out + in)) instead of O(r·out·in). An instance bound to a network keeps the Gram buffers and adds the
/// gradient without allocating (<see cref="Apply"/>, shaped for a trainer's before-optimizer-step hook); the static
/// methods do the same for a one-off call with pooled buffers. When masks are active on factors, the optimizer masks
/// the summed gradient afterwards as it does every gradient, and masked factor entries are zero in the parameters,
/// so the penalty is that of the product the network computes with.
/// </remarks>
public sealed class FrobeniusDecay
{
    private readonly ParameterSet _parameters;
    private readonly FactorPair[] _pairs;
    private readonly float[] _gramU;
    private readonly float[] _gramVt;

    /// <summary>Binds Frobenius decay of strength <paramref name="lambda"/> to <paramref name="network"/>'s factorized layers.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lambda"/> is negative or not finite.</exception>
    /// <exception cref="ArgumentException">A factorized layer's tensors are missing or do not match its shape.</exception>
    public FrobeniusDecay(INetwork network, float lambda)
        : this(Required(network).Parameters, network.Layers, lambda)
    {
    }

    /// <summary>Binds Frobenius decay of strength <paramref name="lambda"/> to the factorized layers among <paramref name="layers"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lambda"/> is negative or not finite.</exception>
    /// <exception cref="ArgumentException">A factorized layer's tensors are missing or do not match its shape.</exception>
    public FrobeniusDecay(ParameterSet parameters, IReadOnlyList<LayerInfo> layers, float lambda)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(layers);
        CheckLambda(lambda);
        _parameters = parameters;
        _pairs = FindPairs(parameters, layers, out var maxRank);
        _gramU = new float[maxRank * maxRank];
        _gramVt = new float[maxRank * maxRank];
        Lambda = lambda;
    }

    /// <summary>The decay strength λ.</summary>
    public float Lambda { get; }

    /// <summary>Number of factorized layers the penalty covers (0 makes <see cref="Apply"/> a no-op).</summary>
    public int FactorizedLayerCount => _pairs.Length;

    /// <summary>The penalty at the parameters the last <see cref="Apply"/> saw (for logging next to the loss).</summary>
    public float LastPenalty { get; private set; }

    /// <summary>
    /// Adds ∂P/∂U and ∂P/∂Vt to the bound network's gradients and records the penalty in <see cref="LastPenalty"/>.
    /// Call after the backward pass and before the optimizer step. Allocates nothing.
    /// </summary>
    /// <param name="parameters">The bound network's parameter set (the hook's argument).</param>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> is not the set this instance is bound to.</exception>
    public void Apply(ParameterSet parameters)
    {
        CheckBound(parameters);
        LastPenalty = Run(_parameters, _pairs, Lambda, _gramU, _gramVt, addGradient: true);
    }

    /// <summary>The current penalty Σ (λ/2)‖U·Vt‖²_F of the bound network, without touching gradients. Allocates nothing.</summary>
    public float ComputePenalty() => Run(_parameters, _pairs, Lambda, _gramU, _gramVt, addGradient: false);

    /// <summary>
    /// The penalty Σ (λ/2)‖U·Vt‖²_F over the factorized layers among <paramref name="layers"/>, computed as
    /// (λ/2)·tr((UᵀU)(Vt·Vtᵀ)). Plain layers contribute nothing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lambda"/> is negative or not finite.</exception>
    /// <exception cref="ArgumentException">A factorized layer's tensors are missing or do not match its shape.</exception>
    public static float Penalty(ParameterSet parameters, IReadOnlyList<LayerInfo> layers, float lambda) =>
        RunPooled(parameters, layers, lambda, addGradient: false);

    /// <summary>
    /// Adds ∂P/∂U = λ U (Vt·Vtᵀ) and ∂P/∂Vt = λ (UᵀU) Vt to the factors' gradients for every factorized layer among
    /// <paramref name="layers"/>; other gradients are untouched. Buffers come from a pool; bind an instance for a
    /// training loop.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lambda"/> is negative or not finite.</exception>
    /// <exception cref="ArgumentException">A factorized layer's tensors are missing or do not match its shape.</exception>
    public static void AddGradient(ParameterSet parameters, IReadOnlyList<LayerInfo> layers, float lambda) =>
        RunPooled(parameters, layers, lambda, addGradient: true);

    private static float RunPooled(ParameterSet parameters, IReadOnlyList<LayerInfo> layers, float lambda, bool addGradient)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(layers);
        CheckLambda(lambda);
        var pairs = FindPairs(parameters, layers, out var maxRank);
        var length = maxRank * maxRank;
        var gramU = ArrayPool<float>.Shared.Rent(length);
        var gramVt = ArrayPool<float>.Shared.Rent(length);
        try
        {
            return Run(parameters, pairs, lambda, gramU, gramVt, addGradient);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(gramU);
            ArrayPool<float>.Shared.Return(gramVt);
        }
    }

    private static float Run(ParameterSet parameters, FactorPair[] pairs, float lambda, float[] gramUBuffer, float[] gramVtBuffer, bool addGradient)
    {
        double penalty = 0;
        foreach (var pair in pairs)
        {
            var rank = pair.Rank;
            var u = parameters.Values.AsSpan(pair.UOffset, pair.Rows * rank);
            var vt = parameters.Values.AsSpan(pair.VtOffset, rank * pair.Cols);
            var gramU = gramUBuffer.AsSpan(0, rank * rank);
            var gramVt = gramVtBuffer.AsSpan(0, rank * rank);

            // G = UᵀU ([out, r]ᵀ·[out, r]) and H = Vt·Vtᵀ ([r, in]·[r, in]ᵀ), both r×r and symmetric.
            Gemm.MultiplyTransposedA(u, u, gramU, rank, rank, pair.Rows);
            Gemm.MultiplyTransposedB(vt, vt, gramVt, rank, rank, pair.Cols);

            // tr(G H) = Σᵢⱼ Gᵢⱼ Hⱼᵢ = Σᵢⱼ Gᵢⱼ Hᵢⱼ since H is symmetric.
            penalty += 0.5 * lambda * TensorPrimitives.Dot(gramU, gramVt);
            if (!addGradient)
            {
                continue;
            }

            // Scale the small matrices rather than the large products: λ U H = U (λH), λ G Vt = (λG) Vt.
            TensorPrimitives.Multiply(gramU, lambda, gramU);
            TensorPrimitives.Multiply(gramVt, lambda, gramVt);
            var gradU = parameters.Gradients.AsSpan(pair.UOffset, pair.Rows * rank);
            var gradVt = parameters.Gradients.AsSpan(pair.VtOffset, rank * pair.Cols);
            Gemm.Multiply(u, gramVt, gradU, pair.Rows, rank, rank, accumulate: true);
            Gemm.Multiply(gramU, vt, gradVt, rank, pair.Cols, rank, accumulate: true);
        }

        return (float)penalty;
    }

    private static FactorPair[] FindPairs(ParameterSet parameters, IReadOnlyList<LayerInfo> layers, out int maxRank)
    {
        var count = 0;
        foreach (var layer in layers)
        {
            ArgumentNullException.ThrowIfNull(layer, nameof(layers));
            if (layer.Kind == LayerKind.FactorizedDense)
            {
                count++;
            }
        }

        var pairs = new FactorPair[count];
        var next = 0;
        maxRank = 0;
        foreach (var layer in layers)
        {
            if (layer.Kind != LayerKind.FactorizedDense)
            {
                continue;
            }

            var (u, vt, _) = FactorizedLayers.Resolve(parameters, layer);
            pairs[next++] = new FactorPair(u.Offset, vt.Offset, layer.OutputSize, layer.Rank, layer.InputSize);
            maxRank = Math.Max(maxRank, layer.Rank);
        }

        return pairs;
    }

    private void CheckBound(ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!ReferenceEquals(parameters, _parameters))
        {
            throw new ArgumentException("This FrobeniusDecay is bound to another network's parameter set.", nameof(parameters));
        }
    }

    private static void CheckLambda(float lambda)
    {
        if (!float.IsFinite(lambda) || lambda < 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "The Frobenius decay strength must be finite and non-negative.");
        }
    }

    private static INetwork Required(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network;
    }

    /// <summary>Where one layer's factors live in the flat arrays: U [Rows, Rank] and Vt [Rank, Cols].</summary>
    private readonly record struct FactorPair(int UOffset, int VtOffset, int Rows, int Rank, int Cols);
}
