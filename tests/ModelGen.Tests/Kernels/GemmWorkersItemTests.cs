using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

/// <summary>The worker pool's item jobs (what the convolutions share their chunks out with).</summary>
public sealed unsafe class GemmWorkersItemTests
{
    private const int Items = 64;

    // The callbacks' state (tests in one class run one at a time).
    private static State s_state = new();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void EveryItemRunsOnceInASlotBelowThePartsAndNoSlotIsSharedAtOnce(int parts)
    {
        var state = s_state = new State();
        for (var repeat = 0; repeat < 50; repeat++)
        {
            Array.Clear(state.Runs);
            GemmWorkers.RunItems(&Record, null, Items, parts);
            Assert.All(state.Runs, runs => Assert.Equal(1, runs));
        }

        Assert.True(state.MaxSlot < Math.Min(parts, GemmWorkers.MaxThreads), $"slot {state.MaxSlot} with {parts} part(s)");
        Assert.Equal(0, state.Overlaps);
    }

    [Fact]
    public void AnItemJobIssuedFromInsideAnItemRunsWholeOnItsThread()
    {
        var state = s_state = new State();
        GemmWorkers.RunItems(&Nested, null, 4, 2);
        Assert.All(state.Runs, runs => Assert.Equal(4, runs));
        Assert.Equal(0, state.MaxSlot);
    }

    [Fact]
    public void NoItemsRunNothing()
    {
        var state = s_state = new State();
        GemmWorkers.RunItems(&Record, null, 0, 2);
        Assert.All(state.Runs, runs => Assert.Equal(0, runs));
    }

    private static void Record(void* context, int item, int slot)
    {
        var state = s_state;
        state.Enter(slot);
        Interlocked.Increment(ref state.Runs[item]);
        Thread.SpinWait(200);
        state.Leave(slot);
    }

    private static void Nested(void* context, int item, int slot) =>
        // The pool is held by the outer job: the inner one runs every item here, in slot 0 of its own numbering.
        GemmWorkers.RunItems(&CountInner, null, Items, 2);

    private static void CountInner(void* context, int item, int slot)
    {
        var state = s_state;
        Interlocked.Increment(ref state.Runs[item]);
        int seen;
        while ((seen = Volatile.Read(ref state.MaxSlot)) < slot && Interlocked.CompareExchange(ref state.MaxSlot, slot, seen) != seen)
        {
        }
    }

    private sealed class State
    {
        public readonly int[] Runs = new int[Items];
        public readonly int[] Busy = new int[8];
        public int MaxSlot;
        public int Overlaps;

        public void Enter(int slot)
        {
            if (Interlocked.Exchange(ref Busy[slot], 1) != 0)
            {
                Interlocked.Increment(ref Overlaps);
            }

            int seen;
            while ((seen = Volatile.Read(ref MaxSlot)) < slot && Interlocked.CompareExchange(ref MaxSlot, slot, seen) != seen)
            {
            }
        }

        public void Leave(int slot) => Volatile.Write(ref Busy[slot], 0);
    }
}
