using System.Runtime.CompilerServices;

namespace ModelGen.Tests.Data;

/// <summary>Finds the repository's bundled MNIST-10k folder from the test's source location or working directory.</summary>
internal static class BundledData
{
    private const string RelativeFolder = "examples/data/mnist-10k";

    private static readonly Lazy<(ModelGen.Data.Dataset Train, ModelGen.Data.Dataset Test)> Loaded =
        new(() => ModelGen.Data.IdxDataset.Load(MnistFolder));

    /// <summary>The folder; throws naming where it looked when it cannot be found.</summary>
    public static string MnistFolder => Find();

    /// <summary>The bundled train and test sets, loaded once per test run.</summary>
    public static (ModelGen.Data.Dataset Train, ModelGen.Data.Dataset Test) Mnist => Loaded.Value;

    private static string Find([CallerFilePath] string sourceFile = "")
    {
        // Build outputs may live outside the tree (MG_ARTIFACTS), so search up from this source file first, then
        // from the working directory and the test assembly.
        var starts = new[] { Path.GetDirectoryName(sourceFile), Directory.GetCurrentDirectory(), AppContext.BaseDirectory };
        foreach (var start in starts)
        {
            for (var dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, RelativeFolder);
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException($"Could not find {RelativeFolder} above any of: {string.Join(", ", starts)}.");
    }
}
