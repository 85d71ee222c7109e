using ModelGen.IO;

namespace ModelGen.Cli.Output;

/// <summary>Checks an output path before a long run starts, so that a run is never lost to an unwritable path.</summary>
public static class OutputPath
{
    /// <summary>
    /// Throws a <see cref="UsageException"/> naming <paramref name="flag"/> when <paramref name="path"/> is a folder or
    /// cannot be written. A null path (the flag was not given) passes.
    /// </summary>
    public static void RequireWritableFile(string? path, string flag)
    {
        if (path is null)
        {
            return;
        }

        if (Directory.Exists(path))
        {
            throw new UsageException($"{flag} {path} is a folder; give a file path.");
        }

        try
        {
            AtomicFile.EnsureWritable(path);
        }
        catch (IOException e)
        {
            throw new UsageException($"{flag}: {e.Message}");
        }
    }
}
