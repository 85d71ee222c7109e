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
            switch (layer.Kind)
            {
                case LayerKind.MaxPool2D:
                case LayerKind.AvgPool2D:
                    h = Pool(layer, h);
                    continue;
                case LayerKind.Flatten:
                    continue;
            }

            var bias = parameters[layer.Name + ".bias"];
            double[] a;
            if (layer.Kind == LayerKind.Conv2D)
            {
                a = Convolve(layer, parameters[layer.Name + ".weight"], theta, mask, h);
            }
            else if (layer.Kind == LayerKind.FactorizedDense)
            {
                var t = MatVec(parameters[layer.Name + ".Vt"], theta, mask, h);
                a = MatVec(parameters[layer.Name + ".U"], theta, mask, t);
            }
            else
            {
                a = MatVec(parameters[layer.Name + ".weight"], theta, mask, h);
            }

            var plane = a.Length / bias.Rows;
            for (var o = 0; o < a.Length; o++)
            {
                a[o] += theta[bias.Offset + (o / plane)];
                a[o] = linearized ? a[o] : Activate(layer.Activation, a[o]);
            }

            h = a;
        }

        return h;
    }

    /// <summary>The textbook convolution: y[f, oy, ox] = Σ W[f, c, i, j] · x[c, oy·s − p + i, ox·s − p + j] (zero outside).</summary>
    private static double[] Convolve(LayerInfo layer, ParameterTensor weight, double[] theta, float[] mask, double[] x)
    {
        var (input, output, k) = (layer.InputShape, layer.OutputShape, layer.KernelSize);
        var y = new double[output.Size];
        for (var f = 0; f < output.Channels; f++)
        {
            for (var oy = 0; oy < output.Height; oy++)
            {
                for (var ox = 0; ox < output.Width; ox++)
                {
                    double sum = 0;
                    for (var c = 0; c < input.Channels; c++)
                    {
                        for (var i = 0; i < k; i++)
                        {
                            for (var j = 0; j < k; j++)
                            {
                                int iy = oy * layer.Stride - layer.Padding + i, ix = ox * layer.Stride - layer.Padding + j;
                                if (iy < 0 || iy >= input.Height || ix < 0 || ix >= input.Width)
                                {
                                    continue;
                                }

                                var index = weight.Offset + ((f * input.Channels + c) * k + i) * k + j;
                                sum += theta[index] * mask[index] * x[(c * input.Height + iy) * input.Width + ix];
                            }
                        }
                    }

                    y[(f * output.Height + oy) * output.Width + ox] = sum;
                }
            }
        }

        return y;
    }

    /// <summary>Max (first maximum wins) or mean over each window of each channel.</summary>
    private static double[] Pool(LayerInfo layer, double[] x)
    {
        var (input, output, k) = (layer.InputShape, layer.OutputShape, layer.KernelSize);
        var y = new double[output.Size];
        for (var c = 0; c < output.Channels; c++)
        {
            for (var oy = 0; oy < output.Height; oy++)
            {
                for (var ox = 0; ox < output.Width; ox++)
                {
                    double max = double.NegativeInfinity, sum = 0;
                    for (var i = 0; i < k; i++)
                    {
                        for (var j = 0; j < k; j++)
                        {
                            var value = x[(c * input.Height + oy * layer.Stride + i) * input.Width + ox * layer.Stride + j];
                            max = Math.Max(max, value);
                            sum += value;
                        }
                    }

                    y[(c * output.Height + oy) * output.Width + ox] = layer.Kind == LayerKind.MaxPool2D ? max : sum / (k * k);
                }
            }
        }

        return y;
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
