// Shared source: compiled into the runtime (ModelGen) and linked into the generator and the analyzers (netstandard2.0).
namespace ModelGen.Shapes;

/// <summary>
/// Where a diagnostic's help page is: <c>docs/diagnostics/MGxxxx.md</c>, a path relative to the root of the repository
/// and of the ModelGen package (which carries the pages at the same path), so the link resolves in a clone and in
/// the NuGet cache. There is no published web address to point at; an absolute URL to one would be a dead link.
/// </summary>
internal static class DiagnosticHelp
{
    /// <summary>The folder of the help pages, relative to the repository and package root.</summary>
    public const string PageFolder = "docs/diagnostics/";

    /// <summary>The help link of diagnostic <paramref name="id"/> (<c>docs/diagnostics/MG0100.md</c>).</summary>
    public static string Link(string id) => PageFolder + id + ".md";
}
