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
                var parameters = model.Layers.Sum(l => (long)l.WeightCount + l.OutputSize);
                var flops = model.Layers.Sum(l => l.FlopsPerSample);
                AnsiConsole.MarkupLine(Invariant($"[bold]{Markup.Escape(model.Name)}[/] ({Markup.Escape(model.TypeName)}): input {model.InputSize}, {parameters:N0} parameters, {flops:N0} FLOPs/sample"));
                var table = new Table()
                    .AddColumns("layer", "kind", "in → out", "rank", "activation", "prunable")
                    .AddColumn(new TableColumn("parameters").RightAligned())
                    .AddColumn(new TableColumn("FLOPs/sample").RightAligned());
                foreach (var layer in model.Layers)
                {
                    table.AddRow(
                        Markup.Escape(layer.Name),
                        layer.Kind == LayerKind.FactorizedDense ? "factorized" : "dense",
                        Invariant($"{layer.InputSize} → {layer.OutputSize}"),
                        layer.Rank == 0 ? "-" : Invariant($"{layer.Rank}"),
                        layer.Activation.ToString(),
                        layer.Prunable ? "yes" : "no",
                        Invariant($"{(long)layer.WeightCount + layer.OutputSize:N0}"),
                        Invariant($"{layer.FlopsPerSample:N0}"));
                }

                AnsiConsole.Write(table);
            }

            return CliApplication.Success;
        });
        return command;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
