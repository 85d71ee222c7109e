using System.CommandLine;
using System.Globalization;
using ModelGen.Cli;
using ModelGen.Cli.Output;
using ModelGen.Cli.Sweep;
using ModelGen.Model;
using ModelGen.Pruning;
using Spectre.Console;

return await CliApplication.RunAsync(args);

namespace ModelGen.Cli
{
    /// <summary>The <c>modelgen</c> command line: <c>train</c>, <c>models</c> and <c>sweep</c>.</summary>
    public static class CliApplication
    {
        /// <summary>Exit code of a run that finished.</summary>
        public const int Success = 0;

        /// <summary>Exit code of a failed or refused run (bad data, layer collapse).</summary>
        public const int Failure = 1;

        /// <summary>Exit code of bad arguments.</summary>
        public const int UsageError = 2;

        /// <summary>Exit code after Ctrl+C.</summary>
        public const int Interrupted = 130;

        /// <summary>Parses <paramref name="args"/> and runs the command.</summary>
        public static Task<int> RunAsync(string[] args)
        {
            if (Console.IsOutputRedirected)
            {
                // Spectre.Console assumes 80 columns without a terminal; logs read better unwrapped.
                AnsiConsole.Profile.Width = 160;
            }

            return BuildRootCommand().Parse(args).InvokeAsync();
        }

        /// <summary>Builds the command tree.</summary>
        public static RootCommand BuildRootCommand()
        {
            var root = new RootCommand("ModelGen: generated, prunable and factorizable MLPs trained on MNIST.");
            root.Subcommands.Add(TrainCommand());
            root.Subcommands.Add(ModelsCommand());
            root.Subcommands.Add(SweepCommand());
            return root;
        }

        private static Command TrainCommand()
        {
            var shared = new TrainingFlags();
            var defaults = new TrainSettings();
            var model = new Option<string>("--model") { Description = "Model to train (see `models`).", DefaultValueFactory = _ => defaults.Model };
            var method = TrainingFlags.Choice("--method", "Pruning method.", defaults.Method, Methods.All);
            var sparsity = new Option<double>("--sparsity") { Description = "Fraction of prunable weights to remove (pruning methods).", DefaultValueFactory = _ => 0 };
            var seed = new Option<int>("--seed") { Description = "Seed of initialization, data order and scoring.", DefaultValueFactory = _ => defaults.Seed };
            var json = new Option<string?>("--json") { Description = "Write the run's results as one JSON object to this file." };
            var command = new Command("train", "Train one model (optionally pruned) and report test accuracy.");
            command.Options.Add(model);
            command.Options.Add(method);
            command.Options.Add(sparsity);
            command.Options.Add(seed);
            command.Options.Add(json);
            shared.AddTo(command);
            command.SetAction((result, cancellationToken) => Guarded(() =>
            {
                var settings = shared.Bind(result, defaults) with
                {
                    Model = result.GetValue(model)!,
                    Method = result.GetValue(method)!,
                    Sparsity = result.GetValue(sparsity),
                    Seed = result.GetValue(seed),
                };
                return Train(settings, result.GetValue(json), cancellationToken);
            }));
            return command;
        }

        private static Command ModelsCommand()
        {
            var command = new Command("models", "List the models built into this CLI with their layers.");
            command.SetAction(_ =>
            {
                foreach (var model in TrainRunner.Models)
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

                return Success;
            });
            return command;
        }

        private static Command SweepCommand()
        {
            var shared = new TrainingFlags();
            var models = OptionExtensions.ListOption("--models", "Models, comma- or space-separated.", "lenet300");
            var methods = OptionExtensions.ListOption("--methods", $"Methods ({string.Join(", ", Methods.All)}).", Methods.Dense);
            var sparsities = OptionExtensions.ListOption("--sparsities", "Target sparsities in [0, 1) (dense ignores them; pruning methods skip 0).", "0");
            var seeds = OptionExtensions.ListOption("--seeds", "Seeds.", "0");
            var output = new Option<string>("--out") { Description = "Folder for results.json, results.md, accuracy.png and accuracy.svg; rerunning with it skips finished cells.", Required = true };
            var command = new Command("sweep", "Train every model × method × sparsity × seed cell and tabulate and plot test accuracy.");
            command.Options.Add(models);
            command.Options.Add(methods);
            command.Options.Add(sparsities);
            command.Options.Add(seeds);
            command.Options.Add(output);
            shared.AddTo(command);
            command.SetAction((result, cancellationToken) => Guarded(() =>
            {
                var plan = new SweepRequest(
                    ParseModels(OptionExtensions.SplitList(result.GetValue(models))),
                    ParseMethods(OptionExtensions.SplitList(result.GetValue(methods))),
                    ParseNumbers(OptionExtensions.SplitList(result.GetValue(sparsities)), "--sparsities", s => s >= 0 && s < 1, "in [0, 1)"),
                    ParseNumbers(OptionExtensions.SplitList(result.GetValue(seeds)), "--seeds", s => s == Math.Floor(s) && Math.Abs(s) <= int.MaxValue, "whole numbers").Select(s => (int)s).ToArray(),
                    result.GetValue(output)!,
                    shared.Bind(result, new TrainSettings()));
                return SweepRunner.Run(plan, cancellationToken);
            }));
            return command;
        }

        private static int Train(TrainSettings settings, string? jsonPath, CancellationToken cancellationToken)
        {
            ThrowIfInvalid(settings.Validate());
            global::ModelGen.Kernels.Gemm.MaxDegreeOfParallelism = settings.Threads;
            var model = TrainRunner.FindModel(settings.Model);
            if (jsonPath is not null && Directory.Exists(jsonPath))
            {
                throw new UsageException($"--json {jsonPath} is a folder; give a file path.");
            }

            if (jsonPath is not null)
            {
                try
                {
                    AtomicFile.EnsureWritable(jsonPath);
                }
                catch (IOException e)
                {
                    throw new UsageException($"--json: {e.Message}");
                }
            }

            var data = RunData.Load(settings.DataFolder);
            AnsiConsole.MarkupLineInterpolated($"[bold]{model.Name}[/] {settings.Method}{(settings.Method == Methods.Dense ? "" : Invariant($" to sparsity {settings.Sparsity}"))}: {settings.Epochs} epochs, batch {settings.BatchSize}, {settings.Optimizer} lr {settings.LearningRate.ToString(CultureInfo.InvariantCulture)}, seed {settings.Seed}; data {data.Record.Folder} ({data.Train.Count} train, {data.Test.Count} test)");

            var record = ConsoleObserver.Run(observer => RunSingle(settings, data, observer, cancellationToken), clearWhenDone: false);
            PrintSummary(record);
            if (jsonPath is not null)
            {
                AtomicFile.WriteAllText(jsonPath, RunJson.Serialize(record));
                AnsiConsole.MarkupLineInterpolated($"JSON written to [bold]{Path.GetFullPath(jsonPath)}[/]");
            }

            return record.Refused is null ? Success : Failure;
        }

        /// <summary>Runs one train cell (any method) and returns its record.</summary>
        public static RunRecord RunSingle(TrainSettings settings, RunData data, IRunObserver observer, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(settings);
            if (!Methods.IsLotteryTicket(settings.Method))
            {
                return TrainRunner.RunOneShot(settings, data, observer, cancellationToken);
            }

            RunRecord? landed = null;
            TrainRunner.RunLotteryTicket(
                settings,
                [settings.Sparsity],
                ticket: settings.Method == Methods.Lth,
                reinit: settings.Method == Methods.LthReinit,
                data,
                observer,
                record => landed = record,
                cancellationToken);
            return landed ?? throw new InvalidOperationException($"The lottery-ticket search ended without reaching sparsity {settings.Sparsity}.");
        }

        private static void PrintSummary(RunRecord record)
        {
            if (record.Refused is not null)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]Refused:[/] {record.Refused}");
                return;
            }

            var table = new Table().HideHeaders().AddColumns("", "");
            table.AddRow("test accuracy", Invariant($"{100 * record.TestAccuracy:0.00}%"));
            table.AddRow("test loss", Invariant($"{record.TestLoss:0.0000}"));
            table.AddRow("final train loss", Invariant($"{record.FinalTrainLoss:0.0000}"));
            table.AddRow("sparsity", Invariant($"{record.Sparsity:0.0000} (target {record.TargetSparsity})"));
            table.AddRow("parameters", Invariant($"{record.Parameters:N0}"));
            table.AddRow("layers kept", Markup.Escape(string.Join(", ", record.Layers.Select(l => Invariant($"{l.Name} {l.Kept:N0}/{l.Weights:N0}")))));
            table.AddRow("training", Invariant($"{record.TrainSeconds:0.00} s, {record.TrainSamplesPerSecond:N0} samples/s"));
            if (record.ScoreSeconds > 0) table.AddRow("scoring", Invariant($"{record.ScoreSeconds:0.000} s"));
            if (record.BestValidationStep is { } best) table.AddRow("best validation step", Invariant($"{best}"));
            AnsiConsole.Write(table);
            foreach (var warning in record.Warnings)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]warning:[/] {warning}");
            }
        }

        /// <summary>Runs <paramref name="action"/>, turning expected failures into a message and an exit code.</summary>
        private static Task<int> Guarded(Func<int> action)
        {
            try
            {
                return Task.FromResult(action());
            }
            catch (UsageException e)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return Task.FromResult(UsageError);
            }
            catch (OperationCanceledException)
            {
                AnsiConsole.MarkupLine("[yellow]Interrupted.[/]");
                return Task.FromResult(Interrupted);
            }
            // FormatException covers IdxFormatException and the loader's count and shape mismatches between files.
            catch (Exception e) when (e is FormatException or InvalidDataException or IOException or PruningException or UnauthorizedAccessException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return Task.FromResult(Failure);
            }
        }

        internal static void ThrowIfInvalid(IReadOnlyList<string> errors)
        {
            if (errors.Count > 0)
            {
                throw new UsageException(string.Join(Environment.NewLine, errors));
            }
        }

        private static string[] ParseModels(string[] names)
        {
            foreach (var name in names)
            {
                TrainRunner.FindModel(name);
            }

            return names;
        }

        private static string[] ParseMethods(string[] names)
        {
            foreach (var name in names.Where(n => !Methods.All.Contains(n)))
            {
                throw new UsageException($"Unknown method '{name}' in --methods. Known methods: {string.Join(", ", Methods.All)}.");
            }

            return names;
        }

        private static double[] ParseNumbers(string[] values, string flag, Func<double, bool> valid, string requirement)
        {
            var numbers = new double[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                if (!double.TryParse(values[i], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i]) || !valid(numbers[i]))
                {
                    throw new UsageException($"{flag}: '{values[i]}' is not a number {requirement}.");
                }
            }

            if (numbers.Length == 0)
            {
                throw new UsageException($"{flag} needs at least one value.");
            }

            return numbers;
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
