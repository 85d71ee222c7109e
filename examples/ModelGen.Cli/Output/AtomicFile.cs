namespace ModelGen.Cli.Output;

/// <summary>
/// Writes files so that a reader (or a rerun after Ctrl+C) sees either the old or the new content, never half a file:
/// the content goes to a temporary file in the same folder (same file system, so the rename is atomic) and is then
/// moved over the target.
/// </summary>
public static class AtomicFile
{
    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="text"/> (UTF-8, no BOM).</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, temp =>
        {
            using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write);
            using (var writer = new StreamWriter(stream, leaveOpen: true))
            {
                writer.Write(text);
            }

            stream.Flush(flushToDisk: true);
        });

    /// <summary>
    /// Fails now, before any long work, if <paramref name="path"/> could not be written later: creates its folder and
    /// writes and removes a probe file there, so a training run is never lost to an unwritable output path.
    /// </summary>
    /// <exception cref="IOException">The folder cannot be created or written (the message names it).</exception>
    public static void EnsureWritable(string path)
    {
        var fullPath = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(fullPath) ?? throw new IOException($"'{path}' has no folder.");
        var probe = Path.Combine(folder, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.probe");
        try
        {
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write {fullPath}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Atomically replaces <paramref name="path"/> with what <paramref name="writeTo"/> writes to the temporary path it
    /// is given (which keeps <paramref name="path"/>'s extension, for writers that pick a format by extension).
    /// </summary>
    public static void Write(string path, Action<string> writeTo)
    {
        ArgumentNullException.ThrowIfNull(writeTo);
        var fullPath = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileNameWithoutExtension(fullPath)}.{Guid.NewGuid():N}.tmp{Path.GetExtension(fullPath)}");
        try
        {
            writeTo(temp);
            File.Move(temp, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
