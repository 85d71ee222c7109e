using ModelGen.Data;
using Xunit;

namespace ModelGen.Tests.Data;

public sealed class DatasetTests
{
    // Five samples of two features: sample i is (10i, 10i + 1) with label i % 3.
    private static Dataset Sample() => new(
        [0, 1, 10, 11, 20, 21, 30, 31, 40, 41],
        [0, 1, 2, 0, 1],
        features: 2,
        classes: 3);

    [Fact]
    public void Slice_copies_the_requested_rows()
    {
        var data = Sample();

        var slice = data.Slice(1, 3);

        Assert.Equal(3, slice.Count);
        Assert.Equal(new float[] { 10, 11, 20, 21, 30, 31 }, slice.Inputs);
        Assert.Equal(new[] { 1, 2, 0 }, slice.Labels);
        Assert.Equal(2, slice.Features);
        Assert.Equal(3, slice.Classes);
        slice.Inputs[0] = -1;
        Assert.Equal(10, data.Inputs[2]);
    }

    [Fact]
    public void Holdout_is_the_last_samples()
    {
        var (remaining, holdout) = Sample().SplitHoldout(2);

        Assert.Equal(new[] { 0, 1, 2 }, remaining.Labels);
        Assert.Equal(new float[] { 30, 31, 40, 41 }, holdout.Inputs);
        Assert.Equal(new[] { 0, 1 }, holdout.Labels);
    }

    [Fact]
    public void Holdout_of_zero_keeps_everything()
    {
        var (remaining, holdout) = Sample().SplitHoldout(0);

        Assert.Equal(5, remaining.Count);
        Assert.Equal(0, holdout.Count);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(5)]
    [InlineData(6)]
    public void Holdout_must_leave_samples_to_train_on(int count)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Sample().SplitHoldout(count));
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(0, 6)]
    [InlineData(4, 2)]
    [InlineData(int.MaxValue, 1)]
    public void Slice_must_lie_within_the_dataset(int start, int count)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Sample().Slice(start, count));
    }

    [Fact]
    public void Input_lengths_must_match_labels_times_features()
    {
        var exception = Assert.Throws<ArgumentException>(() => new Dataset(new float[5], new int[3], features: 2, classes: 2));

        Assert.Contains("3 labels of 2 features need 6 inputs, got 5", exception.Message);
    }

    [Fact]
    public void Labels_must_lie_below_the_class_count()
    {
        var exception = Assert.Throws<ArgumentException>(() => new Dataset(new float[4], [1, 2], features: 2, classes: 2));

        Assert.Contains("Label 2 of sample 1 is outside [0, 2)", exception.Message);
    }

    [Fact]
    public void Input_returns_one_row()
    {
        Assert.Equal(new float[] { 20, 21 }, Sample().Input(2).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = Sample().Input(5); });
    }
}
