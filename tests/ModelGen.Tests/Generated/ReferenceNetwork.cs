using ModelGen.Model;

namespace ModelGen.Tests.Generated;

/// <summary>
/// An independent double-precision implementation of what a generated network computes, written with plain loops
/// from the parameter layout alone, so finite differences against it are exact to ~1e-9.
/// </summary>
internal static class ReferenceNetwork
{
    /// <summary>Mean softmax cross-entropy of logits/T over the batch, with the network computing f(θ ⊙ mask).</summary>
    public static double Loss(INetwork network, double[] theta, float[] mask, float[] input, int[] labels, int batch, double temperature)
    {
        var classes = network.OutputSize;
        double total = 0;
        for (var s = 0; s < batch; s++)
        {
            var logits = Forward(network, theta, mask, input.AsSpan(s * network.InputSize, network.InputSize), linearized: false);
            var max = logits.Max() / temperature;
            double sum = 0;
            for (var c = 0; c < classes; c++)
            {
                sum += Math.Exp(logits[c] / temperature - max);
            }

            total += Math.Log(sum) + max - logits[labels[s]] / temperature;
        }

        return total / batch;
    }

    /// <summary>R = Σ outputGradient ⊙ output over the batch (the scalar SynFlow and custom backward passes use).</summary>
    public static double OutputFunctional(INetwork network, double[] theta, float[] mask, float[] input, float[] outputGradient, int batch, bool linearized)
    {
        double total = 0;
        for (var s = 0; s < batch; s++)
        {
            var output = Forward(network, theta, mask, input.AsSpan(s * network.InputSize, network.InputSize), linearized);
            for (var c = 0; c < output.Length; c++)
            {
                total += outputGradient[s * output.Length + c] * output[c];
            }
        }

        return total;
    }

    public static double[] Forward(INetwork network, double[] theta, float[] mask, ReadOnlySpan<float> sample, bool linearized)
    {
        var parameters = network.Parameters;
        var h = new double[sample.Length];
        for (var i = 0; i < h.Length; i++)
        {
            h[i] = sample[i];
        }

        foreach (var layer in network.Layers)
        {
            var bias = parameters[layer.Name + ".bias"];
            double[] a;
            if (layer.Kind == LayerKind.FactorizedDense)
            {
                var t = MatVec(parameters[layer.Name + ".Vt"], theta, mask, h);
                a = MatVec(parameters[layer.Name + ".U"], theta, mask, t);
            }
            else
            {
                a = MatVec(parameters[layer.Name + ".weight"], theta, mask, h);
            }

            for (var o = 0; o < a.Length; o++)
            {
                a[o] += theta[bias.Offset + o];
                a[o] = linearized ? a[o] : Activate(layer.Activation, a[o]);
            }

            h = a;
        }

        return h;
    }

    private static double[] MatVec(ParameterTensor tensor, double[] theta, float[] mask, double[] x)
    {
        var y = new double[tensor.Rows];
        for (var r = 0; r < tensor.Rows; r++)
        {
            double sum = 0;
            for (var c = 0; c < tensor.Cols; c++)
            {
                var index = tensor.Offset + r * tensor.Cols + c;
                sum += theta[index] * mask[index] * x[c];
            }

            y[r] = sum;
        }

        return y;
    }

    private static double Activate(Activation activation, double a) => activation switch
    {
        Activation.ReLU => Math.Max(0, a),
        Activation.Tanh => Math.Tanh(a),
        Activation.Sigmoid => 1 / (1 + Math.Exp(-a)),
        _ => a,
    };
}
