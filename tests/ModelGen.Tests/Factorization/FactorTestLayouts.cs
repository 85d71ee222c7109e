using MathNet.Numerics.LinearAlgebra;
using ModelGen.Model;

namespace ModelGen.Tests.Factorization;

/// <summary>
/// Parameter sets laid out the way the generator lays out a model (per layer: <c>weight</c>, <c>bias</c> for a plain
/// layer; <c>U</c>, <c>Vt</c>, <c>bias</c> for a factorized one), so the factorization runtime can be tested on shapes
/// of our choosing without a generated class. Plus double-precision reference arithmetic.
/// </summary>
internal static class FactorTestLayouts
{
    public static LayerInfo Factorized(string name, int input, int output, int rank) =>
        new(name, LayerKind.FactorizedDense, input, output, Activation.ReLU, rank, Prunable: false);

    public static LayerInfo Plain(string name, int input, int output) =>
        new(name, LayerKind.Dense, input, output, Activation.ReLU, 0, Prunable: true);

    public static ParameterSet Build(IReadOnlyList<LayerInfo> layers)
    {
        var tensors = new List<ParameterTensor>();
        var offset = 0;
        for (var index = 0; index < layers.Count; index++)
        {
            var layer = layers[index];
            if (layer.Kind == LayerKind.FactorizedDense)
            {
                Add(layer, index, ".U", ParameterRole.FactorU, layer.OutputSize, layer.Rank, layer.Rank);
                Add(layer, index, ".Vt", ParameterRole.FactorVt, layer.Rank, layer.InputSize, layer.InputSize);
            }
            else
            {
                Add(layer, index, ".weight", ParameterRole.Weight, layer.OutputSize, layer.InputSize, layer.InputSize);
            }

            Add(layer, index, ".bias", ParameterRole.Bias, layer.OutputSize, 1, layer.InputSize);
        }

        return new ParameterSet(tensors);

        void Add(LayerInfo layer, int index, string suffix, ParameterRole role, int rows, int cols, int fanIn)
        {
            var prunable = role != ParameterRole.Bias && layer.Prunable;
            tensors.Add(new ParameterTensor(layer.Name + suffix, layer.Name, index, role, rows, cols, offset, fanIn, prunable));
            offset += rows * cols;
        }
    }

    /// <summary>Fills every parameter uniformly in (−scale, scale) from <paramref name="seed"/>.</summary>
    public static void FillRandom(ParameterSet parameters, int seed, double scale = 1.0)
    {
        var random = new Random(seed);
        for (var i = 0; i < parameters.Count; i++)
        {
            parameters.Values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        }
    }

    /// <summary>A row-major float tensor as a double matrix.</summary>
    public static Matrix<double> ToMatrix(ReadOnlySpan<float> values, int rows, int cols)
    {
        var matrix = Matrix<double>.Build.Dense(rows, cols);
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < cols; j++)
            {
                matrix[i, j] = values[(i * cols) + j];
            }
        }

        return matrix;
    }

    /// <summary>A row-major double array as a matrix.</summary>
    public static Matrix<double> ToMatrix(double[] values, int rows, int cols) =>
        Matrix<double>.Build.Dense(rows, cols, (i, j) => values[(i * cols) + j]);

    /// <summary>A tensor's values (or, with <paramref name="gradient"/>, its gradient) as a double matrix.</summary>
    public static Matrix<double> Factor(ParameterSet parameters, string name, bool gradient = false)
    {
        var tensor = parameters[name];
        return ToMatrix(gradient ? parameters.Gradient(tensor) : parameters.Value(tensor), tensor.Rows, tensor.Cols);
    }

    public static double MaxAbs(Matrix<double> matrix) => matrix.Enumerate().Max(Math.Abs);
}
