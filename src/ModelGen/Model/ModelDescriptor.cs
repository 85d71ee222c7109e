using System;
using System.Collections.Generic;

namespace ModelGen.Model;

/// <summary>A generated model as listed in a compilation's model catalog: its name, layers and a factory.</summary>
/// <param name="Name">Listed name (<c>lenet300</c>).</param>
/// <param name="TypeName">Fully qualified type name of the generated class.</param>
/// <param name="InputSize">Input features per sample.</param>
/// <param name="Layers">Layers in order.</param>
/// <param name="Create">Creates the network with parameters initialized from a seed.</param>
/// <param name="Plan">The declared pruning plan (<c>[PruningPlan]</c>), or null.</param>
public sealed record ModelDescriptor(string Name, string TypeName, int InputSize, IReadOnlyList<LayerInfo> Layers, Func<int, INetwork> Create, PruningPlan? Plan = null);
