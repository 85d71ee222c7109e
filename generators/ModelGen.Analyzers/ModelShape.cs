using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using ModelGen.Shapes;

namespace ModelGen.Analyzers;

/// <summary>A declared model as the rules need it: its listed name and its shape-inferred layers.</summary>
internal sealed class ModelShape
{
    private ModelShape(string name, IReadOnlyList<RuleLayer> layers, IReadOnlyList<AttributeData> layerAttributes)
    {
        Name = name;
        Layers = layers;
        LayerAttributes = layerAttributes;
    }

    /// <summary>The name the model is listed under (<c>[Model(Name = …)]</c>, else the class name in lower case).</summary>
    public string Name { get; }

    public IReadOnlyList<RuleLayer> Layers { get; }

    /// <summary>The <c>[Dense]</c> attribute of each layer, in order (for diagnostic locations).</summary>
    public IReadOnlyList<AttributeData> LayerAttributes { get; }

    /// <summary>
    /// Reads <paramref name="type"/>'s <c>[Model]</c> and <c>[Dense]</c> attributes as the generator does (names
    /// default to fc1, fc2, …; factorized layers are not prunable unless they say so) and infers its shapes. Null when
    /// the type is not a model or its declaration is malformed: the generator reports that, the rules have nothing
    /// to check.
    /// </summary>
    public static ModelShape? Read(INamedTypeSymbol type, ModelGenSymbols symbols)
    {
        AttributeData? model = null;
        var dense = new List<AttributeData>();
        foreach (var attribute in type.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, symbols.ModelAttribute))
            {
                model = attribute;
            }
            else if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, symbols.DenseAttribute))
            {
                dense.Add(attribute);
            }
            else if (IsSpatialLayer(attribute.AttributeClass))
            {
                // The rules model vector layers only so far: a network with convolutions or pooling is not judged
                // (rather than judged on its dense layers alone, with wrong shapes).
                return null;
            }
        }

        if (model is null || dense.Count == 0)
        {
            return null;
        }

        var input = 0;
        var name = type.Name.ToLowerInvariant();
        foreach (var argument in model.NamedArguments)
        {
            if (argument.Key == "Input" && argument.Value.Value is int value)
            {
                input = value;
            }
            else if (argument.Key == "Name" && argument.Value.Value is string listed && listed.Length > 0)
            {
                name = listed;
            }
        }

        var declarations = new List<LayerDeclaration>(dense.Count);
        var names = new List<string>(dense.Count);
        var prunable = new List<bool?>(dense.Count);
        foreach (var attribute in dense)
        {
            if (attribute.ConstructorArguments.Length < 1 || attribute.ConstructorArguments[0].Value is not int units)
            {
                return null;
            }

            string? layerName = null;
            bool? isPrunable = null;
            var rank = 0;
            foreach (var argument in attribute.NamedArguments)
            {
                switch (argument.Key)
                {
                    case "Name":
                        layerName = argument.Value.Value as string;
                        break;
                    case "Prunable" when argument.Value.Value is bool flag:
                        isPrunable = flag;
                        break;
                    case "Rank" when argument.Value.Value is int declared:
                        rank = declared;
                        break;
                }
            }

            names.Add(string.IsNullOrEmpty(layerName) ? "fc" + (names.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : layerName!);
            prunable.Add(isPrunable);
            declarations.Add(new LayerDeclaration(rank != 0 ? ModelGen.Model.LayerKind.FactorizedDense : ModelGen.Model.LayerKind.Dense, units, rank));
        }

        var shapes = ShapeInference.Infer(input, declarations);
        if (shapes.HasErrors)
        {
            return null;
        }

        var layers = new List<RuleLayer>(dense.Count);
        for (var i = 0; i < shapes.Layers.Count; i++)
        {
            var layer = shapes.Layers[i];
            layers.Add(new RuleLayer(names[i], layer.InFeatures, layer.OutFeatures, layer.Rank, prunable[i] ?? layer.Rank == 0));
        }

        return new ModelShape(name, layers, dense);
    }

    private static bool IsSpatialLayer(INamedTypeSymbol? attribute) =>
        attribute is { ContainingNamespace: { Name: "ModelGen", ContainingNamespace.IsGlobalNamespace: true } }
        && attribute.Name is "Conv2DAttribute" or "MaxPool2DAttribute" or "AvgPool2DAttribute" or "FlattenAttribute";

    /// <summary>One compilation's models, each read once however many call sites use it.</summary>
    internal sealed class Cache
    {
        private readonly ModelGenSymbols _symbols;
        private readonly ConcurrentDictionary<INamedTypeSymbol, ModelShape?> _models = new(SymbolEqualityComparer.Default);

        public Cache(ModelGenSymbols symbols) => _symbols = symbols;

        /// <summary>The model a network expression's static type declares, or null (INetwork, any other type).</summary>
        public ModelShape? For(ITypeSymbol? type, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return type is INamedTypeSymbol named && named.TypeKind == TypeKind.Class
                ? _models.GetOrAdd(named, t => Read(t, _symbols))
                : null;
        }
    }
}
