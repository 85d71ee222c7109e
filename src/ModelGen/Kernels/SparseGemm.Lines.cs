using System;

namespace ModelGen.Kernels;

/// <summary>
/// The line loops of the batch-vectorised tile products, split over threads: each output line (a row of Y or of the
/// weight gradient, a column of dX) is one gather or one row of dots, computed whole by one thread in the same order
/// whichever thread runs it, so results are bit-for-bit the same for every <see cref="Gemm.MaxDegreeOfParallelism"/>.
/// Lines are cut into ranges holding about equal numbers of kept entries (a SNIP mask keeps most of fc1's weights on
/// a few hundred rows), several per thread so that a thread slowed by other load hands its share over.
/// </summary>
public static unsafe partial class SparseGemm
{
    // Ranges per thread: enough for the caller to take over a late worker's share in small pieces.
    private const int RangesPerThread = 4;

    /// <summary>
    /// target[line] (+)= Σ over the line's entries k of w[line·weightRowStride + weightIndex[k]] · source[index[k]] for
    /// every line: the forward product over CSR rows (weight row stride cols, weight index the column) and the input
    /// gradient over CSC columns (stride 0, weight index the row-major position).
    /// </summary>
    private static void GatherLines(float* w, int* weightIndex, long weightRowStride, int* starts, int* index, int lines, float* source, int sourceStride, int width, float* target, bool accumulate)
    {
        var pass = new GatherPass
        {
            Weights = w, WeightIndex = weightIndex, WeightRowStride = weightRowStride, Index = index,
            Source = source, SourceStride = sourceStride, Width = width, Target = target, Accumulate = accumulate,
        };
        var parts = Parts(starts[lines], width, lines);
        pass.Lines = new LineRanges(starts, lines, parts);
        GemmWorkers.RunItems(&GatherItem, &pass, pass.Lines.Count, parts);
    }

    /// <summary>
    /// gradient[r·gradientRowStride + gradientIndex[k]] += Dot(dy[r], x[index[k]]) for every CSR row r and its entries k:
    /// the weight gradient at kept positions.
    /// </summary>
    private static void DotLines(float* dy, int dyStride, float* x, int xStride, int* starts, int* index, int rows, int width, float* gradient, int* gradientIndex, long gradientRowStride)
    {
        var pass = new DotPass
        {
            OutputGradient = dy, OutputGradientStride = dyStride, Input = x, InputStride = xStride, Index = index, Width = width,
            Gradient = gradient, GradientIndex = gradientIndex, GradientRowStride = gradientRowStride,
        };
        var parts = Parts(starts[rows], width, rows);
        pass.Lines = new LineRanges(starts, rows, parts);
        GemmWorkers.RunItems(&DotItem, &pass, pass.Lines.Count, parts);
    }

    // Threads for a tile whose lines hold `entries` kept entries of `width` lanes each.
    private static int Parts(int entries, int width, int lines)
    {
        var threads = Gemm.MaxDegreeOfParallelism;
        return threads <= 1 || (long)entries * width < Gemm.ParallelMinMultiplyAdds ? 1 : Math.Min(threads, lines);
    }

    private static void GatherItem(void* context, int item, int slot)
    {
        var pass = (GatherPass*)context;
        var (first, end) = pass->Lines.Range(item);
        var starts = pass->Lines.Starts;
        for (var line = first; line < end; line++)
        {
            Gather(pass->Weights + (line * pass->WeightRowStride), pass->WeightIndex, pass->Index, starts[line], starts[line + 1], pass->Source, pass->SourceStride, pass->Width, pass->Target + ((long)line * pass->Width), pass->Accumulate);
        }
    }

    private static void DotItem(void* context, int item, int slot)
    {
        var pass = (DotPass*)context;
        var (first, end) = pass->Lines.Range(item);
        var starts = pass->Lines.Starts;
        int width = pass->Width, xStride = pass->InputStride;
        for (var r = first; r < end; r++)
        {
            var dyr = pass->OutputGradient + ((long)r * pass->OutputGradientStride);
            var gRow = pass->Gradient + (r * pass->GradientRowStride);
            if (width == Tile)
            {
                DotsFullTile(dyr, pass->Input, xStride, pass->Index, starts[r], starts[r + 1], gRow, pass->GradientIndex);
                continue;
            }

            for (var k = starts[r]; k < starts[r + 1]; k++)
            {
                gRow[pass->GradientIndex[k]] += Dot(dyr, pass->Input + ((long)pass->Index[k] * xStride), width);
            }
        }
    }

    /// <summary>A gather line loop over one tile, by pointers for <see cref="GemmWorkers.RunItems"/> (the caller keeps everything pinned).</summary>
    private struct GatherPass
    {
        public LineRanges Lines;
        public float* Weights;
        public int* WeightIndex;
        public long WeightRowStride;
        public int* Index;
        public float* Source;
        public int SourceStride;
        public int Width;
        public float* Target;
        public bool Accumulate;
    }

    /// <summary>The weight gradient's dot loop over one tile, by pointers for <see cref="GemmWorkers.RunItems"/>.</summary>
    private struct DotPass
    {
        public LineRanges Lines;
        public float* OutputGradient;
        public int OutputGradientStride;
        public float* Input;
        public int InputStride;
        public int* Index;
        public int Width;
        public float* Gradient;
        public int* GradientIndex;
        public long GradientRowStride;
    }

    /// <summary>
    /// Lines [0, count) of a compressed order (line l's entries are [starts[l], starts[l+1])) cut into
    /// <see cref="Count"/> ranges of about equal entries: range i starts at the first line whose entries start at or after
    /// i/Count of all entries, so the ranges together cover every line once.
    /// </summary>
    private readonly struct LineRanges(int* starts, int lines, int parts)
    {
        public readonly int* Starts = starts;

        /// <summary>One range on one thread; <see cref="RangesPerThread"/> per thread otherwise.</summary>
        public readonly int Count = parts == 1 ? 1 : parts * RangesPerThread;

        public (int First, int End) Range(int item) => (Boundary(item), Boundary(item + 1));

        private int Boundary(int item)
        {
            if (item <= 0)
            {
                return 0;
            }

            if (item >= Count)
            {
                return lines;
            }

            var target = (long)Starts[lines] * item / Count;
            int low = 0, high = lines;
            while (low < high)
            {
                var middle = (low + high) >> 1;
                if (Starts[middle] < target)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            return low;
        }
    }
}
