using System.CommandLine;
using System.Globalization;
using ModelGen.Model;
using Spectre.Console;

namespace ModelGen.Cli.Commands;

/// <summary><c>models</c>: lists the models built into this CLI with their layers.</summary>
public static class ModelsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var command = new Command("models", "List the models built into this CLI with their layers.");
        command.SetAction(_ =>
        {
            foreach (var model in RunComponents.Models)
            {
                // As the model runs: a baked model holds only its ticket's kept weights.
                var costs = RunComponents.LayerCosts(model);
                var parameters = costs.Sum(c => c.Parameters);
                var flops = costs.Sum(c => c.FlopsPerSample);
                var input = model.Layers.Count > 0 ? model.Layers[0].InputShape.ToString() : Invariant($"{model.InputSize}");
                AnsiConsole.MarkupLine(Invariant($"[bold]{Markup.Escape(model.Name)}[/] ({Markup.Escape(model.TypeName)}): input {input}, {parameters:N0} parameters, {flops:N0} FLOPs/sample"));
                var table = new Table()
                    .AddColumns("layer", "kind", "in → out", "rank", "activation", "prunable")
                    .AddColumn(new TableColumn("parameters").RightAligned())
                    .AddColumn(new TableColumn("FLOPs/sample").RightAligned());
                foreach (var (layer, layerParameters, layerFlops) in costs)
                {
                    table.AddRow(
                        Markup.Escape(layer.Name),
                        KindName(layer),
                        Invariant($"{layer.InputShape} → {layer.OutputShape}"),
                        layer.Rank == 0 ? "-" : Invariant($"{layer.Rank}"),
                        layer.HasWeights ? layer.Activation.ToString() : "-",
                        layer.HasWeights ? (layer.Prunable ? "yes" : "no") : "-",
                        Invariant($"{layerParameters:N0}"),
                        Invariant($"{layerFlops:N0}"));
                }

                AnsiConsole.Write(table);
            }

            return CliApplication.Success;
        });
        return command;
    }

    /// <summary>The kind column: dense, factorized, or a spatial layer with its window (conv 5×5, max-pool 2×2 …).</summary>
    private static string KindName(LayerInfo layer)
    {
        var window = Invariant($"{layer.KernelSize}×{layer.KernelSize}");
        var steps = (layer.Stride > 1 && layer.Kind == LayerKind.Conv2D ? Invariant($" stride {layer.Stride}") : string.Empty)
            + (layer.Padding > 0 ? Invariant($" pad {layer.Padding}") : string.Empty);
        return layer.Kind switch
        {
            LayerKind.FactorizedDense => "factorized",
            LayerKind.Conv2D => $"conv {window}{steps}",
            LayerKind.MaxPool2D => layer.Stride == layer.KernelSize ? $"max-pool {window}" : Invariant($"max-pool {window} stride {layer.Stride}"),
            LayerKind.AvgPool2D => layer.Stride == layer.KernelSize ? $"avg-pool {window}" : Invariant($"avg-pool {window} stride {layer.Stride}"),
            LayerKind.Flatten => "flatten",
            _ => "dense",
        };
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
