using System.CommandLine;
using ModelGen.Cli;
using ModelGen.Cli.Commands;
using ModelGen.Pruning;
using ModelGen.Training;
using Spectre.Console;

return await CliApplication.RunAsync(args);

namespace ModelGen.Cli
{
    /// <summary>
    /// The <c>modelgen</c> command line. Each command lives in its own file under <c>Commands/</c> and is listed once in
    /// <see cref="BuildRootCommand"/>; what commands share (exit codes, error handling) is here.
    /// </summary>
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

        /// <summary>Builds the command tree: one line per command.</summary>
        public static RootCommand BuildRootCommand()
        {
            var root = new RootCommand("ModelGen: generated, prunable and factorizable networks trained on MNIST.");
            root.Subcommands.Add(TrainCommand.Create());
            root.Subcommands.Add(ModelsCommand.Create());
            root.Subcommands.Add(SweepCommand.Create());
            root.Subcommands.Add(EvaluateCommand.Create());
            root.Subcommands.Add(InspectCommand.Create());
            root.Subcommands.Add(ExportCommand.Create());
            root.Subcommands.Add(MergeCommand.Create());
            return root;
        }

        /// <summary>Runs <paramref name="action"/>, turning expected failures into a message and an exit code.</summary>
        public static Task<int> Guarded(Func<int> action)
        {
            ArgumentNullException.ThrowIfNull(action);
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
            // FormatException covers IdxFormatException, SafetensorsFormatException (file: tensor: problem at byte N)
            // and the loader's count and shape mismatches between files.
            catch (Exception e) when (e is FormatException or InvalidDataException or IOException or PruningException or UnauthorizedAccessException or TrainingDivergedException)
            {
                ErrorLine(e.Message);
                return Task.FromResult(Failure);
            }
        }

        // Written past Spectre.Console's line wrapping: scripts read "error: <file>: <tensor>: <what> at byte <offset>"
        // as one line, however long the path.
        private static void ErrorLine(string message) => AnsiConsole.Profile.Out.Writer.WriteLine("error: " + message);

        /// <summary>Throws a <see cref="UsageException"/> listing <paramref name="errors"/>, if there are any.</summary>
        public static void ThrowIfInvalid(IReadOnlyList<string> errors)
        {
            ArgumentNullException.ThrowIfNull(errors);
            if (errors.Count > 0)
            {
                throw new UsageException(string.Join(Environment.NewLine, errors));
            }
        }
    }
}
