namespace ModelGen.Model;

/// <summary>A layer of a generated network, as declared and shape-inferred at compile time.</summary>
/// <param name="Name">Parameter prefix, e.g. <c>fc1</c>.</param>
/// <param name="Kind">Plain or factorized.</param>
/// <param name="InputSize">Input features.</param>
/// <param name="OutputSize">Output features.</param>
/// <param name="Activation">Nonlinearity after the affine map.</param>
/// <param name="Rank">Factorization rank; 0 for a plain layer.</param>
/// <param name="Prunable">Whether pruners may mask this layer's weights.</param>
public sealed record LayerInfo(string Name, LayerKind Kind, int InputSize, int OutputSize, Activation Activation, int Rank, bool Prunable)
{
    /// <summary>Trainable weight entries (biases excluded): out·in, or rank·(out+in) when factorized.</summary>
    public int WeightCount => (int)Shapes.ShapeInference.WeightCount(InputSize, OutputSize, Kind == LayerKind.FactorizedDense ? Rank : 0);

    /// <summary>Forward FLOPs per sample, a multiply-add counted as 2 (biases and activations not counted).</summary>
    public long FlopsPerSample => 2L * WeightCount;
}
