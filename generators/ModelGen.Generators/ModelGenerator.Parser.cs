using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Model;
using ModelGen.Shapes;

namespace ModelGen.Generators;

public sealed partial class ModelGenerator
{
    /// <summary>Symbols → <see cref="ModelParseResult"/>: the only place that looks at symbols and syntax.</summary>
    internal static class Parser
    {
        /// <summary>Highest value of ModelGen.Activation the generator knows how to emit.</summary>
        private const int MaxActivation = 3;

        public static ModelParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>();
            var type = (INamedTypeSymbol)context.TargetSymbol;
            var declaration = (BaseTypeDeclarationSyntax)context.TargetNode;
            var modelAttribute = context.Attributes[0];
            var attributeLocation = modelAttribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? declaration.Identifier.GetLocation();
            var classLocation = declaration.Identifier.GetLocation();

            if (type.TypeKind != TypeKind.Class || type.IsRecord)
            {
                var kind = type.IsRecord ? (type.TypeKind == TypeKind.Struct ? "record struct" : "record") : type.TypeKind.ToString().ToLowerInvariant();
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModelOnNonClass, attributeLocation, type.Name, kind));
                return Failed(diagnostics);
            }

            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModelClassNotPartial, classLocation, type.Name));
            }

            if (type.ContainingType is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModelClassNested, classLocation, type.Name, type.ContainingType.Name));
            }

            if (type.TypeParameters.Length > 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModelClassGeneric, classLocation, type.Name));
            }

            if (CollidesWithGeneratedMember(type.Name))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModelClassNameReserved, classLocation, type.Name));
            }

            if (type.IsAbstract || type.IsStatic)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModelClassNotInstantiable, classLocation, type.Name, type.IsStatic ? "static" : "abstract"));
            }

            var input = 0;
            var modelName = type.Name.ToLowerInvariant();
            var declared = new Dictionary<string, int>();
            foreach (var argument in modelAttribute.NamedArguments)
            {
                if (argument.Key is "Input" or "Channels" or "Height" or "Width" && argument.Value.Value is int size)
                {
                    declared[argument.Key] = size;
                }
                else if (argument.Key == "Name" && argument.Value.Value is string nameValue && nameValue.Length > 0)
                {
                    modelName = nameValue;
                }
            }

            var image = ReadInputShape(type.Name, declared, attributeLocation, diagnostics);
            if (image is null && declared.TryGetValue("Input", out input) && input <= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, attributeLocation, "Input", type.Name, Invariant(input)));
            }

            var layers = ReadLayers(context.SemanticModel.Compilation, type, diagnostics, cancellationToken);
            if (layers.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModelHasNoLayers, attributeLocation, type.Name));
                return Failed(diagnostics);
            }

            CheckNames(type.Name, layers, diagnostics);
            CheckSingleLayerDeclaration(type.Name, layers, diagnostics);
            CheckMemberCollisions(type, diagnostics, cancellationToken);
            var declarations = layers.Select(static layer => layer.Declaration).ToList();
            var shapes = image is { } imageShape ? ShapeInference.Infer(imageShape, declarations) : ShapeInference.Infer(input, declarations);
            foreach (var error in shapes.Errors)
            {
                var layer = error.LayerIndex >= 0 ? layers[error.LayerIndex] : null;
                var location = layer?.Location ?? attributeLocation;
                switch (error.Kind)
                {
                    case ShapeErrorKind.NonPositiveUnits:
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, location, $"The output size of layer '{layer!.Name}'", type.Name, Invariant(layer.Declaration.Units)));
                        break;
                    case ShapeErrorKind.NegativeRank:
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NegativeRank, location, layer!.Name, Invariant(layer.Declaration.Rank)));
                        break;
                    case ShapeErrorKind.Overflow:
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SizeOverflow, location, layer!.Name, type.Name, Invariant(error.Count), Invariant(ShapeInference.MaxParameters)));
                        break;
                    case ShapeErrorKind.FactorizationDoesNotPay:
                        var inferred = shapes.Layers[error.LayerIndex];
                        diagnostics.Add(DiagnosticInfo.Create(
                            DiagnosticDescriptors.FactorizationDoesNotPay, location, layer!.Name, Invariant(inferred.InFeatures), Invariant(inferred.OutFeatures),
                            Invariant(inferred.Rank), Invariant(inferred.WeightCount), Invariant((long)inferred.InFeatures * inferred.OutFeatures),
                            Invariant(PruningRules.LargestPayingRank(inferred.InFeatures, inferred.OutFeatures))));
                        break;
                    case ShapeErrorKind.KernelTooLarge:
                        var input2D = shapes.Layers[error.LayerIndex].InShape;
                        diagnostics.Add(DiagnosticInfo.Create(
                            DiagnosticDescriptors.KernelTooLarge, location, Invariant(layer!.Declaration.Kernel), layer.Name, Invariant(input2D.Height), Invariant(input2D.Width), Invariant(layer.Declaration.Padding)));
                        break;
                    case ShapeErrorKind.PoolDoesNotFit:
                        var poolInput = shapes.Layers[error.LayerIndex].InShape;
                        diagnostics.Add(DiagnosticInfo.Create(
                            DiagnosticDescriptors.PoolDoesNotFit, location, Invariant(layer!.Declaration.Kernel), layer.Name, Invariant(poolInput.Height), Invariant(poolInput.Width)));
                        break;
                    case ShapeErrorKind.NonPositiveKernel:
                        diagnostics.Add(DiagnosticInfo.Create(
                            DiagnosticDescriptors.NonPositiveWindow, location, layer!.Declaration.Kind == LayerKind.Conv2D ? "kernel size" : "window size", layer.Name, Invariant(layer.Declaration.Kernel)));
                        break;
                    case ShapeErrorKind.NonPositiveStride:
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveWindow, location, "stride", layer!.Name, Invariant(layer.Declaration.Stride)));
                        break;
                    case ShapeErrorKind.NegativePadding:
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NegativePadding, location, layer!.Name, Invariant(layer.Declaration.Padding)));
                        break;
                    case ShapeErrorKind.SpatialAfterVector:
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SpatialLayerAfterVector, location, layer!.Name, DescribeVectorSource(layers, error.LayerIndex, image is not null)));
                        break;
                    case ShapeErrorKind.NonPositiveInput:
                    case ShapeErrorKind.NoLayers:
                        // Reported above with the attribute's own wording.
                        break;
                }
            }

            if (diagnostics.Any(static d => DiagnosticDescriptors.ById(d.DescriptorId).DefaultSeverity == DiagnosticSeverity.Error))
            {
                return Failed(diagnostics);
            }

            var specs = new List<LayerSpec>(layers.Count);
            var offset = 0;
            for (var i = 0; i < layers.Count; i++)
            {
                specs.Add(BuildSpec(i, layers[i], shapes.Layers[i], ref offset));
            }

            var ns = type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString();
            var spec = new ModelSpec(ns, type.Name, modelName, image?.Size ?? input, offset, new EquatableArray<LayerSpec>(specs), ReadPlan(type))
            {
                InputChannels = image?.Channels ?? 0,
                InputHeight = image?.Height ?? 0,
                InputWidth = image?.Width ?? 0,
            };
            return new ModelParseResult(spec, new EquatableArray<DiagnosticInfo>(diagnostics), ReadTicket(type, declaration, cancellationToken));
        }

        /// <summary>
        /// The class's [Ticket], if any, as values: the path as written, the declaring file's folder, and the
        /// argument's location (all MG004x diagnostics point at it). The file itself is read by the baker.
        /// </summary>
        private static TicketReference? ReadTicket(INamedTypeSymbol type, BaseTypeDeclarationSyntax declaration, CancellationToken cancellationToken)
        {
            foreach (var attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != TicketAttributeName)
                {
                    continue;
                }

                var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
                var location = syntax?.ArgumentList?.Arguments.FirstOrDefault()?.GetLocation() ?? syntax?.GetLocation();
                var path = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string value ? value : string.Empty;
                var file = syntax?.SyntaxTree.FilePath ?? declaration.SyntaxTree.FilePath;
                var slash = System.Math.Max(file.LastIndexOf('/'), file.LastIndexOf('\\'));
                return new TicketReference(path, slash >= 0 ? file.Substring(0, slash) : string.Empty, LocationInfo.From(location));
            }

            return null;
        }

        /// <summary>
        /// The image shape when Channels, Height and Width are all declared; null for a vector input (or a problem, which
        /// is reported here: nothing declared, both kinds declared, an image shape missing a part, a non-positive part).
        /// </summary>
        private static TensorShape? ReadInputShape(string typeName, Dictionary<string, int> declared, Location? location, List<DiagnosticInfo> diagnostics)
        {
            var imageParts = new[] { "Channels", "Height", "Width" }.Where(declared.ContainsKey).ToList();
            var hasInput = declared.ContainsKey("Input");
            if (!hasInput && imageParts.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InputSizeMissing, location, typeName));
                return null;
            }

            if (imageParts.Count == 0)
            {
                return null;
            }

            if (hasInput)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InputAndImageShape, location, typeName, string.Join(", ", imageParts)));
                return null;
            }

            if (imageParts.Count < 3)
            {
                var missing = new[] { "Channels", "Height", "Width" }.Where(part => !declared.ContainsKey(part));
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.IncompleteImageShape, location, typeName, string.Join(" and ", missing)));
                return null;
            }

            var valid = true;
            foreach (var part in imageParts)
            {
                if (declared[part] <= 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, location, part, typeName, Invariant(declared[part])));
                    valid = false;
                }
            }

            return valid ? new TensorShape(declared["Channels"], declared["Height"], declared["Width"]) : null;
        }

        /// <summary>What a spatial layer at <paramref name="index"/> was given instead of an image, for MG0027.</summary>
        private static string DescribeVectorSource(List<ParsedLayer> layers, int index, bool imageInput)
        {
            for (var i = index - 1; i >= 0; i--)
            {
                var kind = layers[i].Declaration.Kind;
                if (kind is LayerKind.Dense or LayerKind.FactorizedDense or LayerKind.Flatten)
                {
                    return $"the vector output of layer '{layers[i].Name}'";
                }
            }

            return imageInput ? "an invalid image input" : "the model's vector input (Input)";
        }

        /// <summary>A layer's spec: its kind, shapes and where its tensors sit; advances <paramref name="offset"/> past them.</summary>
        private static LayerSpec BuildSpec(int index, ParsedLayer layer, InferredLayer shape, ref int offset)
        {
            var kind = shape.Kind;
            int weightOffset = -1, uOffset = -1, vtOffset = -1, biasOffset = -1;
            switch (kind)
            {
                case LayerKind.FactorizedDense:
                    // Storage order follows the forward pass (and two stacked nn.Linear's state_dict): Vt, then U, then bias.
                    vtOffset = offset;
                    offset += shape.Rank * shape.InFeatures;
                    uOffset = offset;
                    offset += shape.OutFeatures * shape.Rank;
                    biasOffset = offset;
                    offset += shape.OutFeatures;
                    break;
                case LayerKind.Dense:
                case LayerKind.Conv2D:
                    weightOffset = offset;
                    offset += shape.WeightCount;
                    biasOffset = offset;
                    offset += shape.BiasCount;
                    break;
            }

            return new LayerSpec(
                index,
                layer.Name,
                kind,
                shape.InFeatures,
                shape.OutFeatures,
                shape.Rank,
                layer.Activation,
                layer.Prunable ?? kind is LayerKind.Dense or LayerKind.Conv2D,
                weightOffset,
                uOffset,
                vtOffset,
                biasOffset)
            {
                InChannels = shape.InShape.Channels,
                InHeight = shape.InShape.Height,
                InWidth = shape.InShape.Width,
                OutChannels = shape.OutShape.Channels,
                OutHeight = shape.OutShape.Height,
                OutWidth = shape.OutShape.Width,
                Kernel = shape.Kernel,
                Stride = shape.Stride,
                Padding = shape.Padding,
            };
        }

        /// <summary>
        /// The class's [PruningPlan], if any, as values. Its settings are judged by the analyzers (MG01xx), not here: any
        /// constant is emitted as written, so the runtime sees exactly what was declared.
        /// </summary>
        private static PlanSpec? ReadPlan(INamedTypeSymbol type)
        {
            foreach (var attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != PruningPlanAttributeName ||
                    attribute.ConstructorArguments.Length != 2 ||
                    attribute.ConstructorArguments[0].Value is not string method ||
                    attribute.ConstructorArguments[1].Value is not double sparsity)
                {
                    continue;
                }

                bool? layerWise = null;
                double? pruneRate = null, outputRate = null;
                foreach (var argument in attribute.NamedArguments)
                {
                    switch (argument.Key)
                    {
                        case "Scope" when argument.Value.Value is int scope:
                            layerWise = scope == 1;
                            break;
                        case "PruneRate" when argument.Value.Value is double rate:
                            pruneRate = rate;
                            break;
                        case "OutputLayerPruneRate" when argument.Value.Value is double rate:
                            outputRate = rate;
                            break;
                    }
                }

                return new PlanSpec(method, sparsity, layerWise, pruneRate, outputRate);
            }

            return null;
        }

        /// <summary>
        /// A class with layer attributes ([Dense], [Conv2D], [MaxPool2D], [AvgPool2D], [Flatten]) but no [Model]: warn
        /// once, at its first layer attribute, from the pipeline of that attribute's kind (the others return null).
        /// </summary>
        public static DiagnosticInfo? ParseLayerWithoutModel(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var type = context.TargetSymbol;
            AttributeData? first = null;
            foreach (var attribute in type.GetAttributes())
            {
                var name = attribute.AttributeClass?.ToDisplayString();
                if (name == ModelAttributeName)
                {
                    return null;
                }

                if (first is null && System.Array.IndexOf(LayerAttributeNames, name) >= 0)
                {
                    first = attribute;
                }
            }

            if (first is null || !SymbolEqualityComparer.Default.Equals(first.AttributeClass, context.Attributes[0].AttributeClass))
            {
                return null;
            }

            var location = first.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();
            var kind = first.AttributeClass!.Name;
            kind = kind.EndsWith("Attribute", System.StringComparison.Ordinal) ? kind.Substring(0, kind.Length - "Attribute".Length) : kind;
            return DiagnosticInfo.Create(DiagnosticDescriptors.LayerWithoutModel, location, type.Name, kind);
        }

        private static List<ParsedLayer> ReadLayers(Compilation compilation, INamedTypeSymbol type, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            var kinds = new Dictionary<INamedTypeSymbol, LayerKind>(SymbolEqualityComparer.Default);
            AddKind(kinds, compilation, DenseAttributeName, LayerKind.Dense);
            AddKind(kinds, compilation, Conv2DAttributeName, LayerKind.Conv2D);
            AddKind(kinds, compilation, MaxPool2DAttributeName, LayerKind.MaxPool2D);
            AddKind(kinds, compilation, AvgPool2DAttributeName, LayerKind.AvgPool2D);
            AddKind(kinds, compilation, FlattenAttributeName, LayerKind.Flatten);

            // Default names count per kind (conv1, conv2, fc1, fc2, pool1 …), as PyTorch's LeNet-5 names its layers.
            var counts = new Dictionary<string, int>();
            var layers = new List<ParsedLayer>();
            foreach (var attribute in type.GetAttributes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (attribute.AttributeClass is null || !kinds.TryGetValue(attribute.AttributeClass, out var kind))
                {
                    continue;
                }

                var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken);
                var location = syntax?.GetLocation();
                var arguments = attribute.ConstructorArguments;
                var positional = kind switch
                {
                    LayerKind.Conv2D => 2,
                    LayerKind.Flatten => 0,
                    _ => 1,
                };
                if (arguments.Length < positional || arguments.Take(positional).Any(static a => a.Value is not int))
                {
                    // The compiler already reports the malformed attribute; skip it rather than guess.
                    continue;
                }

                var activationIndex = kind == LayerKind.Conv2D ? 2 : 1;
                var activation = kind is LayerKind.Dense or LayerKind.Conv2D && arguments.Length > activationIndex && arguments[activationIndex].Value is int value ? value : 0;
                string? name = null;
                bool? prunable = null;
                int rank = 0, padding = 0, stride = kind == LayerKind.Conv2D ? 1 : 0;
                foreach (var argument in attribute.NamedArguments)
                {
                    switch (argument.Key)
                    {
                        case "Name":
                            name = argument.Value.Value as string;
                            break;
                        case "Prunable" when argument.Value.Value is bool flag:
                            prunable = flag;
                            break;
                        case "Rank" when argument.Value.Value is int declaredRank:
                            rank = declaredRank;
                            break;
                        case "Stride" when argument.Value.Value is int declaredStride:
                            stride = declaredStride;
                            break;
                        case "Padding" when argument.Value.Value is int declaredPadding:
                            padding = declaredPadding;
                            break;
                    }
                }

                var prefix = kind switch
                {
                    LayerKind.Conv2D => "conv",
                    LayerKind.MaxPool2D or LayerKind.AvgPool2D => "pool",
                    LayerKind.Flatten => "flatten",
                    _ => "fc",
                };
                counts[prefix] = counts.TryGetValue(prefix, out var count) ? count + 1 : 1;
                var layerName = string.IsNullOrEmpty(name) ? prefix + Invariant(counts[prefix]) : name!;
                if (activation < 0 || activation > MaxActivation)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownActivation, location, layerName, Invariant(activation)));
                }

                var first = positional > 0 ? (int)arguments[0].Value! : 0;
                var declaration = kind switch
                {
                    LayerKind.Conv2D => LayerDeclaration.Conv2D(first, (int)arguments[1].Value!, stride, padding),
                    // A pool's stride 0 (the attribute's default) means its window size, PyTorch's default (a bad size
                    // is reported once, as the size, not again as the stride derived from it).
                    LayerKind.MaxPool2D or LayerKind.AvgPool2D => LayerDeclaration.Pool(kind, first, stride == 0 ? System.Math.Max(first, 1) : stride),
                    LayerKind.Flatten => LayerDeclaration.Flatten(),
                    _ => new LayerDeclaration(rank != 0 ? LayerKind.FactorizedDense : LayerKind.Dense, first, rank),
                };
                // The partial declaration the attribute sits on: [attribute] → attribute list → type declaration.
                var declaringType = syntax?.Parent?.Parent as TypeDeclarationSyntax;
                layers.Add(new ParsedLayer(layerName, declaration, activation, prunable, location, declaringType));
            }

            return layers;
        }

        private static void AddKind(Dictionary<INamedTypeSymbol, LayerKind> kinds, Compilation compilation, string metadataName, LayerKind kind)
        {
            if (compilation.GetTypeByMetadataName(metadataName) is { } symbol)
            {
                kinds[symbol] = kind;
            }
        }

        private static void CheckNames(string typeName, List<ParsedLayer> layers, List<DiagnosticInfo> diagnostics)
        {
            // Case-insensitive: emitted member names capitalize the layer name, and "fc1"/"Fc1" side by side is a slip.
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var layer in layers)
            {
                if (!IsValidName(layer.Name))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidLayerName, layer.Location, layer.Name));
                }
                else if (!seen.Add(layer.Name))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateLayerName, layer.Location, layer.Name, typeName));
                }
            }
        }

        /// <summary>
        /// MG0016: layers are ordered by their attributes' source order, which is defined only within one declaration;
        /// across partial declarations it would follow however the compiler lists the parts. Reported once, at the
        /// first layer attribute on a second declaration.
        /// </summary>
        private static void CheckSingleLayerDeclaration(string typeName, List<ParsedLayer> layers, List<DiagnosticInfo> diagnostics)
        {
            var first = layers[0].DeclaringType;
            foreach (var layer in layers)
            {
                if (first is not null && layer.DeclaringType is not null && layer.DeclaringType != first)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayersOnSeveralDeclarations, layer.Location, typeName));
                    return;
                }
            }
        }

        /// <summary>
        /// MG0017: a member the user declares with the name of one the generator emits (or a constructor taking the
        /// seed) would make the generated file fail to compile; report it on the user's member instead and emit nothing.
        /// </summary>
        private static void CheckMemberCollisions(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            // A [Ticket] class gets the baked emitter's members as well (IBakedNetwork, the baked layer constants).
            var baked = type.GetAttributes().Any(static a => a.AttributeClass?.ToDisplayString() == TicketAttributeName);
            foreach (var member in type.GetMembers())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (member.IsImplicitlyDeclared || member.Locations.Length == 0 || !member.Locations[0].IsInSource)
                {
                    continue;
                }

                string? clash = null;
                if (member is IMethodSymbol { MethodKind: MethodKind.Constructor, Parameters.Length: 1 } constructor &&
                    constructor.Parameters[0].Type.SpecialType == SpecialType.System_Int32)
                {
                    clash = "a constructor taking an int (the seed)";
                }
                else if (member is not IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor or MethodKind.PropertyGet or MethodKind.PropertySet or MethodKind.EventAdd or MethodKind.EventRemove } &&
                    (CollidesWithGeneratedMember(member.Name) || Array.IndexOf(s_generatedFieldNames, member.Name) >= 0 ||
                     (baked && CollidesWithBakedMember(member.Name))))
                {
                    clash = "'" + member.Name + "'";
                }

                if (clash is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberCollidesWithGenerated, member.Locations[0], type.Name, clash));
                }
            }
        }

        /// <summary>
        /// A class may not share a name with a member the emitter adds (C# forbids members named like their type):
        /// the fixed members, and the per-layer constants L{n}In, L{n}Out, ….
        /// </summary>
        private static bool CollidesWithGeneratedMember(string className)
        {
            if (Array.IndexOf(s_generatedMemberNames, className) >= 0)
            {
                return true;
            }

            if (className.Length < 2 || className[0] != 'L' || !char.IsDigit(className[1]))
            {
                return false;
            }

            var digits = 1;
            while (digits < className.Length && char.IsDigit(className[digits]))
            {
                digits++;
            }

            return Array.IndexOf(s_layerConstantSuffixes, className.Substring(digits)) >= 0;
        }

        /// <summary>Members only a baked class has: IBakedNetwork's, its constants, and its per-layer constants and data.</summary>
        private static bool CollidesWithBakedMember(string name)
        {
            if (Array.IndexOf(s_bakedMemberNames, name) >= 0)
            {
                return true;
            }

            if (name.Length < 2)
            {
                return false;
            }

            var digits = 1;
            while (digits < name.Length && char.IsDigit(name[digits]))
            {
                digits++;
            }

            return name[0] == 'L' && digits > 1 && Array.IndexOf(s_bakedLayerSuffixes, name.Substring(digits)) >= 0;
        }

        private static readonly string[] s_bakedMemberNames =
        {
            "DenseParameterCount", "TicketSeed", "TicketRewindIteration", "SourceModel", "TicketHash", "DenseLayers", "DenseTensors",
            "ExpandToDense", "LoadDense", "SetFromDense", "s_denseLayers", "s_denseTensors",
        };

        private static readonly string[] s_bakedLayerSuffixes =
        {
            "Units", "Inputs", "Kept", "DenseIn", "DenseOut", "DenseWeightOffset", "DenseBiasOffset", "ColumnStarts", "RowIndices",
            "Positions", "UnitRows", "TicketKept", "Constants", "ConstantTargets", "ConstantPositions", "ConstantSources",
            "FoldTargets", "FoldPositions", "FoldSources", "RewindWeights", "RewindBiases",
        };

        private static readonly string[] s_generatedMemberNames =
        {
            "InputFeatures", "OutputFeatures", "ParameterCount", "Descriptor", "Name", "InputSize", "OutputSize", "Layers",
            "Parameters", "Masks", "Forward", "ForwardBackward", "ForwardBackwardFromOutput", "HessianVectorProduct",
            "CreateTensors", "RunForward", "RunBackward", "RunForwardR", "RunBackwardR", "PrepareWeights", "MaskVector",
            "WorkspaceFor", "HessianWorkspaceFor", "ModelGenWorkspace", "ModelGenHessianWorkspace", "Execution",
        };

        /// <summary>The private fields the emitter adds (user members may not reuse these names either).</summary>
        private static readonly string[] s_generatedFieldNames = { "_workspace", "_hessianWorkspace", "_maskedWeights", "s_layers" };

        private static readonly string[] s_layerConstantSuffixes =
        {
            "In", "Out", "Rank", "WeightOffset", "WeightLength", "VtOffset", "VtLength", "UOffset", "ULength", "BiasOffset",
            "Filters", "Plane", "PatchSize", "Shape",
        };

        private static bool IsValidName(string name)
        {
            if (name.Length == 0 || !(char.IsLetter(name[0]) || name[0] == '_') || name[0] > 127)
            {
                return false;
            }

            foreach (var c in name)
            {
                if (c > 127 || !(char.IsLetterOrDigit(c) || c == '_'))
                {
                    return false;
                }
            }

            return true;
        }

        private static ModelParseResult Failed(List<DiagnosticInfo> diagnostics) => new(null, new EquatableArray<DiagnosticInfo>(diagnostics));

        private static string Invariant(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

        private sealed class ParsedLayer
        {
            public ParsedLayer(string name, LayerDeclaration declaration, int activation, bool? prunable, Location? location, TypeDeclarationSyntax? declaringType)
            {
                DeclaringType = declaringType;
                Name = name;
                Declaration = declaration;
                Activation = activation;
                Prunable = prunable;
                Location = location;
            }

            public string Name { get; }

            public LayerDeclaration Declaration { get; }

            public int Activation { get; }

            public bool? Prunable { get; }

            public Location? Location { get; }

            /// <summary>The partial declaration of the model class that carries this layer's attribute.</summary>
            public TypeDeclarationSyntax? DeclaringType { get; }
        }
    }
}
