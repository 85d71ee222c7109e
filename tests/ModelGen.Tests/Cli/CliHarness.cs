extern alias cli;

using System.Buffers.Binary;
using System.CommandLine;
using System.IO.Compression;
using System.Text.Json;
using cli::ModelGen.Cli;
using ModelGen.Tests.Data;
using Spectre.Console;
using Xunit;

namespace ModelGen.Tests.Cli;

/// <summary>
/// The CLI tests share Spectre.Console's static <see cref="AnsiConsole.Console"/> (the CLI prints through it), so they
/// run one at a time in this collection, which also owns the tiny data set they train on.
/// </summary>
[CollectionDefinition(Name)]
public sealed class CliCollection : ICollectionFixture<TinyMnist>
{
    /// <summary>Collection name.</summary>
    public const string Name = "CLI (shared console)";
}

/// <summary>What one CLI invocation did.</summary>
/// <param name="ExitCode">The process exit code it would have had.</param>
/// <param name="Output">Everything printed: Spectre.Console output and System.CommandLine's own output and errors.</param>
public sealed record CliRun(int ExitCode, string Output);

/// <summary>Runs the CLI's root command in process, capturing what it prints.</summary>
internal static class CliHarness
{
    /// <summary>
    /// Parses and invokes <paramref name="args"/> as <c>ModelGen.Cli</c> would. Unexpected exceptions are not turned
    /// into an exit code (the default handler is off), so a crash fails the test with its stack trace.
    /// </summary>
    public static CliRun Run(params string[] args)
    {
        var output = new StringWriter();
        var previous = AnsiConsole.Console;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        // Wide enough that no message is wrapped, so tests can look for whole sentences.
        console.Profile.Width = 4000;
        AnsiConsole.Console = console;
        try
        {
            var configuration = new InvocationConfiguration
            {
                Output = output,
                Error = output,
                EnableDefaultExceptionHandler = false,
                // No Ctrl+C handler registered on the test host's console.
                ProcessTerminationTimeout = null,
            };
            var exitCode = CliApplication.BuildRootCommand().Parse(args).Invoke(configuration);
            return new CliRun(exitCode, output.ToString());
        }
        finally
        {
            AnsiConsole.Console = previous;
        }
    }

    /// <summary>Runs <c>train</c> with <paramref name="args"/> plus <c>--json</c>, asserts success and parses the JSON.</summary>
    public static JsonElement TrainJson(TempFolder folder, params string[] args)
    {
        var path = folder.File("run.json");
        var run = Run(["train", .. args, "--json", path]);
        Assert.True(run.ExitCode == CliApplication.Success, $"train {string.Join(' ', args)} exited with {run.ExitCode}:\n{run.Output}");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }
}

/// <summary>
/// Small MNIST folders cut from the bundled split (raw IDX), so that a run of the CLI trains in well under a second
/// instead of seconds: <see cref="Folder"/> holds the first <see cref="TrainCount"/> training and
/// <see cref="TestCount"/> test digits, <see cref="SmallFolder"/> a quarter of that for tests that train many cells
/// and do not look at accuracy.
/// </summary>
public sealed class TinyMnist : IDisposable
{
    /// <summary>Training digits in <see cref="Folder"/>: above SNIP/GraSP's default 1,000 scoring samples, so defaults work.</summary>
    public const int TrainCount = 1200;

    /// <summary>Test digits in <see cref="Folder"/>.</summary>
    public const int TestCount = 300;

    private readonly TempFolder _root = new();

    /// <summary>Writes both folders.</summary>
    public TinyMnist()
    {
        Folder = Cut(_root.File("tiny"), TrainCount, TestCount);
        SmallFolder = Cut(_root.File("small"), TrainCount / 4, TestCount / 4);
    }

    /// <summary>The folder of <see cref="TrainCount"/> training and <see cref="TestCount"/> test digits.</summary>
    public string Folder { get; }

    /// <summary>A folder of a quarter as many digits.</summary>
    public string SmallFolder { get; }

    /// <summary>Full paths of the four files in <see cref="Folder"/>.</summary>
    public IEnumerable<string> Files => Directory.EnumerateFiles(Folder);

    /// <inheritdoc />
    public void Dispose() => _root.Dispose();

    private static string Cut(string folder, int trainCount, int testCount)
    {
        Directory.CreateDirectory(folder);
        var source = BundledData.MnistFolder;
        Cut(source, folder, "train-images-idx3-ubyte", trainCount);
        Cut(source, folder, "train-labels-idx1-ubyte", trainCount);
        Cut(source, folder, "t10k-images-idx3-ubyte", testCount);
        Cut(source, folder, "t10k-labels-idx1-ubyte", testCount);
        return folder;
    }

    /// <summary>Copies the header (with the item count replaced) and the first <paramref name="count"/> items.</summary>
    private static void Cut(string sourceFolder, string targetFolder, string name, int count)
    {
        byte[] bytes;
        using (var gzip = new GZipStream(File.OpenRead(Path.Combine(sourceFolder, name + ".gz")), CompressionMode.Decompress))
        using (var buffer = new MemoryStream())
        {
            gzip.CopyTo(buffer);
            bytes = buffer.ToArray();
        }

        // IDX: 00 00 type rank, then rank big-endian int32 dimensions; the first is the item count.
        var rank = bytes[3];
        var headerLength = 4 + (4 * rank);
        var itemLength = 1;
        for (var d = 1; d < rank; d++)
        {
            itemLength *= BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + (4 * d)));
        }

        var cut = bytes.AsSpan(0, headerLength + (count * itemLength)).ToArray();
        BinaryPrimitives.WriteInt32BigEndian(cut.AsSpan(4), count);
        File.WriteAllBytes(Path.Combine(targetFolder, name), cut);
    }
}
