using Microsoft.CodeAnalysis;
using ModelGen.Generators.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ModelGen.Generators.Tests;

/// <summary>
/// The generated source for the example models and for small models covering the remaining emitter paths, compared
/// with the files under Baselines/. To accept an intended change: MODELGEN_ACCEPT_BASELINES=1 dotnet test tests/ModelGen.Generators.Tests
/// </summary>
public sealed class BaselineTests
{
    private readonly ITestOutputHelper _output;

    public BaselineTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public void LeNet300() => VerifyBaselines(nameof(LeNet300), TestSources.ExampleModel("LeNet300.cs"));

    [Fact]
    public void LeNet300Factorized() => VerifyBaselines(nameof(LeNet300Factorized), TestSources.ExampleModel("LeNet300Factorized.cs"));

    [Fact]
    public void MixedActivationsInGlobalNamespace() =>
        VerifyBaselines(nameof(MixedActivationsInGlobalNamespace), new SourceFile("/src/TinyMixed.cs", TestSources.MixedActivationsInGlobalNamespace));

    [Fact]
    public void LeNet5() => VerifyBaselines(nameof(LeNet5), TestSources.ExampleModel("LeNet5.cs"));

    [Fact]
    public void ConvVariants() => VerifyBaselines(nameof(ConvVariants), new SourceFile("/src/ConvVariants.cs", TestSources.ConvVariants));

    [Fact]
    public void MaskVariants() => VerifyBaselines(nameof(MaskVariants), new SourceFile("/src/MaskVariants.cs", TestSources.MaskVariants));

    /// <summary>
    /// A baked 4 → 3 → 2 ticket with every rule at work: fc1 unit 0 has no inputs (folded into fc2's units), unit 1
    /// no outputs (removed with its weights), and one weight of fc2 is removed.
    /// </summary>
    [Fact]
    public void BakedTicket()
    {
        var ticket = Baked.BakedCompiler.TicketFor(TestSources.BakedTicketSource, "Tickets.Small", static network =>
        {
            var mask = Enumerable.Repeat(1f, network.Parameters.Count).ToArray();
            var (fc1, fc2) = (network.Parameters["fc1.weight"], network.Parameters["fc2.weight"]);
            mask.AsSpan(fc1.Offset, fc1.Cols).Clear();
            mask[fc2.Offset + 1] = mask[fc2.Offset + fc2.Cols + 1] = 0f;
            mask[fc2.Offset + 2] = 0f;
            return mask;
        });
        VerifyBaselines(nameof(BakedTicket), new SourceFile("/src/Baked.cs", TestSources.BakedTicket), new InMemoryAdditionalText("/src/small.ticket", ticket));
    }

    private void VerifyBaselines(string testName, SourceFile source, params AdditionalText[] additionalFiles)
    {
        // Documentation comments are diagnosed so a malformed doc comment or a dangling cref in generated code fails too.
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(new[] { source }, DocumentationMode.Diagnose), additionalTexts: additionalFiles);

        Assert.Empty(run.GeneratorDiagnostics);
        run.AssertCompilesClean();
        _output.WriteLine(Baseline.Verify(testName, run.GeneratedSources));
    }
}
