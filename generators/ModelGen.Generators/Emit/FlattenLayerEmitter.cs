using System.Collections.Generic;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using static ModelGen.Generators.Emit.Names;

namespace ModelGen.Generators.Emit;

/// <summary>
/// An explicit flatten: NCHW per sample is already the flat layout, so each pass copies its input through unchanged
/// (a few hundred floats per sample) to keep the contract that every layer owns its output and gradient buffers.
/// </summary>
internal sealed class FlattenLayerEmitter : LayerEmitter
{
    public static readonly FlattenLayerEmitter Instance = new();

    private FlattenLayerEmitter()
    {
    }

    protected override string KindDescription(LayerSpec layer) =>
        $"flatten {Invariant(layer.InChannels)}×{Invariant(layer.InHeight)}×{Invariant(layer.InWidth)}";

    public override IReadOnlyList<TensorSpec> Tensors(LayerSpec layer) => System.Array.Empty<TensorSpec>();

    public override void AddWorkspace(LayerSpec layer, List<WorkspaceBuffer> training, List<WorkspaceBuffer> hessian) =>
        AddStandardBuffers(layer, training, hessian);

    public override void EmitConstants(IndentedWriter w, LayerSpec layer)
    {
        w.Line($"private const int {Id(layer)}In = {Invariant(layer.InFeatures)};");
        w.Line($"private const int {Id(layer)}Out = {Invariant(layer.OutFeatures)};");
    }

    public override string LayerInfo(LayerSpec layer) => SpatialLayerInfo(base.LayerInfo(layer), layer);

    public override void EmitForward(IndentedWriter w, LayerStep step)
    {
        DeclareOutput(w, step);
        w.Line($"{step.ForwardInput}.CopyTo({step.Local}Output);");
    }

    public override void EmitBackward(IndentedWriter w, LayerStep step)
    {
        if (step.InputGradient is { } inputGradient)
        {
            w.Line($"ws.{step.Id}Gradient.AsSpan(0, batch * {step.Id}Out).CopyTo({inputGradient});");
        }
    }

    public override void EmitForwardR(IndentedWriter w, LayerStep step)
    {
        var r = $"hs.{step.Id}R.AsSpan(0, batch * {step.Id}Out)";
        w.Line(step.SavedInputR is { } rx ? $"{rx}.CopyTo({r});" : $"{r}.Clear();");
    }

    public override void EmitBackwardR(IndentedWriter w, LayerStep step)
    {
        if (step.InputGradient is { } inputGradient && step.InputRGradient is { } inputRGradient)
        {
            w.Line($"ws.{step.Id}Gradient.AsSpan(0, batch * {step.Id}Out).CopyTo({inputGradient});");
            w.Line($"hs.{step.Id}RGradient.AsSpan(0, batch * {step.Id}Out).CopyTo({inputRGradient});");
        }
    }
}
