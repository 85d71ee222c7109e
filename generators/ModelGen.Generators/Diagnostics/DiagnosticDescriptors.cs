using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using ModelGen.Shapes;

namespace ModelGen.Generators.Diagnostics;

/// <summary>Every diagnostic the generator reports, with stable IDs. Each has a page under docs/diagnostics/ (see <see cref="DiagnosticHelp"/>).</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "ModelGen";

    public static readonly DiagnosticDescriptor ModelClassNotPartial = Create(
        "MG0001", "Model class must be partial",
        "The model class '{0}' must be declared partial so that ModelGen can add its generated members",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ModelClassNested = Create(
        "MG0002", "Model class must not be nested",
        "The model class '{0}' is nested in '{1}'; declare models as top-level classes",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ModelClassGeneric = Create(
        "MG0003", "Model class must not be generic",
        "The model class '{0}' is generic; a model's shapes are fixed at compile time, so it cannot have type parameters",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ModelHasNoLayers = Create(
        "MG0004", "Model declares no layers",
        "The model '{0}' declares no layers; add at least one [Dense(...)] (or [Conv2D(...)]) attribute",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NonPositiveSize = Create(
        "MG0005", "Size must be positive",
        "{0} of '{1}' is {2}; sizes must be positive",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor SizeOverflow = Create(
        "MG0006", "Parameter count overflows",
        "Layer '{0}' of '{1}' brings the parameter count to {2}, more than the {3} a model can hold",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnknownActivation = Create(
        "MG0007", "Unknown activation",
        "Layer '{0}' uses activation value {1}, which is not a member of ModelGen.Activation",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor DuplicateLayerName = Create(
        "MG0008", "Duplicate layer name",
        "Layer name '{0}' is used more than once in '{1}'; parameter names ('{0}.weight') must be unique",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ModelOnNonClass = Create(
        "MG0009", "Model attribute on a type that is not a class",
        "[Model] is applied to '{0}', which is a {1}; models must be classes",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InvalidLayerName = Create(
        "MG0010", "Invalid layer name",
        "Layer name '{0}' is not valid; use a letter or underscore followed by letters, digits or underscores",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor LayerWithoutModel = Create(
        "MG0011", "Layer attribute without a model",
        "'{0}' has layer attributes (the first is [{1}]) but no [Model] attribute, so no network is generated for it",
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor NegativeRank = Create(
        "MG0012", "Negative factorization rank",
        "Layer '{0}' has rank {1}; a rank is positive (factorized) or 0 (plain)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor FactorizationDoesNotPay = Create(
        "MG0013", "Factorization does not reduce the layer",
        "Layer '{0}' ({1} → {2}) is factorized at rank {3}: its factors hold {4} weights, not fewer than the {5} of the plain layer, so parameters and FLOPs grow; the largest rank that pays is {6}",
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor ModelClassNotInstantiable = Create(
        "MG0014", "Model class must be instantiable",
        "The model class '{0}' is {1}; ModelGen generates a constructor and instances, so it cannot be abstract or static",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ModelClassNameReserved = Create(
        "MG0015", "Model class name collides with a generated member",
        "The model class '{0}' has the name of a member ModelGen generates in it; rename the class",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor LayersOnSeveralDeclarations = Create(
        "MG0016", "Layers declared on several partial declarations",
        "The layers of '{0}' are declared on more than one partial declaration, so their order would depend on how the compiler lists the parts; put every layer attribute on one declaration",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor MemberCollidesWithGenerated = Create(
        "MG0017", "Member collides with a generated member",
        "The model class '{0}' declares {1}, which ModelGen generates for it; rename or remove the member",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InputSizeMissing = Create(
        "MG0020", "Model input size missing",
        "The model '{0}' does not declare its input size; set Input = <features> for vector inputs, or Channels, Height and Width for images",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InputAndImageShape = Create(
        "MG0021", "Model declares both a vector and an image input",
        "The model '{0}' sets Input and also {1}; declare either Input (vector inputs) or Channels, Height and Width (images)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor IncompleteImageShape = Create(
        "MG0022", "Image input shape incomplete",
        "The model '{0}' declares an image input without {1}; set all of Channels, Height and Width",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor KernelTooLarge = Create(
        "MG0023", "Convolution kernel larger than its input",
        "The {0}×{0} kernel of layer '{1}' does not fit its {2}×{3} input with padding {4}",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor PoolDoesNotFit = Create(
        "MG0024", "Pooling window larger than its input",
        "The {0}×{0} window of layer '{1}' does not fit its {2}×{3} input",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NonPositiveWindow = Create(
        "MG0025", "Kernel, window or stride not positive",
        "The {0} of layer '{1}' is {2}; it must be positive",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NegativePadding = Create(
        "MG0026", "Negative padding",
        "The padding of layer '{0}' is {1}; it must be 0 or more",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor SpatialLayerAfterVector = Create(
        "MG0027", "Convolution or pooling on a vector",
        "Layer '{0}' needs an image (channels × height × width) but gets {1}; give the model an image input (Channels, Height, Width) and put convolution and pooling layers before Flatten and Dense layers",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor TicketFileMissing = Create(
        "MG0040", "Ticket file not found",
        "The ticket '{0}' of '{1}' is not an additional file of this project ({2}); add it with <AdditionalFiles Include=\"…{0}\" /> (ticket files end in .ticket)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor TicketFileInvalid = Create(
        "MG0041", "Ticket file damaged",
        "The ticket '{0}' cannot be read: line {1}: {2}",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor TicketDoesNotMatchLayers = Create(
        "MG0042", "Ticket does not match the declared layers",
        "The ticket '{0}' does not fit '{1}': {2}",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor TicketLayerKindNotSupported = Create(
        "MG0043", "Layer kind cannot be baked yet",
        "'{0}' bakes the ticket '{1}', but layer '{2}' is {3}; the baker supports [Dense] layers only (remove [Ticket] to train this model with the ticket's masks at run time)",
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor TicketDisconnectsOutput = Create(
        "MG0044", "Ticket disconnects the output",
        "The ticket '{0}' leaves no path from the input of '{1}' to any of its outputs ({2}); every logit would be a constant, so there is nothing to bake",
        DiagnosticSeverity.Error);

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = Index(
        ModelClassNotPartial, ModelClassNested, ModelClassGeneric, ModelHasNoLayers, NonPositiveSize, SizeOverflow,
        UnknownActivation, DuplicateLayerName, ModelOnNonClass, InvalidLayerName, LayerWithoutModel, NegativeRank,
        FactorizationDoesNotPay, ModelClassNotInstantiable, ModelClassNameReserved, LayersOnSeveralDeclarations, MemberCollidesWithGenerated,
        InputSizeMissing, InputAndImageShape, IncompleteImageShape, KernelTooLarge, PoolDoesNotFit, NonPositiveWindow,
        NegativePadding, SpatialLayerAfterVector, TicketFileMissing, TicketFileInvalid, TicketDoesNotMatchLayers,
        TicketLayerKindNotSupported, TicketDisconnectsOutput);

    public static DiagnosticDescriptor ById(string id) => s_byId[id];

    private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity) =>
        new(id, title, message, Category, severity, isEnabledByDefault: true, helpLinkUri: DiagnosticHelp.Link(id));

    private static Dictionary<string, DiagnosticDescriptor> Index(params DiagnosticDescriptor[] descriptors)
    {
        var map = new Dictionary<string, DiagnosticDescriptor>();
        foreach (var descriptor in descriptors)
        {
            map.Add(descriptor.Id, descriptor);
        }

        return map;
    }
}
