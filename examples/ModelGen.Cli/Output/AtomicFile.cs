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
