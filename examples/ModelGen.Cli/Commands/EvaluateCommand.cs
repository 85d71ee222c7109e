using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ModelGen.Cli.Output;
using ModelGen.IO;
using ModelGen.Training;
using Spectre.Console;

namespace ModelGen.Cli.Commands;

/// <summary><c>evaluate</c>: loads saved weights (and masks) into a model and measures it on the test set.</summary>
public static class EvaluateCommand
{
    /// <summary>Builds the command with its options.</summary>
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Model the weights belong to (see `models`). Default: the model named in the file's metadata." };
        var weights = new Option<string>("--weights") { Description = "Safetensors file written by `train --save` (or any file with the model's tensor names).", Required = true };
        var data = new Option<string?>("--data") { Description = "MNIST folder (IDX files, gzipped or raw). Default: the bundled examples/data/mnist-10k." };
        var json = new Option<string?>("--json") { Description = "Write the evaluation as one JSON object to this file." };
        var command = new Command("evaluate", "Evaluate saved weights on the test set.");
        command.Options.Add(model);
        command.Options.Add(weights);
        command.Options.Add(data);
        command.Options.Add(json);
        command.SetAction((result, _) => CliApplication.Guarded(() =>
            Run(result.GetValue(model), result.GetValue(weights)!, result.GetValue(data), result.GetValue(json))));
        return command;
    }

    private static int Run(string? modelName, string weightsPath, string? dataFolder, string? jsonPath)
    {
        OutputPath.RequireWritableFile(jsonPath, "--json");
        if (!File.Exists(weightsPath))
        {
            throw new UsageException($"--weights: file '{weightsPath}' does not exist.");
        }

        modelName ??= ModelNamedIn(weightsPath);
        var model = RunComponents.FindModel(modelName);
        var network = model.Create(0);
        var metadata = NetworkWeights.Load(network, weightsPath);
        var data = RunData.Load(dataFolder);
        var test = Evaluator.Evaluate(network, data.Test);
        var (layers, parameters, sparsity) = RunRecordBuilder.MaskSummary(network);
        var record = new EvaluationRecord
        {
            Model = model.Name,
            Weights = Path.GetFullPath(weightsPath),
            TestAccuracy = test.Accuracy,
            TestLoss = test.Loss,
            TestSamples = test.Count,
            Sparsity = sparsity,
            Parameters = parameters,
            FlopsPerSample = RunComponents.LayerCosts(model).Sum(c => c.FlopsPerSample),
            Layers = layers,
            Data = data.Record,
            ModelgenVersion = RunData.LibraryVersion,
            Metadata = new SortedDictionary<string, string>(metadata.ToDictionary(), StringComparer.Ordinal),
        };

        var table = new Table().HideHeaders().AddColumns("", "");
        table.AddRow("model", Markup.Escape(record.Model));
        table.AddRow("weights", Markup.Escape(record.Weights));
        table.AddRow("test accuracy", Invariant($"{100 * record.TestAccuracy:0.00}% of {record.TestSamples:N0}"));
        table.AddRow("test loss", Invariant($"{record.TestLoss:0.0000}"));
        table.AddRow("sparsity", Invariant($"{record.Sparsity:0.0000}"));
        table.AddRow("parameters", Invariant($"{record.Parameters:N0}"));
        table.AddRow("layers kept", Markup.Escape(string.Join(", ", record.Layers.Select(l => Invariant($"{l.Name} {l.Kept:N0}/{l.Weights:N0}")))));
        AnsiConsole.Write(table);
        if (jsonPath is not null)
        {
            AtomicFile.WriteAllText(jsonPath, JsonSerializer.Serialize(record, RunJson.Options));
            AnsiConsole.MarkupLineInterpolated($"JSON written to [bold]{Path.GetFullPath(jsonPath)}[/]");
        }

        return CliApplication.Success;
    }

    private static string ModelNamedIn(string weightsPath)
    {
        using var file = SafetensorsReader.Open(weightsPath);
        return file.Metadata.TryGetValue(NetworkWeights.ModelKey, out var name)
            ? name
            : throw new UsageException($"{weightsPath} names no model in its metadata; pass --model.");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
