using System;

namespace ModelGen.Model;

/// <summary>
/// PyTorch's CPU random generator, reproduced draw for draw: the 32-bit Mersenne Twister (MT19937) that
/// <c>torch.manual_seed(seed)</c> and <c>torch.Generator().manual_seed(seed)</c> start, with the two consumers
/// ModelGen needs — <c>Tensor.uniform_</c> on float32 tensors and <c>torch.randperm</c>. Checked bit for bit against
/// PyTorch 1.13 (tests/ModelGen.Tests/Model/Fixtures/torch-rng.json, written by peer/torch_rng_fixture.py).
/// </summary>
/// <remarks>
/// What it is for: a run whose θ0 and batch order are the ones a PyTorch script with the same seed gets, so that a
/// comparison with a PyTorch peer measures the two trainers rather than two random draws. It is not a general-purpose
/// generator (use <see cref="Random"/>): the draw rules below are PyTorch's, kept exactly as PyTorch has them.
/// </remarks>
public sealed class TorchGenerator
{
    private const int StateSize = 624;
    private const int ShiftSize = 397;
    private const uint MatrixA = 0x9908b0df;

    // 24 random bits make a float in [0, 1): PyTorch's uniform_real for float keeps digits(float) = 24 of the 32.
    private const uint FloatMantissaMask = (1u << 24) - 1;
    private const float FloatUnit = 1.0f / (1 << 24);

    private readonly uint[] _state = new uint[StateSize];
    private int _next;

    /// <summary>A generator in the state <c>torch.manual_seed(seed)</c> leaves (the seed's low 32 bits, as PyTorch keeps).</summary>
    public TorchGenerator(long seed)
    {
        _state[0] = unchecked((uint)seed);
        for (var j = 1; j < StateSize; j++)
        {
            var previous = _state[j - 1];
            _state[j] = unchecked((1812433253u * (previous ^ (previous >> 30))) + (uint)j);
        }

        _next = StateSize; // the first draw regenerates the whole state, as MT19937 does
    }

    /// <summary>The next 32-bit output (PyTorch's <c>generator->random()</c>).</summary>
    public uint NextUInt32()
    {
        if (_next >= StateSize)
        {
            Twist();
        }

        var y = _state[_next++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >> 18;
        return y;
    }

    /// <summary>
    /// Fills <paramref name="values"/> as <c>tensor.uniform_(from, to)</c> fills a contiguous float32 tensor: one
    /// draw per entry in storage order, 24 bits scaled to [0, 1), then <c>x·(to − from) + from</c> in float32 with
    /// one rounding (PyTorch's CPU build contracts it to a fused multiply-add). The bounds are rounded to float32 first,
    /// as PyTorch's kernel does.
    /// </summary>
    public void FillUniform(Span<float> values, double from, double to)
    {
        var low = (float)from;
        var width = (float)to - low;
        for (var i = 0; i < values.Length; i++)
        {
            var unit = (NextUInt32() & FloatMantissaMask) * FloatUnit;
            values[i] = MathF.FusedMultiplyAdd(unit, width, low);
        }
    }

    /// <summary>
    /// Writes <c>torch.randperm(order.Length, generator=…)</c> into <paramref name="order"/>: the identity, then for
    /// each position i from the front a swap with i + (draw mod (n − i)), PyTorch 1.13's CPU rule (checked against it
    /// for n up to 60,000).
    /// </summary>
    public void Permutation(Span<int> order)
    {
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var n = order.Length;
        for (var i = 0; i < n - 1; i++)
        {
            var z = (int)(NextUInt32() % (uint)(n - i));
            (order[i], order[i + z]) = (order[i + z], order[i]);
        }
    }

    private void Twist()
    {
        for (var k = 0; k < StateSize; k++)
        {
            var y = (_state[k] & 0x80000000u) | (_state[(k + 1) % StateSize] & 0x7fffffffu);
            _state[k] = _state[(k + ShiftSize) % StateSize] ^ (y >> 1) ^ ((y & 1) != 0 ? MatrixA : 0u);
        }

        _next = 0;
    }
}
