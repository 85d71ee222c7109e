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
            [(ShapeErrorKind.NonPositiveInput, -1), (ShapeErrorKind.NonPositiveUnits, 0), (ShapeErrorKind.NegativeRank, 1), (ShapeErrorKind.FactorizationDoesNotPay, 2)],
            result.Errors.Select(e => (e.Kind, e.LayerIndex)));
        Assert.True(result.Errors.Single(e => e.Kind == ShapeErrorKind.FactorizationDoesNotPay).IsWarning);
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
    private static LayerDeclaration Conv(int filters, int kernel, int stride = 1, int padding = 0) => LayerDeclaration.Conv2D(filters, kernel, stride, padding);

    private static LayerDeclaration MaxPool(int size, int stride = 0) => LayerDeclaration.Pool(LayerKind.MaxPool2D, size, stride == 0 ? size : stride);

    [Fact]
    public void LeNet5_has_the_shapes_and_parameter_count_SNIP_reports()
    {
        var result = ShapeInference.Infer(new TensorShape(1, 28, 28), [Conv(20, 5), MaxPool(2), Conv(50, 5), MaxPool(2), Dense(500), Dense(10)]);

        Assert.Empty(result.Errors);
        Assert.Equal(431_080, result.TotalParameters);
        Assert.Equal(430_500, result.Layers.Sum(l => l.WeightCount));
        Assert.Equal(
            [(20, 24, 24), (20, 12, 12), (50, 8, 8), (50, 4, 4), (500, 1, 1), (10, 1, 1)],
            result.Layers.Select(l => (l.OutShape.Channels, l.OutShape.Height, l.OutShape.Width)));
        Assert.Equal(800, result.Layers[4].InFeatures);
        Assert.Equal(2L * ((500 * 576) + (25_000 * 64) + 400_000 + 5_000), result.FlopsPerSample);
    }

    [Fact]
    public void Stride_and_padding_follow_pytorchs_floor_rule_and_agree_with_the_kernels()
    {
        var result = ShapeInference.Infer(new TensorShape(3, 9, 8), [Conv(4, 3, stride: 2, padding: 1), MaxPool(2, stride: 1), LayerDeclaration.Flatten(), Dense(2)]);

        Assert.Empty(result.Errors);
        Assert.Equal((4, 5, 4), (result.Layers[0].OutShape.Channels, result.Layers[0].OutShape.Height, result.Layers[0].OutShape.Width));
        Assert.Equal((4, 4, 3), (result.Layers[1].OutShape.Channels, result.Layers[1].OutShape.Height, result.Layers[1].OutShape.Width));
        Assert.Equal(48, result.Layers[2].OutFeatures);
        foreach (var (input, kernel, stride, padding) in new[] { (9, 3, 2, 1), (8, 3, 2, 1), (28, 5, 1, 0), (7, 7, 3, 0), (5, 4, 2, 2) })
        {
            var shape = new ModelGen.Kernels.ConvolutionShape(1, input, input, 1, kernel, kernel, stride, padding);
            Assert.Equal(shape.OutHeight, ShapeInference.OutputExtent(input, kernel, stride, padding));
        }
    }

    [Fact]
    public void Spatial_problems_are_reported_at_their_layer_and_later_layers_are_still_checked()
    {
        var result = ShapeInference.Infer(new TensorShape(1, 6, 6), [Conv(4, 7), Conv(2, 3, stride: 0), Conv(2, 1, padding: -1), MaxPool(9), Dense(4), MaxPool(2)]);

        Assert.Equal(
            [(ShapeErrorKind.KernelTooLarge, 0), (ShapeErrorKind.NonPositiveStride, 1), (ShapeErrorKind.NegativePadding, 2), (ShapeErrorKind.PoolDoesNotFit, 3), (ShapeErrorKind.SpatialAfterVector, 5)],
            result.Errors.Select(e => (e.Kind, e.LayerIndex)));
        Assert.Contains(ShapeInference.Infer(64, [Conv(2, 3)]).Errors, e => e.Kind == ShapeErrorKind.SpatialAfterVector);
    }
}
