using System;
using System.ComponentModel;
using System.Numerics.Tensors;

namespace ModelGen.Kernels;

/// <summary>
/// Softmax cross-entropy over rows of logits, with a temperature T: p = softmax(logits / T). The loss is the mean
/// over the batch of −log p[label]; gradients and Hessian-vector products are those of that mean.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)] // public for generated code in users' assemblies, hidden from their completion (as STJ hides JsonMetadataServices)
public static class SoftmaxCrossEntropy
{
    /// <summary>
    /// Computes p = softmax(logits / T) per row (shifted by the row maximum, so large logits cannot overflow), the
    /// gradient of the mean loss with respect to the logits, (p − onehot(label)) / (batch·T), and the mean loss.
    /// </summary>
    /// <param name="logits">Logits, batch×classes.</param>
    /// <param name="labels">One label per row, in [0, classes).</param>
    /// <param name="probabilities">Receives p, batch×classes (needed later by <see cref="HessianVectorProduct"/>).</param>
    /// <param name="gradLogits">Receives ∂loss/∂logits, batch×classes (overwritten).</param>
    /// <param name="batch">Rows.</param>
    /// <param name="classes">Columns.</param>
    /// <param name="temperature">T &gt; 0; 1 is the ordinary softmax.</param>
    /// <returns>The mean of −log p[label] over the rows.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive, the temperature is not positive
    /// and finite, or a label is outside [0, classes) (the message names the row).</exception>
    /// <exception cref="ArgumentException">A span's length does not match the dimensions.</exception>
    public static float ForwardBackward(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> probabilities, Span<float> gradLogits, int batch, int classes, float temperature = 1f)
    {
        CheckCommon(logits, labels, batch, classes);
        KernelGuard.MatrixLength(probabilities.Length, batch, classes, nameof(probabilities), "batch×classes");
        KernelGuard.MatrixLength(gradLogits.Length, batch, classes, nameof(gradLogits), "batch×classes");
        KernelGuard.Temperature(temperature, nameof(temperature));

        // TensorPrimitives runs once over the whole batch×classes block, never per row: on a row of 10 logits it takes
        // its small-size paths, which are loop-free and so start (and stay for the first second or so of a process)
        // in tier-0 code where every vector operation is a call. That cost a short sparse `train` half its speed.
        // The per-row parts (max, sum, normalisation) are short loops of our own.
        var n = batch * classes;
        var p = probabilities.Slice(0, n);
        var g = gradLogits.Slice(0, n);
        var gradScale = 1f / (batch * temperature);
        var totalLoss = 0.0;

        // p holds z − max(z) with z = logits / T, then e^(z − max), then the normalized probabilities.
        TensorPrimitives.Divide(logits.Slice(0, n), temperature, p);
        for (var row = 0; row < batch; row++)
        {
            var z = p.Slice(row * classes, classes);
            var max = z[0];
            for (var j = 1; j < z.Length; j++)
            {
                max = MathF.Max(max, z[j]);
            }

            for (var j = 0; j < z.Length; j++)
            {
                z[j] -= max;
            }

            // −log p[label] = log Σ e^(z − max) − (z[label] − max), exact even where p[label] underflows to 0.
            totalLoss -= z[labels[row]];
        }

        TensorPrimitives.Exp(p, p);
        for (var row = 0; row < batch; row++)
        {
            var e = p.Slice(row * classes, classes);
            var sum = 0f;
            for (var j = 0; j < e.Length; j++)
            {
                sum += e[j];
            }

            totalLoss += Math.Log(sum);
            for (var j = 0; j < e.Length; j++)
            {
                e[j] /= sum;
            }
        }

        TensorPrimitives.Multiply(p, gradScale, g);
        for (var row = 0; row < batch; row++)
        {
            g[(row * classes) + labels[row]] -= gradScale;
        }

        return (float)(totalLoss / batch);
    }

    /// <summary>
    /// Evaluation: the mean cross-entropy at temperature 1 and the number of rows whose largest logit (the first
    /// one on ties) is at the label. Writes nothing.
    /// </summary>
    /// <param name="logits">Logits, batch×classes.</param>
    /// <param name="labels">One label per row, in [0, classes).</param>
    /// <param name="batch">Rows.</param>
    /// <param name="classes">Columns.</param>
    /// <param name="correct">Rows classified correctly.</param>
    /// <returns>The mean of −log softmax(logits)[label] over the rows.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive or a label is outside
    /// [0, classes) (the message names the row).</exception>
    /// <exception cref="ArgumentException">A span's length does not match the dimensions.</exception>
    public static float Loss(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch, int classes, out int correct)
    {
        CheckCommon(logits, labels, batch, classes);
        correct = 0;
        var totalLoss = 0.0;
        for (var row = 0; row < batch; row++)
        {
            var z = logits.Slice(row * classes, classes);
            var label = labels[row];
            var argMax = 0;
            var max = z[0];
            for (var j = 1; j < z.Length; j++)
            {
                if (z[j] > max)
                {
                    max = z[j];
                    argMax = j;
                }
            }

            // Evaluation has no scratch buffer to exponentiate into, so the row's log-sum-exp is a scalar loop;
            // rows are as short as the number of classes.
            var sum = 0.0;
            for (var j = 0; j < z.Length; j++)
            {
                sum += Math.Exp(z[j] - max);
            }

            totalLoss += Math.Log(sum) - (z[label] - max);
            if (argMax == label)
            {
                correct++;
            }
        }

        return (float)(totalLoss / batch);
    }

    /// <summary>
    /// Pearlmutter's R-operator applied to the logit gradient of <see cref="ForwardBackward"/>:
    /// R{gradLogits} = (diag p − p pᵀ)·R{logits} / (batch·T²) per row, i.e. the loss Hessian with respect to the
    /// logits times <paramref name="rLogits"/>.
    /// </summary>
    /// <param name="probabilities">p from <see cref="ForwardBackward"/> at the same temperature, batch×classes.</param>
    /// <param name="rLogits">R{logits}, the directional derivative of the logits, batch×classes.</param>
    /// <param name="rGradLogits">Receives R{gradLogits}, batch×classes (overwritten).</param>
    /// <param name="batch">Rows.</param>
    /// <param name="classes">Columns.</param>
    /// <param name="temperature">The temperature used for <paramref name="probabilities"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension or the temperature is not positive.</exception>
    /// <exception cref="ArgumentException">A span's length does not match the dimensions.</exception>
    public static void HessianVectorProduct(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> rLogits, Span<float> rGradLogits, int batch, int classes, float temperature = 1f)
    {
        KernelGuard.PositiveDimension(batch, nameof(batch));
        KernelGuard.PositiveDimension(classes, nameof(classes));
        KernelGuard.MatrixLength(probabilities.Length, batch, classes, nameof(probabilities), "batch×classes");
        KernelGuard.MatrixLength(rLogits.Length, batch, classes, nameof(rLogits), "batch×classes");
        KernelGuard.MatrixLength(rGradLogits.Length, batch, classes, nameof(rGradLogits), "batch×classes");
        KernelGuard.Temperature(temperature, nameof(temperature));

        // One TensorPrimitives call over the block, per-row dot products in our own loop (see ForwardBackward).
        var scale = 1f / (batch * temperature * temperature);
        var n = batch * classes;
        var output = rGradLogits.Slice(0, n);
        for (var row = 0; row < batch; row++)
        {
            var p = probabilities.Slice(row * classes, classes);
            var r = rLogits.Slice(row * classes, classes);
            var o = output.Slice(row * classes, classes);

            // (diag p − p pᵀ) r = p ⊙ (r − p·r).
            var pDotR = 0f;
            for (var j = 0; j < p.Length; j++)
            {
                pDotR += p[j] * r[j];
            }

            for (var j = 0; j < p.Length; j++)
            {
                o[j] = r[j] - pDotR;
            }
        }

        TensorPrimitives.Multiply(output, probabilities.Slice(0, n), output);
        TensorPrimitives.Multiply(output, scale, output);
    }

    private static void CheckCommon(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch, int classes)
    {
        KernelGuard.PositiveDimension(batch, nameof(batch));
        KernelGuard.PositiveDimension(classes, nameof(classes));
        KernelGuard.MatrixLength(logits.Length, batch, classes, nameof(logits), "batch×classes");
        KernelGuard.Length(labels.Length, batch, nameof(labels), "one label per row");
        KernelGuard.Labels(labels, classes, nameof(labels));
    }
}
