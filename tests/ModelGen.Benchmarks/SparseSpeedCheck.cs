using System.Diagnostics;
using System.Numerics.Tensors;
using ModelGen.Data;
using ModelGen.Examples;
using ModelGen.Kernels;
using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Training;

namespace ModelGen.Benchmarks;

/// <summary>
/// A Stopwatch harness (BenchmarkDotNet takes far too long for a sweep on a shared machine): <c>sparse</c> times
/// LeNet-300-100 pruned by SNIP at each sparsity against the dense network in the same run (training step at batch
/// 60, inference at batch 1, 60, 256, medians of repeated blocks); <c>crossover</c> times the sparse kernels against
/// the masked dense ones per layer shape and density, which is where <see cref="SparseKernelChoice"/> comes from.
/// </summary>
internal static class SparseSpeedCheck
{
    private static bool s_fastest;

    public static void Run(string command, string[] args)
    {
        var threads = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1;
        Gemm.MaxDegreeOfParallelism = threads;
        Console.WriteLine($"threads {threads}, {Environment.ProcessorCount} logical CPUs");
        if (command == "crossover")
        {
            Crossover();
        }
        else if (command == "loop")
        {
            // `loop threads sparsity batch seconds [inference]`: training steps and inferences (or inferences only) back to
            // back, for a sampling profiler.
            var (train, _) = IdxDataset.Load(FindData());
            var network = new LeNet300(seed: 0);
            new SnipPruner(train).Prune(network, double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
            var batch = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
            var adam = new Adam(network.Parameters, 1.2e-3f);
            var input = train.Inputs.AsSpan(0, batch * 784).ToArray();
            var labels = train.Labels.AsSpan(0, batch).ToArray();
            var output = new float[batch * 10];
            var clock = Stopwatch.StartNew();
            var inferenceOnly = args.Length > 4 && args[4] == "inference";
            while (clock.Elapsed.TotalSeconds < double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture))
            {
                if (!inferenceOnly)
                {
                    network.Masks.ZeroGradients();
                    network.ForwardBackward(input, labels, batch);
                    adam.Step(network.Masks);
                }

                network.Forward(input, batch, output);
            }
        }
        else if (command == "profile")
        {
            Profile(args.Skip(1).Select(a => double.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        }
        else
        {
            Networks();
        }
    }

    private static void Networks()
    {
        var (train, _) = IdxDataset.Load(FindData());
        var random = new Random(0);
        Console.WriteLine("sparsity | layers (kernel, density) | train b60 µs | infer b1 µs | infer b60 µs | infer b256 µs");
        foreach (var sparsity in new[] { 0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99 })
        {
            var network = new LeNet300(seed: 0);
            if (sparsity > 0)
            {
                new SnipPruner(train).Prune(network, sparsity);
            }

            var layers = string.Join(", ", network.Execution.Select(e => $"{e.Layer} {e.Kernel.ToString().ToLowerInvariant()} {e.Density:0.###}"));
            var trainStep = TimeTraining(network, train, 60);
            var infer1 = TimeInference(network, train, 1);
            var infer60 = TimeInference(network, train, 60);
            var infer256 = TimeInference(network, train, 256);
            Console.WriteLine($"{sparsity:0.00} | {layers} | {trainStep:0.0} | {infer1:0.00} | {infer60:0.0} | {infer256:0.0}");
        }
    }

    /// <summary>
    /// Where a training step's and an inference's time goes, piece by piece (µs per call, process CPU time), for
    /// LeNet-300-100 pruned by SNIP: <c>profile [threads] [sparsity …]</c>. Each weight product is timed through a handle
    /// of its own on the network's parameters and masks, with the activations the network computed.
    /// </summary>
    private static void Profile(double[] sparsities)
    {
        // The fastest block rather than the median: on a loaded machine the least disturbed block is closest to the cost.
        s_fastest = true;
        var (train, _) = IdxDataset.Load(FindData());
        foreach (var sparsity in sparsities.Length > 0 ? sparsities : new[] { 0.0, 0.5, 0.9, 0.98 })
        {
            var network = new LeNet300(seed: 0);
            if (sparsity > 0)
            {
                new SnipPruner(train).Prune(network, sparsity);
            }

            var fc1Mask = network.Masks.Get(network.Parameters["fc1.weight"]).ToArray();
            var activeBlocks = Enumerable.Range(0, 98).Count(b => Enumerable.Range(0, 300).Any(r => Enumerable.Range(b * 8, 8).Any(c => fc1Mask[(r * 784) + c] != 0f)));
            var activeColumns = Enumerable.Range(0, 784).Count(c => Enumerable.Range(0, 300).Any(r => fc1Mask[(r * 784) + c] != 0f));
            Console.WriteLine($"s={sparsity:0.00}: fc1 input columns with a kept weight {activeColumns} of 784, blocks of 8 {activeBlocks} of 98");
            foreach (var batch in new[] { 1, 60, 256 })
            {
                var input = train.Inputs.AsSpan(0, batch * 784).ToArray();
                var labels = train.Labels.AsSpan(0, batch).ToArray();
                var adam = new Adam(network.Parameters, 1.2e-3f);
                var output = new float[batch * 10];
                // The same step after a dense network's step (as bench interleaves them): caches hold the dense working set.
                var dense = new LeNet300(seed: 1);
                var denseAdam = new Adam(dense.Parameters, 1.2e-3f);
                void Step()
                {
                    network.Masks.ZeroGradients();
                    network.ForwardBackward(input, labels, batch);
                    adam.Step(network.Masks);
                }

                void DenseStep()
                {
                    dense.Masks.ZeroGradients();
                    dense.ForwardBackward(input, labels, batch);
                    denseAdam.Step(dense.Masks);
                }

                var next = 0;
                var inputs = Enumerable.Range(0, 8).Select(i => train.Inputs.AsSpan(i * batch * 784, batch * 784).ToArray()).ToArray();
                var labelSets = Enumerable.Range(0, 8).Select(i => train.Labels.AsSpan(i * batch, batch).ToArray()).ToArray();
                var cycling = Median(() =>
                {
                    var k = next++ % 8;
                    network.Masks.ZeroGradients();
                    network.ForwardBackward(inputs[k], labelSets[k], batch);
                    adam.Step(network.Masks);
                });
                var trainer = new Trainer(network, adam, new TrainingOptions());
                var viaTrainer = Median(() =>
                {
                    var k = next++ % 8;
                    trainer.TrainStep(inputs[k], labelSets[k], batch);
                });
                Console.WriteLine($"  cycling 8 batches {cycling:0.0}, through Trainer.TrainStep {viaTrainer:0.0}");
                var denseAlone = Median(DenseStep);
                var cold = Median(() => { DenseStep(); Step(); }) - denseAlone;
                var line = new System.Text.StringBuilder($"s={sparsity:0.00} b={batch}: dense step {denseAlone:0.0} | step after dense {cold:0.0} | step {TimeTraining(network, train, batch):0.0} | zero {Median(network.Masks.ZeroGradients):0.0} | fwdbwd {Median(() => network.ForwardBackward(input, labels, batch)):0.0} | adam {Median(() => adam.Step(network.Masks)):0.0} | infer {Median(() => network.Forward(input, batch, output)):0.0}");
                var x = input;
                foreach (var (name, rows, cols) in new[] { ("fc1", 300, 784), ("fc2", 100, 300), ("fc3", 10, 100) })
                {
                    var handle = new WeightMatrixHandle(network.Parameters, network.Masks, network.Parameters[name + ".weight"]);
                    handle.Prepare();
                    var y = new float[batch * rows];
                    handle.Forward(x, y, batch);
                    ActivationKernels.ReluForward(y);
                    var dy = y.Select((v, i) => v == 0 ? 0f : 0.01f * ((i % 7) - 3)).ToArray();
                    var dx = new float[batch * cols];
                    var g = network.Parameters.Gradients;
                    var xs = x;
                    line.Append($" | {name} {handle.Kernel.ToString()[0]} fwd {Median(() => handle.Forward(xs, y, batch)):0.0} dX {Median(() => handle.InputGradient(dy, dx, batch)):0.0} dW {Median(() => handle.AccumulateWeightGradient(dy, xs, g, batch)):0.0}");
                    var fm = ActivationLayout.For(handle.Kernel == KernelKind.Sparse, batch);
                    if (fm.IsFeatureMajor)
                    {
                        // The same products with both operands feature-major, as between two sparse layers (no transposes).
                        var xT = ToFeatureMajor(xs, batch, cols, fm);
                        var yT = new float[fm.Length(rows)];
                        var dyT = ToFeatureMajor(dy, batch, rows, fm);
                        var dxT = new float[fm.Length(cols)];
                        line.Append($" (feature-major fwd {Median(() => handle.Forward(xT, fm, yT, fm)):0.0} dX {Median(() => handle.InputGradient(dyT, fm, dxT, fm)):0.0} dW {Median(() => handle.AccumulateWeightGradient(dyT, fm, xT, fm, g)):0.0}"
                            + $" input transpose {Median(() => handle.TransposeInput(xs, xT, fm)):0.0})");
                    }

                    x = y;
                }

                Console.WriteLine(line);
            }
        }
    }

    private static float[] ToFeatureMajor(float[] sampleMajor, int batch, int features, ActivationLayout layout)
    {
        var result = new float[layout.Length(features)];
        for (var b = 0; b < batch; b++)
        {
            for (var f = 0; f < features; f++)
            {
                result[layout.Offset(f, b, features)] = sampleMajor[(b * features) + f];
            }
        }

        return result;
    }

    private static double TimeTraining(INetwork network, Dataset data, int batch)
    {
        var adam = new Adam(network.Parameters, 1.2e-3f);
        var input = data.Inputs.AsSpan(0, batch * 784).ToArray();
        var labels = data.Labels.AsSpan(0, batch).ToArray();
        return Median(() =>
        {
            network.Masks.ZeroGradients();
            network.ForwardBackward(input, labels, batch);
            adam.Step(network.Masks);
        });
    }

    private static double TimeInference(INetwork network, Dataset data, int batch)
    {
        var input = data.Inputs.AsSpan(0, batch * 784).ToArray();
        var output = new float[batch * 10];
        return Median(() => network.Forward(input, batch, output));
    }

    private static void Crossover()
    {
        var random = new Random(1);
        Console.WriteLine("layer | batch | density | dense masked fwd+dX+dW µs | sparse µs | ratio dense/sparse");
        foreach (var (rows, cols, zeros) in new[] { (300, 784, 0.8), (100, 300, 0.5), (10, 100, 0.5) })
        {
            foreach (var batch in new[] { 1, 60, 256 })
            {
                foreach (var density in new[] { 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5 })
                {
                    var weights = Values(random, rows * cols, 0);
                    var mask = new float[rows * cols];
                    for (var i = 0; i < mask.Length; i++)
                    {
                        mask[i] = random.NextDouble() < density ? 1f : 0f;
                    }

                    // Masked dense mode reads W in place (removed entries are zero, MaskSet's invariant) and masks
                    // only the weight gradient.
                    TensorPrimitives.Multiply(weights, mask, weights);
                    var x = Values(random, batch * cols, zeros);
                    var dy = Values(random, batch * rows, 0.5);
                    var y = new float[batch * rows];
                    var dx = new float[batch * cols];
                    var g = new float[rows * cols];
                    var pattern = SparsePattern.FromMask(mask, rows, cols);
                    var scratch = new float[pattern.Count];
                    var dense = Median(() =>
                    {
                        Gemm.MultiplyTransposedB(x, weights, y, batch, rows, cols);
                        Gemm.Multiply(dy, weights, dx, batch, cols, rows);
                        Gemm.MultiplyTransposedA(dy, x, g, rows, cols, batch, accumulate: true);
                        TensorPrimitives.Multiply(g, mask, g);
                    });
                    var sparse = Median(() =>
                    {
                        SparseGemm.MultiplyTransposedB(x, pattern, weights, y, batch);
                        SparseGemm.Multiply(dy, pattern, weights, dx, batch);
                        SparseGemm.AccumulateWeightGradient(dy, x, pattern, g, scratch, batch);
                    });
                    Console.WriteLine($"{rows}x{cols} | {batch} | {density:0.00} | {dense:0.0} | {sparse:0.0} | {dense / sparse:0.00}");
                }
            }
        }
    }

    /// <summary>
    /// Median over 15 blocks of the per-call time in µs; each block runs for ≈ 20 ms after a warm-up. Process CPU time,
    /// not wall-clock: on this shared machine (load average often 10–25 on 2 cores) wall-clock blocks mostly measure
    /// waiting for a core. Single-threaded runs only (with two threads CPU time adds both).
    /// </summary>
    private static double Median(Action action)
    {
        for (var i = 0; i < 50; i++)
        {
            action();
        }

        var stopwatch = Stopwatch.StartNew();
        var calls = 0;
        while (stopwatch.ElapsedMilliseconds < 20)
        {
            action();
            calls++;
        }

        var perBlock = Math.Max(1, calls);
        var samples = new double[15];
        for (var s = 0; s < samples.Length; s++)
        {
            var before = Environment.CpuUsage.TotalTime;
            for (var i = 0; i < perBlock; i++)
            {
                action();
            }

            samples[s] = (Environment.CpuUsage.TotalTime - before).TotalMicroseconds / perBlock;
        }

        Array.Sort(samples);
        return s_fastest ? samples[0] : samples[samples.Length / 2];
    }

    private static float[] Values(Random random, int length, double zeros)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = random.NextDouble() < zeros ? 0f : (float)(random.NextDouble() * 2 - 1);
        }

        return values;
    }

    private static string FindData()
    {
        // From the binaries (a plain build) or the working directory (a build with MG_ARTIFACTS outside the tree).
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "examples", "data", "mnist-10k");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException("examples/data/mnist-10k not found above " + AppContext.BaseDirectory);
    }
}
