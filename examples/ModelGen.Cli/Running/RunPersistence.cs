namespace ModelGen.Cli;

/// <summary>What a <c>train</c> run keeps on disk besides its JSON: the final weights and its checkpoints.</summary>
/// <param name="SavePath"><c>--save</c>: the safetensors file the trained network is written to; null for none.</param>
/// <param name="CheckpointFolder"><c>--checkpoint</c> or <c>--resume</c>: the folder checkpoints go to; null for none.</param>
/// <param name="Resume">Whether to continue from the checkpoint in <paramref name="CheckpointFolder"/> when there is one.</param>
public sealed record RunPersistence(string? SavePath, string? CheckpointFolder, bool Resume)
{
    /// <summary>Nothing kept (sweeps).</summary>
    public static RunPersistence None { get; } = new(null, null, Resume: false);
}
