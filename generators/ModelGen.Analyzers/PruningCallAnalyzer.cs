using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using ModelGen.Analyzers.Diagnostics;
using ModelGen.Shapes;

namespace ModelGen.Analyzers;

/// <summary>
/// Checks call sites of the pruning and factorization API with constant settings against the shared rules:
/// <c>Pruner.Prune(network, sparsity)</c> (sparsity range; with a known pruner and a network whose static type is a
/// generated model, collapse, starved layers and SynFlow's iterations), GraSP's temperature, lottery-ticket rates,
/// and Frobenius decay or factor initialization on a model without factorized layers.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PruningCallAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property: the replacement value a code fix writes (the fraction, the half rate).</summary>
    internal const string ReplacementProperty = "Replacement";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        AnalyzerDescriptors.SparsityOutOfRange,
        AnalyzerDescriptors.SparsityLooksLikePercentage,
        AnalyzerDescriptors.LayerCollapse,
        AnalyzerDescriptors.StarvedLayer,
        AnalyzerDescriptors.SynFlowTooFewIterations,
        AnalyzerDescriptors.GraspTemperatureInvalid,
        AnalyzerDescriptors.LotteryRateOutOfRange,
        AnalyzerDescriptors.LotteryRateTooCoarse,
        AnalyzerDescriptors.LotteryOutputAtFullRate,
        AnalyzerDescriptors.FactorSettingWithoutFactors);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (ModelGenSymbols.TryCreate(start.Compilation) is not { } symbols)
            {
                return;
            }

            var models = new ModelShape.Cache(symbols);
            start.RegisterOperationAction(c => AnalyzeInvocation(c, symbols, models), OperationKind.Invocation);
            start.RegisterOperationAction(c => AnalyzeCreation(c, symbols, models), OperationKind.ObjectCreation);
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, ModelGenSymbols symbols, ModelShape.Cache models)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (method.Name == "Prune" && ModelGenSymbols.Is(method.ContainingType, symbols.Pruner) && invocation.Arguments.Length == 2)
        {
            AnalyzePrune(context, invocation, symbols, models);
        }
        else if ((method.Name == "Initialize" || method.Name == "InitializeRandom") && ModelGenSymbols.Is(method.ContainingType, symbols.SpectralInitializer))
        {
            // SpectralInitializer.Initialize(net.Parameters, net.Layers, seed): the model is the receiver of net.Layers.
            foreach (var argument in invocation.Arguments)
            {
                if (argument.Parameter?.Name == "layers" && KnownCreation.Unwrap(argument.Value) is IPropertyReferenceOperation { Instance: { } network } &&
                    models.For(KnownCreation.Unwrap(network)?.Type, context.CancellationToken) is { } model &&
                    PruningRules.CheckFactorSetting("Factor initialization", model.Name, model.Layers) is { } finding)
                {
                    context.ReportDiagnostic(AnalyzerDescriptors.Create(finding, invocation.Syntax.GetLocation()));
                }
            }
        }
    }

    private static void AnalyzePrune(OperationAnalysisContext context, IInvocationOperation invocation, ModelGenSymbols symbols, ModelShape.Cache models)
    {
        IArgumentOperation? networkArgument = null, sparsityArgument = null;
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Ordinal == 0)
            {
                networkArgument = argument;
            }
            else if (argument.Parameter?.Ordinal == 1)
            {
                sparsityArgument = argument;
            }
        }

        if (networkArgument is null || sparsityArgument is null || sparsityArgument.Value.ConstantValue is not { HasValue: true, Value: { } constant })
        {
            return;
        }

        var sparsity = Convert.ToDouble(constant, System.Globalization.CultureInfo.InvariantCulture);
        var location = KnownCreation.Unwrap(sparsityArgument.Value)!.Syntax.GetLocation();
        if (PruningRules.CheckSparsity(sparsity) is { } invalid)
        {
            // A bad sparsity is bad for every network and pruner, known or not.
            var properties = invalid.Rule == PruningRules.SparsityLooksLikePercentage
                ? ImmutableDictionary<string, string?>.Empty.Add(ReplacementProperty, PruningRules.Number(sparsity / 100.0))
                : null;
            context.ReportDiagnostic(AnalyzerDescriptors.Create(invalid, location, properties: properties));
            return;
        }

        if (KnownCreation.Resolve(invocation.Instance, context.CancellationToken) is not { } pruner ||
            MethodOf(pruner.Type, symbols) is not { } pruneMethod ||
            models.For(KnownCreation.Unwrap(networkArgument.Value)?.Type, context.CancellationToken) is not { } model)
        {
            return;
        }

        if (!pruner.TryGetSetting("Scope", out var scopeValue, out _) ||
            !pruner.TryGetSetting("Iterations", out var iterationsValue, out var iterationsAssignment))
        {
            return;
        }

        var scope = scopeValue is int scopeCode ? (PruneScopeCode)scopeCode : PruneScopeCode.Global;
        var iterations = iterationsValue is int declared ? declared : PruningRules.SynFlowDefaultIterations;
        foreach (var finding in PruningRules.CheckPrune(pruneMethod, scope, sparsity, iterations, model.Layers))
        {
            // The iterations fix edits the initializer, so it travels as an additional location.
            var additional = finding.Rule == PruningRules.SynFlowTooFewIterations && iterationsAssignment is not null
                ? new[] { iterationsAssignment.Value.Syntax.GetLocation() }
                : null;
            context.ReportDiagnostic(AnalyzerDescriptors.Create(finding, location, additional));
        }
    }

    private static void AnalyzeCreation(OperationAnalysisContext context, ModelGenSymbols symbols, ModelShape.Cache models)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        var type = creation.Type;
        if (ModelGenSymbols.Is(type, symbols.GraspPruner))
        {
            var known = KnownCreation.Resolve(creation, context.CancellationToken)!;
            if (known.TryGetSetting("Temperature", out var value, out var assignment) && assignment is not null && value is float temperature &&
                PruningRules.CheckGraspTemperature(temperature) is { } finding)
            {
                context.ReportDiagnostic(AnalyzerDescriptors.Create(finding, assignment.Syntax.GetLocation()));
            }
        }
        else if (ModelGenSymbols.Is(type, symbols.LotteryTicketOptions))
        {
            AnalyzeLotteryOptions(context, KnownCreation.Resolve(creation, context.CancellationToken)!);
        }
        else if (ModelGenSymbols.Is(type, symbols.FrobeniusDecay))
        {
            foreach (var argument in creation.Arguments)
            {
                if (argument.Parameter?.Name == "network" &&
                    models.For(KnownCreation.Unwrap(argument.Value)?.Type, context.CancellationToken) is { } model &&
                    PruningRules.CheckFactorSetting("Frobenius decay", model.Name, model.Layers) is { } finding)
                {
                    context.ReportDiagnostic(AnalyzerDescriptors.Create(finding, creation.Syntax.GetLocation()));
                }
            }
        }
    }

    private static void AnalyzeLotteryOptions(OperationAnalysisContext context, KnownCreation options)
    {
        if (!options.TryGetSetting("PruneRate", out var rateValue, out var rateAssignment) ||
            !options.TryGetSetting("OutputLayerPruneRate", out var outputValue, out var outputAssignment) ||
            !options.TryGetSetting("Scope", out var scopeValue, out _))
        {
            return;
        }

        var rate = KnownCreation.AsDouble(rateValue) ?? PruningRules.LotteryDefaultPruneRate;
        var scope = scopeValue is int scopeCode ? (PruneScopeCode)scopeCode : PruneScopeCode.LayerWise;
        if (rateAssignment is not null && PruningRules.CheckLotteryRate("prune rate", rate, checkCoarse: true) is { } rateFinding)
        {
            context.ReportDiagnostic(AnalyzerDescriptors.Create(rateFinding, rateAssignment.Syntax.GetLocation()));
        }

        if (outputAssignment is null || KnownCreation.AsDouble(outputValue) is not { } output)
        {
            return;
        }

        var outputFinding = PruningRules.CheckLotteryRate("output-layer prune rate", output, checkCoarse: false) ??
            PruningRules.CheckLotteryOutputRate(rate, output, scope);
        if (outputFinding is not null)
        {
            var properties = outputFinding.Rule == PruningRules.LotteryOutputAtFullRate
                ? ImmutableDictionary<string, string?>.Empty.Add(ReplacementProperty, PruningRules.Number(rate / 2.0))
                : null;
            context.ReportDiagnostic(AnalyzerDescriptors.Create(outputFinding, outputAssignment.Syntax.GetLocation(), properties: properties));
        }
    }

    private static PruneMethodCode? MethodOf(ITypeSymbol? type, ModelGenSymbols symbols)
    {
        var candidates = new List<(INamedTypeSymbol? Type, PruneMethodCode Method)>
        {
            (symbols.MagnitudePruner, PruneMethodCode.Magnitude),
            (symbols.RandomPruner, PruneMethodCode.Random),
            (symbols.SnipPruner, PruneMethodCode.Snip),
            (symbols.GraspPruner, PruneMethodCode.Grasp),
            (symbols.SynFlowPruner, PruneMethodCode.SynFlow),
        };
        foreach (var (candidate, method) in candidates)
        {
            if (ModelGenSymbols.Is(type, candidate))
            {
                return method;
            }
        }

        return null;
    }
}
