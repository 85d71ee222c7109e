extern alias cli;

using System.Globalization;
using System.Text.RegularExpressions;
using cli::ModelGen.Cli;
using Xunit;

namespace ModelGen.Tests.Cli;

/// <summary>The <c>models</c> command lists every model the CLI was built with, and each one's layers.</summary>
[Collection(CliCollection.Name)]
public sealed class ModelsCommandTests
{
    private static readonly string[] ExpectedModels = ["lenet300", "lenet300-r8", "lenet300-r16", "lenet300-r32", "lenet300-r64", "lenet5"];

    [Fact]
    public void CatalogHoldsLeNet300AndItsFactorizedVariants()
    {
        Assert.Equal(ExpectedModels.Order(StringComparer.Ordinal), TrainRunner.Models.Select(m => m.Name).Order(StringComparer.Ordinal));
        Assert.Equal("lenet300-r32", TrainRunner.FindModel("lenet300-r32").Name);
    }

    [Fact]
    public void ListsEachModelWithItsSizeAndLayers()
    {
        var run = CliHarness.Run("models");

        Assert.Equal(CliApplication.Success, run.ExitCode);
        var blocks = SplitByModel(run.Output);
        Assert.Equal(ExpectedModels.Order(StringComparer.Ordinal), blocks.Keys.Order(StringComparer.Ordinal));

        // Dense LeNet-300-100: 266,610 parameters, 2 FLOPs per multiply-add of its 266,200 weights.
        var dense = blocks["lenet300"];
        Assert.Contains("input 784, 266,610 parameters, 532,400 FLOPs/sample", dense, StringComparison.Ordinal);
        AssertRow(dense, "fc1", "dense", "784 → 300", "-", "ReLU", "yes", "235,500");
        AssertRow(dense, "fc2", "dense", "300 → 100", "-", "ReLU", "yes", "30,100");
        AssertRow(dense, "fc3", "dense", "100 → 10", "-", "None", "yes", "1,010");

        foreach (var rank in new[] { 8, 16, 32, 64 })
        {
            var block = blocks[$"lenet300-r{rank}"];
            // Factors U [300, r] and Vt [r, 784] plus the bias; factorized layers are not prunable by default.
            AssertRow(block, "fc1", "factorized", "784 → 300", rank.ToString(CultureInfo.InvariantCulture), "ReLU", "no", N0((rank * (300 + 784)) + 300));
            AssertRow(block, "fc2", "factorized", "300 → 100", rank.ToString(CultureInfo.InvariantCulture), "ReLU", "no", N0((rank * (100 + 300)) + 100));
            AssertRow(block, "fc3", "dense", "100 → 10", "-", "None", "yes", "1,010");
            var parameters = (rank * (300 + 784)) + (rank * (100 + 300)) + 1_000 + 410;
            Assert.Contains($"{N0(parameters)} parameters", block, StringComparison.Ordinal);
        }
    }

    /// <summary>Output text per model, keyed by the name that starts its header line ("lenet300 (LeNet300): …").</summary>
    private static Dictionary<string, string> SplitByModel(string output)
    {
        var headers = Regex.Matches(output, @"^(?<name>[a-z0-9-]+) \((?<type>[\w.]+)\): input", RegexOptions.Multiline);
        var blocks = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < headers.Count; i++)
        {
            var end = i + 1 < headers.Count ? headers[i + 1].Index : output.Length;
            blocks.Add(headers[i].Groups["name"].Value, output[headers[i].Index..end]);
        }

        return blocks;
    }

    private static string N0(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A table row holding these cells in order, whatever the border characters.</summary>
    private static void AssertRow(string block, params string[] cells)
    {
        var pattern = "^\\W*" + string.Join(@"\s*[│|]\s*", cells.Select(Regex.Escape)) + @"\s*[│|]";
        Assert.True(Regex.IsMatch(block, pattern, RegexOptions.Multiline), $"no row {string.Join(" | ", cells)} in:\n{block}");
    }
}
