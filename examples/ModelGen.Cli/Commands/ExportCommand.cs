using System.CommandLine;
using System.Globalization;
using ModelGen.Cli.Output;
using ModelGen.IO;
using ModelGen.Model;
using Spectre.Console;

namespace ModelGen.Cli.Commands;

/// <summary>
/// <c>export</c>: loads saved weights (safetensors, with their masks) into a model and writes it as ONNX for ONNX Runtime
/// or any other ONNX reader: input <c>input</c> [N, features], first output <c>logits</c> [N, classes].
/// </summary>
public static class ExportCommand
{
    /// <summary>Builds the command with its options.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model the weights belong to (see `models`).", Required = true };
        var weights = new Option<string>("--weights") { Description = "Safetensors file with the model's parameters (and masks), as NetworkWeights.Save writes it.", Required = true };
        var onnx = new Option<string>("--onnx") { Description = "ONNX file to write (replaced atomically).", Required = true };
        var command = new Command("export", "Write a model with saved weights as an ONNX file.");
        command.Options.Add(model);
        command.Options.Add(weights);
        command.Options.Add(onnx);
        command.SetAction(result => CliApplication.Guarded(() => Run(result.GetValue(model)!, result.GetValue(weights)!, result.GetValue(onnx)!)));
        return command;
    }

    private static int Run(string modelName, string weightsPath, string onnxPath)
    {
        var model = RunComponents.FindModel(modelName);
        OutputPath.RequireWritableFile(onnxPath, "--onnx");
        if (!File.Exists(weightsPath))
        {
            throw new UsageException($"--weights {weightsPath} does not exist.");
        }

        // The seed does not matter: Load checks the file against every tensor and overwrites all values and masks.
        var network = model.Create(0);
        var metadata = NetworkWeights.Load(network, weightsPath);
        if (metadata.TryGetValue(NetworkWeights.ModelKey, out var savedModel) && savedModel != model.Name && !(network is IBakedNetwork baked && baked.SourceModel == savedModel))
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]warning:[/] {weightsPath} was saved from model '{savedModel}', exported as '{model.Name}' (the shapes match).");
        }

        try
        {
            OnnxExporter.Export(network, onnxPath);
        }
        catch (OnnxExportException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {onnxPath}: {e.Message}");
            return CliApplication.Failure;
        }

        // The JSON's rule (a baked network against its dense view).
        var sparsity = RunRecordBuilder.MaskSummary(network).Sparsity;
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[bold]{model.Name}[/] from {weightsPath} (sparsity {sparsity:0.0000}, {network.Parameters.Count:N0} parameters) → ONNX opset {OnnxExporter.OpsetVersion}: {OnnxExporter.InputName} [[{OnnxExporter.BatchDimension}, {string.Join(", ", OnnxExporter.InputDimensions(network))}]] → {OnnxExporter.OutputName} [[{OnnxExporter.BatchDimension}, {network.OutputSize}]]");
        AnsiConsole.MarkupLineInterpolated($"ONNX written to [bold]{Path.GetFullPath(onnxPath)}[/] ({new FileInfo(onnxPath).Length.ToString("N0", CultureInfo.InvariantCulture)} bytes)");
        return CliApplication.Success;
    }
}
