using ModelGen.Pruning;
using ModelGen.Training;

namespace ModelGen.Cli;

/// <summary>What a run reports while it works (the console shows it; tests may record it).</summary>
public interface IRunObserver
{
    /// <summary>A phase starts (scoring, an lth round, training).</summary>
    void Phase(string description);

    /// <summary>The trainer's progress.</summary>
    void Training(TrainingProgress progress);

    /// <summary>A lottery-ticket round finished training.</summary>
    void Round(LotteryTicketRound round);

    /// <summary>
    /// A warning known before the work it concerns starts (the pruning-safety rules' advice, in the analyzers' words:
    /// <c>MG0102: …</c>); it is also kept in the run's record.
    /// </summary>
    void Warning(string text);
}
