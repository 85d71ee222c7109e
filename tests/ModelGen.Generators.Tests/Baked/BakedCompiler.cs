using System.Reflection;
using Microsoft.CodeAnalysis;
using ModelGen.Generators.Tests.Infrastructure;
using ModelGen.Model;
using Xunit;

namespace ModelGen.Generators.Tests.Baked;

/// <summary>
/// Compiles model declarations (and ticket files) in memory with the generator, loads the assembly and creates
/// networks from it, so tests can run baked classes built from tickets made up in the test itself.
/// </summary>
internal static class BakedCompiler
{
    private static int s_count;

    /// <summary>The generated code of <paramref name="source"/> with <paramref name="tickets"/> as additional files, compiled and loaded.</summary>
    public static (Assembly Assembly, GeneratorRun Run) Compile(string source, params (string Path, string Text)[] tickets)
    {
        var compilation = GeneratorHarness.CreateCompilation(new[] { new SourceFile("/src/Models.cs", source) })
            .WithAssemblyName("ModelGen.BakedTestInput" + Interlocked.Increment(ref s_count).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var run = GeneratorHarness.Run(compilation, additionalTexts: tickets.Select(t => new InMemoryAdditionalText(t.Path, t.Text)));
        Assert.Empty(run.GeneratorDiagnostics);
        run.AssertCompilesClean();
        using var stream = new MemoryStream();
        var result = run.OutputCompilation.Emit(stream);
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics.Take(5)));
        return (Assembly.Load(stream.ToArray()), run);
    }

    /// <summary>A network of type <paramref name="typeName"/> from <paramref name="assembly"/>, created with <paramref name="seed"/>.</summary>
    public static T Create<T>(Assembly assembly, string typeName, int seed)
        where T : INetwork =>
        (T)Activator.CreateInstance(assembly.GetType(typeName, throwOnError: true)!, seed)!;

    /// <summary>
    /// A ticket of model <paramref name="typeName"/> declared in <paramref name="source"/> (compiled without tickets),
    /// created with seed 0, under the mask <paramref name="mask"/> makes from it.
    /// </summary>
    public static string TicketFor(string source, string typeName, Func<INetwork, float[]> mask)
    {
        var (assembly, _) = Compile(source);
        var network = Create<INetwork>(assembly, typeName, 0);
        return TicketText(network, mask(network), 0);
    }

    /// <summary>The text of a ticket of <paramref name="network"/> under <paramref name="mask"/> (written by the runtime's one writer).</summary>
    public static string TicketText(INetwork network, float[] mask, int seed, int rewindIteration = 0, float[]? rewindPoint = null)
    {
        var ticket = ModelGen.Tickets.LotteryTickets.Capture(network, mask, seed, rewindIteration, rewindPoint ?? Array.Empty<float>());
        var path = Path.Combine(Path.GetTempPath(), "modelgen-baked-" + Guid.NewGuid().ToString("N") + ".ticket");
        try
        {
            ModelGen.Tickets.LotteryTickets.Save(ticket, path);
            return File.ReadAllText(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
