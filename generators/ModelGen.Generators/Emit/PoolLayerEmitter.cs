using System.Collections.Generic;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Model;
using static ModelGen.Generators.Emit.Names;

namespace ModelGen.Generators.Emit;

/// <summary>
/// Max- or average-pooling over each channel: no parameters, one call into ModelGen.Kernels.Pooling per pass with the
/// layer's constant <c>{Id}Shape</c>. Max-pooling records its maxima in <c>ws.{Id}Argmax</c> on the forward pass; the
/// backward and both R passes route through them (max-pooling is piecewise linear, so R{y} is R{x} at the recorded
/// maxima, and in the linearized SynFlow pass the all-ones signal goes through each window's first maximum).
/// </summary>
internal sealed class PoolLayerEmitter : LayerEmitter
{
    public static readonly PoolLayerEmitter Max = new(isMax: true);

    public static readonly PoolLayerEmitter Average = new(isMax: false);

    private readonly bool _isMax;

    private PoolLayerEmitter(bool isMax) => _isMax = isMax;

    protected override string KindDescription(LayerSpec layer) =>
        $"{(_isMax ? "max" : "average")} pool {Invariant(layer.Kernel)}×{Invariant(layer.Kernel)} stride {Invariant(layer.Stride)}, " +
        $"{Invariant(layer.InChannels)}×{Invariant(layer.InHeight)}×{Invariant(layer.InWidth)} → {Invariant(layer.OutChannels)}×{Invariant(layer.OutHeight)}×{Invariant(layer.OutWidth)}";

    public override IReadOnlyList<TensorSpec> Tensors(LayerSpec layer) => System.Array.Empty<TensorSpec>();

    public override void AddWorkspace(LayerSpec layer, List<WorkspaceBuffer> training, List<WorkspaceBuffer> hessian)
    {
        AddStandardBuffers(layer, training, hessian);
        if (_isMax)
        {
            training.Add(new WorkspaceBuffer($"{Id(layer)}Argmax", $"{Id(layer)}Out", Element: "int"));
        }
    }

    public override void EmitConstants(IndentedWriter w, LayerSpec layer)
    {
        var p = Id(layer);
        w.Line($"private const int {p}In = {Invariant(layer.InFeatures)};");
        w.Line($"private const int {p}Out = {Invariant(layer.OutFeatures)};");
        w.Line($"private static readonly global::ModelGen.Kernels.PoolShape {p}Shape = new global::ModelGen.Kernels.PoolShape(" +
            $"{Invariant(layer.InChannels)}, {Invariant(layer.InHeight)}, {Invariant(layer.InWidth)}, {Invariant(layer.Kernel)}, {Invariant(layer.Stride)});");
    }

    public override string LayerInfo(LayerSpec layer) => SpatialLayerInfo(base.LayerInfo(layer), layer);

    public override void EmitForward(IndentedWriter w, LayerStep step)
    {
        var (p, c) = (step.Id, step.Local);
        DeclareOutput(w, step);
        w.Line(_isMax
            ? $"{Pooling}.MaxForward({step.ForwardInput}, {c}Output, {Argmax(p)}, batch, {p}Shape);"
            : $"{Pooling}.AverageForward({step.ForwardInput}, {c}Output, batch, {p}Shape);");
    }

    public override void EmitBackward(IndentedWriter w, LayerStep step)
    {
        var (p, c) = (step.Id, step.Local);
        if (step.InputGradient is { } inputGradient)
        {
            w.Line($"var {c}Gradient = ws.{p}Gradient.AsSpan(0, batch * {p}Out);");
            EmitBackwardThrough(w, p, $"{c}Gradient", inputGradient);
        }
    }

    public override void EmitForwardR(IndentedWriter w, LayerStep step)
    {
        var (p, c) = (step.Id, step.Local);
        w.Line($"var {c}R = hs.{p}R.AsSpan(0, batch * {p}Out);");
        if (step.SavedInputR is { } rx)
        {
            w.Line(_isMax
                ? $"{Pooling}.MaxRoute({rx}, {Argmax(p)}, {c}R, batch, {p}Shape);"
                : $"{Pooling}.AverageForward({rx}, {c}R, batch, {p}Shape);");
        }
        else
        {
            // The network input does not depend on the parameters: R{x} = 0.
            w.Line($"{c}R.Clear();");
        }
    }

    public override void EmitBackwardR(IndentedWriter w, LayerStep step)
    {
        var (p, c) = (step.Id, step.Local);
        if (step.InputGradient is { } inputGradient && step.InputRGradient is { } inputRGradient)
        {
            w.Line($"var {c}Gradient = ws.{p}Gradient.AsSpan(0, batch * {p}Out);");
            w.Line($"var {c}RGradient = hs.{p}RGradient.AsSpan(0, batch * {p}Out);");
            EmitBackwardThrough(w, p, $"{c}Gradient", inputGradient);
            EmitBackwardThrough(w, p, $"{c}RGradient", inputRGradient);
        }
    }

    private void EmitBackwardThrough(IndentedWriter w, string p, string gradient, string target) =>
        w.Line(_isMax
            ? $"{Pooling}.MaxBackward({gradient}, {Argmax(p)}, {target}, batch, {p}Shape);"
            : $"{Pooling}.AverageBackward({gradient}, {target}, batch, {p}Shape);");

    private static string Argmax(string p) => $"ws.{p}Argmax.AsSpan(0, batch * {p}Out)";
}
