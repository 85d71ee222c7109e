// Shared source: compiled into the runtime (ModelGen, where it is public API) and linked into the generator
// (netstandard2.0, where it is internal). It sits with Shapes because shape inference switches over it and Shapes
// depends on nothing of ours; it keeps the namespace ModelGen.Model, where LayerInfo has always exposed it.
namespace ModelGen.Model;

/// <summary>
/// What kind of layer a declaration, a <see cref="T:ModelGen.Model.LayerInfo"/> and an emitted layer are: one enum
/// for shape inference, the generator (which emits per kind) and the runtime. A new kind adds a member here, a case in
/// shape inference and an emitter in the generator.
/// </summary>
#if MODELGEN_GENERATOR
internal
#else
public
#endif
enum LayerKind
{
    /// <summary>y = f(W x + b), W [out, in].</summary>
    Dense = 0,

    /// <summary>y = f(U (Vt x) + b), U [out, rank], Vt [rank, in].</summary>
    FactorizedDense = 1,
}
