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

    private static string RepositoryRoot([CallerFilePath] string sourceFile = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(sourceFile)!); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelGen.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No ModelGen.sln above {sourceFile}.");
    }
}
