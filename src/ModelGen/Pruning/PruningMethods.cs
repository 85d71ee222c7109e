using System;
using System.Collections.Generic;
using ModelGen.Data;
using ModelGen.Model;

namespace ModelGen.Pruning;

/// <summary>How a pruning method turns a dense network into a sparse one.</summary>
public enum PruningMethodKind
{
    /// <summary>Nothing is pruned: every weight trains (<c>dense</c>).</summary>
    None,

    /// <summary>One scoring pass before training, by a <see cref="Pruner"/> (SNIP, GraSP, SynFlow, magnitude, random).</summary>
    OneShot,

    /// <summary>Iterative magnitude pruning with rewinding over several training rounds (<see cref="LotteryTicketSearch"/>).</summary>
    LotteryTicket,
}

/// <summary>The settings a one-shot pruner may take; each method reads the ones it uses (see <see cref="PruningMethod"/>).</summary>
public sealed record PrunerSettings
{
    /// <summary>Global or layer-wise ranking.</summary>
    public PruningScope Scope { get; init; } = PruningScope.Global;

    /// <summary>Whether a pruner may empty a layer instead of refusing.</summary>
    public bool AllowCollapse { get; init; }

    /// <summary>Seed of the random pruner's draw.</summary>
    public int Seed { get; init; }

    /// <summary>The generator of the random pruner's draw: ModelGen's, or PyTorch's (the scores <c>torch.rand</c> gives).</summary>
    public RandomSource RandomSource { get; init; }

    /// <summary>Training samples used for data-driven scores (SNIP, GraSP).</summary>
    public int ScoreSamples { get; init; } = SnipPruner.DefaultScoreSamples;

    /// <summary>GraSP's logit temperature.</summary>
    public float Temperature { get; init; } = GraspPruner.DefaultTemperature;

    /// <summary>SynFlow's scoring rounds.</summary>
    public int SynFlowIterations { get; init; } = SynFlowPruner.DefaultIterations;
}

/// <summary>
/// One pruning method as the command line, sweeps and the JSON results name it, with what it needs and how its pruner
/// is made. The registry is <see cref="PruningMethods"/>.
/// </summary>
public sealed class PruningMethod
{
    private readonly Func<PrunerSettings, Dataset?, Pruner>? _create;

    internal PruningMethod(string name, string description, PruningMethodKind kind, bool usesScoringData, bool usesTemperature, bool usesSynFlowIterations, Func<PrunerSettings, Dataset?, Pruner>? create)
    {
        Name = name;
        Description = description;
        Kind = kind;
        UsesScoringData = usesScoringData;
        UsesTemperature = usesTemperature;
        UsesSynFlowIterations = usesSynFlowIterations;
        _create = create;
    }

    /// <summary>The name used on the command line and in results (<c>snip</c>, <c>lth-reinit</c>).</summary>
    public string Name { get; }

    /// <summary>One line saying what the method does.</summary>
    public string Description { get; }

    /// <summary>Dense, one-shot or lottery ticket.</summary>
    public PruningMethodKind Kind { get; }

    /// <summary>Whether scoring reads training data (<see cref="PrunerSettings.ScoreSamples"/> applies).</summary>
    public bool UsesScoringData { get; }

    /// <summary>Whether <see cref="PrunerSettings.Temperature"/> applies.</summary>
    public bool UsesTemperature { get; }

    /// <summary>Whether <see cref="PrunerSettings.SynFlowIterations"/> applies.</summary>
    public bool UsesSynFlowIterations { get; }

    /// <summary>Whether the method removes weights at all.</summary>
    public bool Prunes => Kind != PruningMethodKind.None;

    /// <summary>Creates this method's one-shot pruner.</summary>
    /// <param name="settings">The settings; the method reads those it uses.</param>
    /// <param name="scoringData">Training data for data-driven methods (required when <see cref="UsesScoringData"/>).</param>
    /// <exception cref="InvalidOperationException">The method is not one-shot (dense or a lottery ticket).</exception>
    /// <exception cref="ArgumentNullException">The method scores on data and <paramref name="scoringData"/> is null.</exception>
    public Pruner CreatePruner(PrunerSettings settings, Dataset? scoringData = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (_create is null)
        {
            throw new InvalidOperationException($"'{Name}' is not a one-shot pruning method: it has no pruner to create.");
        }

        if (UsesScoringData && scoringData is null)
        {
            throw new ArgumentNullException(nameof(scoringData), $"'{Name}' scores weights on training data.");
        }

        return _create(settings, scoringData);
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>
/// The registry of pruning methods: the one place that lists them, their names and how their pruners are made. The CLI,
/// sweeps and the JSON results all read it.
/// </summary>
public static class PruningMethods
{
    /// <summary>Plain training, nothing pruned.</summary>
    public static PruningMethod Dense { get; } = new("dense", "plain training, every weight kept", PruningMethodKind.None, false, false, false, null);

    /// <summary>Uniformly random removal (a baseline).</summary>
    public static PruningMethod Random { get; } = new("random", "random removal at initialization (baseline)", PruningMethodKind.OneShot, false, false, false,
        static (s, _) => new RandomPruner(s.Seed, s.RandomSource) { Scope = s.Scope, AllowCollapse = s.AllowCollapse });

    /// <summary>Smallest |w| removed (a baseline at initialization).</summary>
    public static PruningMethod Magnitude { get; } = new("magnitude", "smallest |w| removed at initialization (baseline)", PruningMethodKind.OneShot, false, false, false,
        static (s, _) => new MagnitudePruner { Scope = s.Scope, AllowCollapse = s.AllowCollapse });

    /// <summary>SNIP: connection sensitivity |g ⊙ w| on a batch of training data.</summary>
    public static PruningMethod Snip { get; } = new("snip", "SNIP, |g ⊙ w| on training data", PruningMethodKind.OneShot, true, false, false,
        static (s, data) => new SnipPruner(data!) { Scope = s.Scope, AllowCollapse = s.AllowCollapse, ScoreSamples = s.ScoreSamples });

    /// <summary>GraSP: gradient-signal preservation −w ⊙ Hg.</summary>
    public static PruningMethod Grasp { get; } = new("grasp", "GraSP, −w ⊙ Hg on training data", PruningMethodKind.OneShot, true, true, false,
        static (s, data) => new GraspPruner(data!) { Scope = s.Scope, AllowCollapse = s.AllowCollapse, ScoreSamples = s.ScoreSamples, Temperature = s.Temperature });

    /// <summary>SynFlow: iterative, data-free synaptic flow.</summary>
    public static PruningMethod SynFlow { get; } = new("synflow", "SynFlow, iterative and data-free", PruningMethodKind.OneShot, false, false, true,
        static (s, _) => new SynFlowPruner { Scope = s.Scope, AllowCollapse = s.AllowCollapse, Iterations = s.SynFlowIterations });

    /// <summary>Lottery tickets: iterative magnitude pruning with rewinding.</summary>
    public static PruningMethod Lth { get; } = new("lth", "lottery ticket, iterative magnitude pruning with rewinding", PruningMethodKind.LotteryTicket, false, false, false, null);

    /// <summary>The lottery ticket's final mask on a fresh initialization (the control experiment).</summary>
    public static PruningMethod LthReinit { get; } = new("lth-reinit", "the ticket's mask on a fresh initialization (control)", PruningMethodKind.LotteryTicket, false, false, false, null);

    /// <summary>Every method, in the order tables list them.</summary>
    public static IReadOnlyList<PruningMethod> All { get; } = new[] { Dense, Random, Magnitude, Snip, Grasp, SynFlow, Lth, LthReinit };

    /// <summary>The names of <see cref="All"/>, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.ConvertAll((PruningMethod[])All, static m => m.Name);

    /// <summary>The method named <paramref name="name"/> (exact, lower-case), or null.</summary>
    public static PruningMethod? Find(string name)
    {
        foreach (var method in All)
        {
            if (string.Equals(method.Name, name, StringComparison.Ordinal))
            {
                return method;
            }
        }

        return null;
    }

    /// <summary>The method named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No method has that name; the message lists the known ones.</exception>
    public static PruningMethod Get(string name) =>
        Find(name) ?? throw new ArgumentException($"Unknown pruning method '{name}'. Known methods: {string.Join(", ", Names)}.", nameof(name));

    /// <summary>Position of <paramref name="name"/> in <see cref="All"/>, or <see cref="All"/>.Count for unknown names.</summary>
    public static int OrderOf(string name)
    {
        for (var i = 0; i < All.Count; i++)
        {
            if (string.Equals(All[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return All.Count;
    }
}
