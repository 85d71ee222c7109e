using System.Runtime.CompilerServices;
using ModelGen.Examples;
using ModelGen.Generated;
using ModelGen.Model;
using ModelGen.Tickets;
using ModelGen.Training;
using Xunit;

namespace ModelGen.Tests.Baked;

/// <summary>
/// The catalog's lenet300-ticket98, baked at build time from the committed examples/Models/lenet300-lth98.ticket,
/// against LeNet-300-100 trained under the same ticket's masks: same θ0, same logits, same dense view.
/// </summary>
public sealed class LeNet300Ticket98Tests
{
    private static readonly Lazy<TicketDocument> s_ticket = new(() => LotteryTickets.Load(Path.Combine(RepositoryRoot(), "examples", "Models", "lenet300-lth98.ticket")));

    [Fact]
    public void Is_baked_from_the_committed_ticket_and_listed_in_the_catalog()
    {
        var baked = new LeNet300Ticket98();
        var ticket = s_ticket.Value;
        Assert.Equal(ticket.ContentHash, baked.TicketHash);
        Assert.Equal("lenet300", baked.SourceModel);
        Assert.Equal(LeNet300Ticket98.TicketSeed, ticket.Seed);
        Assert.Equal(new LeNet300().Parameters.Tensors, baked.DenseTensors);
        Assert.Equal(LeNet300.Descriptor.Layers, baked.DenseLayers);

        // Only kept weights of live units and their biases: fewer than the ticket keeps (some units are dead).
        var kept = ticket.Tensors.Sum(static t => t.KeptCount);
        var units = baked.Layers.Sum(static l => l.OutputSize);
        Assert.Equal(LeNet300Ticket98.ParameterCount, baked.Parameters.Count);
        Assert.InRange(baked.Parameters.Count - units, 1, kept);
        Assert.False(baked.Masks.IsActive);
        var descriptor = ModelCatalog.Find("lenet300-ticket98");
        Assert.NotNull(descriptor);
        Assert.Equal(baked.Parameters.Values, descriptor!.Create(ticket.Seed).Parameters.Values);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(0, 60)]
    [InlineData(3, 5)]
    [InlineData(1, 7)]
    [InlineData(1, 8)]
    public void Logits_equal_lenet300_under_the_ticket_from_the_same_seed(int seed, int batch)
    {
        var dense = new LeNet300(seed);
        LotteryTickets.Apply(s_ticket.Value, dense);
        var baked = new LeNet300Ticket98(seed);
        var input = Pixels(batch, seed);
        var expected = new float[batch * 10];
        var actual = new float[batch * 10];
        dense.Forward(input, batch, expected);
        baked.Forward(input, batch, actual);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f + (1e-5f * Math.Abs(expected[i])), $"logit {i}: {expected[i]:G9} vs {actual[i]:G9}");
        }
    }

    [Fact]
    public void Dense_view_loads_into_lenet300_and_back()
    {
        var baked = new LeNet300Ticket98();
        var values = new float[LeNet300.ParameterCount];
        var mask = new float[LeNet300.ParameterCount];
        baked.ExpandToDense(values, mask);
        var dense = new LeNet300(seed: 9);
        dense.Parameters.Restore(values);
        foreach (var tensor in dense.Parameters.Tensors.Where(static t => t.IsPrunable))
        {
            dense.Masks.Set(tensor, mask.AsSpan(tensor.Offset, tensor.Length));
        }

        var input = Pixels(4, 1);
        var expected = new float[40];
        var actual = new float[40];
        dense.Forward(input, 4, expected);
        baked.Forward(input, 4, actual);
        Assert.All(Enumerable.Range(0, 40), i => Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f + (1e-5f * Math.Abs(expected[i]))));

        var other = new LeNet300Ticket98(seed: 5);
        other.LoadDense(values);
        Assert.Equal(baked.Parameters.Values, other.Parameters.Values);
    }

    [Fact]
    public void A_training_step_allocates_nothing_and_adam_updates_only_kept_weights()
    {
        var baked = new LeNet300Ticket98();
        var adam = new Adam(baked.Parameters, 1e-3f);
        var input = Pixels(60, 2);
        var labels = Enumerable.Range(0, 60).Select(static i => i % 10).ToArray();
        void Step()
        {
            baked.Parameters.ZeroGradients();
            baked.ForwardBackward(input, labels, 60);
            adam.Step(baked.Masks);
        }

        long Allocated(int steps)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < steps; i++)
            {
                Step();
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        // Differential, as the trainer's test: a one-off allocation of the runtime (a lazily created object while the
        // JIT tiers up) may land in either window; anything per step (at least 24 bytes an object) adds 480 over 20 steps.
        Step();
        var one = Allocated(1);
        var many = Allocated(21);
        Assert.InRange(many - one, long.MinValue, 479);
    }

    /// <summary>MNIST-like inputs: about 80% exact zeros, the rest in (0, 1].</summary>
    private static float[] Pixels(int batch, int seed)
    {
        var random = new Random(seed);
        var x = new float[batch * 784];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = random.Next(5) == 0 ? (float)random.NextDouble() : 0f;
        }

        return x;
    }

    /// <summary>The folder holding ModelGen.sln, from this file's path or the test's output folder.</summary>
    private static string RepositoryRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { Path.GetDirectoryName(sourceFile), AppContext.BaseDirectory })
        {
            for (var dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ModelGen.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException("ModelGen.sln not found above the test's source or output folder.");
    }
}
