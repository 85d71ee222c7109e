using System.Reflection;
using Microsoft.CodeAnalysis;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Generators.Tests;

/// <summary>Every diagnostic has a stable ID, a help page that exists, a release-tracking entry and a test.</summary>
public sealed class DiagnosticDocumentationTests
{
    private static readonly string s_repositoryRoot = Path.GetFullPath(Path.Combine(Baseline.Root, "..", "..", ".."));

    public static TheoryData<string> DescriptorIds()
    {
        var data = new TheoryData<string>();
        foreach (var descriptor in AllDescriptors())
        {
            data.Add(descriptor.Id);
        }

        return data;
    }

    [Fact]
    public void IdsAreUniqueAndNumberedWithoutGaps()
    {
        var ids = AllDescriptors().Select(d => d.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());

        // IDs are handed out in blocks (MG0001–MG0019 core and declarations, MG0020–MG0039 convolution and image
        // inputs, MG0040–MG0049 baked tickets); within each block they are numbered from its start without gaps.
        var numbers = ids.Select(id => int.Parse(id.AsSpan(2), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        foreach (var (first, last) in new[] { (1, 19), (20, 39), (40, 49) })
        {
            var block = numbers.Where(n => n >= first && n <= last).Order().ToList();
            Assert.Equal(Enumerable.Range(first, block.Count), block);
        }

        Assert.All(numbers, n => Assert.InRange(n, 1, 49));
    }

    [Theory]
    [MemberData(nameof(DescriptorIds))]
    public void HasHelpPageInDocs(string id)
    {
        // The link is the page's path relative to the repository (and package) root, so it resolves in both.
        var descriptor = DiagnosticDescriptors.ById(id);
        Assert.Equal($"docs/diagnostics/{id}.md", descriptor.HelpLinkUri);
        var page = Path.Combine(s_repositoryRoot, descriptor.HelpLinkUri);
        Assert.True(File.Exists(page), $"{id} has no help page at {page}.");
        Assert.StartsWith($"# {id}:", File.ReadAllText(page), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DescriptorIds))]
    public void HelpPageExample_ReportsTheDiagnostic(string id)
    {
        // The page's example is what a reader copies to understand the diagnostic; it must really trigger it.
        var page = File.ReadAllText(Path.Combine(s_repositoryRoot, "docs", "diagnostics", id + ".md"));
        var start = page.IndexOf("```csharp\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"The help page of {id} has no C# example.");
        start += "```csharp\n".Length;
        var example = page[start..page.IndexOf("```", start, StringComparison.Ordinal)];

        // Ticket files the example bakes: fenced as ```ticket NAME, handed over as additional files next to the example.
        var files = new List<InMemoryAdditionalText>();
        for (var at = page.IndexOf("```ticket ", StringComparison.Ordinal); at >= 0; at = page.IndexOf("```ticket ", at + 1, StringComparison.Ordinal))
        {
            var header = page.IndexOf('\n', at);
            var name = page[(at + "```ticket ".Length)..header].Trim();
            var end = page.IndexOf("```", header, StringComparison.Ordinal);
            files.Add(new InMemoryAdditionalText("/src/" + name, page[(header + 1)..end]));
        }

        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(example), additionalTexts: files);
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == id);
    }

    [Theory]
    [MemberData(nameof(DescriptorIds))]
    public void IsListedInReleaseTrackingWithItsSeverity(string id)
    {
        var descriptor = DiagnosticDescriptors.ById(id);
        var unshipped = File.ReadAllLines(Path.Combine(s_repositoryRoot, "generators", "ModelGen.Generators", "AnalyzerReleases.Unshipped.md"));
        var shipped = File.ReadAllLines(Path.Combine(s_repositoryRoot, "generators", "ModelGen.Generators", "AnalyzerReleases.Shipped.md"));
        Assert.Contains(unshipped.Concat(shipped), line => line.StartsWith(id + " ", StringComparison.Ordinal) && line.Contains($"| {descriptor.DefaultSeverity} |", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(DescriptorIds))]
    public void HasDiagnosticTest(string id)
    {
        var tests = typeof(DiagnosticTests).GetMethods(BindingFlags.Instance | BindingFlags.Public)
            .Where(m => m.IsDefined(typeof(FactAttribute), inherit: true) && m.Name.StartsWith(id + "_", StringComparison.Ordinal));
        Assert.NotEmpty(tests);
    }

    private static IReadOnlyList<DiagnosticDescriptor> AllDescriptors() =>
        typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToList();
}
