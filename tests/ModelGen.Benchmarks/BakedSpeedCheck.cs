using System.Globalization;
using ModelGen.Cli;
using ModelGen.Data;
using ModelGen.Examples;
using ModelGen.Model;
using ModelGen.Tickets;
using ModelGen.Training;

namespace ModelGen.Benchmarks;

/// <summary>
/// <c>baked [rounds]</c>: lenet300-ticket98 (the committed 98% ticket baked into its own class) against LeNet-300-100
/// under the same ticket's masks (the runtime sparse path) and the dense LeNet-300-100, all from seed 0, in the same
/// run: inference at batch 1, 60 and 256 and the Adam training step at batch 60 on MNIST samples. The three take turns
/// round by round (the CLI's InterleavedTimer, single thread, thread CPU time), so each sees the same load; medians in
/// µs per call.
/// </summary>
internal static class BakedSpeedCheck
{
    public static void Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 101;
        var (train, _) = IdxDataset.Load(Find(Path.Combine("examples", "data", "mnist-10k")));
        var ticket = LotteryTickets.Load(Find(Path.Combine("examples", "Models", "lenet300-lth98.ticket")));
        var dense = new LeNet300(seed: 0);
        var sparse = new LeNet300(seed: 0);
        LotteryTickets.Apply(ticket, sparse);
        var baked = new LeNet300Ticket98(seed: 0);
        var networks = new INetwork[] { dense, sparse, baked };
        // A 2 s warm-up per operation (the CLI's is 250 ms): this project keeps .NET's default tiered JIT, whose
        // background tier-1 compiles wait for a core, and at load 20 a 250 ms warm-up timed the baked kernels in tier 0.
        var timer = new InterleavedTimer { UsesThreadCpuTime = ThreadCpuClock.IsSupported, Rounds = rounds, WarmUp = TimeSpan.FromSeconds(2) };
        Console.WriteLine($"load {File.ReadAllText("/proc/loadavg").Trim()} | {timer.ClockName}, {rounds} interleaved rounds, medians in µs per call");
        Console.WriteLine($"parameters: dense {dense.Parameters.Count:N0}, sparse {sparse.Parameters.Count:N0} ({string.Join(", ", sparse.Execution.Select(e => $"{e.Layer} {e.Kernel.ToString().ToLowerInvariant()} {e.Density:0.###}"))}), baked {baked.Parameters.Count:N0} (live units {string.Join(" → ", baked.Layers.Select(l => l.OutputSize))})");
        Console.WriteLine("operation | dense | runtime sparse | baked | sparse / baked | dense / baked");
        foreach (var batch in new[] { 1, 60, 256 })
        {
            var input = train.Inputs.AsSpan(0, batch * 784).ToArray();
            var outputs = networks.Select(_ => new float[batch * 10]).ToArray();
            Report($"inference b{batch}", timer.MedianSeconds(networks.Select((n, i) => (Action)(() => n.Forward(input, batch, outputs[i]))).ToList(), CancellationToken.None));
        }

        {
            const int batch = 60;
            var input = train.Inputs.AsSpan(0, batch * 784).ToArray();
            var labels = train.Labels.AsSpan(0, batch).ToArray();
            var steps = networks.Select(n =>
            {
                var adam = new Adam(n.Parameters, 1.2e-3f);
                return (Action)(() =>
                {
                    n.Masks.ZeroGradients();
                    n.ForwardBackward(input, labels, batch);
                    adam.Step(n.Masks);
                });
            }).ToList();
            Report($"train step b{batch} (Adam)", timer.MedianSeconds(steps, CancellationToken.None));
        }

        Console.WriteLine($"load {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static void Report(string operation, double[] seconds)
    {
        var (d, s, b) = (seconds[0] * 1e6, seconds[1] * 1e6, seconds[2] * 1e6);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{operation} | {d:0.0} | {s:0.0} | {b:0.0} | {s / b:0.00}× | {d / b:0.00}×"));
    }

    private static string Find(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relative);
            if (Directory.Exists(candidate) || File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }
}
