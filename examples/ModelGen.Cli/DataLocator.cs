namespace ModelGen.Cli;

/// <summary>Finds the MNIST subset bundled with the repository, wherever the CLI is started from.</summary>
public static class DataLocator
{
    /// <summary>The bundled data's path relative to the repository root.</summary>
    public static readonly string BundledRelativePath = Path.Combine("examples", "data", "mnist-10k");

    /// <summary>
    /// Searches upward from <paramref name="startFolders"/> (by default the current directory, then the executable's
    /// folder, which lies inside the repository when run with <c>dotnet run</c>) for <c>examples/data/mnist-10k</c>.
    /// </summary>
    /// <returns>The full path, or null when no ancestor holds it.</returns>
    public static string? FindBundledData(params string[] startFolders)
    {
        if (startFolders.Length == 0)
        {
            startFolders = [Environment.CurrentDirectory, AppContext.BaseDirectory];
        }

        foreach (var start in startFolders)
        {
            for (var folder = new DirectoryInfo(Path.GetFullPath(start)); folder is not null; folder = folder.Parent)
            {
                var candidate = Path.Combine(folder.FullName, BundledRelativePath);
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
