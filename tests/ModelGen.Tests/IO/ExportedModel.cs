using System.Globalization;
using ModelGen.IO;
using ModelGen.IO.Onnx.Proto;
using ModelGen.Model;

namespace ModelGen.Tests.IO;

/// <summary>A network exported in memory, as bytes for ONNX Runtime or parsed back for structural assertions.</summary>
internal static class ExportedModel
{
    /// <summary>The ONNX file <see cref="OnnxExporter.Export(INetwork, Stream)"/> writes for <paramref name="network"/>.</summary>
    public static byte[] Bytes(INetwork network)
    {
        using var stream = new MemoryStream();
        OnnxExporter.Export(network, stream);
        return stream.ToArray();
    }

    /// <summary>A tensor shape as text, symbolic dimensions by name: ["N", "784"].</summary>
    public static IEnumerable<string> Dimensions(ValueInfoProto value) =>
        value.Type.TensorType.Shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam
            ? d.DimParam
            : d.DimValue.ToString(CultureInfo.InvariantCulture));
}
