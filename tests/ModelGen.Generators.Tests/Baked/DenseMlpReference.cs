using ModelGen.Model;

namespace ModelGen.Generators.Tests.Baked;

/// <summary>
/// The mean softmax cross-entropy of a dense-only network computing f(θ ⊙ mask), in double precision with plain
/// loops over its parameter layout, so finite differences are exact to ~1e-9. (The runtime tests' ReferenceNetwork
/// does the same for every layer kind, but it names LayerKind, which this test assembly sees twice: in the runtime and,
/// linked and internal, in the generator.)
/// </summary>
internal static class DenseMlpReference
{
    public static double Loss(INetwork network, double[] theta, float[] mask, float[] input, int[] labels, int batch, double temperature)
    {
        double total = 0;
        for (var s = 0; s < batch; s++)
        {
            var h = input.AsSpan(s * network.InputSize, network.InputSize).ToArray().Select(static v => (double)v).ToArray();
            foreach (var layer in network.Layers)
            {
                var weight = network.Parameters[layer.Name + ".weight"];
                var bias = network.Parameters[layer.Name + ".bias"];
                var a = new double[weight.Rows];
                for (var r = 0; r < weight.Rows; r++)
                {
                    var sum = theta[bias.Offset + r];
                    for (var c = 0; c < weight.Cols; c++)
                    {
                        var index = weight.Offset + (r * weight.Cols) + c;
                        sum += theta[index] * mask[index] * h[c];
                    }

                    a[r] = layer.Activation switch
                    {
                        Activation.ReLU => Math.Max(sum, 0),
                        Activation.Tanh => Math.Tanh(sum),
                        Activation.Sigmoid => 1 / (1 + Math.Exp(-sum)),
                        _ => sum,
                    };
                }

                h = a;
            }

            var max = h.Max() / temperature;
            var exp = h.Sum(v => Math.Exp((v / temperature) - max));
            total += Math.Log(exp) + max - (h[labels[s]] / temperature);
        }

        return total / batch;
    }
}
