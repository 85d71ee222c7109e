using System.Globalization;
using ModelGen.Pruning;
using ModelGen.Training;
using Spectre.Console;

namespace ModelGen.Cli;

/// <summary>
/// Shows a run's progress on the console: on a terminal a live Spectre.Console display with a bar per epoch (epoch,
/// loss, test accuracy, samples/s); when output is redirected, one plain line per phase and per epoch.
/// </summary>
public static class ConsoleObserver
{
    /// <summary>Runs <paramref name="work"/> with a console observer suited to the output.</summary>
    /// <param name="work">The run.</param>
    /// <param name="clearWhenDone">Remove the live display afterwards (sweeps print one summary line per cell instead).</param>
    public static T Run<T>(Func<IRunObserver, T> work, bool clearWhenDone)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            return work(new LineObserver());
        }

        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(clearWhenDone)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context => result = work(new LiveObserver(context)));
        return result;
    }

    /// <summary>"epoch 3/10  loss 0.1234  test 95.12%  45,123 samples/s".</summary>
    public static string Describe(TrainingProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var accuracy = progress.IsEpochEnd && progress.TestAccuracy is { } a ? string.Create(CultureInfo.InvariantCulture, $"  test {100 * a:0.00}%") : "";
        return string.Create(CultureInfo.InvariantCulture, $"epoch {progress.Epoch}/{progress.Epochs}  loss {progress.MeanLoss:0.0000}{accuracy}  {progress.SamplesPerSecond:N0} samples/s");
    }

    /// <summary>"lth round 3: sparsity 0.4880, test 95.01%".</summary>
    public static string Describe(LotteryTicketRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        var landed = round.ReachedTarget is { } t ? string.Create(CultureInfo.InvariantCulture, $" (target {t} reached)") : "";
        return string.Create(CultureInfo.InvariantCulture, $"lth round {round.Round}: sparsity {round.Sparsity:0.0000}, test {100 * round.TestAccuracy:0.00}%{landed}");
    }

    private sealed class LineObserver : IRunObserver
    {
        public void Phase(string description) => AnsiConsole.MarkupLineInterpolated($"[grey]{description}[/]");

        public void Training(TrainingProgress progress)
        {
            if (progress.IsEpochEnd)
            {
                AnsiConsole.WriteLine(Describe(progress));
            }
        }

        public void Round(LotteryTicketRound round) => AnsiConsole.WriteLine(Describe(round));

        public void Warning(string text) => AnsiConsole.MarkupLineInterpolated($"[yellow]warning {text}[/]");
    }

    private sealed class LiveObserver(ProgressContext context) : IRunObserver
    {
        public void Warning(string text) => AnsiConsole.MarkupLineInterpolated($"[yellow]warning {text}[/]");

        private ProgressTask? _phase;
        private ProgressTask? _epoch;
        private int _epochNumber;

        public void Phase(string description)
        {
            StopPhase();
            _phase = context.AddTask(Markup.Escape(description)).IsIndeterminate();
        }

        public void Training(TrainingProgress progress)
        {
            StopPhase();
            var stepsPerEpoch = Math.Max(1, progress.TotalSteps / Math.Max(1, progress.Epochs));
            if (_epoch is null || _epochNumber != progress.Epoch)
            {
                _epoch?.StopTask();
                _epoch = context.AddTask("", maxValue: stepsPerEpoch);
                _epochNumber = progress.Epoch;
            }

            _epoch.Description = Markup.Escape(Describe(progress));
            _epoch.Value = Math.Min(stepsPerEpoch, progress.Step - ((progress.Epoch - 1) * stepsPerEpoch));
            if (progress.IsEpochEnd)
            {
                _epoch.Value = stepsPerEpoch;
                _epoch.StopTask();
                _epoch = null;
            }
        }

        public void Round(LotteryTicketRound round)
        {
            var task = context.AddTask(Markup.Escape(Describe(round)), maxValue: 1);
            task.Value = 1;
            task.StopTask();
        }

        private void StopPhase()
        {
            if (_phase is not null)
            {
                _phase.IsIndeterminate = false;
                _phase.Value = _phase.MaxValue;
                _phase.StopTask();
                _phase = null;
            }
        }
    }
}
