using System.Reflection;
using ModelGen.Cli.Output;
using ModelGen.Data;
using ModelGen.Model;

namespace ModelGen.Cli;

/// <summary>The data of a run (or a whole sweep), loaded once: train and test sets and their provenance.</summary>
/// <param name="Train">Training set.</param>
/// <param name="Test">Test set.</param>
/// <param name="Record">Folder and SHA-256 of each file, for the JSON.</param>
public sealed record RunData(Dataset Train, Dataset Test, DataRecord Record)
{
    /// <summary>The ModelGen library's informational version (<c>modelgen_version</c>).</summary>
    public static string LibraryVersion { get; } =
        typeof(INetwork).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(INetwork).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>
    /// Loads <paramref name="folder"/>, or the bundled MNIST subset when it is null.
    /// </summary>
    /// <exception cref="UsageException">No folder was given and the bundled data cannot be found, or the folder is missing.</exception>
    public static RunData Load(string? folder)
    {
        // The record names the folder without this machine's absolute path where it can: the bundled data by its place
        // in the repository, a --data folder as the user wrote it. Results committed to the repository then hold no
        // machine's paths; the SHA-256 of each file identifies the data either way.
        var recordedFolder = folder ?? DataLocator.BundledRelativePath.Replace(Path.DirectorySeparatorChar, '/');
        if (folder is null)
        {
            folder = DataLocator.FindBundledData()
                ?? throw new UsageException($"Cannot find the bundled data ({DataLocator.BundledRelativePath}) above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}; pass --data FOLDER.");
        }
        else if (!Directory.Exists(folder))
        {
            throw new UsageException($"--data: folder '{folder}' does not exist.");
        }

        var fullFolder = Path.GetFullPath(folder);
        IdxFiles files;
        try
        {
            files = IdxDataset.Locate(fullFolder);
        }
        catch (Exception e) when (e is FileNotFoundException or IOException or ArgumentException)
        {
            throw new UsageException($"--data {fullFolder}: {e.Message}");
        }

        var (train, test) = IdxDataset.Load(fullFolder);
        var digests = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in files.All)
        {
            digests[Path.GetFileName(path)] = FileDigest.Sha256(path);
        }

        return new RunData(train, test, new DataRecord(recordedFolder, digests));
    }
}
