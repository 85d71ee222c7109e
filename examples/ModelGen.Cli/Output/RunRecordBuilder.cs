using ModelGen.Model;
using ModelGen.Pruning;
using ModelGen.Training;

namespace ModelGen.Cli.Output;

/// <summary>Fills <see cref="RunRecord"/>s: the settings of a run, and what the network and training produced.</summary>
public static class RunRecordBuilder
{
    /// <summary>The JSON <c>method</c> of a run that trains a saved ticket under its masks (<c>train --ticket</c>).</summary>
    public const string TicketMethod = "ticket";

    /// <summary>
    /// A record holding <paramref name="settings"/> (the fields that apply to its method) before the run; with
    /// <paramref name="ticket"/> (<c>train --ticket</c>) the method is <c>ticket</c> and the target its sparsity.
    /// </summary>
    public static RunRecord NewRecord(TrainSettings settings, RunData data, ModelDescriptor model, TicketRecord? ticket = null)
    {
        var method = settings.PruningMethod;
        var factorized = RunComponents.IsFactorized(model);
        var pruning = method.Prunes;
        var lottery = method.Kind == PruningMethodKind.LotteryTicket;
        return new RunRecord
        {
            Model = model.Name,
            Method = ticket is null ? settings.Method : TicketMethod,
            TargetSparsity = ticket?.Sparsity ?? settings.Sparsity,
            Ticket = ticket,
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            Lr = settings.LearningRate,
            Optimizer = settings.Optimizer,
            Seed = settings.Seed,
            ModelgenVersion = RunData.LibraryVersion,
            Data = data.Record,
            FlopsPerSample = RunComponents.LayerCosts(model).Sum(c => c.FlopsPerSample),
            Scope = pruning ? settings.EffectiveScope : null,
            ScoreSamples = method.UsesScoringData ? settings.ScoreSamples : null,
            Temperature = method.UsesTemperature ? settings.Temperature : null,
            SynflowIterations = method.UsesSynFlowIterations ? settings.SynflowIterations : null,
            PruneRate = lottery ? settings.PruneRate : null,
            ConvPruneRate = lottery && model.Layers.Any(l => l.Kind == LayerKind.Conv2D) ? settings.EffectiveConvolutionPruneRate : null,
            RewindIteration = lottery ? settings.RewindIteration : null,
            Validation = settings.Validation,
            Threads = settings.Threads,
            AllowCollapse = settings.AllowCollapse,
            Rng = settings.Rng,
            FactorInit = factorized ? settings.FactorInit : null,
            FrobeniusDecay = settings.FrobeniusDecay,
            WeightDecay = settings.WeightDecay,
            Momentum = settings.Optimizer == "sgd" ? settings.Momentum : null,
        };
    }

    /// <summary>Fills the mask-dependent fields (layers, kept, parameters, sparsity) from the network as it is now.</summary>
    public static void DescribeMask(RunRecord record, INetwork network)
    {
        ArgumentNullException.ThrowIfNull(record);
        (record.Layers, record.Parameters, record.Sparsity) = MaskSummary(network);
    }

    /// <summary>
    /// Per layer its shape and kept weights, the parameters that can be nonzero (masked-out weights excluded) and the
    /// fraction of prunable weights masked out, from the network's mask as it is now (shared by <c>train</c> and <c>evaluate</c>).
    /// </summary>
    public static (List<LayerRecord> Layers, long Parameters, double Sparsity) MaskSummary(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network is IBakedNetwork baked)
        {
            return BakedSummary(baked);
        }

        var parameters = network.Parameters;
        long prunable = 0, prunableKept = 0, nonzeroCapable = 0;
        var layers = new List<LayerRecord>();
        var execution = network.Execution;
        // Pooling and flatten layers hold no weights: they are left out of the JSON's layers.
        foreach (var layer in network.Layers.Where(l => l.HasWeights))
        {
            long kept = 0;
            foreach (var tensor in parameters.Tensors.Where(t => t.Layer == layer.Name))
            {
                var count = network.Masks.CountKept(tensor);
                nonzeroCapable += count;
                if (tensor.Role != ParameterRole.Bias)
                {
                    kept += count;
                }

                if (tensor.IsPrunable)
                {
                    prunable += tensor.Length;
                    prunableKept += count;
                }
            }

            var (kernel, density) = ("dense", 1.0);
            foreach (var entry in execution)
            {
                if (entry.Layer == layer.Name)
                {
                    (kernel, density) = (entry.Kernel == KernelKind.Sparse ? "sparse" : "dense", entry.Density);
                }
            }

            layers.Add(Describe(layer, kept, kernel, density));
        }

        return (layers, nonzeroCapable, prunable == 0 ? 0 : 1 - ((double)prunableKept / prunable));
    }

    /// <summary>The <c>kernel</c> of a baked network's layers in the JSON: their code is specialised to the ticket's pattern.</summary>
    public const string BakedKernel = "baked";

    /// <summary>
    /// A baked network described against its dense view, so its JSON reads like its source model's: each layer with the
    /// source shape, the weights the baked code keeps (the dense view's mask) and kernel <see cref="BakedKernel"/>;
    /// parameters are the baked network's own (all of them can be nonzero), sparsity over the source's prunable weights.
    /// </summary>
    private static (List<LayerRecord> Layers, long Parameters, double Sparsity) BakedSummary(IBakedNetwork baked)
    {
        var dense = new float[baked.DenseTensors.Sum(t => t.Length)];
        var mask = new float[dense.Length];
        baked.ExpandToDense(dense, mask);
        long prunable = 0, prunableKept = 0;
        var layers = new List<LayerRecord>();
        foreach (var layer in baked.DenseLayers.Where(l => l.HasWeights))
        {
            long kept = 0, weights = 0;
            foreach (var tensor in baked.DenseTensors.Where(t => t.Layer == layer.Name && t.Role != ParameterRole.Bias))
            {
                var count = (long)System.Numerics.Tensors.TensorPrimitives.Sum(mask.AsSpan(tensor.Offset, tensor.Length));
                kept += count;
                weights += tensor.Length;
                if (tensor.IsPrunable)
                {
                    prunable += tensor.Length;
                    prunableKept += count;
                }
            }

            layers.Add(Describe(layer, kept, BakedKernel, weights == 0 ? 1.0 : (double)kept / weights));
        }

        return (layers, baked.Parameters.Count, prunable == 0 ? 0 : 1 - ((double)prunableKept / prunable));
    }

    /// <summary>
    /// One layer's JSON entry: a dense layer's weight is [out, in]; a convolution's is [out channels, in channels·kh·kw]
    /// (PyTorch's [out, in, kh, kw] flattened) with its kernel size, stride and padding.
    /// </summary>
    public static LayerRecord Describe(LayerInfo layer, long kept, string kernel = "dense", double density = 1.0)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.Kind != LayerKind.Conv2D)
        {
            return new LayerRecord(layer.Name, layer.OutputSize, layer.InputSize, layer.Rank, layer.WeightCount, kept, kernel, density);
        }

        var patch = layer.InputShape.Channels * layer.KernelSize * layer.KernelSize;
        return new LayerRecord(layer.Name, layer.OutputShape.Channels, patch, 0, layer.WeightCount, kept, kernel, density)
        {
            KernelSize = [layer.KernelSize, layer.KernelSize],
            Stride = layer.Stride,
            Padding = layer.Padding,
        };
    }

    /// <summary>Fills the mask-dependent fields and the training outcome.</summary>
    public static void Complete(RunRecord record, INetwork network, TrainingResult result)
    {
        DescribeMask(record, network);
        record.TestAccuracy = result.TestAccuracy;
        record.TestLoss = result.TestLoss;
        record.FinalTrainLoss = result.FinalTrainLoss;
        record.TrainSeconds = result.TrainSeconds;
        record.TrainSamplesPerSecond = result.TrainSamplesPerSecond;
        record.BestValidationStep = result.BestValidationStep;
    }

    /// <summary>Marks the record refused by <paramref name="e"/>, with the mask as it is.</summary>
    public static RunRecord Refuse(RunRecord record, INetwork network, LayerCollapseException e)
    {
        DescribeMask(record, network);
        record.Refused = e.Message;
        return record;
    }
}
