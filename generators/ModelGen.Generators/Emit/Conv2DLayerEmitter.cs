using System.Collections.Generic;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using static ModelGen.Generators.Emit.Names;

namespace ModelGen.Generators.Emit;

/// <summary>
/// A 2-D convolution y = f(W ∗ x + b), W stored [filters, in channels·kh·kw] (PyTorch's [out, in, kh, kw] flattened row
/// by row, which its ParameterTensor.Shape reports; <c>conv1.weight</c>, <c>conv1.bias</c>). Every product is a call into ModelGen.Kernels.Convolution with the
/// layer's constant <c>{Id}Shape</c> and its column scratch <c>ws.{Id}Columns</c>.
/// </summary>
internal sealed class Conv2DLayerEmitter : LayerEmitter
{
    public static readonly Conv2DLayerEmitter Instance = new();

    private Conv2DLayerEmitter()
    {
    }

    protected override string KindDescription(LayerSpec layer) =>
        $"conv {Invariant(layer.Kernel)}×{Invariant(layer.Kernel)} stride {Invariant(layer.Stride)} padding {Invariant(layer.Padding)}, " +
        $"{Invariant(layer.InChannels)}×{Invariant(layer.InHeight)}×{Invariant(layer.InWidth)} → {Invariant(layer.OutChannels)}×{Invariant(layer.OutHeight)}×{Invariant(layer.OutWidth)}";

    public override IReadOnlyList<TensorSpec> Tensors(LayerSpec layer)
    {
        var p = Id(layer);
        return new[]
        {
            // The handle supplies W or W ⊙ M and masks gradients; convolutions have no sparse kernels yet.
            new TensorSpec("Weight", "weight", "Weight", $"{p}Filters", $"{p}PatchSize", $"{p}PatchSize", layer.Prunable, IsMatrix: true, SparseCapable: false, KernelSize: Invariant(layer.Kernel)),
            new TensorSpec("Bias", "bias", "Bias", $"{p}Filters", "1", $"{p}PatchSize", Maskable: false, IsMatrix: false),
        };
    }

    public override void AddWorkspace(LayerSpec layer, List<WorkspaceBuffer> training, List<WorkspaceBuffer> hessian)
    {
        AddStandardBuffers(layer, training, hessian);
        // One chunk's columns and channel-major product (ConvolutionShape.ChunkSamples samples), not the whole batch's.
        training.Add(new WorkspaceBuffer($"{Id(layer)}Columns", $"{Id(layer)}Shape.WorkspaceLength(capacity)", PerSample: false));
    }

    public override void EmitConstants(IndentedWriter w, LayerSpec layer)
    {
        var p = Id(layer);
        w.Line($"private const int {p}In = {Invariant(layer.InFeatures)};");
        w.Line($"private const int {p}Out = {Invariant(layer.OutFeatures)};");
        w.Line($"private const int {p}Filters = {Invariant(layer.OutChannels)};");
        w.Line($"private const int {p}Plane = {Invariant(layer.OutHeight * layer.OutWidth)};");
        w.Line($"private const int {p}PatchSize = {Invariant(layer.PatchSize)};");
        w.Line($"private const int {p}WeightOffset = {Invariant(layer.WeightOffset)};");
        w.Line($"private const int {p}WeightLength = {Invariant(layer.WeightLength)};");
        w.Line($"private const int {p}BiasOffset = {Invariant(layer.BiasOffset)};");
        w.Line($"private static readonly global::ModelGen.Kernels.ConvolutionShape {p}Shape = new global::ModelGen.Kernels.ConvolutionShape(" +
            $"{Invariant(layer.InChannels)}, {Invariant(layer.InHeight)}, {Invariant(layer.InWidth)}, {p}Filters, {Invariant(layer.Kernel)}, {Invariant(layer.Kernel)}, {Invariant(layer.Stride)}, {Invariant(layer.Padding)});");
    }

    public override string LayerInfo(LayerSpec layer) => SpatialLayerInfo(base.LayerInfo(layer), layer);

    public override void EmitForward(IndentedWriter w, LayerStep step)
    {
        var (p, c, layer) = (step.Id, step.Local, step.Layer);
        DeclareOutput(w, step);
        DeclareWeights(w, step, direction: false);
        // The bias is added as each chunk's product is copied out: one pass over the output fewer than AddBias. A ReLU
        // is applied in the same copy, on the chunks' threads (bit-identical to the separate pass).
        var prefix = $"{Convolution}.ForwardWithBias({step.ForwardInput}, {c}Weight, p.AsSpan({p}BiasOffset, {p}Filters), {c}Output, batch, {p}Shape, ws.{p}Columns";
        if (layer.HasActivation && ActivationKernel(layer) == "Relu")
        {
            w.Line($"{prefix}, relu: !linearized);");
            return;
        }

        w.Line($"{prefix});");
        EmitActivation(w, step);
    }

    public override void EmitBackward(IndentedWriter w, LayerStep step)
    {
        var (p, c, layer) = (step.Id, step.Local, step.Layer);
        EmitGradientThroughActivation(w, step);
        w.Line($"{Convolution}.AccumulateWeightGradient({step.SavedInput}, {c}Gradient, g.Slice({p}WeightOffset, {p}WeightLength), batch, {p}Shape, ws.{p}Columns);");
        w.Line($"{Handle(layer, "Weight")}.MaskGradient(g);");
        w.Line($"{Convolution}.AccumulateBiasGradient({c}Gradient, g.Slice({p}BiasOffset, {p}Filters), batch, {p}Filters, {p}Plane);");
        if (step.InputGradient is { } inputGradient)
        {
            DeclareWeights(w, step, direction: false);
            w.Line($"{Convolution}.BackwardInput({c}Gradient, {c}Weight, {inputGradient}, batch, {p}Shape, ws.{p}Columns);");
        }
    }

    public override void EmitForwardR(IndentedWriter w, LayerStep step)
    {
        var (p, c, layer) = (step.Id, step.Local, step.Layer);
        var rPre = DeclareRPre(w, step);
        DeclareWeights(w, step, direction: true);
        w.Line($"{Convolution}.Forward({step.SavedInput}, {c}WeightDirection, {rPre}, batch, {p}Shape, ws.{p}Columns);");
        if (step.SavedInputR is { } rx)
        {
            DeclareWeights(w, step, direction: false);
            w.Line($"{Convolution}.Forward({rx}, {c}Weight, {rPre}, batch, {p}Shape, ws.{p}Columns, accumulate: true);");
        }

        w.Line($"{Convolution}.AddBias({rPre}, v.Slice({p}BiasOffset, {p}Filters), batch, {p}Filters, {p}Plane);");
        EmitRActivation(w, step, rPre);
    }

    public override void EmitBackwardR(IndentedWriter w, LayerStep step)
    {
        var (p, c, layer) = (step.Id, step.Local, step.Layer);
        EmitRGradientThroughActivation(w, step);
        w.Line($"{Convolution}.AccumulateWeightGradient({step.SavedInput}, {c}RGradient, result.Slice({p}WeightOffset, {p}WeightLength), batch, {p}Shape, ws.{p}Columns);");
        if (step.SavedInputR is { } rx)
        {
            w.Line($"{Convolution}.AccumulateWeightGradient({rx}, {c}Gradient, result.Slice({p}WeightOffset, {p}WeightLength), batch, {p}Shape, ws.{p}Columns);");
        }

        w.Line($"{Handle(layer, "Weight")}.MaskGradient(result);");
        w.Line($"{Convolution}.AccumulateBiasGradient({c}RGradient, result.Slice({p}BiasOffset, {p}Filters), batch, {p}Filters, {p}Plane);");
        if (step.InputGradient is { } inputGradient && step.InputRGradient is { } inputRGradient)
        {
            DeclareWeights(w, step, direction: false);
            DeclareWeights(w, step, direction: true);
            w.Line($"{Convolution}.BackwardInput({c}Gradient, {c}Weight, {inputGradient}, batch, {p}Shape, ws.{p}Columns);");
            w.Line($"{Convolution}.BackwardInput({c}Gradient, {c}WeightDirection, {inputRGradient}, batch, {p}Shape, ws.{p}Columns);");
            w.Line($"{Convolution}.BackwardInput({c}RGradient, {c}Weight, {inputRGradient}, batch, {p}Shape, ws.{p}Columns, accumulate: true);");
        }
    }

    /// <summary>
    /// Declares <c>{Local}Weight</c> (the handle's W or W ⊙ M) or <c>{Local}WeightDirection</c> (this tensor's slice of
    /// the direction, which MaskVector has masked as a whole).
    /// </summary>
    private static void DeclareWeights(IndentedWriter w, LayerStep step, bool direction)
    {
        var (p, c) = (step.Id, step.Local);
        w.Line(direction
            ? $"var {c}WeightDirection = v.Slice({p}WeightOffset, {p}WeightLength);"
            : $"var {c}Weight = {Handle(step.Layer, "Weight")}.Weights;");
    }
}
