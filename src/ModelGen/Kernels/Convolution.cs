using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Kernels;

/// <summary>
/// 2-D convolution (PyTorch's <c>nn.Conv2d</c>: cross-correlation, weights [out, in, kh, kw]) over a batch of NCHW
/// samples, by unfolding the patches of a chunk of samples (<see cref="ConvolutionShape.ChunkSamples"/>) side by side
/// into one column matrix (im2col, PatchSize × samples·OutPlane) and multiplying with <see cref="Gemm"/> once per chunk:
/// the forward pass Y = W·cols, the weight gradient dW += dY·colsᵀ (summed over the chunk's positions in one product,
/// deep enough to need no transpose) and the input gradient cols2im(Wᵀ·dY).
/// </summary>
/// <remarks>
/// Every method takes a caller-owned <c>workspace</c> of at least <see cref="ConvolutionShape.WorkspaceLength"/>(batch)
/// floats and allocates nothing. With <see cref="Gemm.MaxDegreeOfParallelism"/> above 1 and more than one chunk, the
/// chunks are shared out among Gemm's worker threads, each unfolding, multiplying and folding its own chunks in its own
/// slot of the workspace (the unfold and fold around each product then run in parallel too, and no product waits for a
/// hand-off); a single chunk runs on the caller with its products split by Gemm. Every chunk's result depends only on
/// its samples, and the weight gradient adds the chunks' products in chunk order, so results are bit-for-bit the same
/// whatever the thread count. Biases and activations are separate calls
/// (<see cref="AddBias"/>, <see cref="AccumulateBiasGradient"/>, <see cref="ActivationKernels"/>), as for dense layers,
/// so the R-operator passes of a Hessian-vector product reuse the same three products.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class Convolution
{
    /// <summary>
    /// The most bytes of columns and product one chunk may take. Chunks are cut to stay in a core's L2 cache (1 MiB on
    /// the EPYC machines we measure on): unfolding a whole batch of 60 for LeNet-5's conv2 (7.7 MB of columns) made the
    /// forward pass and the input gradient memory-bound and the whole step slower, even though the weight gradient then
    /// became one product of depth 3,840 whose columns the forward pass had already unfolded; keeping each chunk's columns
    /// for the weight gradient (the batch's in a workspace of its own) saved nothing either: reading them back costs
    /// what unfolding them again in cache does, and the forward pass then writes out of cache (docs/BENCHMARKS.md).
    /// </summary>
    public const int ChunkBytes = 512 * 1024;

    /// <summary>
    /// output[n] = W ∗ input[n] for every sample (no bias), or output += W ∗ input when <paramref name="accumulate"/> is
    /// set.
    /// </summary>
    /// <param name="input">batch × InputSize values, NCHW.</param>
    /// <param name="weights">OutChannels × PatchSize values, [out, in, kh, kw].</param>
    /// <param name="output">batch × OutputSize values, NCHW; overwritten or added to.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="shape">The convolution.</param>
    /// <param name="workspace">At least <see cref="ConvolutionShape.WorkspaceLength"/>(batch) floats.</param>
    /// <param name="accumulate">Add to <paramref name="output"/> instead of overwriting it.</param>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The shape is invalid or the batch negative.</exception>
    public static void Forward(
        ReadOnlySpan<float> input,
        ReadOnlySpan<float> weights,
        Span<float> output,
        int batch,
        ConvolutionShape shape,
        Span<float> workspace,
        bool accumulate = false)
    {
        Check(input.Length, output.Length, weights.Length, workspace.Length, batch, shape, nameof(input), nameof(output), nameof(weights));
        ForwardChunks(input, weights, default, output, batch, shape, workspace, accumulate, relu: false);
    }

    /// <summary>
    /// output[n] = W ∗ input[n] + b for every sample (bias[c] on every position of channel c): <see cref="Forward"/> and
    /// <see cref="AddBias"/> with the same result, the bias added while each chunk's product is copied out rather than
    /// in a second pass over the output. With <paramref name="relu"/> each value becomes max(W ∗ input + b, 0) in the same
    /// copy, bit for bit what <see cref="ActivationKernels.ReluForward"/> over the output afterwards gives (the IEEE
    /// maximum of TensorPrimitives.Max: NaN propagates, +0 over −0), so the ReLU runs on the chunks' threads rather than
    /// as one more single-threaded pass.
    /// </summary>
    /// <param name="input">batch × InputSize values, NCHW.</param>
    /// <param name="weights">OutChannels × PatchSize values, [out, in, kh, kw].</param>
    /// <param name="bias">OutChannels values.</param>
    /// <param name="output">batch × OutputSize values, NCHW; overwritten.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="shape">The convolution.</param>
    /// <param name="workspace">At least <see cref="ConvolutionShape.WorkspaceLength"/>(batch) floats.</param>
    /// <param name="relu">Apply ReLU as the values are written.</param>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The shape is invalid or the batch negative.</exception>
    public static void ForwardWithBias(
        ReadOnlySpan<float> input,
        ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias,
        Span<float> output,
        int batch,
        ConvolutionShape shape,
        Span<float> workspace,
        bool relu = false)
    {
        Check(input.Length, output.Length, weights.Length, workspace.Length, batch, shape, nameof(input), nameof(output), nameof(weights));
        KernelGuard.Length(bias.Length, shape.OutChannels, nameof(bias), "OutChannels");
        ForwardChunks(input, weights, bias, output, batch, shape, workspace, accumulate: false, relu);
    }

    /// <summary>The forward pass, chunk by chunk on the caller or shared out among the workers; an empty bias adds none.</summary>
    private static void ForwardChunks(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output, int batch, ConvolutionShape shape, Span<float> workspace, bool accumulate, bool relu)
    {
        var parts = Parts(shape, batch);
        if (parts <= 1)
        {
            for (var first = 0; first < batch; first += shape.ChunkSamples)
            {
                ForwardChunk(input, weights, bias, output, batch, shape, workspace, first, accumulate, relu);
            }

            return;
        }

        fixed (float* x = input)
        fixed (float* w = weights)
        fixed (float* b = bias)
        fixed (float* y = output)
        fixed (float* space = workspace)
        {
            var pass = new Pass(x, w, y, space, batch, shape, accumulate) { Bias = b, BiasLength = bias.Length, Relu = relu };
            GemmWorkers.RunItems(&ForwardItem, &pass, shape.Chunks(batch), parts);
        }
    }

    /// <summary>
    /// inputGradient[n] = Wᵀ ⋆ outputGradient[n] (the gradient of the loss with respect to the input), or added to
    /// <paramref name="inputGradient"/> when <paramref name="accumulate"/> is set.
    /// </summary>
    /// <param name="outputGradient">batch × OutputSize values.</param>
    /// <param name="weights">OutChannels × PatchSize values.</param>
    /// <param name="inputGradient">batch × InputSize values; overwritten or added to.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="shape">The convolution.</param>
    /// <param name="workspace">At least <see cref="ConvolutionShape.WorkspaceLength"/>(batch) floats.</param>
    /// <param name="accumulate">Add to <paramref name="inputGradient"/> instead of overwriting it.</param>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The shape is invalid or the batch negative.</exception>
    public static void BackwardInput(
        ReadOnlySpan<float> outputGradient,
        ReadOnlySpan<float> weights,
        Span<float> inputGradient,
        int batch,
        ConvolutionShape shape,
        Span<float> workspace,
        bool accumulate = false)
    {
        Check(inputGradient.Length, outputGradient.Length, weights.Length, workspace.Length, batch, shape, nameof(inputGradient), nameof(outputGradient), nameof(weights));
        var parts = Parts(shape, batch);
        if (parts <= 1)
        {
            for (var first = 0; first < batch; first += shape.ChunkSamples)
            {
                BackwardInputChunk(outputGradient, weights, inputGradient, batch, shape, workspace, first, accumulate);
            }

            return;
        }

        fixed (float* dy = outputGradient)
        fixed (float* w = weights)
        fixed (float* dx = inputGradient)
        fixed (float* space = workspace)
        {
            var pass = new Pass(dy, w, dx, space, batch, shape, accumulate);
            GemmWorkers.RunItems(&BackwardInputItem, &pass, shape.Chunks(batch), parts);
        }
    }

    /// <summary>weightGradient += Σ_n outputGradient[n] · unfold(input[n])ᵀ (the gradient with respect to W, [out, in, kh, kw]).</summary>
    /// <param name="input">batch × InputSize values (the layer's input in the forward pass).</param>
    /// <param name="outputGradient">batch × OutputSize values.</param>
    /// <param name="weightGradient">OutChannels × PatchSize values, added to.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="shape">The convolution.</param>
    /// <param name="workspace">At least <see cref="ConvolutionShape.WorkspaceLength"/>(batch) floats.</param>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The shape is invalid or the batch negative.</exception>
    public static void AccumulateWeightGradient(
        ReadOnlySpan<float> input,
        ReadOnlySpan<float> outputGradient,
        Span<float> weightGradient,
        int batch,
        ConvolutionShape shape,
        Span<float> workspace)
    {
        Check(input.Length, outputGradient.Length, weightGradient.Length, workspace.Length, batch, shape, nameof(input), nameof(outputGradient), nameof(weightGradient));
        var parts = Parts(shape, batch);
        if (parts <= 1)
        {
            for (var first = 0; first < batch; first += shape.ChunkSamples)
            {
                WeightGradientChunk(input, outputGradient, weightGradient, batch, shape, workspace, first);
            }

            return;
        }

        // Waves of `parts` chunks: each chunk's product goes to a partial gradient of its own (in the slot numbered by its
        // place in the wave), and the caller then adds the partials onto the gradient in chunk order. Each addition is
        // the one the sequential loop's accumulating product makes (gradient + that chunk's sum), so the result is the
        // same for every thread count.
        var chunks = shape.Chunks(batch);
        var slotLength = shape.SlotLength(batch);
        fixed (float* x = input)
        fixed (float* dy = outputGradient)
        fixed (float* space = workspace)
        {
            var pass = new Pass(x, dy, null, space, batch, shape, accumulate: false);
            for (var wave = 0; wave < chunks; wave += parts)
            {
                var count = Math.Min(parts, chunks - wave);
                pass.FirstChunk = wave;
                GemmWorkers.RunItems(&WeightGradientItem, &pass, count, count);
                for (var i = 0; i < count; i++)
                {
                    var partial = workspace.Slice((i * slotLength) + shape.ChunkLength(batch), shape.WeightLength);
                    TensorPrimitives.Add(weightGradient, partial, weightGradient);
                }
            }
        }
    }

    /// <summary>Adds bias[c] to every position of channel c of every sample.</summary>
    /// <param name="output">batch × channels × plane values, updated in place.</param>
    /// <param name="bias">channels values.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="channels">Channels per sample.</param>
    /// <param name="plane">Positions per channel (height·width).</param>
    /// <exception cref="ArgumentException">A span's length does not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    public static void AddBias(Span<float> output, ReadOnlySpan<float> bias, int batch, int channels, int plane)
    {
        CheckPlanes(output.Length, bias.Length, batch, channels, plane, nameof(output), nameof(bias));
        for (var row = 0; row < batch * channels; row++)
        {
            var target = output.Slice(row * plane, plane);
            TensorPrimitives.Add(target, bias[row % channels], target);
        }
    }

    /// <summary>biasGradient[c] += Σ over samples and positions of outputGradient[n, c, ·] (samples in order).</summary>
    /// <param name="outputGradient">batch × channels × plane values.</param>
    /// <param name="biasGradient">channels values, added to.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="channels">Channels per sample.</param>
    /// <param name="plane">Positions per channel.</param>
    /// <exception cref="ArgumentException">A span's length does not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    public static void AccumulateBiasGradient(ReadOnlySpan<float> outputGradient, Span<float> biasGradient, int batch, int channels, int plane)
    {
        CheckPlanes(outputGradient.Length, biasGradient.Length, batch, channels, plane, nameof(outputGradient), nameof(biasGradient));
        for (var row = 0; row < batch * channels; row++)
        {
            biasGradient[row % channels] += TensorPrimitives.Sum(outputGradient.Slice(row * plane, plane));
        }
    }

    /// <summary>
    /// Unfolds one sample into <paramref name="columns"/>: row (c·kh + i)·kw + j, column oy·OW + ox holds
    /// input[c, oy·stride − padding + i, ox·stride − padding + j], or 0 where that lies in the padding.
    /// </summary>
    /// <param name="sample">InputSize values of one sample.</param>
    /// <param name="shape">The convolution.</param>
    /// <param name="columns">Workspace of at least <see cref="ConvolutionShape.ColumnsLength"/> floats.</param>
    /// <returns>The first <see cref="ConvolutionShape.ColumnsLength"/> floats of <paramref name="columns"/>.</returns>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static Span<float> Unfold(ReadOnlySpan<float> sample, ConvolutionShape shape, Span<float> columns)
    {
        shape.Validate();
        KernelGuard.Length(sample.Length, shape.InputSize, nameof(sample), "InChannels·InHeight·InWidth");
        RequireColumns(columns.Length, shape);
        UnfoldChunk(sample, 1, shape, columns);
        return columns.Slice(0, shape.ColumnsLength);
    }

    /// <summary>
    /// The adjoint of <see cref="Unfold"/>: adds every column entry back onto the input position it was copied from
    /// (entries from the padding are dropped), into <paramref name="sample"/>, which is overwritten unless
    /// <paramref name="accumulate"/> is set. Positions are visited in one fixed order.
    /// </summary>
    /// <param name="columns">At least <see cref="ConvolutionShape.ColumnsLength"/> floats.</param>
    /// <param name="shape">The convolution.</param>
    /// <param name="sample">InputSize values of one sample.</param>
    /// <param name="accumulate">Add to <paramref name="sample"/> instead of overwriting it.</param>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static void Fold(ReadOnlySpan<float> columns, ConvolutionShape shape, Span<float> sample, bool accumulate = false)
    {
        shape.Validate();
        KernelGuard.Length(sample.Length, shape.InputSize, nameof(sample), "InChannels·InHeight·InWidth");
        RequireColumns(columns.Length, shape);
        FoldChunk(columns, 1, shape, sample, accumulate);
    }

    /// <summary>How many threads a pass over <paramref name="batch"/> samples uses: one per chunk and workspace slot, at most
    /// <see cref="Gemm.MaxDegreeOfParallelism"/>.</summary>
    private static int Parts(ConvolutionShape shape, int batch) => Math.Min(Gemm.MaxDegreeOfParallelism, shape.WorkspaceSlots(batch));

    /// <summary>output[first …] = W ∗ input[first …] for the chunk of samples starting at <paramref name="first"/>.</summary>
    private static void ForwardChunk(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output, int batch, ConvolutionShape shape, Span<float> slot, int first, bool accumulate, bool relu)
    {
        var chunk = Chunk.Unfolded(input, slot, shape, batch, first);
        Gemm.Multiply(weights, chunk.Columns, chunk.ChannelMajor, shape.OutChannels, chunk.Positions, shape.PatchSize);
        ScatterToSamples(chunk.ChannelMajor, output.Slice(first * shape.OutputSize, chunk.Count * shape.OutputSize), chunk.Count, shape.OutChannels, shape.OutPlane, bias, accumulate, relu);
    }

    /// <summary>inputGradient[first …] = Wᵀ ⋆ outputGradient[first …] for one chunk of samples.</summary>
    private static void BackwardInputChunk(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> weights, Span<float> inputGradient, int batch, ConvolutionShape shape, Span<float> slot, int first, bool accumulate)
    {
        var chunk = new Chunk(slot, shape, batch, first);
        chunk.GatherOutputGradient(outputGradient, shape);
        Gemm.MultiplyTransposedA(weights, chunk.ChannelMajor, chunk.Columns, shape.PatchSize, chunk.Positions, shape.OutChannels);
        FoldChunk(chunk.Columns, chunk.Count, shape, inputGradient.Slice(first * shape.InputSize, chunk.Count * shape.InputSize), accumulate);
    }

    /// <summary>gradient += (or =, when <paramref name="accumulate"/> is off) the weight gradient of one chunk of samples.</summary>
    private static void WeightGradientChunk(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> gradient, int batch, ConvolutionShape shape, Span<float> slot, int first, bool accumulate = true)
    {
        if (shape.WeightGradientByRows)
        {
            // dW += dY·rows with rows = colsᵀ: Gemm's broadcast kernel, which reduces nothing horizontally (measured on
            // LeNet-5's conv2, depth 192: 3.4 ms against 4.6 ms for the dot-product kernel on the columns).
            var rows = new Chunk(slot, shape, batch, first);
            UnfoldRowsChunk(input.Slice(first * shape.InputSize, rows.Count * shape.InputSize), rows.Count, shape, rows.Columns);
            rows.GatherOutputGradient(outputGradient, shape);
            Gemm.Multiply(rows.ChannelMajor, rows.Columns, gradient, shape.OutChannels, shape.PatchSize, rows.Positions, accumulate);
            return;
        }

        var chunk = Chunk.Unfolded(input, slot, shape, batch, first);
        chunk.GatherOutputGradient(outputGradient, shape);
        // One product of depth samples·OutPlane per chunk (192 for LeNet-5's conv2): Gemm's dot-product kernel, where one
        // sample's depth of 64 took its short-depth route, which transposes the columns first.
        Gemm.MultiplyTransposedB(chunk.ChannelMajor, chunk.Columns, gradient, shape.OutChannels, shape.PatchSize, chunk.Positions, accumulate);
    }

    /// <summary>
    /// Unfolds <paramref name="count"/> samples as rows, the transpose of <see cref="UnfoldChunk"/>'s matrix: row
    /// n·OutPlane + oy·OW + ox holds that output position's patch (PatchSize values in the weights' [in, kh, kw] order).
    /// </summary>
    private static unsafe void UnfoldRowsChunk(ReadOnlySpan<float> samples, int count, ConvolutionShape shape, Span<float> rows)
    {
        int h = shape.InHeight, w = shape.InWidth, oh = shape.OutHeight, ow = shape.OutWidth, s = shape.Stride, pad = shape.Padding;
        int kh = shape.KernelHeight, kw = shape.KernelWidth, patch = shape.PatchSize;
        fixed (float* samplesStart = samples)
        fixed (float* target = rows)
        {
            var samplesEnd = samplesStart + samples.Length;
            var row = target;
            for (var n = 0; n < count; n++)
            {
                var source = samplesStart + ((nint)n * shape.InputSize);
                for (var oy = 0; oy < oh; oy++)
                {
                    for (var ox = 0; ox < ow; ox++, row += patch)
                    {
                        var x0 = (ox * s) - pad;
                        var inside = x0 >= 0 && x0 + kw <= w;
                        var rowEnd = row + patch;
                        var segment = row;
                        for (var c = 0; c < shape.InChannels; c++)
                        {
                            var channel = source + ((nint)c * h * w);
                            for (var i = 0; i < kh; i++, segment += kw)
                            {
                                var y = (oy * s) - pad + i;
                                if ((uint)y >= (uint)h)
                                {
                                    new Span<float>(segment, kw).Clear();
                                    continue;
                                }

                                var from = channel + ((nint)y * w) + x0;
                                if (!inside)
                                {
                                    for (var j = 0; j < kw; j++)
                                    {
                                        segment[j] = (uint)(x0 + j) < (uint)w ? from[j] : 0f;
                                    }
                                }
                                else if (kw < 8 && segment + 8 <= rowEnd && from + 8 <= samplesEnd)
                                {
                                    // A whole vector: the lanes past kw spill into the row's next segment, written next.
                                    Vector256.Store(Vector256.Load(from), segment);
                                }
                                else
                                {
                                    CopyRun(from, segment, kw);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static void ForwardItem(void* context, int item, int slot)
    {
        var pass = (Pass*)context;
        var shape = pass->Shape;
        ForwardChunk(pass->Values(shape.InputSize), pass->Operand(shape.WeightLength), new ReadOnlySpan<float>(pass->Bias, pass->BiasLength), pass->Result(shape.OutputSize), pass->Batch, shape, pass->Slot(slot), item * shape.ChunkSamples, pass->Accumulate, pass->Relu);
    }

    private static void BackwardInputItem(void* context, int item, int slot)
    {
        var pass = (Pass*)context;
        var shape = pass->Shape;
        BackwardInputChunk(pass->Values(shape.OutputSize), pass->Operand(shape.WeightLength), pass->Result(shape.InputSize), pass->Batch, shape, pass->Slot(slot), item * shape.ChunkSamples, pass->Accumulate);
    }

    private static void WeightGradientItem(void* context, int item, int slot)
    {
        // Columns in the thread's slot, the partial gradient in the slot of the chunk's place in its wave.
        var pass = (Pass*)context;
        var shape = pass->Shape;
        var partial = pass->Slot(item).Slice(shape.ChunkLength(pass->Batch), shape.WeightLength);
        WeightGradientChunk(pass->Values(shape.InputSize), pass->Operand(pass->Batch * shape.OutputSize), partial, pass->Batch, shape, pass->Slot(slot), (pass->FirstChunk + item) * shape.ChunkSamples, accumulate: false);
    }

    /// <summary>
    /// One pass over a batch as the worker threads see it: the pinned operands (the per-sample values the chunks
    /// read, the operand every chunk shares and the per-sample result they write), the workspace cut into slots and
    /// the shape.
    /// </summary>
    private struct Pass
    {
        public Pass(float* values, float* operand, float* result, float* workspace, int batch, ConvolutionShape shape, bool accumulate)
        {
            ValuesStart = values;
            OperandStart = operand;
            ResultStart = result;
            Workspace = workspace;
            Batch = batch;
            Shape = shape;
            Accumulate = accumulate;
            SlotLength = shape.SlotLength(batch);
        }

        public float* ValuesStart;
        public float* OperandStart;
        public float* ResultStart;
        public float* Workspace;
        public float* Bias;
        public int BiasLength;
        public int Batch;
        public int SlotLength;
        public int FirstChunk;
        public ConvolutionShape Shape;
        public bool Accumulate;
        public bool Relu;

        public readonly ReadOnlySpan<float> Values(int perSample) => new(ValuesStart, Batch * perSample);

        public readonly ReadOnlySpan<float> Operand(int length) => new(OperandStart, OperandStart == null ? 0 : length);

        public readonly Span<float> Result(int perSample) => new(ResultStart, ResultStart == null ? 0 : Batch * perSample);

        public readonly Span<float> Slot(int slot) => new(Workspace + ((nint)slot * SlotLength), SlotLength);
    }

    /// <summary>
    /// The samples [First, First + Count) of a batch and their two matrices in the workspace: the columns
    /// (PatchSize × Count·OutPlane, at its start) and the channel-major output or output gradient (OutChannels ×
    /// Count·OutPlane, after them).
    /// </summary>
    private readonly ref struct Chunk
    {
        public Chunk(Span<float> workspace, ConvolutionShape shape, int batch, int first)
        {
            First = first;
            Count = Math.Min(shape.ChunkSamples, batch - first);
            Positions = Count * shape.OutPlane;
            Columns = workspace.Slice(0, Count * shape.ColumnsLength);
            ChannelMajor = workspace.Slice(Count * shape.ColumnsLength, Count * shape.OutputSize);
        }

        public int First { get; }

        public int Count { get; }

        /// <summary>Columns of the matrices: Count·OutPlane output positions.</summary>
        public int Positions { get; }

        public Span<float> Columns { get; }

        public Span<float> ChannelMajor { get; }

        /// <summary>The chunk at <paramref name="first"/> with its samples of <paramref name="input"/> unfolded into its columns.</summary>
        public static Chunk Unfolded(ReadOnlySpan<float> input, Span<float> workspace, ConvolutionShape shape, int batch, int first)
        {
            var chunk = new Chunk(workspace, shape, batch, first);
            UnfoldChunk(input.Slice(first * shape.InputSize, chunk.Count * shape.InputSize), chunk.Count, shape, chunk.Columns);
            return chunk;
        }

        /// <summary>Copies the chunk's samples of <paramref name="outputGradient"/> into its channel-major matrix.</summary>
        public void GatherOutputGradient(ReadOnlySpan<float> outputGradient, ConvolutionShape shape) =>
            GatherFromSamples(outputGradient.Slice(First * shape.OutputSize, Count * shape.OutputSize), ChannelMajor, Count, shape.OutChannels, shape.OutPlane);
    }

    /// <summary>NCHW values ([sample][channel][position]) from the channel-major [channel][sample][position] product, plus
    /// bias[c] on channel c when a bias is given.</summary>
    private static void ScatterToSamples(ReadOnlySpan<float> channelMajor, Span<float> samples, int count, int channels, int plane, ReadOnlySpan<float> bias, bool accumulate, bool relu)
    {
        Debug.Assert(!(relu && accumulate), "ReLU is fused only into an overwriting pass");
        var row = count * plane;
        for (var n = 0; n < count; n++)
        {
            for (var c = 0; c < channels; c++)
            {
                var source = channelMajor.Slice((c * row) + (n * plane), plane);
                var target = samples.Slice(((n * channels) + c) * plane, plane);
                if (accumulate)
                {
                    TensorPrimitives.Add(target, source, target);
                }
                else if (bias.IsEmpty)
                {
                    source.CopyTo(target);
                }
                else if (relu)
                {
                    RowOps.AddScalarRelu(ref MemoryMarshal.GetReference(source), bias[c], ref MemoryMarshal.GetReference(target), plane);
                }
                else
                {
                    // One rounding, as AddBias's after a plain copy.
                    TensorPrimitives.Add(source, bias[c], target);
                }
            }
        }
    }

    /// <summary>The channel-major [channel][sample][position] layout of NCHW values: the products' operand.</summary>
    private static void GatherFromSamples(ReadOnlySpan<float> samples, Span<float> channelMajor, int count, int channels, int plane)
    {
        var row = count * plane;
        for (var n = 0; n < count; n++)
        {
            for (var c = 0; c < channels; c++)
            {
                samples.Slice(((n * channels) + c) * plane, plane).CopyTo(channelMajor.Slice((c * row) + (n * plane), plane));
            }
        }
    }

    /// <summary>
    /// Unfolds <paramref name="count"/> samples side by side: sample n's patches fill columns n·OutPlane … (n + 1)·OutPlane − 1
    /// of every row of the PatchSize × count·OutPlane matrix.
    /// </summary>
    private static unsafe void UnfoldChunk(ReadOnlySpan<float> samples, int count, ConvolutionShape shape, Span<float> columns)
    {
        int h = shape.InHeight, w = shape.InWidth, oh = shape.OutHeight, ow = shape.OutWidth, s = shape.Stride, pad = shape.Padding;
        nint rowStride = (nint)count * shape.OutPlane;
        fixed (float* samplesStart = samples)
        fixed (float* target = columns)
        {
            for (var n = 0; n < count; n++)
            {
                var source = samplesStart + ((nint)n * shape.InputSize);
                var row = target + ((nint)n * shape.OutPlane);
                if (s == 1 && pad == 0)
                {
                    // Every window inside the input (LeNet-5's layers): row (c, i, j) is OH runs of OW values, run oy
                    // starting at input[c, oy + i, j]; no edge to test per run (measured: conv2's unfold 0.74 -> 0.35-0.45 ms
                    // per batch of 60).
                    for (var c = 0; c < shape.InChannels; c++)
                    {
                        var channel = source + ((nint)c * h * w);
                        for (var i = 0; i < shape.KernelHeight; i++)
                        {
                            for (var j = 0; j < shape.KernelWidth; j++, row += rowStride)
                            {
                                var from = channel + ((nint)i * w) + j;
                                var line = row;
                                for (var oy = 0; oy < oh; oy++, from += w, line += ow)
                                {
                                    CopyRun(from, line, ow);
                                }
                            }
                        }
                    }

                    continue;
                }

                // Rows of the column matrix are short (OW values: 8 for LeNet-5's conv2), so plain pointer loops beat
                // span slicing and block copies here.
                for (var c = 0; c < shape.InChannels; c++)
                {
                    var channel = source + ((nint)c * h * w);
                    for (var i = 0; i < shape.KernelHeight; i++)
                    {
                        for (var j = 0; j < shape.KernelWidth; j++, row += rowStride)
                        {
                            var (first, end) = InsideRange(j - pad, s, w, ow);
                            var line = row;
                            for (var oy = 0; oy < oh; oy++, line += ow)
                            {
                                var y = (oy * s) - pad + i;
                                if ((uint)y >= (uint)h || first >= end)
                                {
                                    new Span<float>(line, ow).Clear();
                                    continue;
                                }

                                for (var ox = 0; ox < first; ox++)
                                {
                                    line[ox] = 0f;
                                }

                                var from = channel + ((nint)y * w) + ((first * s) - pad + j);
                                if (s == 1)
                                {
                                    CopyRun(from, line + first, end - first);
                                }
                                else
                                {
                                    for (var ox = first; ox < end; ox++, from += s)
                                    {
                                        line[ox] = *from;
                                    }
                                }

                                for (var ox = end; ox < ow; ox++)
                                {
                                    line[ox] = 0f;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="UnfoldChunk"/>: folds each sample's columns back onto its input.</summary>
    private static unsafe void FoldChunk(ReadOnlySpan<float> columns, int count, ConvolutionShape shape, Span<float> samples, bool accumulate)
    {
        if (!accumulate)
        {
            samples.Clear();
        }

        int h = shape.InHeight, w = shape.InWidth, oh = shape.OutHeight, ow = shape.OutWidth, s = shape.Stride, pad = shape.Padding;
        var plane = shape.OutPlane;
        nint rowStride = (nint)count * plane;
        fixed (float* columnsStart = columns)
        fixed (float* samplesStart = samples)
        {
            for (var n = 0; n < count; n++)
            {
                var sample = samplesStart + ((nint)n * shape.InputSize);
                var source = columnsStart + ((nint)n * plane);
                if (s == 1 && pad == 0)
                {
                    // Every window inside the input: the adjoint of UnfoldChunk's fast path, run by run in the same order
                    // as the general loop below.
                    for (var c = 0; c < shape.InChannels; c++)
                    {
                        var channel = sample + ((nint)c * h * w);
                        for (var i = 0; i < shape.KernelHeight; i++)
                        {
                            for (var j = 0; j < shape.KernelWidth; j++, source += rowStride)
                            {
                                var line = source;
                                var to = channel + ((nint)i * w) + j;
                                for (var oy = 0; oy < oh; oy++, line += ow, to += w)
                                {
                                    AddRun(line, to, ow);
                                }
                            }
                        }
                    }

                    continue;
                }

                for (var c = 0; c < shape.InChannels; c++)
                {
                    var channel = sample + ((nint)c * h * w);
                    for (var i = 0; i < shape.KernelHeight; i++)
                    {
                        for (var j = 0; j < shape.KernelWidth; j++, source += rowStride)
                        {
                            var (first, end) = InsideRange(j - pad, s, w, ow);
                            if (first >= end)
                            {
                                continue;
                            }

                            for (var oy = 0; oy < oh; oy++)
                            {
                                var y = (oy * s) - pad + i;
                                if ((uint)y >= (uint)h)
                                {
                                    continue;
                                }

                                var line = source + ((nint)oy * ow);
                                var target = channel + ((nint)y * w) + ((first * s) - pad + j);
                                if (s == 1)
                                {
                                    AddRun(line + first, target, end - first);
                                }
                                else
                                {
                                    for (var ox = first; ox < end; ox++, target += s)
                                    {
                                        *target += line[ox];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// to[0..count) = from[0..count). Runs are one output row (8 floats for LeNet-5's conv2, 24 for conv1): whole
    /// vectors and a scalar tail beat a block-copy call per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyRun(float* from, float* to, int count)
    {
        var k = 0;
        for (; k + 8 <= count; k += 8)
        {
            Vector256.Store(Vector256.Load(from + k), to + k);
        }

        for (; k < count; k++)
        {
            to[k] = from[k];
        }
    }

    /// <summary>to[0..count) += from[0..count), in the same order as a scalar loop (each element one addition).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddRun(float* from, float* to, int count)
    {
        var k = 0;
        for (; k + 8 <= count; k += 8)
        {
            Vector256.Store(Vector256.Load(to + k) + Vector256.Load(from + k), to + k);
        }

        for (; k < count; k++)
        {
            to[k] += from[k];
        }
    }

    /// <summary>The outputs [first, end) along one axis whose input position ox·stride + offset lies in [0, extent).</summary>
    private static (int First, int End) InsideRange(int offset, int stride, int extent, int outputs)
    {
        // ox·stride + offset ≥ 0  ⇔ ox ≥ ceil(−offset / stride); ox·stride + offset ≤ extent − 1 ⇔ ox ≤ floor((extent − 1 − offset) / stride).
        var first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        var last = extent - 1 - offset;
        var end = last < 0 ? 0 : Math.Min(outputs, (last / stride) + 1);
        return (first, Math.Max(first, end));
    }

    private static void Check(int inputLength, int outputLength, int weightLength, int workspaceLength, int batch, ConvolutionShape shape, string inputName, string outputName, string weightName)
    {
        shape.Validate();
        KernelGuard.Dimension(batch, nameof(batch));
        KernelGuard.MatrixLength(inputLength, batch, shape.InputSize, inputName, "batch×InChannels·InHeight·InWidth");
        KernelGuard.MatrixLength(outputLength, batch, shape.OutputSize, outputName, "batch×OutChannels·OutHeight·OutWidth");
        KernelGuard.MatrixLength(weightLength, shape.OutChannels, shape.PatchSize, weightName, "OutChannels×InChannels·KernelHeight·KernelWidth");
        var needed = shape.WorkspaceLength(batch);
        if (workspaceLength < needed)
        {
            throw new ArgumentException(
                $"'workspace' has length {workspaceLength}, needs at least {needed} (ConvolutionShape.WorkspaceLength({batch})).",
                "workspace");
        }
    }

    private static void RequireColumns(int length, ConvolutionShape shape)
    {
        if (length < shape.ColumnsLength)
        {
            throw new ArgumentException($"'columns' has length {length}, needs at least {shape.ColumnsLength} (InChannels·KernelHeight·KernelWidth × OutHeight·OutWidth).", "columns");
        }
    }

    private static void CheckPlanes(int valuesLength, int biasLength, int batch, int channels, int plane, string valuesName, string biasName)
    {
        KernelGuard.Dimension(batch, nameof(batch));
        KernelGuard.Dimension(channels, nameof(channels));
        KernelGuard.Dimension(plane, nameof(plane));
        KernelGuard.MatrixLength(valuesLength, batch, channels * plane, valuesName, "batch×channels·plane");
        KernelGuard.Length(biasLength, channels, biasName, "channels");
    }
}
