using System;
using System.Collections.Generic;

namespace ModelGen.Data;

/// <summary>
/// The contents of an IDX file of unsigned bytes: its dimensions (the first one counts items) and the payload in the
/// file's row-major order.
/// </summary>
public sealed class IdxArray
{
    private readonly int[] _dimensions;

    internal IdxArray(string filePath, int[] dimensions, byte[] data)
    {
        FilePath = filePath;
        _dimensions = dimensions;
        Data = data;
        var itemLength = 1;
        for (var i = 1; i < dimensions.Length; i++)
        {
            itemLength *= dimensions[i];
        }

        ItemLength = itemLength;
    }

    /// <summary>The file the array was read from, as the caller named it.</summary>
    public string FilePath { get; }

    /// <summary>The dimensions as the header declares them, each positive; <c>Dimensions[0]</c> counts items.</summary>
    public IReadOnlyList<int> Dimensions => _dimensions;

    /// <summary>Number of items (the first dimension).</summary>
    public int Count => _dimensions[0];

    /// <summary>Bytes per item: the product of the dimensions after the first (1 for a 1-D file of labels).</summary>
    public int ItemLength { get; }

    /// <summary>Length of the header in bytes (4 + 4·dimensions); payload byte <c>i</c> sits at file offset HeaderLength + i.</summary>
    public int HeaderLength => 4 + (4 * _dimensions.Length);

    /// <summary>The payload, <see cref="Count"/> × <see cref="ItemLength"/> bytes.</summary>
    public byte[] Data { get; }
}
