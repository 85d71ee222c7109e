using System;
using System.Collections.Generic;
using MathNet.Numerics.LinearAlgebra;
using ModelGen.Model;

namespace ModelGen.Factorization;

/// <summary>
/// Initialization of factorized layers (Khodak et al. 2021, "Initialization and Regularization of Factorized Neural
/// Layers"). Each factorized layer is initialized from its own random stream, derived from the seed and the layer's
/// index, so a layer's initial values do not depend on the other layers and the same seed always gives the same
/// values. Plain layers are left as they are (the generated constructor has already given them PyTorch's default).
/// </summary>
public static class SpectralInitializer
{
    // Salts that separate the per-layer streams: the bias stream is shared by both initializations, so spectral and
    // random runs with the same seed start from the same biases and differ only in the factors.
    private const ulong BiasStream = 0x62696173UL;     // "bias"
    private const ulong SpectralStream = 0x73766421UL; // "svd!"
    private const ulong RandomStream = 0x72616e64UL;   // "rand"

    /// <summary>
    /// Spectral initialization (the default for factorized layers). For every factorized layer: draws the full
    /// [out, in] weight W as a dense <c>nn.Linear</c> would (uniform in ±1/√in), takes its SVD W = Û Σ V̂ᵀ in double
    /// precision, and sets U = Û_r √Σ_r and Vt = √Σ_r V̂_rᵀ, so U·Vt is the best rank-r approximation of W
    /// (Eckart–Young) and both factors carry the same singular values. The bias is drawn uniform in ±1/√in.
    /// </summary>
    /// <param name="parameters">The network's parameters; only factorized layers' tensors are written.</param>
    /// <param name="layers">The network's layers, in order (the index of a layer seeds its stream).</param>
    /// <param name="seed">Seed; the same seed gives the same values.</param>
    /// <exception cref="ArgumentException">A factorized layer's tensors are missing or do not match its shape.</exception>
    public static void Initialize(ParameterSet parameters, IReadOnlyList<LayerInfo> layers, int seed)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(layers);
        for (var index = 0; index < layers.Count; index++)
        {
            var layer = layers[index];
            if (layer.Kind != LayerKind.FactorizedDense)
            {
                continue;
            }

            var (u, vt, bias) = FactorizedLayers.Resolve(parameters, layer);
            var random = new Random(SeedStreams.Derive(seed, SpectralStream, index));
            var full = DrawDenseWeight(layer, random);
            SetFactorsFromSvd(full, layer.Rank, parameters.Value(u), parameters.Value(vt), random);
            DrawBias(parameters.Value(bias), layer, index, seed);
        }
    }

    /// <summary>
    /// Random initialization of factorized layers (<c>--factor-init random</c>), the baseline spectral init is
    /// compared with: each factor like an <c>nn.Linear</c> of its own shape, Vt uniform in ±1/√in (fan-in = in) and U
    /// uniform in ±1/√r (fan-in = r), the bias uniform in ±1/√in.
    /// </summary>
    /// <remarks>
    /// The distribution is the one <see cref="ParameterInitializer.InitializeDefault"/> gives these tensors (their
    /// <see cref="ParameterTensor.FanIn"/> is r for U and in for Vt). This method exists so that switching a
    /// constructed network to the random init touches only its factorized layers, with the same per-layer streams
    /// and the same biases as <see cref="Initialize"/>: a spectral and a random run of one seed share every plain
    /// layer and every bias.
    /// </remarks>
    /// <param name="parameters">The network's parameters; only factorized layers' tensors are written.</param>
    /// <param name="layers">The network's layers, in order.</param>
    /// <param name="seed">Seed; the same seed gives the same values.</param>
    /// <exception cref="ArgumentException">A factorized layer's tensors are missing or do not match its shape.</exception>
    public static void InitializeRandom(ParameterSet parameters, IReadOnlyList<LayerInfo> layers, int seed)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(layers);
        for (var index = 0; index < layers.Count; index++)
        {
            var layer = layers[index];
            if (layer.Kind != LayerKind.FactorizedDense)
            {
                continue;
            }

            var (u, vt, bias) = FactorizedLayers.Resolve(parameters, layer);
            var random = new Random(SeedStreams.Derive(seed, RandomStream, index));
            // Draw order U, then Vt (fixed: it is what the recorded random-init results were drawn with).
            ParameterInitializer.FillUniform(parameters.Value(u), 1.0 / Math.Sqrt(layer.Rank), random);
            ParameterInitializer.FillUniform(parameters.Value(vt), 1.0 / Math.Sqrt(layer.InputSize), random);
            DrawBias(parameters.Value(bias), layer, index, seed);
        }
    }

    /// <summary>
    /// The full [out, in] weight that <see cref="Initialize"/> factorizes for layer <paramref name="layerIndex"/>:
    /// uniform in ±1/√in, row-major, from that layer's spectral stream. Kept in double: it is the SVD's input.
    /// </summary>
    internal static double[] DrawDenseWeight(LayerInfo layer, int layerIndex, int seed) =>
        DrawDenseWeight(layer, new Random(SeedStreams.Derive(seed, SpectralStream, layerIndex)));

    private static double[] DrawDenseWeight(LayerInfo layer, Random random)
    {
        var bound = 1.0 / Math.Sqrt(layer.InputSize);
        var values = new double[checked(layer.OutputSize * layer.InputSize)];
        for (var i = 0; i < values.Length; i++)
        {
            // Rounded through float so that W is exactly the float matrix a dense layer would hold.
            values[i] = (float)((random.NextDouble() * 2.0 - 1.0) * bound);
        }

        return values;
    }

    /// <summary>
    /// Writes U = Û_r √Σ_r ([rows, rank]) and Vt = √Σ_r V̂_rᵀ ([rank, cols]) from the SVD of the row-major
    /// rows×cols matrix <paramref name="full"/>; <paramref name="random"/> fills components beyond min(rows, cols).
    /// </summary>
    private static void SetFactorsFromSvd(double[] full, int rank, Span<float> u, Span<float> vt, Random random)
    {
        var rows = u.Length / rank;
        var cols = vt.Length / rank;
        var matrix = Matrix<double>.Build.Dense(rows, cols, (i, j) => full[(i * cols) + j]);
        var svd = matrix.Svd(computeVectors: true);
        var leftVectors = svd.U;          // [rows, rows]
        var rightVectorsT = svd.VT;       // [cols, cols]
        var singularValues = svd.S;       // min(rows, cols), descending
        var available = Math.Min(rank, singularValues.Count);
        for (var k = 0; k < available; k++)
        {
            var root = Math.Sqrt(singularValues[k]);
            for (var i = 0; i < rows; i++)
            {
                u[(i * rank) + k] = (float)(leftVectors[i, k] * root);
            }

            for (var j = 0; j < cols; j++)
            {
                vt[(k * cols) + j] = (float)(root * rightVectorsT[k, j]);
            }
        }

        // A rank above min(rows, cols) (the generator only warns about it) has no singular directions left. U·Vt
        // already equals W, so the extra components must add nothing: U's column is zero and Vt's row random
        // (±1/√cols), which keeps the product and still lets the column learn (both zero would be a stationary point).
        if (available < rank)
        {
            var bound = 1.0 / Math.Sqrt(cols);
            for (var k = available; k < rank; k++)
            {
                for (var i = 0; i < rows; i++)
                {
                    u[(i * rank) + k] = 0f;
                }

                ParameterInitializer.FillUniform(vt.Slice(k * cols, cols), bound, random);
            }
        }
    }

    private static void DrawBias(Span<float> bias, LayerInfo layer, int layerIndex, int seed)
    {
        var random = new Random(SeedStreams.Derive(seed, BiasStream, layerIndex));
        ParameterInitializer.FillUniform(bias, 1.0 / Math.Sqrt(layer.InputSize), random);
    }
}
