namespace ModelGen.Cli;

/// <summary>What a <c>train</c> run keeps on disk besides its JSON: the final weights, its checkpoints and its ticket.</summary>
/// <param name="SavePath"><c>--save</c>: the safetensors file the trained network is written to; null for none.</param>
/// <param name="CheckpointFolder"><c>--checkpoint</c> or <c>--resume</c>: the folder checkpoints go to; null for none.</param>
/// <param name="Resume">Whether to continue from the checkpoint in <paramref name="CheckpointFolder"/> when there is one.</param>
public sealed record RunPersistence(string? SavePath, string? CheckpointFolder, bool Resume)
{
    /// <summary><c>--save-ticket</c>: the ticket file the run's final mask is written to (docs/TICKETS.md); null for none.</summary>
    public string? TicketPath { get; init; }

    /// <summary>Nothing kept (sweeps).</summary>
    public static RunPersistence None { get; } = new(null, null, Resume: false);
}
