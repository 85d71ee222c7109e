using System;
using System.Collections.Generic;

namespace ModelGen.Model;

/// <summary>
/// The contract every generated network implements. Pruners, optimizers and trainers see networks only through it,
/// so they work for every declared model (plain, masked, factorized). Inputs are row-major [batch, InputSize],
/// outputs [batch, OutputSize]. Implementations own their work buffers: a step allocates nothing once buffers for
/// the largest batch seen exist. Not thread-safe.
/// </summary>
public interface INetwork
{
    /// <summary>The model's listed name (<c>lenet300</c>).</summary>
    string Name { get; }

    /// <summary>Input features per sample.</summary>
    int InputSize { get; }

    /// <summary>Outputs (logits) per sample.</summary>
    int OutputSize { get; }

    /// <summary>The layers in order.</summary>
    IReadOnlyList<LayerInfo> Layers { get; }

    /// <summary>All parameters and their gradients.</summary>
    ParameterSet Parameters { get; }

    /// <summary>Pruning masks over <see cref="Parameters"/>; inactive (all ones) until a pruner sets one.</summary>
    MaskSet Masks { get; }

    /// <summary>
    /// How each layer with weights runs under the current masks: dense or sparse kernels, and the kept fraction of
    /// its prunable weights. Generated networks report their weight handles' choice; the default (for hand-written
    /// implementations) reports every layer dense with the density its masks give.
    /// </summary>
    IReadOnlyList<LayerExecution> Execution
    {
        get
        {
            var result = new List<LayerExecution>(Layers.Count);
            foreach (var layer in Layers)
            {
                long kept = 0, total = 0;
                foreach (var tensor in Parameters.Tensors)
                {
                    if (tensor.Layer == layer.Name && tensor.Role != ParameterRole.Bias)
                    {
                        kept += tensor.Length - Masks.CountRemoved(tensor);
                        total += tensor.Length;
                    }
                }

                if (total > 0)
                {
                    result.Add(new LayerExecution(layer.Name, KernelKind.Dense, (double)kept / total));
                }
            }

            return result;
        }
    }

    /// <summary>Computes logits for <paramref name="batch"/> samples into <paramref name="output"/>.</summary>
    void Forward(ReadOnlySpan<float> input, int batch, Span<float> output);

    /// <summary>
    /// Forward pass, mean softmax cross-entropy of <c>logits / temperature</c>, and backward pass: the gradient of
    /// the mean loss is <b>added</b> to <see cref="ParameterSet.Gradients"/>.
    /// </summary>
    /// <returns>The mean loss over the batch.</returns>
    float ForwardBackward(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, float temperature = 1f);

    /// <summary>
    /// Exact Hessian-vector product of the mean loss (same temperature semantics) with <paramref name="vector"/>,
    /// laid out like <see cref="ParameterSet.Values"/>; the product is <b>added</b> to <paramref name="result"/>.
    /// Computed by Pearlmutter's R-operator over the generated straight-line code. Gradients are not touched.
    /// </summary>
    /// <returns>The mean loss over the batch.</returns>
    float HessianVectorProduct(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, ReadOnlySpan<float> vector, Span<float> result, float temperature = 1f);

    /// <summary>
    /// Forward pass into <paramref name="output"/>, then a backward pass seeded with
    /// <paramref name="outputGradient"/> (∂R/∂output for some scalar R) that adds ∂R/∂θ to the gradients.
    /// With <paramref name="linearized"/> every activation is the identity (SynFlow's scoring pass).
    /// </summary>
    void ForwardBackwardFromOutput(ReadOnlySpan<float> input, int batch, ReadOnlySpan<float> outputGradient, bool linearized, Span<float> output);
}
