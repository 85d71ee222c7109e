extern alias analyzers;

using System.Reflection;
using Microsoft.CodeAnalysis;
using analyzers::ModelGen.Analyzers;
using analyzers::ModelGen.Analyzers.Diagnostics;
using ModelGen.Analyzers.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Analyzers.Tests;

/// <summary>Every analyzer rule has an ID in its range, a help page whose example triggers it, a release-tracking entry and a test.</summary>
public sealed class AnalyzerDocumentationTests
{
    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var descriptor in AllDescriptors())
        {
            data.Add(descriptor.Id);
        }

        return data;
    }

    [Fact]
    public void IdsAreUniqueAndInTheAnalyzerRange()
    {
        var ids = AllDescriptors().Select(d => d.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.InRange(int.Parse(id[2..], System.Globalization.CultureInfo.InvariantCulture), 100, 199));
        // Every descriptor is reported by some analyzer (no dead rule).
        var supported = ExampleCompiler.Analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToHashSet();
        Assert.All(ids, id => Assert.Contains(id, supported));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task HelpPage_ExistsAndItsExampleReportsTheRule(string id)
    {
        var descriptor = AllDescriptors().Single(d => d.Id == id);
        Assert.Equal($"docs/diagnostics/{id}.md", descriptor.HelpLinkUri);
        var page = File.ReadAllText(Path.Combine(ExampleCompiler.RepositoryRoot, descriptor.HelpLinkUri));
        Assert.StartsWith($"# {id}: {descriptor.Title}\n\nSeverity: {descriptor.DefaultSeverity}\n", page, StringComparison.Ordinal);

        var start = page.IndexOf("```csharp\n", StringComparison.Ordinal) + "```csharp\n".Length;
        var example = page[start..page.IndexOf("```", start, StringComparison.Ordinal)];
        var diagnostics = await ExampleCompiler.DiagnosticsAsync(example);
        Assert.Contains(diagnostics, d => d.Id == id);
        Assert.DoesNotContain(diagnostics, d => d.Id.StartsWith("CS", StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Error);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void IsListedInReleaseTrackingWithItsSeverity(string id)
    {
        var descriptor = AllDescriptors().Single(d => d.Id == id);
        var lines = File.ReadAllLines(Path.Combine(ExampleCompiler.RepositoryRoot, "generators", "ModelGen.Analyzers", "AnalyzerReleases.Unshipped.md"));
        Assert.Contains(lines, line => line.StartsWith(id + " ", StringComparison.Ordinal) && line.Contains($"| {descriptor.DefaultSeverity} |", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void HasAnAnalyzerTest(string id)
    {
        var tests = new[] { typeof(PruningCallAnalyzerTests), typeof(ModelDeclarationAnalyzerTests) }
            .SelectMany(t => t.GetMethods(BindingFlags.Instance | BindingFlags.Public))
            .Where(m => m.IsDefined(typeof(FactAttribute), inherit: true) && m.Name.StartsWith(id + "_", StringComparison.Ordinal));
        Assert.NotEmpty(tests);
    }

    private static IReadOnlyList<DiagnosticDescriptor> AllDescriptors() =>
        typeof(AnalyzerDescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToList();
}
