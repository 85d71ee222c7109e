using System.Runtime.CompilerServices;
using Xunit;

namespace ModelGen.Tests;

/// <summary>
/// The README's "From code" block is examples/FromCode/Program.cs verbatim, so the code CI builds and runs is the code a
/// reader copies.
/// </summary>
public sealed class ReadmeTests
{
    [Fact]
    public void FromCodeSectionIsTheFromCodeExampleVerbatim()
    {
        var root = RepositoryRoot();
        var readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        var program = File.ReadAllText(Path.Combine(root, "examples", "FromCode", "Program.cs")).ReplaceLineEndings("\n");

        var section = readme.IndexOf("\n## From code\n", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no '## From code' section.");
        var start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        var end = readme.IndexOf("```\n", start, StringComparison.Ordinal);
        Assert.Equal(program, readme[start..end]);
    }

    /// <summary>
    /// The folder holding ModelGen.sln, searched upward from this source file and from the test binaries: a CI build
    /// (ContinuousIntegrationBuild) maps source paths to /_/, so the source path alone does not find it there.
    /// </summary>
    private static string RepositoryRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { Path.GetDirectoryName(sourceFile), AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ModelGen.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException($"No ModelGen.sln above {sourceFile} or {AppContext.BaseDirectory}.");
    }
}
