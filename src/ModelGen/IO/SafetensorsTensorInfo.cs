using System.Collections.Generic;

namespace ModelGen.IO;

/// <summary>One tensor listed in a safetensors header, with its byte range already checked against the file.</summary>
/// <param name="Name">The tensor's name (<c>fc1.weight</c>).</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions, outermost first (PyTorch's order).</param>
/// <param name="HeaderOffset">Offset in the file of the tensor's entry in the JSON header (where errors about its description point).</param>
/// <param name="DataOffset">Offset in the file of the tensor's first byte.</param>
/// <param name="ByteLength">Bytes of data (element count × element size).</param>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, IReadOnlyList<long> Shape, long HeaderOffset, long DataOffset, long ByteLength)
{
    /// <summary>Number of elements (the product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount => ByteLength / DType.Size();

    /// <summary>The shape as PyTorch prints it: <c>[300, 784]</c>.</summary>
    public string ShapeText => FormatShape(Shape);

    internal static string FormatShape(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";
}
