using System;
using System.IO;

namespace ModelGen.IO;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new one, never a partial file: the
/// content goes to a temporary file in the same folder, is flushed to disk, then renamed over the target (a rename
/// within one file system is atomic). A failure leaves the target untouched and removes the temporary file.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var target = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{path}' names no file.", nameof(path));
        var temporary = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temporary);
            }
            catch (IOException)
            {
                // The original error matters; a leftover temporary file is named so that it cannot be mistaken for the target.
            }
            catch (UnauthorizedAccessException)
            {
            }

            throw;
        }
    }
}
