using System.Collections.Generic;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using static ModelGen.Generators.Emit.Names;

namespace ModelGen.Generators.Emit;

/// <summary>
/// A factorized dense layer y = f(U (Vt x) + b), Vt [rank, in] then U [out, rank] (<c>fc1.Vt</c>, <c>fc1.U</c>,
/// <c>fc1.bias</c>), with the inner activation Vt x kept in <c>ws.{Id}Inner</c>.
/// </summary>
internal sealed class FactorizedDenseLayerEmitter : LayerEmitter
{
    public static readonly FactorizedDenseLayerEmitter Instance = new();

    private FactorizedDenseLayerEmitter()
    {
    }

    protected override string KindDescription(LayerSpec layer) => $"factorized rank {Invariant(layer.Rank)}";

    public override IReadOnlyList<TensorSpec> Tensors(LayerSpec layer)
    {
        var p = Id(layer);
        return new[]
        {
            new TensorSpec("Vt", "Vt", "FactorVt", $"{p}Rank", $"{p}In", $"{p}In", layer.Prunable, IsMatrix: true),
            new TensorSpec("U", "U", "FactorU", $"{p}Out", $"{p}Rank", $"{p}Rank", layer.Prunable, IsMatrix: true),
            new TensorSpec("Bias", "bias", "Bias", $"{p}Out", "1", $"{p}In", Maskable: false, IsMatrix: false),
        };
    }

    public override void AddWorkspace(LayerSpec layer, List<WorkspaceBuffer> training, List<WorkspaceBuffer> hessian)
    {
        var p = Id(layer);
        AddStandardBuffers(layer, training, hessian);
        training.Add(new WorkspaceBuffer($"{p}Inner", $"{p}Rank"));
        training.Add(new WorkspaceBuffer($"{p}InnerGradient", $"{p}Rank"));
        hessian.Add(new WorkspaceBuffer($"{p}RInner", $"{p}Rank"));
        hessian.Add(new WorkspaceBuffer($"{p}RInnerGradient", $"{p}Rank"));
    }

    /// <summary>Spectral initialization replaces the factors' default draw (once, for all factorized layers).</summary>
    public override IEnumerable<string> ConstructorStatements(LayerSpec layer)
    {
        yield return "global::ModelGen.Factorization.SpectralInitializer.Initialize(Parameters, s_layers, seed);";
    }

    public override void EmitConstants(IndentedWriter w, LayerSpec layer)
    {
        var p = Id(layer);
        w.Line($"private const int {p}In = {Invariant(layer.InFeatures)};");
        w.Line($"private const int {p}Out = {Invariant(layer.OutFeatures)};");
        w.Line($"private const int {p}Rank = {Invariant(layer.Rank)};");
        w.Line($"private const int {p}VtOffset = {Invariant(layer.FactorVtOffset)};");
        w.Line($"private const int {p}VtLength = {Invariant(layer.FactorVtLength)};");
        w.Line($"private const int {p}UOffset = {Invariant(layer.FactorUOffset)};");
        w.Line($"private const int {p}ULength = {Invariant(layer.FactorULength)};");
        w.Line($"private const int {p}BiasOffset = {Invariant(layer.BiasOffset)};");
    }

    public override void EmitForward(IndentedWriter w, LayerStep step)
    {
        var (p, c, layer) = (step.Id, step.Local, step.Layer);
        DeclareOutput(w, step);
        w.Line($"var {c}Inner = ws.{p}Inner.AsSpan(0, batch * {p}Rank);");
        w.Line($"{Handle(layer, "Vt")}.Forward({step.ForwardInput}, {c}Inner, batch);");
        w.Line($"{Handle(layer, "U")}.Forward({c}Inner, {c}Output, batch);");
        EmitBiasAndActivation(w, step);
    }

    public override void EmitBackward(IndentedWriter w, LayerStep step)
    {
        var (p, c, layer) = (step.Id, step.Local, step.Layer);
        var (u, vt) = (Handle(layer, "U"), Handle(layer, "Vt"));
        EmitGradientThroughActivation(w, step);
        w.Line($"var {c}InnerGradient = ws.{p}InnerGradient.AsSpan(0, batch * {p}Rank);");
        w.Line($"{u}.AccumulateWeightGradient({c}Gradient, ws.{p}Inner.AsSpan(0, batch * {p}Rank), g, batch);");
        w.Line($"{RowOps}.AccumulateColumnSums({c}Gradient, g.Slice({p}BiasOffset, {p}Out), batch, {p}Out);");
        w.Line($"{u}.InputGradient({c}Gradient, {c}InnerGradient, batch);");
        w.Line($"{vt}.AccumulateWeightGradient({c}InnerGradient, {step.SavedInput}, g, batch);");
        if (step.InputGradient is { } inputGradient)
        {
            w.Line($"{vt}.InputGradient({c}InnerGradient, {inputGradient}, batch);");
        }
    }

    public override void EmitForwardR(IndentedWriter w, LayerStep step)
    {
        var (p, c, layer) = (step.Id, step.Local, step.Layer);
        var (u, vt) = (Handle(layer, "U"), Handle(layer, "Vt"));
        var rPre = DeclareRPre(w, step);
        w.Line($"var {c}RInner = hs.{p}RInner.AsSpan(0, batch * {p}Rank);");
        w.Line($"{vt}.ForwardDirection(v, {step.SavedInput}, {c}RInner, batch);");
        if (step.SavedInputR is { } rx)
        {
            w.Line($"{vt}.Forward({rx}, {c}RInner, batch, accumulate: true);");
        }

        w.Line($"{u}.ForwardDirection(v, ws.{p}Inner.AsSpan(0, batch * {p}Rank), {rPre}, batch);");
        w.Line($"{u}.Forward({c}RInner, {rPre}, batch, accumulate: true);");
        EmitRBiasAndActivation(w, step, rPre);
    }

    public override void EmitBackwardR(IndentedWriter w, LayerStep step)
    {
        var (p, c, layer) = (step.Id, step.Local, step.Layer);
        var (u, vt) = (Handle(layer, "U"), Handle(layer, "Vt"));
        EmitRGradientThroughActivation(w, step);
        w.Line($"var {c}InnerGradient = ws.{p}InnerGradient.AsSpan(0, batch * {p}Rank);");
        w.Line($"var {c}RInnerGradient = hs.{p}RInnerGradient.AsSpan(0, batch * {p}Rank);");
        w.Line($"{u}.InputGradient({c}Gradient, {c}InnerGradient, batch);");
        w.Line($"{u}.InputGradientDirection(v, {c}Gradient, {c}RInnerGradient, batch);");
        w.Line($"{u}.InputGradient({c}RGradient, {c}RInnerGradient, batch, accumulate: true);");
        w.Line($"{u}.AccumulateWeightGradient({c}RGradient, ws.{p}Inner.AsSpan(0, batch * {p}Rank), result, batch);");
        w.Line($"{u}.AccumulateWeightGradient({c}Gradient, hs.{p}RInner.AsSpan(0, batch * {p}Rank), result, batch);");
        w.Line($"{RowOps}.AccumulateColumnSums({c}RGradient, result.Slice({p}BiasOffset, {p}Out), batch, {p}Out);");
        w.Line($"{vt}.AccumulateWeightGradient({c}RInnerGradient, {step.SavedInput}, result, batch);");
        if (step.SavedInputR is { } rx)
        {
            w.Line($"{vt}.AccumulateWeightGradient({c}InnerGradient, {rx}, result, batch);");
        }

        if (step.InputGradient is { } inputGradient && step.InputRGradient is { } inputRGradient)
        {
            w.Line($"{vt}.InputGradient({c}InnerGradient, {inputGradient}, batch);");
            w.Line($"{vt}.InputGradientDirection(v, {c}InnerGradient, {inputRGradient}, batch);");
            w.Line($"{vt}.InputGradient({c}RInnerGradient, {inputRGradient}, batch, accumulate: true);");
        }
    }
}
