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
            foreach (var argument in modelAttribute.NamedArguments)
            {
                if (argument.Key == "Input" && argument.Value.Value is int inputValue)
                {
                    input = inputValue;
                }
                else if (argument.Key == "Name" && argument.Value.Value is string nameValue && nameValue.Length > 0)
                {
                    modelName = nameValue;
                }
            }

            if (input <= 0)
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
            var shapes = ShapeInference.Infer(input, layers.Select(static layer => layer.Declaration).ToList());
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
                var layer = layers[i];
                var shape = shapes.Layers[i];
                var factorized = shape.Rank > 0;
                int weightOffset = -1, uOffset = -1, vtOffset = -1;
                if (factorized)
                {
                    // Storage order follows the forward pass (and two stacked nn.Linear's state_dict): Vt, then U, then bias.
                    vtOffset = offset;
                    offset += shape.Rank * shape.InFeatures;
                    uOffset = offset;
                    offset += shape.OutFeatures * shape.Rank;
                }
                else
                {
                    weightOffset = offset;
                    offset += shape.OutFeatures * shape.InFeatures;
                }

                var biasOffset = offset;
                offset += shape.OutFeatures;
                specs.Add(new LayerSpec(
                    i,
                    layer.Name,
                    shape.Kind,
                    shape.InFeatures,
                    shape.OutFeatures,
                    shape.Rank,
                    layer.Activation,
                    layer.Prunable ?? !factorized,
                    weightOffset,
                    uOffset,
                    vtOffset,
                    biasOffset));
            }

            var ns = type.ContainingNamespace.IsGlobalNamespace ? string.Empty : type.ContainingNamespace.ToDisplayString();
            var spec = new ModelSpec(ns, type.Name, modelName, input, offset, new EquatableArray<LayerSpec>(specs), ReadPlan(type));
            return new ModelParseResult(spec, new EquatableArray<DiagnosticInfo>(diagnostics));
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

        /// <summary>A class with [Dense] but no [Model]: warn once, at its first layer attribute.</summary>
        public static DiagnosticInfo? ParseLayerWithoutModel(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var type = context.TargetSymbol;
            foreach (var attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == ModelAttributeName)
                {
                    return null;
                }
            }

            var location = context.Attributes[0].ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();
            return DiagnosticInfo.Create(DiagnosticDescriptors.LayerWithoutModel, location, type.Name);
        }

        private static List<ParsedLayer> ReadLayers(Compilation compilation, INamedTypeSymbol type, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            var denseAttribute = compilation.GetTypeByMetadataName(DenseAttributeName);
            var layers = new List<ParsedLayer>();
            foreach (var attribute in type.GetAttributes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (denseAttribute is null || !SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, denseAttribute))
                {
                    continue;
                }

                var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken);
                var location = syntax?.GetLocation();
                if (attribute.ConstructorArguments.Length < 1 || attribute.ConstructorArguments[0].Value is not int units)
                {
                    // The compiler already reports the malformed attribute; skip it rather than guess.
                    continue;
                }

                var activation = attribute.ConstructorArguments.Length > 1 && attribute.ConstructorArguments[1].Value is int value ? value : 0;
                string? name = null;
                bool? prunable = null;
                var rank = 0;
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
                    }
                }

                var layerName = string.IsNullOrEmpty(name) ? "fc" + Invariant(layers.Count + 1) : name!;
                if (activation < 0 || activation > MaxActivation)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownActivation, location, layerName, Invariant(activation)));
                }

                var kind = rank != 0 ? LayerKind.FactorizedDense : LayerKind.Dense;
                // The partial declaration the attribute sits on: [attribute] → attribute list → type declaration.
                var declaringType = syntax?.Parent?.Parent as TypeDeclarationSyntax;
                layers.Add(new ParsedLayer(layerName, new LayerDeclaration(kind, units, rank), activation, prunable, location, declaringType));
            }

            return layers;
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
                    (CollidesWithGeneratedMember(member.Name) || Array.IndexOf(s_generatedFieldNames, member.Name) >= 0))
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

        private static readonly string[] s_generatedMemberNames =
        {
            "InputFeatures", "OutputFeatures", "ParameterCount", "Descriptor", "Name", "InputSize", "OutputSize", "Layers",
            "Parameters", "Masks", "Forward", "ForwardBackward", "ForwardBackwardFromOutput", "HessianVectorProduct",
            "CreateTensors", "RunForward", "RunBackward", "RunForwardR", "RunBackwardR", "PrepareMaskedWeights", "MaskVector",
            "WorkspaceFor", "HessianWorkspaceFor", "ModelGenWorkspace", "ModelGenHessianWorkspace", "ModelGenMaskedWeights",
        };

        /// <summary>The private fields the emitter adds (user members may not reuse these names either).</summary>
        private static readonly string[] s_generatedFieldNames = { "_workspace", "_hessianWorkspace", "_maskedWeights", "s_layers" };

        private static readonly string[] s_layerConstantSuffixes =
        {
            "In", "Out", "Rank", "WeightOffset", "WeightLength", "VtOffset", "VtLength", "UOffset", "ULength", "BiasOffset",
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
