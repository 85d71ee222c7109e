using System;

namespace ModelGen.IO;

/// <summary>The element types the safetensors format defines (its <c>dtype</c> strings).</summary>
public enum SafetensorsDType
{
    /// <summary><c>BOOL</c>, one byte.</summary>
    Bool,

    /// <summary><c>U8</c>.</summary>
    UInt8,

    /// <summary><c>I8</c>.</summary>
    Int8,

    /// <summary><c>F8_E4M3</c>.</summary>
    Float8E4M3,

    /// <summary><c>F8_E5M2</c>.</summary>
    Float8E5M2,

    /// <summary><c>U16</c>.</summary>
    UInt16,

    /// <summary><c>I16</c>.</summary>
    Int16,

    /// <summary><c>F16</c>.</summary>
    Float16,

    /// <summary><c>BF16</c>.</summary>
    BFloat16,

    /// <summary><c>U32</c>.</summary>
    UInt32,

    /// <summary><c>I32</c>.</summary>
    Int32,

    /// <summary><c>F32</c>, the only type ModelGen stores parameters in.</summary>
    Float32,

    /// <summary><c>U64</c>.</summary>
    UInt64,

    /// <summary><c>I64</c>.</summary>
    Int64,

    /// <summary><c>F64</c>.</summary>
    Float64,
}

/// <summary>The format's spelling and element size of each <see cref="SafetensorsDType"/>.</summary>
public static class SafetensorsDTypes
{
    /// <summary>The dtype string as written in a header (<c>F32</c>).</summary>
    public static string Name(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.Bool => "BOOL",
        SafetensorsDType.UInt8 => "U8",
        SafetensorsDType.Int8 => "I8",
        SafetensorsDType.Float8E4M3 => "F8_E4M3",
        SafetensorsDType.Float8E5M2 => "F8_E5M2",
        SafetensorsDType.UInt16 => "U16",
        SafetensorsDType.Int16 => "I16",
        SafetensorsDType.Float16 => "F16",
        SafetensorsDType.BFloat16 => "BF16",
        SafetensorsDType.UInt32 => "U32",
        SafetensorsDType.Int32 => "I32",
        SafetensorsDType.Float32 => "F32",
        SafetensorsDType.UInt64 => "U64",
        SafetensorsDType.Int64 => "I64",
        SafetensorsDType.Float64 => "F64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
    };

    /// <summary>Bytes per element.</summary>
    public static int Size(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.Bool or SafetensorsDType.UInt8 or SafetensorsDType.Int8 or SafetensorsDType.Float8E4M3 or SafetensorsDType.Float8E5M2 => 1,
        SafetensorsDType.UInt16 or SafetensorsDType.Int16 or SafetensorsDType.Float16 or SafetensorsDType.BFloat16 => 2,
        SafetensorsDType.UInt32 or SafetensorsDType.Int32 or SafetensorsDType.Float32 => 4,
        SafetensorsDType.UInt64 or SafetensorsDType.Int64 or SafetensorsDType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
    };

    /// <summary>Parses a header's dtype string (case-sensitive, as the format spells it).</summary>
    public static bool TryParse(string name, out SafetensorsDType dtype)
    {
        foreach (var candidate in Enum.GetValues<SafetensorsDType>())
        {
            if (string.Equals(candidate.Name(), name, StringComparison.Ordinal))
            {
                dtype = candidate;
                return true;
            }
        }

        dtype = default;
        return false;
    }
}
