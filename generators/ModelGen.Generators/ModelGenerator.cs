using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generators.Emit.Baked;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;

namespace ModelGen.Generators;

/// <summary>
/// Expands every <c>[Model]</c> class into shape-specialized forward, backward and Hessian-vector-product code that
/// implements <c>ModelGen.Model.INetwork</c>, and lists the models of the compilation in a catalog.
/// The pipeline only wires steps: parsing lives in ModelGenerator.Parser.cs, emitting in ModelGenerator.Emitter.cs.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class ModelGenerator : IIncrementalGenerator
{
    internal const string ModelAttributeName = "ModelGen.ModelAttribute";
    internal const string DenseAttributeName = "ModelGen.DenseAttribute";
    internal const string Conv2DAttributeName = "ModelGen.Conv2DAttribute";
    internal const string MaxPool2DAttributeName = "ModelGen.MaxPool2DAttribute";
    internal const string AvgPool2DAttributeName = "ModelGen.AvgPool2DAttribute";
    internal const string FlattenAttributeName = "ModelGen.FlattenAttribute";
    internal const string PruningPlanAttributeName = "ModelGen.PruningPlanAttribute";
    internal const string TicketAttributeName = "ModelGen.TicketAttribute";

    /// <summary>Every attribute that declares a layer: without [Model] beside them they are MG0011.</summary>
    internal static readonly string[] LayerAttributeNames =
    {
        DenseAttributeName, Conv2DAttributeName, MaxPool2DAttributeName, AvgPool2DAttributeName, FlattenAttributeName,
    };

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                ModelAttributeName,
                static (node, _) => node is BaseTypeDeclarationSyntax,
                static (syntaxContext, cancellationToken) => Parser.Parse(syntaxContext, cancellationToken))
            .WithTrackingName(TrackingNames.ParseModel);

        var diagnostics = parsed
            .SelectMany(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.ModelDiagnostics);
        // Combined with the compilation only to turn each location back into one inside its syntax tree, so that
        // #pragma warning disable applies (a path-only location is never matched against pragmas). Valid models
        // produce no diagnostic items, so this step does not run for them on every edit.
        context.RegisterSourceOutput(
            diagnostics.Combine(context.CompilationProvider),
            static (output, pair) => output.ReportDiagnostic(pair.Left.ToDiagnostic(pair.Right)));

        var models = parsed
            .Where(static result => result.Model is not null && result.Ticket is null)
            .Select(static (result, _) => result.Model!)
            .WithTrackingName(TrackingNames.ValidModels);
        context.RegisterSourceOutput(models, static (output, model) => output.AddSource(model.HintName, Emitter.EmitModel(model)));

        // [Ticket] models: the declared (dense) model is combined with every parsed .ticket additional file; editing
        // a ticket re-runs the bake step, which yields an equal value (nothing re-emitted) for models it is not theirs.
        var tickets = context.AdditionalTextsProvider
            .Where(static file => Baker.IsTicketPath(file.Path))
            .Select(static (file, cancellationToken) => Baker.ReadTicketFile(file, cancellationToken))
            .WithTrackingName(TrackingNames.TicketFiles)
            .Collect();
        var baked = parsed
            .Where(static result => result.Model is not null && result.Ticket is not null)
            .Combine(tickets)
            .Select(static (pair, cancellationToken) => Baker.Bake(pair.Left.Model!, pair.Left.Ticket!, pair.Right, cancellationToken))
            .WithTrackingName(TrackingNames.BakeModel);
        context.RegisterSourceOutput(
            baked.SelectMany(static (result, _) => result.Diagnostics).Combine(context.CompilationProvider),
            static (output, pair) => output.ReportDiagnostic(pair.Left.ToDiagnostic(pair.Right)));
        var bakedModels = baked
            .Where(static result => result.Model is not null)
            .Select(static (result, _) => result.Model!)
            .WithTrackingName(TrackingNames.BakedModels);
        context.RegisterSourceOutput(bakedModels, static (output, model) => output.AddSource(model.Source.HintName, BakedModelEmitter.Emit(model)));

        var catalog = models
            .Select(static (model, _) => new CatalogEntry(model.FullyQualifiedName, model.ModelName))
            .Collect()
            .Combine(bakedModels.Select(static (model, _) => new CatalogEntry(model.Source.FullyQualifiedName, model.Source.ModelName)).Collect())
            .Select(static (entries, _) => new EquatableArray<CatalogEntry>(entries.Left.AddRange(entries.Right)))
            .WithTrackingName(TrackingNames.CatalogEntries);
        context.RegisterSourceOutput(catalog, static (output, entries) =>
        {
            if (entries.Count > 0)
            {
                output.AddSource(Emitter.CatalogHintName, Emitter.EmitCatalog(entries));
            }
        });

        // One pipeline per layer attribute (ForAttributeWithMetadataName takes one name); each reports only when its
        // attribute is the class's first layer attribute, so a class warns once whichever kinds it mixes.
        foreach (var layerAttribute in LayerAttributeNames)
        {
            var orphanLayers = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    layerAttribute,
                    static (node, _) => node is BaseTypeDeclarationSyntax,
                    static (syntaxContext, cancellationToken) => Parser.ParseLayerWithoutModel(syntaxContext, cancellationToken))
                .Where(static diagnostic => diagnostic is not null)
                .WithTrackingName(TrackingNames.OrphanLayers);
            context.RegisterSourceOutput(
                orphanLayers.Combine(context.CompilationProvider),
                static (output, pair) => output.ReportDiagnostic(pair.Left!.ToDiagnostic(pair.Right)));
        }
    }
}

/// <summary>A catalog line: which type to instantiate and under which name it is listed.</summary>
internal sealed record CatalogEntry(string FullyQualifiedTypeName, string ModelName);
