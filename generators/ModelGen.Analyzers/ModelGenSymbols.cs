using Microsoft.CodeAnalysis;

namespace ModelGen.Analyzers;

/// <summary>The ModelGen types the analyzers look for, resolved once per compilation (null when ModelGen is not referenced).</summary>
internal sealed class ModelGenSymbols
{
    private ModelGenSymbols(Compilation compilation, INamedTypeSymbol modelAttribute, INamedTypeSymbol denseAttribute)
    {
        ModelAttribute = modelAttribute;
        DenseAttribute = denseAttribute;
        Pruner = compilation.GetTypeByMetadataName("ModelGen.Pruning.Pruner");
        MagnitudePruner = compilation.GetTypeByMetadataName("ModelGen.Pruning.MagnitudePruner");
        RandomPruner = compilation.GetTypeByMetadataName("ModelGen.Pruning.RandomPruner");
        SnipPruner = compilation.GetTypeByMetadataName("ModelGen.Pruning.SnipPruner");
        GraspPruner = compilation.GetTypeByMetadataName("ModelGen.Pruning.GraspPruner");
        SynFlowPruner = compilation.GetTypeByMetadataName("ModelGen.Pruning.SynFlowPruner");
        LotteryTicketOptions = compilation.GetTypeByMetadataName("ModelGen.Pruning.LotteryTicketOptions");
        FrobeniusDecay = compilation.GetTypeByMetadataName("ModelGen.Factorization.FrobeniusDecay");
        SpectralInitializer = compilation.GetTypeByMetadataName("ModelGen.Factorization.SpectralInitializer");
    }

    public INamedTypeSymbol ModelAttribute { get; }

    public INamedTypeSymbol DenseAttribute { get; }

    public INamedTypeSymbol? Pruner { get; }

    public INamedTypeSymbol? MagnitudePruner { get; }

    public INamedTypeSymbol? RandomPruner { get; }

    public INamedTypeSymbol? SnipPruner { get; }

    public INamedTypeSymbol? GraspPruner { get; }

    public INamedTypeSymbol? SynFlowPruner { get; }

    public INamedTypeSymbol? LotteryTicketOptions { get; }

    public INamedTypeSymbol? FrobeniusDecay { get; }

    public INamedTypeSymbol? SpectralInitializer { get; }

    public static ModelGenSymbols? TryCreate(Compilation compilation)
    {
        var model = compilation.GetTypeByMetadataName("ModelGen.ModelAttribute");
        var dense = compilation.GetTypeByMetadataName("ModelGen.DenseAttribute");
        return model is null || dense is null ? null : new ModelGenSymbols(compilation, model, dense);
    }

    public static bool Is(ITypeSymbol? type, INamedTypeSymbol? expected) =>
        type is not null && expected is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, expected);
}
