namespace ModelGen.Cli;

/// <summary>Bad command-line input: printed as a message (no stack trace) with a non-zero exit code.</summary>
public sealed class UsageException(string message) : Exception(message);
