using ModelGen.Model;
using ModelGen.Shapes;
using Xunit;

namespace ModelGen.Tests.Shapes;

/// <summary>The shared shape inference (the same source file the generator compiles) on its own.</summary>
public sealed class ShapeInferenceTests
{
    private static LayerDeclaration Dense(int units) => new(LayerKind.Dense, units, 0);

    private static LayerDeclaration Factorized(int units, int rank) => new(LayerKind.FactorizedDense, units, rank);

    [Fact]
    public void LeNet300_has_the_parameter_and_flop_counts_of_the_paper()
    {
        var result = ShapeInference.Infer(784, [Dense(300), Dense(100), Dense(10)]);

        Assert.Empty(result.Errors);
        Assert.Equal(266_610, result.TotalParameters);
        Assert.Equal(2L * (784 * 300 + 300 * 100 + 100 * 10), result.FlopsPerSample);
        Assert.Equal([784, 300, 100], result.Layers.Select(l => l.InFeatures));
        Assert.Equal([235_200, 30_000, 1_000], result.Layers.Select(l => l.WeightCount));
    }

    [Fact]
    public void Factorized_layers_count_rank_times_in_plus_out()
    {
        var result = ShapeInference.Infer(784, [Factorized(300, 8), Factorized(100, 8), Dense(10)]);

        Assert.Empty(result.Errors);
        Assert.Equal(8 * (784 + 300), result.Layers[0].WeightCount);
        Assert.Equal(13_282, result.TotalParameters);
        Assert.Equal(2L * (8 * 1084 + 8 * 400 + 1000), result.FlopsPerSample);
    }

    [Fact]
    public void Dense_layers_flatten_an_image_shaped_input()
    {
        var result = ShapeInference.Infer(new TensorShape(1, 28, 28), [Dense(10)]);

        Assert.Equal(784, result.Layers[0].InFeatures);
        Assert.Equal(7_850, result.TotalParameters);
    }

    [Fact]
    public void Every_problem_is_reported_with_its_layer()
    {
        var result = ShapeInference.Infer(0, [Dense(0), Factorized(5, -1), Factorized(4, 4), Dense(3)]);

        Assert.True(result.HasErrors);
        Assert.Equal(
            [(ShapeErrorKind.NonPositiveInput, -1), (ShapeErrorKind.NonPositiveUnits, 0), (ShapeErrorKind.NegativeRank, 1), (ShapeErrorKind.RankNotBelowFullRank, 2)],
            result.Errors.Select(e => (e.Kind, e.LayerIndex)));
        Assert.True(result.Errors.Single(e => e.Kind == ShapeErrorKind.RankNotBelowFullRank).IsWarning);
    }

    [Fact]
    public void Overflow_is_reported_once_at_the_layer_that_crosses_the_limit()
    {
        var result = ShapeInference.Infer(100_000, [Dense(100_000), Dense(10), Dense(10)]);

        var overflow = Assert.Single(result.Errors);
        Assert.Equal(ShapeErrorKind.Overflow, overflow.Kind);
        Assert.Equal(0, overflow.LayerIndex);
        Assert.Equal(100_000L * 100_000 + 100_000, overflow.Count);
    }
}
