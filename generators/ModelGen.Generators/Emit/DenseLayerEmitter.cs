using System.Collections.Generic;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using static ModelGen.Generators.Emit.Names;

namespace ModelGen.Generators.Emit;

/// <summary>A dense layer y = f(x Wᵀ + b), W [out, in] (<c>fc1.weight</c>, <c>fc1.bias</c>).</summary>
internal sealed class DenseLayerEmitter : LayerEmitter
{
    public static readonly DenseLayerEmitter Instance = new();

    private DenseLayerEmitter()
    {
    }

    protected override string KindDescription(LayerSpec layer) => "dense";

    public override IReadOnlyList<TensorSpec> Tensors(LayerSpec layer)
    {
        var p = Id(layer);
        return new[]
        {
            new TensorSpec("Weight", "weight", "Weight", $"{p}Out", $"{p}In", $"{p}In", layer.Prunable, IsMatrix: true),
            new TensorSpec("Bias", "bias", "Bias", $"{p}Out", "1", $"{p}In", Maskable: false, IsMatrix: false),
        };
    }

    public override void AddWorkspace(LayerSpec layer, List<WorkspaceBuffer> training, List<WorkspaceBuffer> hessian) =>
        AddStandardBuffers(layer, training, hessian);

    public override void EmitConstants(IndentedWriter w, LayerSpec layer)
    {
        var p = Id(layer);
        w.Line($"private const int {p}In = {Invariant(layer.InFeatures)};");
        w.Line($"private const int {p}Out = {Invariant(layer.OutFeatures)};");
        w.Line($"private const int {p}WeightOffset = {Invariant(layer.WeightOffset)};");
        w.Line($"private const int {p}WeightLength = {Invariant(layer.WeightLength)};");
        w.Line($"private const int {p}BiasOffset = {Invariant(layer.BiasOffset)};");
    }

    public override void EmitForward(IndentedWriter w, LayerStep step)
    {
        var weight = Handle(step.Layer, "Weight");
        DeclareOutput(w, step);
        w.Line($"{weight}.Forward({step.ForwardInput}, {step.Local}Output, batch);");
        EmitBiasAndActivation(w, step);
    }

    public override void EmitBackward(IndentedWriter w, LayerStep step)
    {
        var (p, c) = (step.Id, step.Local);
        var weight = Handle(step.Layer, "Weight");
        EmitGradientThroughActivation(w, step);
        w.Line($"{weight}.AccumulateWeightGradient({c}Gradient, {step.SavedInput}, g, batch);");
        w.Line($"{RowOps}.AccumulateColumnSums({c}Gradient, g.Slice({p}BiasOffset, {p}Out), batch, {p}Out);");
        if (step.InputGradient is { } inputGradient)
        {
            w.Line($"{weight}.InputGradient({c}Gradient, {inputGradient}, batch);");
        }
    }

    public override void EmitForwardR(IndentedWriter w, LayerStep step)
    {
        var weight = Handle(step.Layer, "Weight");
        var rPre = DeclareRPre(w, step);
        w.Line($"{weight}.ForwardDirection(v, {step.SavedInput}, {rPre}, batch);");
        if (step.SavedInputR is { } rx)
        {
            w.Line($"{weight}.Forward({rx}, {rPre}, batch, accumulate: true);");
        }

        EmitRBiasAndActivation(w, step, rPre);
    }

    public override void EmitBackwardR(IndentedWriter w, LayerStep step)
    {
        var (p, c) = (step.Id, step.Local);
        var weight = Handle(step.Layer, "Weight");
        EmitRGradientThroughActivation(w, step);
        w.Line($"{weight}.AccumulateWeightGradient({c}RGradient, {step.SavedInput}, result, batch);");
        if (step.SavedInputR is { } rx)
        {
            w.Line($"{weight}.AccumulateWeightGradient({c}Gradient, {rx}, result, batch);");
        }

        w.Line($"{RowOps}.AccumulateColumnSums({c}RGradient, result.Slice({p}BiasOffset, {p}Out), batch, {p}Out);");
        if (step.InputGradient is { } inputGradient && step.InputRGradient is { } inputRGradient)
        {
            w.Line($"{weight}.InputGradient({c}Gradient, {inputGradient}, batch);");
            w.Line($"{weight}.InputGradientDirection(v, {c}Gradient, {inputRGradient}, batch);");
            w.Line($"{weight}.InputGradient({c}RGradient, {inputRGradient}, batch, accumulate: true);");
        }
    }
}
