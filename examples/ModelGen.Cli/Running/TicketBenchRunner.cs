using System.Globalization;
using ModelGen.Cli.Output;
using ModelGen.Model;

namespace ModelGen.Cli;

/// <summary>
/// <c>bench --ticket FILE</c>: the class baked from a ticket against the runtime sparse path for the same pattern (the
/// source model created at the ticket's seed with the ticket applied, same weights) and against the dense source
/// model, at several batch sizes. All six operations of a batch size (three training steps, three inferences) are
/// timed in one <see cref="InterleavedTimer"/> run, with <see cref="BenchRunner"/>'s timed networks.
/// </summary>
public static class TicketBenchRunner
{
    /// <summary>Batch sizes timed by default: one sample (latency), the training batch, a large inference batch.</summary>
    public static IReadOnlyList<int> DefaultBatchSizes { get; } = [1, 60, 256];

    /// <summary>Builds the three networks, checks that baked and sparse compute the same logits, and times them.</summary>
    /// <exception cref="UsageException">No catalog model is baked from the ticket, or a batch size exceeds the data.</exception>
    public static TicketBenchRecord Run(TicketInput ticket, TrainSettings settings, IReadOnlyList<int> batchSizes, RunData data, IRunObserver observer, InterleavedTimer timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(batchSizes);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentNullException.ThrowIfNull(timer);
        var document = ticket.Document;
        var bakedModel = RunComponents.BakedFrom(document.ContentHash)
            ?? throw new UsageException($"{ticket.File}: no model of this CLI is baked from this ticket (sha256 {document.ContentHash}); declare one with [Ticket(\"…\")] (docs/TICKETS.md, \"Baking a ticket\").");
        var sourceModel = RunComponents.FindModel(document.Model);
        foreach (var batchSize in batchSizes)
        {
            if (batchSize <= 0 || batchSize > data.Train.Count || batchSize > data.Test.Count)
            {
                throw new UsageException($"--batch-sizes: {batchSize} must be positive and at most the {Math.Min(data.Train.Count, data.Test.Count)} samples of the training and test sets.");
            }
        }

        var sparse = RunComponents.CreateNetwork(sourceModel, settings, document.Seed);
        RunComponents.ApplyTicket(ticket, sparse);
        // Same weights in the baked class as in the masked network, so both compute one function (checked below).
        var baked = (IBakedNetwork)bakedModel.Create(document.Seed);
        baked.LoadDense(sparse.Parameters.Values);
        var dense = RunComponents.CreateNetwork(sourceModel, settings, document.Seed);
        var difference = MaxLogitDifference(baked, sparse, data.Test, Math.Min(256, data.Test.Count));
        var load = LoadAverage();
        // The batched kernels (the JSON's sparse_layers is one list for every batch size).
        var sparseLayers = BenchRunner.LayerRecords(sparse, batchSizes.Max());

        var rows = new List<TicketBenchRow>();
        foreach (var batchSize in batchSizes)
        {
            observer.Phase($"timing {bakedModel.Name}, {sourceModel.Name} with the ticket's masks and {sourceModel.Name} dense at batch {batchSize}: {timer.Rounds} rounds");
            var at = settings with { BatchSize = batchSize };
            var timed = new[] { baked, sparse, dense }.Select(n => new BenchRunner.TimedNetwork(n, at, data.Train, data.Test)).ToArray();
            var seconds = timer.MedianSeconds([timed[0].TrainStep, timed[1].TrainStep, timed[2].TrainStep, timed[0].Infer, timed[1].Infer, timed[2].Infer], cancellationToken);
            double batch = batchSize;
            rows.Add(new TicketBenchRow(batchSize, batch / seconds[0], batch / seconds[1], batch / seconds[2], batch / seconds[3], batch / seconds[4], batch / seconds[5], seconds[1] / seconds[0], seconds[4] / seconds[3]));
        }

        return new TicketBenchRecord
        {
            Ticket = ticket.Record,
            BakedModel = bakedModel.Name,
            SourceModel = sourceModel.Name,
            BakedParameters = baked.Parameters.Count,
            SparseParameters = RunRecordBuilder.MaskSummary(sparse).Parameters,
            DenseParameters = dense.Parameters.Count,
            MaxLogitDifference = difference,
            Threads = settings.Threads,
            Clock = timer.ClockName,
            Rounds = timer.Rounds,
            LoadAverage = load,
            SparseLayers = sparseLayers,
            Batches = rows,
        };
    }

    private static double MaxLogitDifference(INetwork baked, INetwork sparse, Data.Dataset test, int batch)
    {
        var a = new float[batch * baked.OutputSize];
        var b = new float[batch * sparse.OutputSize];
        var inputs = test.Slice(0, batch).Inputs;
        baked.Forward(inputs, batch, a);
        sparse.Forward(inputs, batch, b);
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        }

        return max;
    }

    // The 1-minute load average, so that every number in the docs can carry the load it was taken under.
    private static double? LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
