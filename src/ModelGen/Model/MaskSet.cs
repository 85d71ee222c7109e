using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace ModelGen.Model;

/// <summary>
/// Pruning masks for a <see cref="ParameterSet"/>: one 0/1 float per parameter, same layout (non-prunable entries stay
/// 1). Invariant: an entry the mask removes is exactly 0 in <see cref="ParameterSet.Values"/>. Every mask change
/// establishes it (<see cref="Set"/> and <see cref="Install"/> zero the removed weights), optimizers keep it (they
/// re-apply the mask after every step, whatever their state), and the library's loaders, rewinds and restores install
/// the mask after writing values. So the generated code reads W in place (W ⊙ M = W) and only masks weight gradients.
/// Code that writes <see cref="ParameterSet.Values"/> directly under an active mask calls
/// <see cref="ApplyToParameters"/> afterwards; until then a nonzero removed entry is read by the dense kernels and
/// ignored by the sparse ones.
/// </summary>
public sealed class MaskSet
{
    private readonly ParameterSet _parameters;
    private readonly float[] _values;
    private readonly Dictionary<int, int> _zerosByOffset = new();
    private int _zeroCount;
    private SparseUpdatePlan? _plan;
    private int _gradientsClearedVersion = -1;

    /// <summary>Creates an all-ones (nothing pruned) mask for <paramref name="parameters"/>.</summary>
    public MaskSet(ParameterSet parameters)
    {
        _parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        _values = new float[parameters.Count];
        Array.Fill(_values, 1f);
    }

    /// <summary>The parameter set this mask belongs to.</summary>
    internal ParameterSet Parameters => _parameters;

    /// <summary>Whether any entry is masked out. The generated code takes the mask-aware path only then.</summary>
    public bool IsActive { get; private set; }

    /// <summary>
    /// Bumped by every change (<see cref="Set"/>, <see cref="Reset"/>): whatever is derived from the mask (a layer's
    /// sparse structure, an optimizer's kept-index lists) rebuilds when the version it saw differs.
    /// </summary>
    public int Version { get; private set; }

    /// <summary>The whole mask, same layout as <see cref="ParameterSet.Values"/>.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>The mask of one tensor (all ones for a tensor that is not prunable).</summary>
    public ReadOnlySpan<float> Get(ParameterTensor tensor) => _values.AsSpan(tensor.Offset, tensor.Length);

    /// <summary>
    /// Replaces the mask of one prunable tensor and zeroes the weights it removes (the class's invariant). Entries must
    /// be exactly 0 or 1.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is not prunable, the length differs, or an entry is not 0/1.</exception>
    public void Set(ParameterTensor tensor, ReadOnlySpan<float> mask)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!tensor.IsPrunable)
        {
            throw new ArgumentException($"Parameter '{tensor.Name}' is not prunable.", nameof(tensor));
        }

        if (mask.Length != tensor.Length)
        {
            throw new ArgumentException($"Mask for '{tensor.Name}' has {mask.Length} entries, the tensor {tensor.Length}.", nameof(mask));
        }

        var zeros = 0;
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0f)
            {
                zeros++;
            }
            else if (mask[i] != 1f)
            {
                throw new ArgumentException($"Mask for '{tensor.Name}' has {mask[i]} at index {i}; masks hold 0 or 1.", nameof(mask));
            }
        }

        mask.CopyTo(_values.AsSpan(tensor.Offset, tensor.Length));
        if (zeros > 0)
        {
            var weights = _parameters.Value(tensor);
            TensorPrimitives.Multiply(weights, mask, weights);
        }

        // Zero counts per tensor keep IsActive exact without rescanning the whole mask on every Set (SynFlow sets
        // masks 100 times per pruning run).
        _zeroCount += zeros - _zerosByOffset.GetValueOrDefault(tensor.Offset);
        _zerosByOffset[tensor.Offset] = zeros;
        IsActive = _zeroCount > 0;
        Version++;
    }

    /// <summary>Number of entries of <paramref name="tensor"/> the mask removes (0 for a tensor never masked).</summary>
    public int CountRemoved(ParameterTensor tensor) => _zerosByOffset.GetValueOrDefault(tensor.Offset);
    /// <summary>
    /// Installs a whole mask (laid out like <see cref="ParameterSet.Values"/>, as pruners, lottery tickets and saved
    /// masks are): sets the mask of every prunable tensor from its slice and zeroes the removed weights, so the network
    /// is at once what it will train as. Nothing changes when the mask is refused.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The length differs from the parameter count, an entry is not exactly 0 or 1, or an entry of a tensor that is not
    /// prunable is 0 (that tensor cannot be masked); the message names the tensor and the index.
    /// </exception>
    public void Install(ReadOnlySpan<float> fullMask)
    {
        if (fullMask.Length != _values.Length)
        {
            throw new ArgumentException($"Mask has {fullMask.Length} entries, the parameter set {_values.Length}.", nameof(fullMask));
        }

        foreach (var tensor in _parameters.Tensors)
        {
            var slice = fullMask.Slice(tensor.Offset, tensor.Length);
            for (var i = 0; i < slice.Length; i++)
            {
                if (slice[i] != 1f && (slice[i] != 0f || !tensor.IsPrunable))
                {
                    var reason = tensor.IsPrunable ? "masks hold 0 or 1" : "the tensor is not prunable";
                    throw new ArgumentException($"Mask for '{tensor.Name}' has {slice[i]} at index {i}; {reason}.", nameof(fullMask));
                }
            }
        }

        foreach (var tensor in _parameters.Tensors)
        {
            if (tensor.IsPrunable)
            {
                Set(tensor, fullMask.Slice(tensor.Offset, tensor.Length));
            }
        }
    }

    /// <summary>Number of entries of <paramref name="tensor"/> the mask keeps.</summary>
    public int CountKept(ParameterTensor tensor) => (int)TensorPrimitives.Sum(Get(tensor));

    /// <summary>Unmasks everything.</summary>
    public void Reset()
    {
        Array.Fill(_values, 1f);
        _zerosByOffset.Clear();
        _zeroCount = 0;
        IsActive = false;
        Version++;
    }

    /// <summary>Zeroes masked-out values in <paramref name="values"/> (parameters, gradients or optimizer moments).</summary>
    /// <exception cref="ArgumentException">The span does not have the parameter set's length.</exception>
    public void ApplyTo(Span<float> values)
    {
        if (values.Length != _values.Length)
        {
            throw new ArgumentException($"Span has {values.Length} entries, the mask {_values.Length}.", nameof(values));
        }

        if (IsActive)
        {
            TensorPrimitives.Multiply(values, _values, values);
        }
    }

    /// <summary>Zeroes the masked-out parameters of the set this mask belongs to.</summary>
    public void ApplyToParameters() => ApplyTo(_parameters.Values);

    /// <summary>
    /// Sets the gradients of the set this mask belongs to to zero before a step, touching only the kept entries of
    /// tensors that run sparse: the whole array is cleared once per mask version, and after that the backward passes
    /// never write removed entries of sparse tensors (and optimizers never read them). Equivalent to
    /// <see cref="ParameterSet.ZeroGradients"/> for every kept entry.
    /// </summary>
    public void ZeroGradients()
    {
        var gradients = _parameters.Gradients;
        var plan = UpdatePlan;
        if (!plan.HasSparse || _gradientsClearedVersion != Version)
        {
            Array.Clear(gradients);
            _gradientsClearedVersion = Version;
            return;
        }

        for (var piece = 0; piece < plan.Count; piece++)
        {
            if (plan.Kept[piece] is { } kept)
            {
                ZeroAt(gradients, kept);
            }
            else
            {
                Array.Clear(gradients, plan.Starts[piece], plan.Lengths[piece]);
            }
        }
    }

    // gradients[i] = 0 at the listed positions, which SparseUpdatePlan built inside the array: without bounds checks and
    // four stores per iteration, so the stores (mostly to distinct cache lines) issue back to back.
    private static unsafe void ZeroAt(float[] gradients, int[] positions)
    {
        fixed (float* g = gradients)
        fixed (int* at = positions)
        {
            int k = 0, n = positions.Length;
            for (; k + 4 <= n; k += 4)
            {
                g[at[k]] = 0f;
                g[at[k + 1]] = 0f;
                g[at[k + 2]] = 0f;
                g[at[k + 3]] = 0f;
            }

            for (; k < n; k++)
            {
                g[at[k]] = 0f;
            }
        }
    }

    /// <summary>How optimizers and <see cref="ZeroGradients"/> cut the parameters under the current mask (cached per version).</summary>
    internal SparseUpdatePlan UpdatePlan => _plan is { } plan && plan.Version == Version ? plan : _plan = SparseUpdatePlan.Build(_parameters, this);
}
