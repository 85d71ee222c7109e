using MathNet.Numerics.LinearAlgebra;
using ModelGen.Factorization;
using ModelGen.Model;
using Xunit;
using static ModelGen.Tests.Factorization.FactorTestLayouts;

namespace ModelGen.Tests.Factorization;

public sealed class SpectralInitializerTests
{
    // U and Vt are stored in float: each entry carries a relative rounding error of at most 2^-24 ≈ 6e-8, so the
    // product U·Vt (a sum of r terms) is off from the double-precision truncated SVD by about 1e-7 of its scale.
    // Comparisons of norms and singular values therefore use 1e-5 relative: 100× that bound, far below any real error
    // (a wrong split, a wrong rank or a transposed factor changes these numbers at order 1).
    private const double Relative = 1e-5;

    [Theory]
    [InlineData(30, 50, 6)]    // wide: out < in, like fc1
    [InlineData(50, 20, 7)]    // tall: out > in
    [InlineData(300, 784, 32)] // lenet300-r32's fc1
    [InlineData(100, 300, 8)]  // lenet300-r8's fc2
    public void FactorsAreTheBestRankRApproximationOfTheFullInit(int output, int input, int rank)
    {
        var layers = new[] { Factorized("fc1", input, output, rank) };
        var parameters = Build(layers);
        SpectralInitializer.Initialize(parameters, layers, seed: 7);

        var full = ToMatrix(SpectralInitializer.DrawDenseWeight(layers[0], 0, 7), output, input);
        var product = Factor(parameters, "fc1.U") * Factor(parameters, "fc1.Vt");

        // Independent reference: the squared singular values of W are the eigenvalues of the symmetric W·Wᵀ (or
        // Wᵀ·W, whichever is smaller), computed by MathNet's symmetric eigensolver rather than the SVD used inside.
        var gram = output <= input ? full * full.Transpose() : full.Transpose() * full;
        var squaredSingularValues = gram.Evd(Symmetricity.Symmetric).EigenValues.Select(e => Math.Max(e.Real, 0)).OrderDescending().ToArray();
        var discardedNorm = Math.Sqrt(squaredSingularValues.Skip(rank).Sum());

        var residualNorm = (full - product).FrobeniusNorm();
        Assert.Equal(discardedNorm, residualNorm, discardedNorm * Relative);

        // Eckart–Young: no rank-r matrix does better. A rank-r matrix built differently (the top r rows of W kept,
        // the rest zero) must be worse, which guards against a test that passes because the residual is trivial.
        var truncatedRows = full.Clone();
        truncatedRows.SetSubMatrix(rank, output - rank, 0, input, Matrix<double>.Build.Dense(output - rank, input));
        Assert.True((full - truncatedRows).FrobeniusNorm() > residualNorm * 1.01);
    }

    [Theory]
    [InlineData(30, 50, 6)]
    [InlineData(50, 20, 7)]
    [InlineData(300, 784, 32)]
    public void ProductCarriesTheTopRSingularValuesSplitEvenlyBetweenTheFactors(int output, int input, int rank)
    {
        var layers = new[] { Factorized("fc1", input, output, rank) };
        var parameters = Build(layers);
        SpectralInitializer.Initialize(parameters, layers, seed: 3);

        var full = ToMatrix(SpectralInitializer.DrawDenseWeight(layers[0], 0, 3), output, input);
        var gram = output <= input ? full * full.Transpose() : full.Transpose() * full;
        var expected = gram.Evd(Symmetricity.Symmetric).EigenValues.Select(e => Math.Sqrt(Math.Max(e.Real, 0))).OrderDescending().ToArray();

        var u = Factor(parameters, "fc1.U");
        var vt = Factor(parameters, "fc1.Vt");
        var singularValues = (u * vt).Svd(computeVectors: false).S.ToArray();
        var largest = expected[0];
        for (var k = 0; k < rank; k++)
        {
            Assert.Equal(expected[k], singularValues[k], expected[k] * Relative);
        }

        for (var k = rank; k < singularValues.Length; k++)
        {
            Assert.True(singularValues[k] < largest * Relative, $"σ_{k} of U·Vt is {singularValues[k]}, expected ~0 beyond rank {rank}.");
        }

        // U = Û√Σ and Vt = √ΣV̂ᵀ make both Gram matrices diag(σ₁…σ_r): the factors are balanced.
        var expectedGram = Matrix<double>.Build.DiagonalOfDiagonalArray(expected.Take(rank).ToArray());
        Assert.True(MaxAbs(u.TransposeThisAndMultiply(u) - expectedGram) < largest * Relative);
        Assert.True(MaxAbs(vt.TransposeAndMultiply(vt) - expectedGram) < largest * Relative);
    }

    [Fact]
    public void FullInitIsTheDenseDefaultAndBiasIsUniformInTheInputFanIn()
    {
        const int input = 400;
        const int output = 200;
        var layer = Factorized("fc1", input, output, 10);
        var full = SpectralInitializer.DrawDenseWeight(layer, 0, 11);
        var bound = 1 / Math.Sqrt(input);
        Assert.All(full, w => Assert.InRange(Math.Abs(w), 0, bound));
        // 80,000 uniform draws: the extremes come within 0.1% of the bound, and the mean of w² is bound²/3 to within
        // 1% (w² has standard deviation 0.89·bound²/3, so the mean's standard error is 0.3% of bound²/3).
        Assert.True(full.Max(Math.Abs) > bound * 0.999);
        Assert.Equal(bound * bound / 3, full.Average(w => w * w), bound * bound / 3 * 0.01);

        var layers = new[] { layer };
        var parameters = Build(layers);
        SpectralInitializer.Initialize(parameters, layers, seed: 11);
        var bias = parameters.Value(parameters["fc1.bias"]).ToArray();
        Assert.All(bias, b => Assert.InRange(Math.Abs(b), 0, bound));
        Assert.True(bias.Distinct().Count() > output * 0.99);
    }

    [Fact]
    public void PlainLayersAreLeftUntouched()
    {
        var layers = new[] { Plain("fc1", 20, 16), Factorized("fc2", 16, 12, 4), Plain("fc3", 12, 5) };
        var parameters = Build(layers);
        FillRandom(parameters, seed: 5);
        var before = parameters.Snapshot();

        SpectralInitializer.Initialize(parameters, layers, seed: 1);

        foreach (var tensor in parameters.Tensors)
        {
            var changed = !parameters.Value(tensor).SequenceEqual(before.AsSpan(tensor.Offset, tensor.Length));
            Assert.Equal(tensor.Layer == "fc2", changed);
        }
    }

    [Fact]
    public void SameSeedGivesTheSameValuesAndTheSeedAndLayerIndexBothMatter()
    {
        // Two factorized layers of the same shape: the layer index must separate their streams.
        var layers = new[] { Factorized("fc1", 24, 24, 5), Factorized("fc2", 24, 24, 5) };
        var first = Build(layers);
        var second = Build(layers);
        var otherSeed = Build(layers);
        SpectralInitializer.Initialize(first, layers, seed: 42);
        SpectralInitializer.Initialize(second, layers, seed: 42);
        SpectralInitializer.Initialize(otherSeed, layers, seed: 43);

        Assert.Equal(first.Values, second.Values);
        Assert.NotEqual(first.Values, otherSeed.Values);
        Assert.False(first.Value(first["fc1.U"]).SequenceEqual(first.Value(first["fc2.U"])));
        Assert.False(first.Value(first["fc1.bias"]).SequenceEqual(first.Value(first["fc2.bias"])));

        // The same layer at the same index gives the same values whatever comes before it in the model.
        var withPlainFirst = new[] { Plain("fc0", 24, 24), Factorized("fc1", 24, 24, 5) };
        var shifted = Build(withPlainFirst);
        SpectralInitializer.Initialize(shifted, withPlainFirst, seed: 42);
        Assert.True(shifted.Value(shifted["fc1.U"]).SequenceEqual(first.Value(first["fc2.U"])));
    }

    [Fact]
    public void RandomInitDrawsEachFactorLikeALinearLayerOfItsOwnShapeAndSharesTheBias()
    {
        const int input = 300;
        const int output = 200;
        const int rank = 16;
        var layers = new[] { Plain("fc0", 10, input), Factorized("fc1", input, output, rank) };
        var random = Build(layers);
        var spectral = Build(layers);
        FillRandom(random, seed: 9);
        FillRandom(spectral, seed: 9);
        var plainBefore = random.Value(random["fc0.weight"]).ToArray();

        SpectralInitializer.InitializeRandom(random, layers, seed: 4);
        SpectralInitializer.Initialize(spectral, layers, seed: 4);

        var u = random.Value(random["fc1.U"]).ToArray();
        var vt = random.Value(random["fc1.Vt"]).ToArray();
        var uBound = 1 / Math.Sqrt(rank);
        var vtBound = 1 / Math.Sqrt(input);
        // 3,200 and 4,800 uniform draws: the largest comes within 1% of its bound with probability 1 − 0.99^3200.
        Assert.All(u, x => Assert.InRange(Math.Abs(x), 0, uBound));
        Assert.All(vt, x => Assert.InRange(Math.Abs(x), 0, vtBound));
        Assert.True(u.Max(Math.Abs) > uBound * 0.99);
        Assert.True(vt.Max(Math.Abs) > vtBound * 0.99);

        Assert.Equal(plainBefore, random.Value(random["fc0.weight"]).ToArray());
        Assert.Equal(spectral.Value(spectral["fc1.bias"]).ToArray(), random.Value(random["fc1.bias"]).ToArray());
        Assert.False(spectral.Value(spectral["fc1.U"]).SequenceEqual(u));

        var again = Build(layers);
        SpectralInitializer.InitializeRandom(again, layers, seed: 4);
        Assert.Equal(u, again.Value(again["fc1.U"]).ToArray());
    }

    [Fact]
    public void RankAboveTheFullRankReproducesTheFullInitAndLeavesTheExtraComponentsTrainable()
    {
        // The generator only warns about rank ≥ min(in, out), so the runtime must handle it.
        const int input = 6;
        const int output = 4;
        const int rank = 5;
        var layers = new[] { Factorized("fc1", input, output, rank) };
        var parameters = Build(layers);
        SpectralInitializer.Initialize(parameters, layers, seed: 2);

        var full = ToMatrix(SpectralInitializer.DrawDenseWeight(layers[0], 0, 2), output, input);
        var u = Factor(parameters, "fc1.U");
        var vt = Factor(parameters, "fc1.Vt");
        Assert.True(MaxAbs(full - (u * vt)) < MaxAbs(full) * Relative);
        Assert.True(u.Column(rank - 1).All(x => x == 0));
        Assert.Contains(vt.Row(rank - 1), x => x != 0);
    }

    [Fact]
    public void MisshapenFactorsAreReportedByName()
    {
        var declared = new[] { Factorized("fc1", 20, 10, 4) };
        var built = new[] { Factorized("fc1", 20, 10, 3) };
        var parameters = Build(built);
        var error = Assert.Throws<ArgumentException>(() => SpectralInitializer.Initialize(parameters, declared, seed: 0));
        Assert.Contains("fc1.U", error.Message);

        var plainOnly = Build(new[] { Plain("fc1", 20, 10) });
        error = Assert.Throws<ArgumentException>(() => SpectralInitializer.Initialize(plainOnly, declared, seed: 0));
        Assert.Contains("fc1.U", error.Message);
    }
}
