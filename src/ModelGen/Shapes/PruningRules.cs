// Shared source: compiled into the runtime (ModelGen) and linked into the generator and the analyzers
// (netstandard2.0). Plain C# only: no Roslyn types, no APIs newer than netstandard2.0, no runtime types of ModelGen.
// The analyzers report these findings at build time and the runtime (pruners, LotteryTicketSearch, the CLI) reports
// the same findings with the same text at run time: every rule and every message lives here, once.
using System;
using System.Collections.Generic;
using System.Globalization;

namespace ModelGen.Shapes;

/// <summary>How bad a finding is; analyzers map it to a DiagnosticSeverity, the runtime to refuse (Error) or warn.</summary>
internal enum RuleSeverity
{
    Info = 0,
    Warning = 1,
    Error = 2,
}

/// <summary>The pruning methods the rules know (the runtime's pruners by their CLI name).</summary>
internal enum PruneMethodCode
{
    Random = 0,
    Magnitude = 1,
    Snip = 2,
    Grasp = 3,
    SynFlow = 4,
}

/// <summary>Mirrors ModelGen.Pruning.PruningScope by numeric value (the analyzers read the enum constant).</summary>
internal enum PruneScopeCode
{
    Global = 0,
    LayerWise = 1,
}

/// <summary>One rule: stable ID, title, message format ({0}, {1}, … filled by the finding's arguments) and severity.</summary>
internal sealed class PruningRule
{
    public PruningRule(string id, string title, string messageFormat, RuleSeverity severity)
    {
        Id = id;
        Title = title;
        MessageFormat = messageFormat;
        Severity = severity;
    }

    public string Id { get; }

    public string Title { get; }

    public string MessageFormat { get; }

    public RuleSeverity Severity { get; }
}

/// <summary>A rule that fired, with its message arguments (already formatted, invariant culture).</summary>
internal sealed class RuleFinding
{
    public RuleFinding(PruningRule rule, params string[] arguments)
    {
        Rule = rule;
        Arguments = arguments;
    }

    public PruningRule Rule { get; }

    public string[] Arguments { get; }

    /// <summary>The message, exactly as an analyzer's diagnostic formats it.</summary>
    public string Message => string.Format(CultureInfo.InvariantCulture, Rule.MessageFormat, Arguments);

    public override string ToString() => Rule.Id + ": " + Message;
}

/// <summary>A layer as the rules see it: its name, shape and whether pruners may mask its weights.</summary>
internal readonly struct RuleLayer
{
    public RuleLayer(string name, int inFeatures, int outFeatures, int rank, bool prunable)
    {
        Name = name;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Rank = rank;
        Prunable = prunable;
    }

    public string Name { get; }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    /// <summary>0 for a plain layer.</summary>
    public int Rank { get; }

    public bool Prunable { get; }
}

/// <summary>The pruning-safety and factorization rules (IDs MG0100–MG0199, and the condition behind MG0013).</summary>
internal static class PruningRules
{
    /// <summary>SynFlow's default rounds (Tanaka et al.'s 100; SynFlowPruner.DefaultIterations).</summary>
    public const int SynFlowDefaultIterations = 100;

    /// <summary>Lottery-ticket default per-round rate (Frankle and Carbin's 20%; LotteryTicketOptions.DefaultPruneRate).</summary>
    public const double LotteryDefaultPruneRate = 0.2;

    /// <summary>GraSP's default temperature (the paper's 200; GraspPruner.DefaultTemperature).</summary>
    public const float GraspDefaultTemperature = 200f;

    /// <summary>From this sparsity on (10× compression) SynFlow's iteration count matters for collapse.</summary>
    public const double SynFlowHighSparsity = 0.9;

    /// <summary>The largest share of the survivors one SynFlow round should remove (lth's standard 20% per round).</summary>
    public const double SynFlowMaxRemovalPerRound = 0.2;

    /// <summary>A lottery-ticket rate reaching 90% sparsity in fewer than this many rounds is close to one shot.</summary>
    public const int LotteryMinRoundsToNinetyPercent = 3;

    // Rule IDs as constants: the analyzers' release tracking (RS2000) reads them from the descriptor creations.
    public const string SparsityOutOfRangeId = "MG0100";

    public const string SparsityLooksLikePercentageId = "MG0101";

    public const string LayerCollapseId = "MG0102";

    public const string StarvedLayerId = "MG0103";

    public const string SynFlowTooFewIterationsId = "MG0104";

    public const string GraspTemperatureInvalidId = "MG0105";

    public const string LotteryRateOutOfRangeId = "MG0106";

    public const string LotteryRateTooCoarseId = "MG0107";

    public const string LotteryOutputAtFullRateId = "MG0108";

    public const string OvercompleteRankId = "MG0109";

    public const string FactorSettingWithoutFactorsId = "MG0110";

    public static readonly PruningRule SparsityOutOfRange = new(
        SparsityOutOfRangeId, "Sparsity outside [0, 1]",
        "Sparsity {0} lies outside [0, 1]; it is the fraction of prunable weights removed",
        RuleSeverity.Warning);

    public static readonly PruningRule SparsityLooksLikePercentage = new(
        SparsityLooksLikePercentageId, "Sparsity given as a percentage",
        "Sparsity {0} looks like a percentage; sparsity is the fraction of prunable weights removed, in [0, 1]: use {1}",
        RuleSeverity.Warning);

    public static readonly PruningRule LayerCollapse = new(
        LayerCollapseId, "Pruning empties a layer",
        "{0} at sparsity {1} would keep {2} of the {3} weights of layer '{4}' ({5}): the layer collapses and passes nothing on",
        RuleSeverity.Warning);

    public static readonly PruningRule StarvedLayer = new(
        StarvedLayerId, "Pruning leaves a layer fewer weights than units",
        "{0} at sparsity {1} would keep {2} of the {3} weights of layer '{4}' ({5}), fewer than its {6} output units: at least {7} units get no input",
        RuleSeverity.Warning);

    public static readonly PruningRule SynFlowTooFewIterations = new(
        SynFlowTooFewIterationsId, "SynFlow iterations too few for the compression",
        "SynFlow with {0} iteration(s) at sparsity {1} removes {2}% of the surviving weights per round; use at least {3} (the default is 100): pruning in small steps is what avoids layer collapse",
        RuleSeverity.Warning);

    public static readonly PruningRule GraspTemperatureInvalid = new(
        GraspTemperatureInvalidId, "GraSP temperature must be positive and finite",
        "GraSP temperature {0} is not positive and finite; the logits are divided by it (the default is 200)",
        RuleSeverity.Error);

    public static readonly PruningRule LotteryRateOutOfRange = new(
        LotteryRateOutOfRangeId, "Lottery-ticket rate outside (0, 1)",
        "Lottery-ticket {0} {1} lies outside (0, 1); it is the fraction of each layer's remaining weights removed per round",
        RuleSeverity.Warning);

    public static readonly PruningRule LotteryRateTooCoarse = new(
        LotteryRateTooCoarseId, "Lottery-ticket rate too coarse",
        "Lottery-ticket prune rate {0} reaches 90% sparsity in {1} round(s): the iterative search degenerates to one-shot pruning (Frankle and Carbin remove 0.2 per round)",
        RuleSeverity.Warning);

    public static readonly PruningRule LotteryOutputAtFullRate = new(
        LotteryOutputAtFullRateId, "Lottery-ticket output layer pruned at the full rate",
        "Lottery-ticket output-layer prune rate {0} is not below the prune rate {1}; Frankle and Carbin prune the output layer at half the rate ({2})",
        RuleSeverity.Warning);

    public static readonly PruningRule OvercompleteRank = new(
        OvercompleteRankId, "Overcomplete factorization",
        "Layer '{0}' ({1} → {2}) is factorized at rank {3}, above min(in, out) = {4}: an overcomplete factorization (Khodak et al. use these on purpose)",
        RuleSeverity.Info);

    public static readonly PruningRule FactorSettingWithoutFactors = new(
        FactorSettingWithoutFactorsId, "Factorization setting on a model without factorized layers",
        "{0} has no effect: model '{1}' has no factorized layer",
        RuleSeverity.Warning);

    /// <summary>Every rule above, in ID order (analyzers build their descriptors from it).</summary>
    public static readonly PruningRule[] All =
    {
        SparsityOutOfRange, SparsityLooksLikePercentage, LayerCollapse, StarvedLayer, SynFlowTooFewIterations,
        GraspTemperatureInvalid, LotteryRateOutOfRange, LotteryRateTooCoarse, LotteryOutputAtFullRate, OvercompleteRank,
        FactorSettingWithoutFactors,
    };

    /// <summary>
    /// Weights kept when a scope of <paramref name="count"/> weights is pruned to <paramref name="sparsity"/> in [0, 1]:
    /// round((1 − sparsity)·count), halves to even (as Python's <c>round</c>). The one formula the pruners' top-k and
    /// these rules share.
    /// </summary>
    public static long KeptCount(long count, double sparsity) => (long)Math.Round((1.0 - sparsity) * count, MidpointRounding.ToEven);

    /// <summary>MG0100/MG0101: a sparsity outside [0, 1]; one in (1, 100] is probably a percentage.</summary>
    public static RuleFinding? CheckSparsity(double sparsity)
    {
        if (sparsity >= 0.0 && sparsity <= 1.0)
        {
            return null;
        }

        if (sparsity > 1.0 && sparsity <= 100.0)
        {
            return new RuleFinding(SparsityLooksLikePercentage, Number(sparsity), Number(sparsity / 100.0));
        }

        return new RuleFinding(SparsityOutOfRange, Number(sparsity));
    }

    /// <summary>
    /// MG0102/MG0103 (and MG0104 for SynFlow): what pruning <paramref name="layers"/> with the method and scope to a
    /// valid <paramref name="sparsity"/> leaves of each prunable tensor, where the build can know it: exactly for
    /// layer-wise scope (every method keeps round((1 − s)·n) per tensor); in expectation for global random pruning
    /// (each tensor its share of the kept count) and for global magnitude pruning at initialization (weights drawn
    /// from U(±1/√fan_in) give the global threshold in closed form). Other global methods depend on data: nothing.
    /// </summary>
    public static List<RuleFinding> CheckPrune(PruneMethodCode method, PruneScopeCode scope, double sparsity, int synFlowIterations, IReadOnlyList<RuleLayer> layers)
    {
        var findings = new List<RuleFinding>();
        if (CheckSparsity(sparsity) is { } invalid)
        {
            findings.Add(invalid);
            return findings;
        }

        if (method == PruneMethodCode.SynFlow && CheckSynFlowIterations(synFlowIterations, sparsity) is { } iterations)
        {
            findings.Add(iterations);
        }

        var tensors = Tensors(layers);
        double[]? kept = null;
        string basis;
        if (scope == PruneScopeCode.LayerWise)
        {
            basis = "Layer-wise pruning";
            kept = new double[tensors.Count];
            for (var t = 0; t < tensors.Count; t++)
            {
                kept[t] = KeptCount(tensors[t].Weights, sparsity);
            }
        }
        else if (method == PruneMethodCode.Random)
        {
            basis = "Global random pruning (expected)";
            kept = ExpectedRandomKept(tensors, sparsity);
        }
        else if (method == PruneMethodCode.Magnitude)
        {
            basis = "Global magnitude pruning at initialization (expected)";
            kept = ExpectedMagnitudeKept(tensors, sparsity);
        }
        else
        {
            basis = string.Empty;
        }

        if (kept is null)
        {
            return findings;
        }

        for (var t = 0; t < tensors.Count; t++)
        {
            var tensor = tensors[t];
            var count = (long)Math.Round(kept[t], MidpointRounding.ToEven);
            if (count == 0)
            {
                findings.Add(new RuleFinding(LayerCollapse, basis, Number(sparsity), Count(count), Count(tensor.Weights), tensor.Layer, tensor.Name));
            }
            else if (count < tensor.Rows)
            {
                findings.Add(new RuleFinding(
                    StarvedLayer, basis, Number(sparsity), Count(count), Count(tensor.Weights), tensor.Layer, tensor.Name, Count(tensor.Rows), Count(tensor.Rows - count)));
            }
        }

        return findings;
    }

    /// <summary>
    /// MG0104: at 10× compression or more, each of SynFlow's rounds should remove at most 20% of the survivors;
    /// the rounds that takes (capped at the default 100, which never warns) is the minimum.
    /// </summary>
    public static RuleFinding? CheckSynFlowIterations(int iterations, double sparsity)
    {
        if (iterations <= 0 || !(sparsity >= SynFlowHighSparsity && sparsity <= 1.0))
        {
            // Non-positive counts are refused outright by the pruner; low compression is safe in few rounds.
            return null;
        }

        var required = SynFlowRequiredIterations(sparsity);
        if (iterations >= required)
        {
            return null;
        }

        var removedPerRound = 1.0 - Math.Pow(1.0 - sparsity, 1.0 / iterations);
        return new RuleFinding(SynFlowTooFewIterations, Count(iterations), Number(sparsity), Math.Round(100.0 * removedPerRound, 1).ToString("0.#", CultureInfo.InvariantCulture), Count(required));
    }

    /// <summary>Fewest SynFlow rounds that keep each round's removal at most 20% (at most the default 100).</summary>
    public static int SynFlowRequiredIterations(double sparsity)
    {
        var density = 1.0 - sparsity;
        if (density <= 0.0)
        {
            return SynFlowDefaultIterations;
        }

        var rounds = Math.Ceiling(Math.Log(density) / Math.Log(1.0 - SynFlowMaxRemovalPerRound) - 1e-9);
        return (int)Math.Min(SynFlowDefaultIterations, Math.Max(1.0, rounds));
    }

    /// <summary>MG0105: GraSP divides logits by the temperature, so it must be positive and finite.</summary>
    public static RuleFinding? CheckGraspTemperature(float temperature) =>
        temperature > 0f && !float.IsInfinity(temperature) ? null : new RuleFinding(GraspTemperatureInvalid, temperature.ToString(CultureInfo.InvariantCulture));

    /// <summary>MG0106/MG0107: a per-round lottery-ticket rate (<paramref name="what"/> names it) outside (0, 1), or so coarse the search is one-shot.</summary>
    public static RuleFinding? CheckLotteryRate(string what, double rate, bool checkCoarse)
    {
        if (!(rate > 0.0 && rate < 1.0))
        {
            return new RuleFinding(LotteryRateOutOfRange, what, Number(rate));
        }

        if (!checkCoarse)
        {
            return null;
        }

        var rounds = (int)Math.Ceiling(Math.Log(0.1) / Math.Log(1.0 - rate) - 1e-9);
        return rounds < LotteryMinRoundsToNinetyPercent ? new RuleFinding(LotteryRateTooCoarse, Number(rate), Count(rounds)) : null;
    }

    /// <summary>MG0108: in layer-wise scope the output layer should be pruned at a lower rate (the paper: half).</summary>
    public static RuleFinding? CheckLotteryOutputRate(double pruneRate, double outputRate, PruneScopeCode scope)
    {
        if (scope != PruneScopeCode.LayerWise || !(outputRate >= pruneRate) || !(pruneRate > 0.0 && pruneRate < 1.0) || !(outputRate < 1.0))
        {
            return null;
        }

        return new RuleFinding(LotteryOutputAtFullRate, Number(outputRate), Number(pruneRate), Number(pruneRate / 2.0));
    }

    /// <summary>All lottery-ticket findings for a set of options (null rates are the defaults, which pass).</summary>
    public static List<RuleFinding> CheckLottery(double pruneRate, double? outputRate, PruneScopeCode scope)
    {
        var findings = new List<RuleFinding>();
        if (CheckLotteryRate("prune rate", pruneRate, checkCoarse: true) is { } rate)
        {
            findings.Add(rate);
        }

        if (outputRate is { } output)
        {
            if (CheckLotteryRate("output-layer prune rate", output, checkCoarse: false) is { } outputFinding)
            {
                findings.Add(outputFinding);
            }
            else if (CheckLotteryOutputRate(pruneRate, output, scope) is { } full)
            {
                findings.Add(full);
            }
        }

        return findings;
    }

    /// <summary>
    /// The condition behind MG0013: a factorization pays only when its factors hold fewer weights than the plain
    /// layer, r·(in + out) &lt; in·out (parameters and FLOPs are both proportional to the weights).
    /// </summary>
    public static bool FactorizationPays(int inFeatures, int outFeatures, int rank) =>
        (long)rank * ((long)inFeatures + outFeatures) < (long)inFeatures * outFeatures;

    /// <summary>The largest rank r with r·(in + out) &lt; in·out (0 when none pays, i.e. a 1×1 layer).</summary>
    public static int LargestPayingRank(int inFeatures, int outFeatures)
    {
        var product = (long)inFeatures * outFeatures;
        var sum = (long)inFeatures + outFeatures;
        return sum <= 0 || product <= 0 ? 0 : (int)((product - 1) / sum);
    }

    /// <summary>MG0109: a rank above min(in, out) is overcomplete (an info: some work uses that on purpose).</summary>
    public static RuleFinding? CheckOvercomplete(string layer, int inFeatures, int outFeatures, int rank)
    {
        var full = Math.Min(inFeatures, outFeatures);
        return rank > full && full > 0
            ? new RuleFinding(OvercompleteRank, layer, Count(inFeatures), Count(outFeatures), Count(rank), Count(full))
            : null;
    }

    /// <summary>MG0110: Frobenius decay or a factor initialization (<paramref name="setting"/>) given for a model without factorized layers.</summary>
    public static RuleFinding? CheckFactorSetting(string setting, string model, IReadOnlyList<RuleLayer> layers)
    {
        foreach (var layer in layers)
        {
            if (layer.Rank > 0)
            {
                return null;
            }
        }

        return new RuleFinding(FactorSettingWithoutFactors, setting, model);
    }

    /// <summary>Formats a count as the messages show it (invariant, no separators).</summary>
    public static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Formats a rate or sparsity as the messages show it (invariant, shortest round-trip form).</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The prunable tensors of the layers, in storage order: weight [out, in], or Vt [r, in] then U [out, r].</summary>
    private static List<RuleTensor> Tensors(IReadOnlyList<RuleLayer> layers)
    {
        var tensors = new List<RuleTensor>();
        foreach (var layer in layers)
        {
            if (!layer.Prunable || layer.InFeatures <= 0 || layer.OutFeatures <= 0)
            {
                continue;
            }

            if (layer.Rank > 0)
            {
                tensors.Add(new RuleTensor(layer.Name, layer.Name + ".Vt", layer.Rank, layer.InFeatures, factor: true));
                tensors.Add(new RuleTensor(layer.Name, layer.Name + ".U", layer.OutFeatures, layer.Rank, factor: true));
            }
            else
            {
                tensors.Add(new RuleTensor(layer.Name, layer.Name + ".weight", layer.OutFeatures, layer.InFeatures, factor: false));
            }
        }

        return tensors;
    }

    /// <summary>Global random pruning keeps K = round((1 − s)·N) weights uniformly: tensor t expects K·n_t / N.</summary>
    private static double[] ExpectedRandomKept(List<RuleTensor> tensors, double sparsity)
    {
        var total = 0L;
        foreach (var tensor in tensors)
        {
            total += tensor.Weights;
        }

        var kept = new double[tensors.Count];
        var keptTotal = KeptCount(total, sparsity);
        for (var t = 0; t < tensors.Count; t++)
        {
            kept[t] = total == 0 ? 0.0 : (double)keptTotal * tensors[t].Weights / total;
        }

        return kept;
    }

    /// <summary>
    /// Global magnitude pruning at initialization: a plain layer's weights are U(±b) with b = 1/√fan_in, so |w| is
    /// U(0, b) and a threshold τ keeps n·max(0, 1 − τ/b) of them. The global τ solves Σ_t n_t·max(0, 1 − τ/b_t) = K,
    /// a piecewise-linear decreasing function of τ solved exactly segment by segment. Null when a prunable tensor is a
    /// factor (spectrally initialized, no closed form).
    /// </summary>
    private static double[]? ExpectedMagnitudeKept(List<RuleTensor> tensors, double sparsity)
    {
        var total = 0L;
        foreach (var tensor in tensors)
        {
            if (tensor.IsFactor)
            {
                return null;
            }

            total += tensor.Weights;
        }

        var keptTotal = (double)KeptCount(total, sparsity);
        var order = new List<int>(tensors.Count);
        for (var t = 0; t < tensors.Count; t++)
        {
            order.Add(t);
        }

        // Largest bound first: raising τ empties the tensors with the smallest bound first.
        order.Sort((a, b) => tensors[b].InitBound.CompareTo(tensors[a].InitBound));
        var threshold = order.Count > 0 ? tensors[order[0]].InitBound : 0.0;
        double weights = 0, slope = 0;
        for (var j = 0; j < order.Count; j++)
        {
            var tensor = tensors[order[j]];
            weights += tensor.Weights;
            slope += tensor.Weights / tensor.InitBound;
            var candidate = (weights - keptTotal) / slope;
            var lower = j + 1 < order.Count ? tensors[order[j + 1]].InitBound : 0.0;
            if (candidate >= lower && candidate <= tensor.InitBound)
            {
                threshold = Math.Max(0.0, candidate);
                break;
            }
        }

        var kept = new double[tensors.Count];
        for (var t = 0; t < tensors.Count; t++)
        {
            kept[t] = tensors[t].Weights * Math.Max(0.0, 1.0 - (threshold / tensors[t].InitBound));
        }

        return kept;
    }

    /// <summary>A prunable tensor: rows are the output units it feeds (a row with no weight is a dead unit).</summary>
    private readonly struct RuleTensor
    {
        public RuleTensor(string layer, string name, int rows, int cols, bool factor)
        {
            Layer = layer;
            Name = name;
            Rows = rows;
            Cols = cols;
            IsFactor = factor;
        }

        public string Layer { get; }

        public string Name { get; }

        public int Rows { get; }

        public int Cols { get; }

        public bool IsFactor { get; }

        public long Weights => (long)Rows * Cols;

        /// <summary>nn.Linear's default init bound 1/√fan_in (fan_in = columns of a [out, in] weight).</summary>
        public double InitBound => 1.0 / Math.Sqrt(Cols);
    }
}
