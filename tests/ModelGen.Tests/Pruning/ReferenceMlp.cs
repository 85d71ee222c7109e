using System;
using ModelGen.Model;

namespace ModelGen.Tests.Pruning;

/// <summary>
/// An independent double-precision multilayer perceptron over a network's <see cref="ParameterSet"/> layout (plain
/// dense layers), for checking pruning scores: mean softmax cross-entropy of logits / T and its gradient by hand-
/// written backpropagation, and Hessian-vector products by central differences of that gradient.
/// </summary>
internal sealed class ReferenceMlp
{
    private readonly INetwork _network;

    public ReferenceMlp(INetwork network) => _network = network;

    /// <summary>Gradient of the mean loss over <paramref name="batch"/> samples at <paramref name="theta"/>.</summary>
    public double[] Gradient(double[] theta, float[] inputs, int[] labels, int batch, double temperature)
    {
        var layers = _network.Layers;
        var parameters = _network.Parameters;
        var gradient = new double[theta.Length];
        for (var n = 0; n < batch; n++)
        {
            // Forward, keeping every layer's input and pre-activation.
            var activations = new double[layers.Count + 1][];
            var preActivations = new double[layers.Count][];
            activations[0] = new double[layers[0].InputSize];
            for (var j = 0; j < activations[0].Length; j++)
            {
                activations[0][j] = inputs[(n * layers[0].InputSize) + j];
            }

            for (var l = 0; l < layers.Count; l++)
            {
                var (w, b) = Tensors(parameters, layers[l].Name);
                var z = new double[layers[l].OutputSize];
                for (var i = 0; i < z.Length; i++)
                {
                    var sum = theta[b.Offset + i];
                    for (var j = 0; j < layers[l].InputSize; j++)
                    {
                        sum += theta[w.Offset + (i * w.Cols) + j] * activations[l][j];
                    }

                    z[i] = sum;
                }

                preActivations[l] = z;
                activations[l + 1] = Array.ConvertAll(z, v => Apply(layers[l].Activation, v));
            }

            // Softmax cross-entropy of logits / T: ∂L/∂z = (softmax(z/T) − onehot) / T, averaged over the batch.
            var logits = activations[layers.Count];
            var max = double.NegativeInfinity;
            foreach (var v in logits)
            {
                max = Math.Max(max, v / temperature);
            }

            var total = 0.0;
            var probabilities = new double[logits.Length];
            for (var i = 0; i < logits.Length; i++)
            {
                probabilities[i] = Math.Exp((logits[i] / temperature) - max);
                total += probabilities[i];
            }

            var delta = new double[logits.Length];
            for (var i = 0; i < logits.Length; i++)
            {
                delta[i] = ((probabilities[i] / total) - (i == labels[n] ? 1.0 : 0.0)) / temperature / batch;
            }

            for (var l = layers.Count - 1; l >= 0; l--)
            {
                for (var i = 0; i < delta.Length; i++)
                {
                    delta[i] *= Derivative(layers[l].Activation, preActivations[l][i]);
                }

                var (w, b) = Tensors(parameters, layers[l].Name);
                var previous = new double[layers[l].InputSize];
                for (var i = 0; i < delta.Length; i++)
                {
                    gradient[b.Offset + i] += delta[i];
                    for (var j = 0; j < previous.Length; j++)
                    {
                        gradient[w.Offset + (i * w.Cols) + j] += delta[i] * activations[l][j];
                        previous[j] += theta[w.Offset + (i * w.Cols) + j] * delta[i];
                    }
                }

                delta = previous;
            }
        }

        return gradient;
    }

    /// <summary>
    /// H·v by central differences of <see cref="Gradient"/> in double: (g(θ + εv) − g(θ − εv)) / 2ε. The truncation
    /// error is O(ε²·‖∇³L‖·‖v‖³) and the rounding error O(1e-16/ε); with ε = 1e-4 / ‖v‖ both are far below the float32
    /// precision the generated code is compared at.
    /// </summary>
    public double[] HessianVectorProduct(double[] theta, double[] vector, float[] inputs, int[] labels, int batch, double temperature)
    {
        var norm = 0.0;
        foreach (var v in vector)
        {
            norm += v * v;
        }

        var epsilon = 1e-4 / Math.Max(Math.Sqrt(norm), 1e-30);
        var plus = (double[])theta.Clone();
        var minus = (double[])theta.Clone();
        for (var i = 0; i < theta.Length; i++)
        {
            plus[i] += epsilon * vector[i];
            minus[i] -= epsilon * vector[i];
        }

        var gradientPlus = Gradient(plus, inputs, labels, batch, temperature);
        var gradientMinus = Gradient(minus, inputs, labels, batch, temperature);
        var result = new double[theta.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (gradientPlus[i] - gradientMinus[i]) / (2 * epsilon);
        }

        return result;
    }

    private static (ParameterTensor Weight, ParameterTensor Bias) Tensors(ParameterSet parameters, string layer) =>
        (parameters[layer + ".weight"], parameters[layer + ".bias"]);

    private static double Apply(Activation activation, double x) => activation switch
    {
        Activation.None => x,
        Activation.ReLU => Math.Max(x, 0.0),
        Activation.Tanh => Math.Tanh(x),
        Activation.Sigmoid => 1.0 / (1.0 + Math.Exp(-x)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    private static double Derivative(Activation activation, double x) => activation switch
    {
        Activation.None => 1.0,
        Activation.ReLU => x > 0 ? 1.0 : 0.0,
        Activation.Tanh => 1.0 - (Math.Tanh(x) * Math.Tanh(x)),
        Activation.Sigmoid => Math.Exp(-x) / ((1.0 + Math.Exp(-x)) * (1.0 + Math.Exp(-x))),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };
}
