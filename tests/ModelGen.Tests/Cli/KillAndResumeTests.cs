extern alias cli;

using System.Diagnostics;
using cli::ModelGen.Cli;
using ModelGen.IO;
using ModelGen.Tests.Data;
using ModelGen.Training;
using Xunit;
using Xunit.Abstractions;

namespace ModelGen.Tests.Cli;

/// <summary>
/// The resume contract end to end: a child <c>train --checkpoint</c> process is killed at a random moment of its
/// training (possibly in the middle of writing a checkpoint), <c>train --resume</c> finishes the run, and the final
/// weights equal those of an uninterrupted run bit for bit.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class KillAndResumeTests(TinyMnist data, ITestOutputHelper log)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    [Fact]
    public void Killed_training_resumes_to_bit_identical_weights()
    {
        using var folder = new TempFolder();
        string[] run = ["train", "--epochs", "3", "--batch-size", "20", "--method", "magnitude", "--sparsity", "0.5", "--data", data.Folder];

        // The uninterrupted run, timed from its first checkpoint (training starts) to its exit.
        var reference = folder.File("reference.safetensors");
        var referenceCheckpoints = folder.File("reference-ck");
        using (var child = Start([.. run, "--checkpoint", referenceCheckpoints, "--save", reference]))
        {
            WaitForCheckpoint(child, referenceCheckpoints);
            var started = Stopwatch.StartNew();
            Finish(child);
            var trainingTime = started.Elapsed;
            log.WriteLine($"uninterrupted: {trainingTime.TotalMilliseconds:0} ms from the first checkpoint to exit");

            var seed = Environment.TickCount;
            var random = new Random(seed);
            var checkpoints = folder.File("ck");
            var killedAfterEpoch = -1;
            for (var attempt = 0; attempt < 5 && killedAfterEpoch < 0; attempt++)
            {
                if (Directory.Exists(checkpoints))
                {
                    Directory.Delete(checkpoints, recursive: true);
                }

                using var victim = Start([.. run, "--checkpoint", checkpoints]);
                WaitForCheckpoint(victim, checkpoints);
                var delay = TimeSpan.FromMilliseconds(random.NextDouble() * 0.9 * trainingTime.TotalMilliseconds / (attempt + 1));
                Thread.Sleep(delay);
                if (victim.HasExited)
                {
                    log.WriteLine($"attempt {attempt}: the run finished before the kill at {delay.TotalMilliseconds:0} ms");
                    continue;
                }

                victim.Kill(entireProcessTree: true);
                victim.WaitForExit();
                using var file = SafetensorsReader.Open(TrainingCheckpoint.FilePath(checkpoints));
                killedAfterEpoch = int.Parse(file.Metadata["epoch"], System.Globalization.CultureInfo.InvariantCulture);
                log.WriteLine($"attempt {attempt} (seed {seed}): killed {delay.TotalMilliseconds:0} ms into training; the checkpoint holds {killedAfterEpoch} epochs");
            }

            Assert.True(killedAfterEpoch is >= 0 and < 3, $"no attempt killed the run before it ended (seed {seed})");

            var resumed = folder.File("resumed.safetensors");
            using var resume = Start([.. run, "--resume", checkpoints, "--save", resumed]);
            var output = Finish(resume);
            Assert.Contains($"resuming after epoch {killedAfterEpoch}", output, StringComparison.Ordinal);
            PersistenceCommandTests.AssertSameWeights(reference, resumed);
        }
    }

    private static Process Start(string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(CliApplication).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Cannot start the CLI.");
        // Read both pipes as they fill, so the child never blocks on a full pipe.
        process.BeginErrorReadLine();
        return process;
    }

    private static void WaitForCheckpoint(Process child, string folder)
    {
        var clock = Stopwatch.StartNew();
        while (!TrainingCheckpoint.Exists(folder))
        {
            if (child.HasExited || clock.Elapsed > Limit)
            {
                var output = child.HasExited ? child.StandardOutput.ReadToEnd() : "(still running)";
                child.Kill(entireProcessTree: true);
                Assert.Fail($"the child wrote no checkpoint into {folder}: {output}");
            }

            Thread.Sleep(2);
        }
    }

    private static string Finish(Process child)
    {
        var output = child.StandardOutput.ReadToEndAsync();
        if (!child.WaitForExit(Limit))
        {
            child.Kill(entireProcessTree: true);
            Assert.Fail("the child CLI did not finish in time");
        }

        child.WaitForExit();
        Assert.True(child.ExitCode == CliApplication.Success, $"the child exited with {child.ExitCode}: {output.Result}");
        return output.Result;
    }
}
