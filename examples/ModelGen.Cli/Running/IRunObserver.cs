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
}
