namespace ModelGen.Generators.Helpers;

/// <summary>Names of the incremental pipeline's steps, so tests can ask what each step did.</summary>
internal static class TrackingNames
{
    public const string ParseModel = nameof(ParseModel);
    public const string ValidModels = nameof(ValidModels);
    public const string ModelDiagnostics = nameof(ModelDiagnostics);
    public const string CatalogEntries = nameof(CatalogEntries);
    public const string OrphanLayers = nameof(OrphanLayers);
    public const string TicketFiles = nameof(TicketFiles);
    public const string BakeModel = nameof(BakeModel);
    public const string BakedModels = nameof(BakedModels);
}
