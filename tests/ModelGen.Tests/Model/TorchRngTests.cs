using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using ModelGen.Examples;
using ModelGen.Model;
using ModelGen.Training;
using Xunit;

namespace ModelGen.Tests.Model;

/// <summary>
/// <see cref="TorchGenerator"/>, <see cref="TorchInitialization"/> and the trainer's PyTorch shuffle against what
/// PyTorch 1.13 gives for the same seeds (Fixtures/torch-rng.json, written by peer/torch_rng_fixture.py): every
/// parameter and every permutation entry bit for bit, through SHA-256 over the raw little-endian bytes.
/// </summary>
public sealed class TorchRngTests
{
    private static readonly Lazy<JsonElement> Fixture = new(() => JsonDocument.Parse(File.ReadAllText(FixturePath())).RootElement);

    public static TheoryData<string, int> ModelsAndSeeds => new() { { "lenet5", 0 }, { "lenet5", 1 }, { "lenet5", 1_000_003 }, { "lenet300", 0 }, { "lenet300", 2 } };

    [Theory]
    [MemberData(nameof(ModelsAndSeeds))]
    public void Every_parameter_is_the_one_pytorch_draws_after_manual_seed(string model, int seed)
    {
        INetwork network = model == "lenet5" ? new LeNet5(seed) : new LeNet300(seed);
        TorchInitialization.Initialize(network.Parameters, seed);

        // PyTorch's state_dict lists each module's weight, then its bias, in module order: the order drawn.
        var expected = Fixture.Value.GetProperty("models").GetProperty($"{model}/{seed}").EnumerateObject().ToArray();
        var ours = network.Parameters.Tensors.OrderBy(t => t.LayerIndex).ThenBy(t => t.Role).ToArray();
        Assert.Equal(expected.Length, ours.Length);
        for (var i = 0; i < ours.Length; i++)
        {
            var values = network.Parameters.Value(ours[i]).ToArray();
            AssertSame(expected[i].Value, MemoryMarshal.AsBytes(values.AsSpan()), values.Take(4).Select(v => (double)v), $"{ours[i].Name} (PyTorch's {expected[i].Name})");
        }
    }

    [Theory]
    [InlineData(7_996, 0)]
    [InlineData(7_996, 3)]
    [InlineData(60_000, 1)]
    [InlineData(2, 0)]
    [InlineData(1, 0)]
    public void Two_epochs_of_the_trainers_pytorch_shuffle_are_two_randperm_calls_on_one_generator(int n, int seed)
    {
        var shuffle = EpochShuffle.For(new TrainingOptions { Seed = seed, Shuffling = RandomSource.PyTorch });
        var epochs = Fixture.Value.GetProperty("permutations").GetProperty($"{n}/{seed}").EnumerateArray().ToArray();
        var order = new int[n];
        for (var epoch = 0; epoch < epochs.Length; epoch++)
        {
            shuffle.Next(order);
            AssertSame(epochs[epoch], MemoryMarshal.AsBytes(order.AsSpan()), order.Take(4).Select(v => (double)v), $"epoch {epoch + 1} of randperm({n}), seed {seed}");
        }
    }

    [Theory]
    [InlineData(0, 0.9)]
    [InlineData(1, 0.98)]
    public void The_random_pruner_drawing_from_pytorch_keeps_the_peers_random_mask(int seed, double sparsity)
    {
        // The peer's random_masks: torch.rand per weight tensor from Generator().manual_seed(seed), one global top-k.
        var network = new LeNet5(seed);
        new ModelGen.Pruning.RandomPruner(seed, RandomSource.PyTorch).Prune(network, sparsity);
        var expected = Fixture.Value.GetProperty("random_masks").GetProperty(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"lenet5/{seed}/{sparsity}")).EnumerateArray().ToArray();
        var prunable = network.Parameters.Tensors.Where(t => t.IsPrunable).ToArray();
        Assert.Equal(expected.Length, prunable.Length);
        for (var i = 0; i < prunable.Length; i++)
        {
            var mask = network.Masks.Get(prunable[i]).ToArray();
            AssertSame(expected[i], MemoryMarshal.AsBytes(mask.AsSpan()), mask.Take(4).Select(v => (double)v), $"{prunable[i].Name}'s random mask");
        }

        var ours = new LeNet5(seed);
        new ModelGen.Pruning.RandomPruner(seed).Prune(ours, sparsity);
        Assert.NotEqual(ours.Masks.Values.ToArray(), network.Masks.Values.ToArray());
    }

    [Fact]
    public void The_default_shuffle_is_modelgens_own_and_differs_from_pytorchs()
    {
        var ours = new int[7_996];
        var torch = new int[7_996];
        EpochShuffle.For(new TrainingOptions { Seed = 0 }).Next(ours);
        EpochShuffle.For(new TrainingOptions { Seed = 0, Shuffling = RandomSource.PyTorch }).Next(torch);
        Assert.NotEqual(ours, torch);
        Assert.Equal(Enumerable.Range(0, ours.Length), ours.Order());
    }

    [Fact]
    public void The_generator_is_the_reference_mt19937()
    {
        // MT19937's published check: the 10,000th output for the reference seed 5489 is 4,123,659,995 (C++ [rand.predef]).
        var generator = new TorchGenerator(5489);
        for (var i = 1; i < 10_000; i++)
        {
            generator.NextUInt32();
        }

        Assert.Equal(4_123_659_995u, generator.NextUInt32());
    }

    [Fact]
    public void Factorized_layers_are_refused_by_name()
    {
        var network = new LeNet300Rank8(0);
        var error = Assert.Throws<ArgumentException>(() => TorchInitialization.Initialize(network.Parameters, 0));
        Assert.Contains("'fc1.", error.Message, StringComparison.Ordinal);
        Assert.Contains("PyTorch has no such layer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_shuffling_source_is_refused_by_the_options()
    {
        var options = new TrainingOptions { Shuffling = (RandomSource)7 };
        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(nameof(TrainingOptions.Shuffling), error.ParamName);
    }

    private static void AssertSame(JsonElement expected, ReadOnlySpan<byte> bytes, IEnumerable<double> first, string what)
    {
        Assert.True(BitConverter.IsLittleEndian, "the fixture's hashes are over little-endian bytes");
        Assert.Equal(expected.GetProperty("length").GetInt32() * 4, bytes.Length);
        Assert.Equal(expected.GetProperty("first").EnumerateArray().Select(v => v.GetDouble()), first);
        Assert.True(expected.GetProperty("sha256").GetString() == Convert.ToHexStringLower(SHA256.HashData(bytes)), $"{what}: the values differ from PyTorch's");
    }

    private static string FixturePath([CallerFilePath] string sourceFile = "")
    {
        var beside = Path.Combine(Path.GetDirectoryName(sourceFile)!, "Fixtures", "torch-rng.json");
        return File.Exists(beside) ? beside : Path.Combine(AppContext.BaseDirectory, "Model", "Fixtures", "torch-rng.json");
    }
}
