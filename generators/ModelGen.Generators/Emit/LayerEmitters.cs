using ModelGen.Generators.Model;
using ModelGen.Model;

namespace ModelGen.Generators.Emit;

/// <summary>The one dispatch from a layer's kind to its emitter; a new kind adds its case here.</summary>
internal static class LayerEmitters
{
    public static LayerEmitter For(LayerSpec layer) => layer.Kind switch
    {
        LayerKind.Dense => DenseLayerEmitter.Instance,
        LayerKind.FactorizedDense => FactorizedDenseLayerEmitter.Instance,
        _ => throw new System.ArgumentOutOfRangeException(nameof(layer), layer.Kind, "No emitter for this layer kind."),
    };
}
