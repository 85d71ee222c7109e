namespace ModelGen.Model;

/// <summary>What a parameter tensor is for.</summary>
public enum ParameterRole
{
    /// <summary>A dense layer's weight [out, in], or a convolution's [out, in, kh, kw] (stored as the matrix [out, in·kh·kw]).</summary>
    Weight = 0,

    /// <summary>A layer's bias [out]. Never pruned.</summary>
    Bias = 1,

    /// <summary>A factorized layer's left factor U [out, rank].</summary>
    FactorU = 2,

    /// <summary>A factorized layer's right factor Vt [rank, in].</summary>
    FactorVt = 3,
}

/// <summary>
/// One named tensor inside a <see cref="ParameterSet"/>: a row-major [Rows, Cols] slice of the flat parameter array
/// (biases are [Rows, 1]). Names follow PyTorch (<c>fc1.weight</c>, <c>fc1.bias</c>, <c>fc1.U</c>, <c>fc1.Vt</c>,
/// <c>conv1.weight</c>). Kernels, masks and pruners see the matrix view [Rows, Cols]; <see cref="Shape"/> is PyTorch's.
/// </summary>
/// <param name="Name">Full name, e.g. <c>fc1.weight</c>.</param>
/// <param name="Layer">Name of the layer that owns it, e.g. <c>fc1</c>.</param>
/// <param name="LayerIndex">Position of that layer in the network.</param>
/// <param name="Role">Weight, bias or factor.</param>
/// <param name="Rows">Rows (output features for weights and biases).</param>
/// <param name="Cols">Columns (input features; 1 for a bias).</param>
/// <param name="Offset">Start in the flat parameter array.</param>
/// <param name="FanIn">Fan-in used by PyTorch's default <c>nn.Linear</c> initialization of this tensor.</param>
/// <param name="IsPrunable">Whether a mask may remove entries.</param>
/// <param name="KernelHeight">A convolution weight's kernel height (its Cols are in·kh·kw); 0 for every other tensor.</param>
/// <param name="KernelWidth">A convolution weight's kernel width; 0 for every other tensor.</param>
public sealed record ParameterTensor(
    string Name,
    string Layer,
    int LayerIndex,
    ParameterRole Role,
    int Rows,
    int Cols,
    int Offset,
    int FanIn,
    bool IsPrunable,
    int KernelHeight = 0,
    int KernelWidth = 0)
{
    /// <summary>Number of entries (Rows·Cols).</summary>
    public int Length => Rows * Cols;

    /// <summary>
    /// Shape as PyTorch reports it, and as safetensors and ONNX files store it: [Rows] for biases,
    /// [Rows, Cols / (kh·kw), kh, kw] for a convolution weight (nn.Conv2d's [out, in, kh, kw]: the same row-major values
    /// as the matrix view), [Rows, Cols] for other matrices.
    /// </summary>
    public int[] Shape =>
        Role == ParameterRole.Bias ? new[] { Rows }
        : KernelHeight > 0 && KernelWidth > 0 ? new[] { Rows, Cols / (KernelHeight * KernelWidth), KernelHeight, KernelWidth }
        : new[] { Rows, Cols };
}
