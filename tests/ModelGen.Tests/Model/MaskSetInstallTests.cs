using ModelGen.Model;
using ModelGen.Tests.Pruning;
using Xunit;

namespace ModelGen.Tests.Model;

/// <summary><see cref="MaskSet.Install"/>: a whole-layout mask set tensor by tensor, removed weights zeroed, bad masks refused whole.</summary>
public sealed class MaskSetInstallTests
{
    [Fact]
    public void InstallSetsEveryPrunableTensorAndZeroesExactlyTheRemovedWeights()
    {
        var network = new PruneOddNet(3);
        var before = network.Parameters.Values.ToArray();
        var mask = new float[network.Parameters.Count];
        Array.Fill(mask, 1f);
        var removed = new List<int>();
        foreach (var tensor in network.Parameters.Tensors.Where(t => t.IsPrunable))
        {
            // Every third weight of each tensor, so each tensor's slice is checked.
            for (var i = 0; i < tensor.Length; i += 3)
            {
                mask[tensor.Offset + i] = 0f;
                removed.Add(tensor.Offset + i);
            }
        }

        network.Masks.Install(mask);

        Assert.True(network.Masks.IsActive);
        Assert.Equal(mask, network.Masks.Values.ToArray());
        foreach (var tensor in network.Parameters.Tensors.Where(t => t.IsPrunable))
        {
            Assert.Equal((tensor.Length + 2) / 3, tensor.Length - network.Masks.CountKept(tensor));
        }

        var after = network.Parameters.Values;
        for (var i = 0; i < after.Length; i++)
        {
            Assert.Equal(removed.Contains(i) ? 0f : before[i], after[i]);
        }

        // Installing all ones unmasks (the removed weights stay zero: a mask does not remember values).
        Array.Fill(mask, 1f);
        network.Masks.Install(mask);
        Assert.False(network.Masks.IsActive);
        Assert.All(removed, i => Assert.Equal(0f, network.Parameters.Values[i]));
    }

    [Fact]
    public void InstallRefusesABadMaskWithoutChangingAnything()
    {
        var network = new PruneOddNet(3);
        var before = network.Parameters.Values.ToArray();
        var bias = network.Parameters.Tensors.First(t => !t.IsPrunable);
        var weight = network.Parameters.Tensors.Last(t => t.IsPrunable);
        float[] Mask(Action<float[]> change)
        {
            var mask = new float[network.Parameters.Count];
            Array.Fill(mask, 1f);
            // A valid removal in the first tensor: must not be installed when a later entry is bad.
            mask[0] = 0f;
            change(mask);
            return mask;
        }

        var shorter = Assert.Throws<ArgumentException>(() => network.Masks.Install(new float[network.Parameters.Count - 1]));
        var notBinary = Assert.Throws<ArgumentException>(() => network.Masks.Install(Mask(m => m[weight.Offset + 2] = 0.5f)));
        var onBias = Assert.Throws<ArgumentException>(() => network.Masks.Install(Mask(m => m[bias.Offset + 1] = 0f)));

        Assert.Contains($"{network.Parameters.Count - 1} entries, the parameter set {network.Parameters.Count}", shorter.Message, StringComparison.Ordinal);
        Assert.Contains($"Mask for '{weight.Name}' has 0.5 at index 2; masks hold 0 or 1.", notBinary.Message, StringComparison.Ordinal);
        Assert.Contains($"Mask for '{bias.Name}' has 0 at index 1; the tensor is not prunable.", onBias.Message, StringComparison.Ordinal);
        Assert.False(network.Masks.IsActive);
        Assert.All(network.Masks.Values.ToArray(), v => Assert.Equal(1f, v));
        Assert.Equal(before, network.Parameters.Values.ToArray());
    }
}
