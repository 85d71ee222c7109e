using System.Globalization;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Emit;

/// <summary>The type names emitted code refers to and the identifiers it derives from a layer.</summary>
internal static class Names
{
    public const string Gemm = "global::ModelGen.Kernels.Gemm";
    public const string RowOps = "global::ModelGen.Kernels.RowOps";
    public const string Convolution = "global::ModelGen.Kernels.Convolution";
    public const string Pooling = "global::ModelGen.Kernels.Pooling";
    public const string Activations = "global::ModelGen.Kernels.ActivationKernels";
    public const string SoftmaxCe = "global::ModelGen.Kernels.SoftmaxCrossEntropy";
    public const string Tensor = "global::System.Numerics.Tensors.TensorPrimitives";
    public const string ReadOnlySpanOfFloat = "global::System.ReadOnlySpan<float>";
    public const string SpanOfFloat = "global::System.Span<float>";
    public const string ModelNs = "global::ModelGen.Model";

    private static readonly string[] s_activationNames = { "None", "ReLU", "Tanh", "Sigmoid" };
    private static readonly string[] s_activationKernels = { string.Empty, "Relu", "Tanh", "Sigmoid" };

    /// <summary>ModelGen.Activation's member name for the layer's activation.</summary>
    public static string ActivationName(LayerSpec layer) => s_activationNames[layer.Activation];

    /// <summary>The ActivationKernels method prefix (<c>Relu</c> for ReluForward, ReluBackward …).</summary>
    public static string ActivationKernel(LayerSpec layer) => s_activationKernels[layer.Activation];

    // Member and local names come from the layer's position, never from its user-chosen name: names like "fc1"
    // and "fc1Inner" side by side would otherwise produce colliding identifiers. Comments carry the real name.

    /// <summary>The layer's member prefix: <c>L2</c> (constants L2In, buffers ws.L2Output …).</summary>
    public static string Id(LayerSpec layer) => "L" + Invariant(layer.Index + 1);

    /// <summary>The layer's local prefix: <c>l2</c> (l2Output, l2Weight …).</summary>
    public static string Local(LayerSpec layer) => "l" + Invariant(layer.Index + 1);

    public const string Layout = "global::ModelGen.Kernels.ActivationLayout";

    /// <summary>
    /// The part of a per-sample buffer one pass uses: <c>ws.L1Output.AsSpan(0, batch * L1Out)</c>, or with a boundary
    /// layout local <c>ws.L1Output.AsSpan(0, layout1.Length(L1Out))</c> (feature-major buffers are padded).
    /// </summary>
    public static string Rows(string workspace, string buffer, string width, string? layout = null) => $"{workspace}.{buffer}.AsSpan(0, {Extent(layout, width)})";

    /// <summary>Floats of <paramref name="width"/> features per pass: <c>batch * width</c>, or the layout's length.</summary>
    public static string Extent(string? layout, string width) => layout is null ? $"batch * {width}" : $"{layout}.Length({width})";

    /// <summary>A C# string literal for any text (quotes, backslashes, newlines escaped).</summary>
    public static string Literal(string text) => Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(text, quote: true);

    /// <summary>Text safe inside an XML doc comment line.</summary>
    public static string XmlText(string text) =>
        text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\r", " ").Replace("\n", " ");

    public static string Bool(bool value) => value ? "true" : "false";

    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
