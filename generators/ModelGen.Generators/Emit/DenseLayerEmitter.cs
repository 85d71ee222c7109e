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

    public override void AddWorkspace(LayerSpec layer, List<WorkspaceBuffer> training, List<WorkspaceBuffer> hessian)
    {
        // Both neighbours of a dense layer's output may run sparse, so its buffers may be feature-major (padded); a
        // first dense layer running sparse reads the network input transposed once per pass into InputFeatureMajor.
        AddStandardBuffers(layer, training, hessian, padded: true);
        if (layer.Index == 0)
        {
            training.Add(new WorkspaceBuffer(InputFeatureMajor, $"{Id(layer)}In", Padded: true));
        }
    }

    public override void EmitConstants(IndentedWriter w, LayerSpec layer)
    {
        var p = Id(layer);
        w.Line($"private const int {p}In = {Invariant(layer.InFeatures)};");
        w.Line($"private const int {p}Out = {Invariant(layer.OutFeatures)};");
        w.Line($"private const int {p}WeightOffset = {Invariant(layer.WeightOffset)};");
        w.Line($"private const int {p}WeightLength = {Invariant(layer.WeightLength)};");
        w.Line($"private const int {p}BiasOffset = {Invariant(layer.BiasOffset)};");
    }

    // Every product names its operands' layouts (the boundary locals of the pass, LayerStep.InputLayout/OutputLayout):
    // feature-major between two sparse layers, sample-major elsewhere. The handle picks the kernels; nothing branches here.

    public override void EmitForward(IndentedWriter w, LayerStep step)
    {
        var weight = Handle(step.Layer, "Weight");
        var input = step.ForwardInput;
        if (step.Previous is null)
        {
            input = $"{step.Local}Input";
            w.Line($"var {input} = {weight}.TransposeInput(input, ws.{InputFeatureMajor}, {InLayout(step)});");
        }

        DeclareOutput(w, step);
        w.Line($"{weight}.Forward({input}, {InLayout(step)}, {step.Local}Output, {OutLayout(step)});");
        EmitBiasAndActivation(w, step);
    }

    public override void EmitBackward(IndentedWriter w, LayerStep step)
    {
        var (p, c) = (step.Id, step.Local);
        var weight = Handle(step.Layer, "Weight");
        EmitGradientThroughActivation(w, step);
        w.Line($"{weight}.AccumulateWeightGradient({c}Gradient, {OutLayout(step)}, {SavedInput(step)}, {InLayout(step)}, g);");
        w.Line($"{RowOps}.AccumulateBiasGradient({c}Gradient, g.Slice({p}BiasOffset, {p}Out), {OutLayout(step)}, {p}Out);");
        if (step.InputGradient is { } inputGradient)
        {
            w.Line($"{weight}.InputGradient({c}Gradient, {OutLayout(step)}, {inputGradient}, {InLayout(step)});");
        }
    }

    public override void EmitForwardR(IndentedWriter w, LayerStep step)
    {
        var weight = Handle(step.Layer, "Weight");
        var rPre = DeclareRPre(w, step);
        w.Line($"{weight}.ForwardDirection(v, {SavedInput(step)}, {InLayout(step)}, {rPre}, {OutLayout(step)});");
        if (step.SavedInputR is { } rx)
        {
            w.Line($"{weight}.Forward({rx}, {InLayout(step)}, {rPre}, {OutLayout(step)}, accumulate: true);");
        }

        EmitRBiasAndActivation(w, step, rPre);
    }

    public override void EmitBackwardR(IndentedWriter w, LayerStep step)
    {
        var (p, c) = (step.Id, step.Local);
        var weight = Handle(step.Layer, "Weight");
        var (inLayout, outLayout) = (InLayout(step), OutLayout(step));
        EmitRGradientThroughActivation(w, step);
        w.Line($"{weight}.AccumulateWeightGradient({c}RGradient, {outLayout}, {SavedInput(step)}, {inLayout}, result);");
        if (step.SavedInputR is { } rx)
        {
            w.Line($"{weight}.AccumulateWeightGradient({c}Gradient, {outLayout}, {rx}, {inLayout}, result);");
        }

        w.Line($"{RowOps}.AccumulateBiasGradient({c}RGradient, result.Slice({p}BiasOffset, {p}Out), {outLayout}, {p}Out);");
        if (step.InputGradient is { } inputGradient && step.InputRGradient is { } inputRGradient)
        {
            w.Line($"{weight}.InputGradient({c}Gradient, {outLayout}, {inputGradient}, {inLayout});");
            w.Line($"{weight}.InputGradientDirection(v, {c}Gradient, {outLayout}, {inputRGradient}, {inLayout});");
            w.Line($"{weight}.InputGradient({c}RGradient, {outLayout}, {inputRGradient}, {inLayout}, accumulate: true);");
        }
    }

    /// <summary>The workspace buffer holding the network input feature-major for a first layer that runs sparse.</summary>
    private const string InputFeatureMajor = "InputFeatureMajor";

    // The model emitter declares a layout local for both boundaries of every plain dense layer; sample-major otherwise
    // (a correct program either way, and the generator never throws).
    private static string InLayout(LayerStep step) => step.InputLayout ?? $"{Layout}.SampleMajor(batch)";

    private static string OutLayout(LayerStep step) => step.OutputLayout ?? $"{Layout}.SampleMajor(batch)";

    /// <summary>The layer's input read back after the forward pass: the first layer's in its layout (the copy forward made).</summary>
    private static string SavedInput(LayerStep step) =>
        step.Previous is null ? $"{InLayout(step)}.Select(input, ws.{InputFeatureMajor}, {step.Id}In)" : step.SavedInput;
}
