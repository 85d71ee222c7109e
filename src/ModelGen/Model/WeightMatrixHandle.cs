using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using ModelGen.Kernels;

namespace ModelGen.Model;

/// <summary>
/// The kernel seam between generated code and one weight matrix W [rows, cols] of a layer (<c>fc1.weight</c>, or a
/// factor <c>fc1.U</c>/<c>fc1.Vt</c>). Generated passes call its products and never branch on masks: the handle
/// picks dense, masked dense or sparse kernels when the mask's <see cref="MaskSet.Version"/> changes (lazily, at the
/// next <see cref="Prepare"/>), by <see cref="SparseKernelChoice"/>, a pure function of shape and density. Values
/// always stay in <see cref="ParameterSet.Values"/> and every kernel reads them in place: the sparse structure holds
/// positions only, and masked dense mode relies on <see cref="MaskSet"/>'s invariant that removed entries are exactly
/// 0 there (so W ⊙ M = W and the dense kernels cost what they cost unmasked; only the weight gradient is masked).
/// Rewinding, restoring or decaying parameters therefore needs no synchronisation with the handle. A caller that
/// writes a nonzero value into a removed entry breaks that invariant until <see cref="MaskSet.ApplyToParameters"/>:
/// the dense kernels would read the value, the sparse ones ignore it. Directions of Hessian-vector products go
/// through the same kernels with values from the direction vector (which the caller has masked).
/// Each product also takes its operands' <see cref="ActivationLayout"/>s: between two layers that both run sparse the
/// activations stay feature-major (<see cref="Boundary"/>), and dense modes only ever see sample-major operands.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class WeightMatrixHandle
{
    private readonly float[] _values;
    private readonly MaskSet _masks;
    private readonly int _offset;
    private readonly int _rows;
    private readonly int _cols;
    private readonly bool _prunable;
    private readonly bool _allowSparse = true;
    private int _version = -1;
    private int _preparedVersion = -1;
    private Mode _mode;
    private bool _sparsePerSample;
    private SparsePattern? _pattern;
    private float[] _scratch = Array.Empty<float>();

    /// <summary>Creates the handle for <paramref name="tensor"/> of <paramref name="parameters"/>, masked by <paramref name="masks"/>.</summary>
    /// <exception cref="ArgumentException">The tensor or the masks belong to another parameter set.</exception>
    public WeightMatrixHandle(ParameterSet parameters, MaskSet masks, ParameterTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(masks);
        ArgumentNullException.ThrowIfNull(tensor);
        if (!parameters.TryGet(tensor.Name, out var own) || !ReferenceEquals(own, tensor))
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' does not belong to this parameter set.", nameof(tensor));
        }

        if (!ReferenceEquals(masks.Parameters, parameters))
        {
            throw new ArgumentException("The mask set belongs to another parameter set.", nameof(masks));
        }

        _values = parameters.Values;
        _masks = masks;
        _offset = tensor.Offset;
        _rows = tensor.Rows;
        _cols = tensor.Cols;
        _prunable = tensor.IsPrunable;
        Tensor = tensor;
    }

    /// <summary>
    /// Creates the handle; with <paramref name="allowSparse"/> false it never picks the sparse kernels (for weights whose
    /// products run outside the handle, such as convolutions, which read <see cref="Weights"/>).
    /// </summary>
    public WeightMatrixHandle(ParameterSet parameters, MaskSet masks, ParameterTensor tensor, bool allowSparse)
        : this(parameters, masks, tensor)
    {
        _allowSparse = allowSparse;
    }

    private enum Mode
    {
        Dense,
        MaskedDense,
        Sparse,
    }

    /// <summary>The weight tensor this handle computes with.</summary>
    public ParameterTensor Tensor { get; }

    /// <summary>The kernels the current mask selects for batched products (the weight gradient at every batch).</summary>
    public KernelKind Kernel
    {
        get
        {
            Refresh();
            return _mode == Mode.Sparse ? KernelKind.Sparse : KernelKind.Dense;
        }
    }

    /// <summary>
    /// The kernels of the forward and input-gradient products when samples are processed one by one (below
    /// <see cref="SparseGemm.VectorBatch"/>): dense with the mask for a sparse matrix denser than
    /// <see cref="SparseKernelChoice.PerSampleCrossoverDensity"/>, else as <see cref="Kernel"/>.
    /// </summary>
    public KernelKind PerSampleKernel
    {
        get
        {
            Refresh();
            return _mode == Mode.Sparse && _sparsePerSample ? KernelKind.Sparse : KernelKind.Dense;
        }
    }

    /// <summary>Entries the current mask keeps.</summary>
    public int Kept
    {
        get
        {
            Refresh();
            return Tensor.Length - (_prunable ? _masks.CountRemoved(Tensor) : 0);
        }
    }

    /// <summary>
    /// Brings the handle up to date: rebuilds the kernel choice and structure if the mask changed (nothing else: every
    /// mode reads the parameters in place). Called once at the start of every pass over the network.
    /// </summary>
    public void Prepare()
    {
        Refresh();
        _preparedVersion = _version;
    }

    /// <summary>
    /// The weights for kernels the handle does not wrap (convolutions): W itself, whose removed entries are zero
    /// (<see cref="MaskSet"/>'s invariant), so it equals W ⊙ M.
    /// </summary>
    /// <exception cref="InvalidOperationException">The handle runs sparse (create it with allowSparse: false).</exception>
    public ReadOnlySpan<float> Weights
    {
        get
        {
            RequirePrepared();
            return _mode == Mode.Sparse
                ? throw new InvalidOperationException($"{Tensor.Name} runs on the sparse kernels; it has no dense weights.")
                : _values.AsSpan(_offset, Tensor.Length);
        }
    }

    /// <summary>Zeroes this tensor's removed entries in <paramref name="gradients"/> (laid out like the parameters), if any.</summary>
    public void MaskGradient(Span<float> gradients)
    {
        RequirePrepared();
        if (_mode != Mode.Dense)
        {
            var g = gradients.Slice(_offset, Tensor.Length);
            TensorPrimitives.Multiply(g, _masks.Get(Tensor), g);
        }
    }

    /// <summary>Y[batch, rows] = X[batch, cols]·Wᵀ (Y += with <paramref name="accumulate"/>), W the prepared weights.</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, bool accumulate = false)
    {
        RequirePrepared();
        MultiplyTransposed(_values.AsSpan(_offset, Tensor.Length), x, y, batch, accumulate);
    }

    /// <summary>Y = X·Vᵀ (Y += with <paramref name="accumulate"/>), V this tensor's slice of the masked <paramref name="direction"/>.</summary>
    public void ForwardDirection(ReadOnlySpan<float> direction, ReadOnlySpan<float> x, Span<float> y, int batch, bool accumulate = false)
    {
        RequirePrepared();
        MultiplyTransposed(direction.Slice(_offset, Tensor.Length), x, y, batch, accumulate);
    }

    /// <summary>dX[batch, cols] = dY[batch, rows]·W (dX += with <paramref name="accumulate"/>).</summary>
    public void InputGradient(ReadOnlySpan<float> dy, Span<float> dx, int batch, bool accumulate = false)
    {
        RequirePrepared();
        Multiply(_values.AsSpan(_offset, Tensor.Length), dy, dx, batch, accumulate);
    }

    /// <summary>dX = dY·V (dX += with <paramref name="accumulate"/>), V this tensor's slice of the masked <paramref name="direction"/>.</summary>
    public void InputGradientDirection(ReadOnlySpan<float> direction, ReadOnlySpan<float> dy, Span<float> dx, int batch, bool accumulate = false)
    {
        RequirePrepared();
        Multiply(direction.Slice(_offset, Tensor.Length), dy, dx, batch, accumulate);
    }

    /// <summary>
    /// Adds dYᵀ·X to this tensor's slice of <paramref name="gradients"/> (laid out like the parameters) at the kept
    /// positions: a dense product masked afterwards, or the sparse kernel that computes kept positions only.
    /// </summary>
    public void AccumulateWeightGradient(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> gradients, int batch)
    {
        RequirePrepared();
        var g = gradients.Slice(_offset, Tensor.Length);
        switch (_mode)
        {
            case Mode.Sparse:
                SparseGemm.AccumulateWeightGradient(dy, x, _pattern!, g, _scratch, batch);
                break;
            case Mode.MaskedDense:
                Gemm.MultiplyTransposedA(dy, x, g, _rows, _cols, batch, accumulate: true);
                TensorPrimitives.Multiply(g, _masks.Get(Tensor), g);
                break;
            default:
                Gemm.MultiplyTransposedA(dy, x, g, _rows, _cols, batch, accumulate: true);
                break;
        }
    }

    /// <summary>
    /// The layout of the activations between layer <paramref name="producer"/> and the next layer
    /// <paramref name="consumer"/>, decided once per pass: feature-major iff both run sparse and the batch runs
    /// vectorised (<see cref="ActivationLayout.For"/>), so the dense modes only ever see sample-major operands.
    /// </summary>
    public static ActivationLayout Boundary(WeightMatrixHandle producer, WeightMatrixHandle consumer, int batch)
    {
        ArgumentNullException.ThrowIfNull(producer);
        ArgumentNullException.ThrowIfNull(consumer);
        producer.RequirePrepared();
        consumer.RequirePrepared();
        return ActivationLayout.For(producer._mode == Mode.Sparse && consumer._mode == Mode.Sparse, batch);
    }

    /// <summary>
    /// The layout of the network input when this handle's layer is the first: feature-major iff it runs sparse (and the
    /// batch runs vectorised); the input is then transposed once per pass by <see cref="TransposeInput"/>.
    /// </summary>
    public ActivationLayout InputLayout(int batch)
    {
        RequirePrepared();
        return ActivationLayout.For(_mode == Mode.Sparse, batch);
    }

    /// <summary>
    /// The first layer's input in <paramref name="layout"/>: <paramref name="input"/> itself when sample-major; else
    /// its feature-major copy in <paramref name="featureMajor"/> (only the features this pattern reads), which the
    /// later passes of the same call read back through <see cref="ActivationLayout.Select"/>.
    /// </summary>
    public ReadOnlySpan<float> TransposeInput(ReadOnlySpan<float> input, float[] featureMajor, ActivationLayout layout)
    {
        ArgumentNullException.ThrowIfNull(featureMajor);
        RequirePrepared();
        if (!layout.IsFeatureMajor)
        {
            return input;
        }

        var target = featureMajor.AsSpan(0, layout.Length(_cols));
        SparseGemm.TransposeInput(input, RequireSparse(), target, layout);
        return target;
    }

    /// <summary>Y = X·Wᵀ (Y += with <paramref name="accumulate"/>) with X and Y in their layouts.</summary>
    public void Forward(ReadOnlySpan<float> x, ActivationLayout xLayout, Span<float> y, ActivationLayout yLayout, bool accumulate = false)
    {
        RequirePrepared();
        MultiplyTransposed(_values.AsSpan(_offset, Tensor.Length), x, xLayout, y, yLayout, accumulate);
    }

    /// <summary>Y = X·Vᵀ (Y += with <paramref name="accumulate"/>) in the given layouts, V this tensor's slice of the masked <paramref name="direction"/>.</summary>
    public void ForwardDirection(ReadOnlySpan<float> direction, ReadOnlySpan<float> x, ActivationLayout xLayout, Span<float> y, ActivationLayout yLayout, bool accumulate = false)
    {
        RequirePrepared();
        MultiplyTransposed(direction.Slice(_offset, Tensor.Length), x, xLayout, y, yLayout, accumulate);
    }

    /// <summary>dX = dY·W (dX += with <paramref name="accumulate"/>) with dY and dX in their layouts.</summary>
    public void InputGradient(ReadOnlySpan<float> dy, ActivationLayout dyLayout, Span<float> dx, ActivationLayout dxLayout, bool accumulate = false)
    {
        RequirePrepared();
        Multiply(_values.AsSpan(_offset, Tensor.Length), dy, dyLayout, dx, dxLayout, accumulate);
    }

    /// <summary>dX = dY·V (dX += with <paramref name="accumulate"/>) in the given layouts, V this tensor's slice of the masked <paramref name="direction"/>.</summary>
    public void InputGradientDirection(ReadOnlySpan<float> direction, ReadOnlySpan<float> dy, ActivationLayout dyLayout, Span<float> dx, ActivationLayout dxLayout, bool accumulate = false)
    {
        RequirePrepared();
        Multiply(direction.Slice(_offset, Tensor.Length), dy, dyLayout, dx, dxLayout, accumulate);
    }

    /// <summary>Adds dYᵀ·X at the kept positions (see the sample-major overload) with dY and X in their layouts.</summary>
    public void AccumulateWeightGradient(ReadOnlySpan<float> dy, ActivationLayout dyLayout, ReadOnlySpan<float> x, ActivationLayout xLayout, Span<float> gradients)
    {
        RequirePrepared();
        if (_mode == Mode.Sparse)
        {
            SparseGemm.AccumulateWeightGradient(dy, dyLayout, x, xLayout, _pattern!, gradients.Slice(_offset, Tensor.Length), _scratch);
            return;
        }

        AccumulateWeightGradient(dy, x, gradients, DenseBatch(dyLayout, xLayout));
    }

    /// <summary>
    /// One layer's entry of <see cref="INetwork.Execution"/>: sparse when any of its matrices runs sparse; the density
    /// is the kept fraction over all of them.
    /// </summary>
    public static LayerExecution Describe(string layer, params WeightMatrixHandle[] handles)
    {
        ArgumentNullException.ThrowIfNull(handles);
        long kept = 0, total = 0;
        KernelKind kernel = KernelKind.Dense, perSample = KernelKind.Dense;
        foreach (var handle in handles)
        {
            kept += handle.Kept;
            total += handle.Tensor.Length;
            kernel = handle.Kernel == KernelKind.Sparse ? KernelKind.Sparse : kernel;
            perSample = handle.PerSampleKernel == KernelKind.Sparse ? KernelKind.Sparse : perSample;
        }

        return new LayerExecution(layer, kernel, total == 0 ? 1.0 : (double)kept / total, perSample);
    }

    /// <summary>Products need the structure and copies of the current mask: a mask change since <see cref="Prepare"/> is a caller bug.</summary>
    private void RequirePrepared()
    {
        if (_preparedVersion != _masks.Version)
        {
            throw new InvalidOperationException($"The mask of '{Tensor.Name}' changed since the last Prepare(); call Prepare() before computing with it.");
        }
    }

    // Whether a forward or input-gradient product of this batch runs on the sparse kernels: always from the batches that
    // run vectorised on, and per sample only below the per-sample crossover (SparseKernelChoice). Sample by sample both
    // layouts are sample-major, so the dense kernels can take over.
    private bool SparseProduct(int batch) => _mode == Mode.Sparse && (_sparsePerSample || SparseGemm.RunsFeatureMajor(batch));

    private void MultiplyTransposed(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ActivationLayout xLayout, Span<float> y, ActivationLayout yLayout, bool accumulate)
    {
        if (SparseProduct(xLayout.Batch))
        {
            SparseGemm.MultiplyTransposedB(x, xLayout, _pattern!, w, y, yLayout, accumulate);
        }
        else
        {
            Gemm.MultiplyTransposedB(x, w, y, DenseBatch(xLayout, yLayout), _rows, _cols, accumulate);
        }
    }

    private void Multiply(ReadOnlySpan<float> w, ReadOnlySpan<float> dy, ActivationLayout dyLayout, Span<float> dx, ActivationLayout dxLayout, bool accumulate)
    {
        if (SparseProduct(dyLayout.Batch))
        {
            SparseGemm.Multiply(dy, dyLayout, _pattern!, w, dx, dxLayout, accumulate);
        }
        else
        {
            Gemm.Multiply(dy, w, dx, DenseBatch(dyLayout, dxLayout), _cols, _rows, accumulate);
        }
    }

    /// <summary>
    /// The batch of a dense-mode product: by <see cref="Boundary"/>'s rule a boundary next to a dense layer is
    /// sample-major, so a feature-major operand here is a caller bug (the dense kernels would read it as rows).
    /// </summary>
    private int DenseBatch(ActivationLayout a, ActivationLayout b)
    {
        if (a.IsFeatureMajor || b.IsFeatureMajor)
        {
            throw new InvalidOperationException($"{Tensor.Name} runs on the dense kernels, which take sample-major activations only.");
        }

        return KernelGuard.SameBatch(a, b, nameof(b));
    }

    private SparsePattern RequireSparse() =>
        _mode == Mode.Sparse ? _pattern! : throw new InvalidOperationException($"{Tensor.Name} runs on the dense kernels; its input stays sample-major.");

    /// <summary>
    /// Y = X·Wᵀ for weights <paramref name="w"/> laid out like this tensor: the sparse kernel reads only the kept
    /// positions, the dense one all of them (removed entries are zero: the mask set's invariant, or a masked direction).
    /// </summary>
    private void MultiplyTransposed(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y, int batch, bool accumulate) =>
        MultiplyTransposed(w, x, ActivationLayout.SampleMajor(batch), y, ActivationLayout.SampleMajor(batch), accumulate);

    /// <summary>dX = dY·W for weights <paramref name="w"/> laid out like this tensor (see the sample-major <c>MultiplyTransposed</c>).</summary>
    private void Multiply(ReadOnlySpan<float> w, ReadOnlySpan<float> dy, Span<float> dx, int batch, bool accumulate) =>
        Multiply(w, dy, ActivationLayout.SampleMajor(batch), dx, ActivationLayout.SampleMajor(batch), accumulate);

    private void Refresh()
    {
        if (_version == _masks.Version)
        {
            return;
        }

        _version = _masks.Version;
        var removed = _prunable ? _masks.CountRemoved(Tensor) : 0;
        _pattern = null;
        _sparsePerSample = false;
        if (removed == 0)
        {
            _mode = Mode.Dense;
        }
        else if (_allowSparse && SparseKernelChoice.PrefersSparse(_rows, _cols, Tensor.Length - removed))
        {
            _mode = Mode.Sparse;
            _sparsePerSample = SparseKernelChoice.PrefersSparsePerSample(_rows, _cols, Tensor.Length - removed);
            _pattern = SparsePattern.FromMask(_masks.Get(Tensor), _rows, _cols);
            _scratch = new float[_pattern.Count];
        }
        else
        {
            _mode = Mode.MaskedDense;
        }
    }
}
