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
    private static readonly string[] ExpectedModels = ["lenet300", "lenet300-lth", "lenet300-r8", "lenet300-r16", "lenet300-r32", "lenet300-r64", "lenet300-ticket98", "lenet5"];

    [Fact]
    public void CatalogHoldsLeNet300AndItsFactorizedVariants()
    {
        Assert.Equal(ExpectedModels.Order(StringComparer.Ordinal), RunComponents.Models.Select(m => m.Name).Order(StringComparer.Ordinal));
        Assert.Equal("lenet300-r32", RunComponents.FindModel("lenet300-r32").Name);
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

        // LeNet-5-Caffe: per-layer output shapes, pools without parameters, the implied flatten before fc1.
        var lenet5 = blocks["lenet5"];
        Assert.Contains("input 1×28×28, 431,080 parameters", lenet5, StringComparison.Ordinal);
        AssertRow(lenet5, "conv1", "conv 5×5", "1×28×28 → 20×24×24", "-", "ReLU", "yes", "520");
        AssertRow(lenet5, "pool1", "max-pool 2×2", "20×24×24 → 20×12×12", "-", "-", "-", "0");
        AssertRow(lenet5, "conv2", "conv 5×5", "20×12×12 → 50×8×8", "-", "ReLU", "yes", "25,050");
        AssertRow(lenet5, "pool2", "max-pool 2×2", "50×8×8 → 50×4×4", "-", "-", "-", "0");
        AssertRow(lenet5, "fc1", "dense", "800 → 500", "-", "ReLU", "yes", "400,500");
        AssertRow(lenet5, "fc2", "dense", "500 → 10", "-", "None", "yes", "5,010");

        // Baked from the project's ticket: its layers as baked (units that cannot matter removed), only kept weights
        // as parameters, each one multiply-add.
        var baked = new global::ModelGen.Examples.LeNet300Ticket98(seed: 0);
        var bakedWeights = baked.Parameters.Tensors.Where(t => t.Role == global::ModelGen.Model.ParameterRole.Weight).Sum(t => t.Length);
        Assert.Contains($"input 784, {N0(baked.Parameters.Count)} parameters, {N0(2 * bakedWeights)} FLOPs/sample", blocks["lenet300-ticket98"], StringComparison.Ordinal);
        var fc3 = baked.Parameters.Tensors.Where(t => t.Layer == "fc3").Sum(t => t.Length);
        AssertRow(blocks["lenet300-ticket98"], "fc3", "dense", $"{baked.Layers[2].InputSize} → 10", "-", "None", "no", N0(fc3));

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
