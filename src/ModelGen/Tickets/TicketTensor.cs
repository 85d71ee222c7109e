// Shared source: compiled into the runtime (public API) and linked into the generator (netstandard2.0, internal),
// so the CLI that writes tickets and the generator that bakes them read one format through one parser.
using System;
using System.Collections.Generic;

namespace ModelGen.Tickets;

/// <summary>
/// One prunable weight tensor of a lottery ticket: its matrix shape and the flat row-major positions its mask keeps.
/// </summary>
#if MODELGEN_GENERATOR
internal
#else
public
#endif
sealed class TicketTensor
{
    private readonly int[] _kept;

    /// <summary>Creates the tensor entry; <paramref name="kept"/> must be strictly increasing and inside rows × cols.</summary>
    /// <exception cref="ArgumentException">The name is empty, the shape is not positive or a position is out of order or range.</exception>
    public TicketTensor(string name, int rows, int cols, IReadOnlyList<int> kept)
    {
        TicketText.CheckName(name);

        if (rows <= 0 || cols <= 0 || (long)rows * cols > int.MaxValue)
        {
            throw new ArgumentException($"Tensor '{name}' has shape {rows}×{cols}; both must be positive and the product fit in an int.", nameof(rows));
        }

        if (kept is null)
        {
            throw new ArgumentNullException(nameof(kept));
        }

        _kept = new int[kept.Count];
        var previous = -1;
        for (var i = 0; i < _kept.Length; i++)
        {
            var position = kept[i];
            if (position <= previous || position >= rows * cols)
            {
                throw new ArgumentException($"Tensor '{name}': kept position {position} (entry {i}) is out of order or outside 0..{(rows * cols) - 1}.", nameof(kept));
            }

            _kept[i] = position;
            previous = position;
        }

        Name = name;
        Rows = rows;
        Cols = cols;
    }

    /// <summary>Parameter name, PyTorch style (<c>fc1.weight</c>).</summary>
    public string Name { get; }

    /// <summary>Rows of the weight matrix (output units or channels).</summary>
    public int Rows { get; }

    /// <summary>Columns of the weight matrix (inputs; in·kh·kw for a convolution).</summary>
    public int Cols { get; }

    /// <summary>Entries in the tensor.</summary>
    public int Length => Rows * Cols;

    /// <summary>Flat row-major positions the mask keeps, strictly increasing.</summary>
    public IReadOnlyList<int> Kept => _kept;

    /// <summary>Entries kept.</summary>
    public int KeptCount => _kept.Length;

    /// <summary>True when the mask keeps position <paramref name="row"/>, <paramref name="col"/> (binary search).</summary>
    public bool IsKept(int row, int col) => Array.BinarySearch(_kept, (row * Cols) + col) >= 0;
}
