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
            new TensorSpec("Weight", "weight", "Weight", $"{p}Out", $"{p}In", $"{p}In", layer.Prunable),
            new TensorSpec("Bias", "bias", "Bias", $"{p}Out", "1", $"{p}In", Maskable: false),
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
        var (p, c, layer) = (step.Id, step.Local, step.Layer);
        DeclareOutput(w, step);
        DeclareWeight(w, layer, "Weight", direction: false);
        w.Line($"{Gemm}.MultiplyTransposedB({step.ForwardInput}, {c}Weight, {c}Output, batch, {p}Out, {p}In);");
        EmitBiasAndActivation(w, step);
    }

    public override void EmitBackward(IndentedWriter w, LayerStep step)
    {
        var (p, c, layer) = (step.Id, step.Local, step.Layer);
        EmitGradientThroughActivation(w, step);
        w.Line($"{Gemm}.MultiplyTransposedA({c}Gradient, {step.SavedInput}, g.Slice({p}WeightOffset, {p}WeightLength), {p}Out, {p}In, batch, accumulate: true);");
        EmitMaskGradient(w, layer, "g", "Weight");
        w.Line($"{RowOps}.AccumulateColumnSums({c}Gradient, g.Slice({p}BiasOffset, {p}Out), batch, {p}Out);");
        if (step.InputGradient is { } inputGradient)
        {
            DeclareWeight(w, layer, "Weight", direction: false);
            w.Line($"{Gemm}.Multiply({c}Gradient, {c}Weight, {inputGradient}, batch, {p}In, {p}Out);");
        }
    }

    public override void EmitForwardR(IndentedWriter w, LayerStep step)
    {
        var (p, c, layer) = (step.Id, step.Local, step.Layer);
        var rPre = DeclareRPre(w, step);
        DeclareWeight(w, layer, "Weight", direction: true);
        w.Line($"{Gemm}.MultiplyTransposedB({step.SavedInput}, {c}WeightDirection, {rPre}, batch, {p}Out, {p}In);");
        if (step.SavedInputR is { } rx)
        {
            DeclareWeight(w, layer, "Weight", direction: false);
            w.Line($"{Gemm}.MultiplyTransposedB({rx}, {c}Weight, {rPre}, batch, {p}Out, {p}In, accumulate: true);");
        }

        EmitRBiasAndActivation(w, step, rPre);
    }

    public override void EmitBackwardR(IndentedWriter w, LayerStep step)
    {
        var (p, c, layer) = (step.Id, step.Local, step.Layer);
        EmitRGradientThroughActivation(w, step);
        w.Line($"{Gemm}.MultiplyTransposedA({c}RGradient, {step.SavedInput}, result.Slice({p}WeightOffset, {p}WeightLength), {p}Out, {p}In, batch, accumulate: true);");
        if (step.SavedInputR is { } rx)
        {
            w.Line($"{Gemm}.MultiplyTransposedA({c}Gradient, {rx}, result.Slice({p}WeightOffset, {p}WeightLength), {p}Out, {p}In, batch, accumulate: true);");
        }

        EmitMaskGradient(w, layer, "result", "Weight");
        w.Line($"{RowOps}.AccumulateColumnSums({c}RGradient, result.Slice({p}BiasOffset, {p}Out), batch, {p}Out);");
        if (step.InputGradient is { } inputGradient && step.InputRGradient is { } inputRGradient)
        {
            DeclareWeight(w, layer, "Weight", direction: false);
            DeclareWeight(w, layer, "Weight", direction: true);
            w.Line($"{Gemm}.Multiply({c}Gradient, {c}Weight, {inputGradient}, batch, {p}In, {p}Out);");
            w.Line($"{Gemm}.Multiply({c}Gradient, {c}WeightDirection, {inputRGradient}, batch, {p}In, {p}Out);");
            w.Line($"{Gemm}.Multiply({c}RGradient, {c}Weight, {inputRGradient}, batch, {p}In, {p}Out, accumulate: true);");
        }
    }
}
