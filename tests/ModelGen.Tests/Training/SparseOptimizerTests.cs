using ModelGen.Model;
using ModelGen.Training;
using Xunit;

namespace ModelGen.Tests.Training;

/// <summary>
/// Optimizer steps on tensors that run sparse touch only kept entries and give, bit for bit, what the dense masked path
/// gives: a dense update of every entry (removed gradients zero, as the masked backward leaves them) followed by the mask.
/// </summary>
public sealed class SparseOptimizerTests
{
    private const int Rows = 40;
    private const int Cols = 37;

    public static TheoryData<string> Optimizers() => new() { "adam", "adam-decay", "sgd", "sgd-momentum-decay" };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Sparse_steps_equal_dense_masked_steps_bit_for_bit(string optimizer)
    {
        var sparse = Layout(prunable: true);
        var dense = Layout(prunable: false);
        var mask = new float[Rows * Cols];
        var random = new Random(3);
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = random.NextDouble() < 0.1 ? 1f : 0f;
        }

        var masks = new MaskSet(sparse);
        masks.Set(sparse["fc1.weight"], mask);
        Assert.True(masks.UpdatePlan.HasSparse);
        var noMasks = new MaskSet(dense);
        OptimizerTestParameters.Fill(sparse.Values, seed: 1, scale: 1f);
        masks.ApplyToParameters();
        sparse.Values.CopyTo(dense.Values, 0);

        var a = Create(optimizer, sparse);
        var b = Create(optimizer, dense);
        for (var step = 0; step < 6; step++)
        {
            if (step == 3 && a is IOptimizerState state)
            {
                // A resume mid-run: the state exported between steps (Adam keeps sparse moments compacted) carries on exactly.
                var resumed = Create(optimizer, sparse);
                ((IOptimizerState)resumed).ImportState(state.ExportState());
                a = resumed;
            }

            if (step == 4)
            {
                // A mask change mid-run (as pruning rounds make): every other kept entry goes.
                var seen = 0;
                for (var i = 0; i < mask.Length; i++)
                {
                    if (mask[i] != 0f && seen++ % 2 == 0)
                    {
                        mask[i] = 0f;
                        dense.Values[i] = 0f;
                    }
                }

                masks.Set(sparse["fc1.weight"], mask);
                Assert.True(masks.UpdatePlan.HasSparse);
            }

            masks.ZeroGradients();
            OptimizerTestParameters.Fill(dense.Gradients, seed: 10 + step, scale: 0.5f);
            for (var i = 0; i < dense.Count; i++)
            {
                var kept = i >= mask.Length || mask[i] != 0f;
                if (!kept)
                {
                    dense.Gradients[i] = 0f;
                }

                // Kept gradients as the dense path has them; removed ones hold garbage the sparse step must not read.
                sparse.Gradients[i] = kept ? dense.Gradients[i] : 1e6f;
            }

            a.Step(masks);
            b.Step(noMasks);
            for (var i = 0; i < mask.Length; i++)
            {
                dense.Values[i] *= mask[i];
            }

            Assert.Equal(dense.Values, sparse.Values);
        }

        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0f)
            {
                Assert.Equal(0f, sparse.Values[i]);
            }
        }
    }

    [Fact]
    public void Zeroing_gradients_clears_everything_once_per_mask_version_then_kept_entries()
    {
        var parameters = Layout(prunable: true);
        var masks = new MaskSet(parameters);
        var mask = new float[Rows * Cols];
        mask[5] = 1f;
        mask[700] = 1f;
        masks.Set(parameters["fc1.weight"], mask);
        Array.Fill(parameters.Gradients, 2f);
        masks.ZeroGradients();
        Assert.All(parameters.Gradients, g => Assert.Equal(0f, g));

        Array.Fill(parameters.Gradients, 3f);
        masks.ZeroGradients();
        Assert.Equal(0f, parameters.Gradients[5]);
        Assert.Equal(0f, parameters.Gradients[700]);
        Assert.Equal(3f, parameters.Gradients[6]);
        Assert.All(parameters.Gradients.AsSpan(Rows * Cols).ToArray(), g => Assert.Equal(0f, g));

        // A new mask version clears everything again.
        masks.Set(parameters["fc1.weight"], mask);
        masks.ZeroGradients();
        Assert.All(parameters.Gradients, g => Assert.Equal(0f, g));
    }

    private static IOptimizer Create(string optimizer, ParameterSet parameters) => optimizer switch
    {
        "adam" => new Adam(parameters, 0.01f),
        "adam-decay" => new Adam(parameters, 0.01f, weightDecay: 0.1f, decayFilter: t => t.Role != ParameterRole.Bias),
        "sgd" => new Sgd(parameters, 0.1f),
        _ => new Sgd(parameters, 0.1f, momentum: 0.9f, weightDecay: 0.05f),
    };

    private static ParameterSet Layout(bool prunable) => new(
    [
        new ParameterTensor("fc1.weight", "fc1", 0, ParameterRole.Weight, Rows, Cols, 0, Cols, prunable),
        new ParameterTensor("fc1.bias", "fc1", 0, ParameterRole.Bias, Rows, 1, Rows * Cols, Cols, IsPrunable: false),
    ]);
}
