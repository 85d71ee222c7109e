using System.Diagnostics;
using ModelGen.Cli.Sweep;

namespace ModelGen.Cli;

/// <summary>
/// Times several operations side by side: each is warmed up, then the operations take turns, one timed round each,
/// for a number of rounds, so that all of them see the same load of a shared machine. The result per operation is
/// the median over rounds of the mean time per call within a round (rounds last about <see cref="RoundTime"/>, so
/// that a call of a few microseconds is timed over many calls and a call of several milliseconds at least once).
/// Rounds are short and many on purpose: on a machine shared by more runnable threads than cores, a round of a few
/// milliseconds usually fits in one scheduler time slice, so the median round is an undisturbed one, where rounds of
/// 20 ms were mostly preempted (a dense network timed against itself measured 0.3–2.4× at load 28).
/// </summary>
public sealed class InterleavedTimer
{
    /// <summary>
    /// The timer for work on <paramref name="threads"/> threads: one thread is timed by its own CPU time where the
    /// platform offers it (<see cref="ThreadCpuClock"/>; the median round is then undisturbed even on a loaded
    /// machine), several threads by the wall clock (the other threads' work is not on this thread's clock).
    /// </summary>
    public static InterleavedTimer For(int threads) => new() { UsesThreadCpuTime = threads == 1 && ThreadCpuClock.IsSupported };

    /// <summary>Whether rounds are timed by the timing thread's CPU time rather than the wall clock.</summary>
    public bool UsesThreadCpuTime { get; init; }

    /// <summary>What <see cref="UsesThreadCpuTime"/> means, for headers: "thread CPU time" or "wall clock".</summary>
    public string ClockName => UsesThreadCpuTime ? "thread CPU time" : "wall clock";

    /// <summary>Time each operation runs untimed before the rounds (JIT, caches, buffers sized for the batch).</summary>
    public TimeSpan WarmUp { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Target length of one timed round of one operation.</summary>
    public TimeSpan RoundTime { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Timed rounds per operation; the median is over these.</summary>
    public int Rounds { get; init; } = 101;

    /// <summary>Warms up, calibrates and times <paramref name="operations"/>.</summary>
    /// <returns>Median seconds per call, in the order of <paramref name="operations"/>.</returns>
    public double[] MedianSeconds(IReadOnlyList<Action> operations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operations);
        if (Rounds < 1)
        {
            throw new InvalidOperationException($"{nameof(Rounds)} must be at least 1 (got {Rounds}).");
        }

        var callsPerRound = new int[operations.Count];
        for (var i = 0; i < operations.Count; i++)
        {
            // Calibrated from the warm-up's pace: calls that fill one round, at least one.
            var (calls, elapsed) = RunFor(operations[i], WarmUp, cancellationToken);
            callsPerRound[i] = (int)Math.Clamp(calls * RoundTime.TotalSeconds / Math.Max(elapsed, 1e-9), 1, int.MaxValue);
        }

        var timings = new double[operations.Count][];
        for (var i = 0; i < operations.Count; i++)
        {
            timings[i] = new double[Rounds];
        }

        for (var round = 0; round < Rounds; round++)
        {
            for (var i = 0; i < operations.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var operation = operations[i];
                var start = Now();
                for (var call = 0; call < callsPerRound[i]; call++)
                {
                    operation();
                }

                timings[i][round] = (Now() - start) / callsPerRound[i];
            }
        }

        return timings.Select(t => Statistics.Median(t)).ToArray();
    }

    /// <summary>Runs <paramref name="operation"/> for at least <paramref name="duration"/> of wall clock; returns the calls and their time on this timer's clock.</summary>
    private (long Calls, double Seconds) RunFor(Action operation, TimeSpan duration, CancellationToken cancellationToken)
    {
        long calls = 0;
        var start = Stopwatch.GetTimestamp();
        var clockStart = Now();
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            operation();
            calls++;
        }
        while (Stopwatch.GetElapsedTime(start) < duration);

        return (calls, Now() - clockStart);
    }

    private double Now() => UsesThreadCpuTime ? ThreadCpuClock.Seconds() : Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
}
