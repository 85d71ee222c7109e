using System.Text.Json;
using ModelGen.Examples;
using ModelGen.Pruning;
using ModelGen.Tests.Data;
using Xunit;

namespace ModelGen.Tests.Cli;

/// <summary>
/// The CLI says before scoring what the analyzers say at build time about the same configuration (the shared rules'
/// text, MG01xx), and keeps it in the JSON record's warnings.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class PruningAdviceCliTests(TinyMnist data)
{
    [Fact]
    public void GlobalMagnitudeAt98Percent_WarnsBeforeScoring_ThenRefusesTheCollapse()
    {
        using var folder = new TempFolder();
        var path = folder.File("run.json");
        var run = CliHarness.Run("train", "--method", "magnitude", "--sparsity", "0.98", "--epochs", "1", "--data", data.Folder, "--json", path);

        var advice = Assert.Single(new MagnitudePruner().Check(new LeNet300(0), 0.98)).ToString();
        Assert.StartsWith("MG0102: Global magnitude pruning at initialization (expected) at sparsity 0.98 would keep 0 of the 235200 weights of layer 'fc1'", advice, StringComparison.Ordinal);
        var warning = run.Output.IndexOf("warning " + advice, StringComparison.Ordinal);
        var scoring = run.Output.IndexOf("scoring (magnitude", StringComparison.Ordinal);
        Assert.True(warning >= 0 && scoring > warning, $"the advice should come before scoring:\n{run.Output}");

        // The prediction holds: the mask really empties fc1, so the run is refused (exit code 1) and says so.
        Assert.Equal(1, run.ExitCode);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var json = document.RootElement;
        Assert.Contains("fc1", json.GetProperty("refused").GetString(), StringComparison.Ordinal);
        Assert.Contains(advice, json.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
    }

    [Fact]
    public void FrobeniusDecayOnAPlainModel_WarnsWithTheAnalyzerText()
    {
        using var folder = new TempFolder();
        var json = CliHarness.TrainJson(folder, "--frobenius-decay", "1e-4", "--epochs", "1", "--data", data.Folder);

        Assert.Contains(
            "MG0110: Frobenius decay has no effect: model 'lenet300' has no factorized layer (--frobenius-decay)",
            json.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
    }
}

/// <summary>A model's declared pruning plan: exposed by its descriptor, used by <c>train</c> when <c>--method</c> is absent.</summary>
[Collection(CliCollection.Name)]
public sealed class DeclaredPlanCliTests(TinyMnist data)
{
    [Fact]
    public void DescriptorExposesThePlanAsDeclared()
    {
        Assert.Equal(new ModelGen.Model.PruningPlan("lth", 0.9, null, 0.2, 0.1), LeNet300Planned.Descriptor.Plan);
        Assert.Null(LeNet300.Descriptor.Plan);
    }

    [Fact]
    public void TrainWithoutMethod_UsesThePlan_AndTheJsonRecordsIt()
    {
        using var folder = new TempFolder();
        // The plan's method (lth) and rates; --sparsity given on the command line wins over the plan's 0.9.
        var json = CliHarness.TrainJson(folder, "--model", "lenet300-lth", "--sparsity", "0.5", "--epochs", "1", "--data", data.Folder);

        Assert.Equal("lth", json.GetProperty("method").GetString());
        Assert.Equal(0.5, json.GetProperty("target_sparsity").GetDouble());
        // The output layer is pruned at the declared 0.1 per round against 0.2 elsewhere, so it keeps more of its weights.
        var layers = json.GetProperty("layers").EnumerateArray().ToDictionary(l => l.GetProperty("name").GetString()!, l => l.GetProperty("kept").GetDouble() / l.GetProperty("weights").GetDouble());
        Assert.True(layers["fc3"] > layers["fc1"], $"fc3 density {layers["fc3"]} should exceed fc1's {layers["fc1"]}");
    }

    [Fact]
    public void ExplicitMethod_OverridesThePlan()
    {
        using var folder = new TempFolder();
        var json = CliHarness.TrainJson(folder, "--model", "lenet300-lth", "--method", "dense", "--epochs", "1", "--data", data.Folder);
        Assert.Equal("dense", json.GetProperty("method").GetString());
    }

    [Fact]
    public void SweepWithoutMethods_SweepsTheDeclaredPlan()
    {
        using var output = new TempFolder();
        var run = CliHarness.Run("sweep", "--models", "lenet300-lth", "--seeds", "0", "--epochs", "1", "--prune-rate", "0.5", "--data", data.SmallFolder, "--out", output.Path);

        Assert.True(run.ExitCode == 0, run.Output);
        using var document = JsonDocument.Parse(File.ReadAllText(output.File("results.json")));
        var cell = Assert.Single(document.RootElement.EnumerateArray());
        Assert.Equal(("lth", 0.9), (cell.GetProperty("method").GetString(), cell.GetProperty("target_sparsity").GetDouble()));
    }
}
