using System.Reflection;
using System.Text;
using Xunit;

namespace ModelGen.Generators.Tests.Infrastructure;

/// <summary>
/// Compares generated files with checked-in baselines at <c>Baselines/{TestName}/{HintName}.txt</c>. Baselines are only
/// ever rewritten when MODELGEN_ACCEPT_BASELINES=1 is set for the test run; otherwise a missing, different or stale
/// baseline fails the test with the command that regenerates it.
/// </summary>
internal static class Baseline
{
    public const string AcceptVariable = "MODELGEN_ACCEPT_BASELINES";

    private const string AcceptCommand = AcceptVariable + "=1 dotnet test tests/ModelGen.Generators.Tests";

    /// <summary>The Baselines folder in the source tree (not the build output, so accepted files land where git sees them).</summary>
    public static string Root { get; } = Path.Combine(ProjectDirectory(), "Baselines");

    private static bool AcceptRequested => Environment.GetEnvironmentVariable(AcceptVariable) == "1";

    /// <summary>
    /// Checks every generated file of a test against its baseline; in accept mode writes them instead (and removes
    /// baselines of files no longer generated). Returns a line for the test log saying what was done.
    /// </summary>
    public static string Verify(string testName, IReadOnlyList<(string HintName, string Text)> generated)
    {
        Assert.NotEmpty(generated);
        var folder = Path.Combine(Root, testName);
        if (AcceptRequested)
        {
            // Accepting in CI would make every baseline test pass vacuously.
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), $"{AcceptVariable}=1 is refused when CI=true.");
            Directory.CreateDirectory(folder);
            foreach (var stale in StaleBaselines(folder, generated))
            {
                File.Delete(stale);
            }

            foreach (var (hintName, text) in generated)
            {
                File.WriteAllText(Path.Combine(folder, hintName + ".txt"), Normalize(text), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            }

            return $"Accepted {generated.Count} baseline(s) in {folder}.";
        }

        var problems = new List<string>();
        foreach (var (hintName, text) in generated)
        {
            var path = Path.Combine(folder, hintName + ".txt");
            if (!File.Exists(path))
            {
                problems.Add($"Missing baseline {path} for generated file '{hintName}'.");
                continue;
            }

            var difference = FirstDifference(Normalize(File.ReadAllText(path)), Normalize(text));
            if (difference is not null)
            {
                problems.Add($"Generated '{hintName}' differs from {path}: {difference}");
            }
        }

        foreach (var stale in StaleBaselines(folder, generated))
        {
            problems.Add($"Baseline {stale} has no generated file any more.");
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems) + Environment.NewLine +
            $"If the change is intended, review it and regenerate the baselines with: {AcceptCommand}");
        return $"{generated.Count} generated file(s) match their baselines in {folder}.";
    }

    /// <summary>
    /// Baseline text has LF line endings (a CRLF checkout does not fail) and the generator's version replaced by a
    /// placeholder, so a version bump does not touch every baseline (EmittedSourceTests checks the real version).
    /// </summary>
    private static string Normalize(string text) =>
        text.Replace("\r\n", "\n").Replace(GeneratedCodeAttribute(GeneratorVersion), GeneratedCodeAttribute("{version}"));

    private static string GeneratorVersion { get; } = typeof(ModelGenerator).Assembly.GetName().Version!.ToString();

    private static string GeneratedCodeAttribute(string version) => $"[global::System.CodeDom.Compiler.GeneratedCode(\"ModelGen\", \"{version}\")]";

    private static IEnumerable<string> StaleBaselines(string folder, IReadOnlyList<(string HintName, string Text)> generated)
    {
        if (!Directory.Exists(folder))
        {
            return Array.Empty<string>();
        }

        var expected = new HashSet<string>(generated.Select(g => g.HintName + ".txt"), StringComparer.Ordinal);
        return Directory.EnumerateFiles(folder, "*.txt").Where(path => !expected.Contains(Path.GetFileName(path))).ToList();
    }

    /// <summary>The first differing line, both versions shown, or null when the texts are equal.</summary>
    private static string? FirstDifference(string expected, string actual)
    {
        if (expected == actual)
        {
            return null;
        }

        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        var count = Math.Min(expectedLines.Length, actualLines.Length);
        for (var i = 0; i < count; i++)
        {
            if (expectedLines[i] != actualLines[i])
            {
                return $"line {i + 1}{Environment.NewLine}  baseline: {expectedLines[i]}{Environment.NewLine}  generated: {actualLines[i]}";
            }
        }

        return $"the baseline has {expectedLines.Length} lines, the generated file {actualLines.Length}";
    }

    private static string ProjectDirectory()
    {
        var value = typeof(Baseline).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "ModelGen.Generators.Tests.ProjectDirectory")?.Value;
        if (value is null || !Directory.Exists(value))
        {
            throw new InvalidOperationException($"The test project directory recorded at build time ('{value}') does not exist; rebuild the test project.");
        }

        return value;
    }
}
