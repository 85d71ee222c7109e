using System.CommandLine;
using System.Globalization;
using ModelGen.IO;
using Spectre.Console;

namespace ModelGen.Cli.Commands;

/// <summary>
/// <c>inspect</c>: lists a safetensors file's tensors (dtype, shape, byte range, zeros), the sparsity of each layer's
/// weights and the metadata. Works on any safetensors file, ModelGen's or PyTorch's, without knowing the model.
/// </summary>
public static class InspectCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "A safetensors file (train --save, a checkpoint, or a PyTorch/Hugging Face file)." };
        var command = new Command("inspect", "List a safetensors file's tensors, shapes, per-layer sparsity and metadata.");
        command.Arguments.Add(file);
        command.SetAction((result, _) => CliApplication.Guarded(() => Run(result.GetValue(file)!)));
        return command;
    }

    private static int Run(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"file '{path}' does not exist.");
        }

        using var file = SafetensorsReader.Open(path);
        AnsiConsole.MarkupLineInterpolated($"[bold]{path}[/]: {file.Tensors.Count} tensors, {file.FileLength:N0} bytes (header {file.DataOffset - 8:N0})");
        var tensors = new Table().AddColumns("tensor", "dtype", "shape", "bytes", "zeros");
        var values = new Dictionary<string, (SafetensorsTensorInfo Info, float[] Data)>(StringComparer.Ordinal);
        foreach (var tensor in file.Tensors)
        {
            var zeros = "";
            if (tensor.DType == SafetensorsDType.Float32)
            {
                // The length was checked against the file's real size when it was opened.
                var data = new float[tensor.ElementCount];
                file.ReadFloat32(tensor, data);
                values[tensor.Name] = (tensor, data);
                var count = data.Count(v => v == 0f);
                zeros = Invariant($"{count:N0} ({Percent(count, data.Length)})");
            }

            tensors.AddRow(
                Markup.Escape(tensor.Name),
                tensor.DType.Name(),
                Markup.Escape(tensor.ShapeText),
                Invariant($"{tensor.DataOffset:N0}..{tensor.DataOffset + tensor.ByteLength:N0}"),
                zeros);
        }

        AnsiConsole.Write(tensors);
        WriteLayerSparsity(values);
        if (file.Metadata.Count > 0)
        {
            var metadata = new Table().AddColumns("metadata", "value");
            foreach (var (key, value) in file.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                metadata.AddRow(Markup.Escape(key), Markup.Escape(value));
            }

            AnsiConsole.Write(metadata);
        }

        return CliApplication.Success;
    }

    // A layer is a name prefix (fc1 of fc1.weight); its weights are its float tensors of two or more dimensions other
    // than masks (biases and a checkpoint's flat optimizer buffers are one-dimensional). A weight with a mask
    // (<name>_mask, PyTorch's buffer name) counts the mask's zeros, one without counts exact zeros.
    private static void WriteLayerSparsity(Dictionary<string, (SafetensorsTensorInfo Info, float[] Data)> values)
    {
        var layers = new SortedDictionary<string, (long Weights, long Removed)>(StringComparer.Ordinal);
        foreach (var (name, (info, data)) in values)
        {
            var dot = name.LastIndexOf('.');
            if (dot <= 0 || info.Shape.Count < 2 || name.EndsWith(NetworkWeights.MaskSuffix, StringComparison.Ordinal))
            {
                continue;
            }

            var source = values.TryGetValue(name + NetworkWeights.MaskSuffix, out var mask) && mask.Data.Length == data.Length ? mask.Data : data;
            var removed = source.LongCount(v => v == 0f);
            var layer = name[..dot];
            var (weights, removedSoFar) = layers.GetValueOrDefault(layer);
            layers[layer] = (weights + data.Length, removedSoFar + removed);
        }

        if (layers.Count == 0)
        {
            return;
        }

        var table = new Table().AddColumns("layer", "weights", "removed", "sparsity");
        foreach (var (layer, (weights, removed)) in layers)
        {
            table.AddRow(Markup.Escape(layer), Invariant($"{weights:N0}"), Invariant($"{removed:N0}"), Percent(removed, weights));
        }

        AnsiConsole.Write(table);
    }

    private static string Percent(long part, long whole) => whole == 0 ? "-" : Invariant($"{100.0 * part / whole:0.00}%");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
