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
            new TensorSpec("Vt", "Vt", "FactorVt", $"{p}Rank", $"{p}In", $"{p}In", layer.Prunable),
            new TensorSpec("U", "U", "FactorU", $"{p}Out", $"{p}Rank", $"{p}Rank", layer.Prunable),
            new TensorSpec("Bias", "bias", "Bias", $"{p}Out", "1", $"{p}In", Maskable: false),
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
        DeclareWeight(w, layer, "U", direction: false);
        DeclareWeight(w, layer, "Vt", direction: false);
        w.Line($"var {c}Inner = ws.{p}Inner.AsSpan(0, batch * {p}Rank);");
        w.Line($"{Gemm}.MultiplyTransposedB({step.ForwardInput}, {c}Vt, {c}Inner, batch, {p}Rank, {p}In);");
        w.Line($"{Gemm}.MultiplyTransposedB({c}Inner, {c}U, {c}Output, batch, {p}Out, {p}Rank);");
        EmitBiasAndActivation(w, step);
    }

    public override void EmitBackward(IndentedWriter w, LayerStep step)
    {
        var (p, c, layer) = (step.Id, step.Local, step.Layer);
        EmitGradientThroughActivation(w, step);
        DeclareWeight(w, layer, "U", direction: false);
        if (step.InputGradient is not null)
        {
            DeclareWeight(w, layer, "Vt", direction: false);
        }

        w.Line($"var {c}InnerGradient = ws.{p}InnerGradient.AsSpan(0, batch * {p}Rank);");
        w.Line($"{Gemm}.MultiplyTransposedA({c}Gradient, ws.{p}Inner.AsSpan(0, batch * {p}Rank), g.Slice({p}UOffset, {p}ULength), {p}Out, {p}Rank, batch, accumulate: true);");
        EmitMaskGradient(w, layer, "g", "U");
        w.Line($"{RowOps}.AccumulateColumnSums({c}Gradient, g.Slice({p}BiasOffset, {p}Out), batch, {p}Out);");
        w.Line($"{Gemm}.Multiply({c}Gradient, {c}U, {c}InnerGradient, batch, {p}Rank, {p}Out);");
        w.Line($"{Gemm}.MultiplyTransposedA({c}InnerGradient, {step.SavedInput}, g.Slice({p}VtOffset, {p}VtLength), {p}Rank, {p}In, batch, accumulate: true);");
        EmitMaskGradient(w, layer, "g", "Vt");
        if (step.InputGradient is { } inputGradient)
        {
            w.Line($"{Gemm}.Multiply({c}InnerGradient, {c}Vt, {inputGradient}, batch, {p}In, {p}Rank);");
        }
    }

    public override void EmitForwardR(IndentedWriter w, LayerStep step)
    {
        var (p, c, layer) = (step.Id, step.Local, step.Layer);
        var rPre = DeclareRPre(w, step);
        var rx = step.SavedInputR;
        DeclareWeight(w, layer, "U", direction: false);
        if (rx is not null)
        {
            DeclareWeight(w, layer, "Vt", direction: false);
        }

        DeclareWeight(w, layer, "U", direction: true);
        DeclareWeight(w, layer, "Vt", direction: true);
        w.Line($"var {c}RInner = hs.{p}RInner.AsSpan(0, batch * {p}Rank);");
        w.Line($"{Gemm}.MultiplyTransposedB({step.SavedInput}, {c}VtDirection, {c}RInner, batch, {p}Rank, {p}In);");
        if (rx is not null)
        {
            w.Line($"{Gemm}.MultiplyTransposedB({rx}, {c}Vt, {c}RInner, batch, {p}Rank, {p}In, accumulate: true);");
        }

        w.Line($"{Gemm}.MultiplyTransposedB(ws.{p}Inner.AsSpan(0, batch * {p}Rank), {c}UDirection, {rPre}, batch, {p}Out, {p}Rank);");
        w.Line($"{Gemm}.MultiplyTransposedB({c}RInner, {c}U, {rPre}, batch, {p}Out, {p}Rank, accumulate: true);");
        EmitRBiasAndActivation(w, step, rPre);
    }

    public override void EmitBackwardR(IndentedWriter w, LayerStep step)
    {
        var (p, c, layer) = (step.Id, step.Local, step.Layer);
        var rx = step.SavedInputR;
        EmitRGradientThroughActivation(w, step);
        var hasInput = step.InputGradient is not null;
        DeclareWeight(w, layer, "U", direction: false);
        if (hasInput)
        {
            DeclareWeight(w, layer, "Vt", direction: false);
        }

        DeclareWeight(w, layer, "U", direction: true);
        if (hasInput)
        {
            DeclareWeight(w, layer, "Vt", direction: true);
        }

        w.Line($"var {c}InnerGradient = ws.{p}InnerGradient.AsSpan(0, batch * {p}Rank);");
        w.Line($"var {c}RInnerGradient = hs.{p}RInnerGradient.AsSpan(0, batch * {p}Rank);");
        w.Line($"{Gemm}.Multiply({c}Gradient, {c}U, {c}InnerGradient, batch, {p}Rank, {p}Out);");
        w.Line($"{Gemm}.Multiply({c}Gradient, {c}UDirection, {c}RInnerGradient, batch, {p}Rank, {p}Out);");
        w.Line($"{Gemm}.Multiply({c}RGradient, {c}U, {c}RInnerGradient, batch, {p}Rank, {p}Out, accumulate: true);");
        w.Line($"{Gemm}.MultiplyTransposedA({c}RGradient, ws.{p}Inner.AsSpan(0, batch * {p}Rank), result.Slice({p}UOffset, {p}ULength), {p}Out, {p}Rank, batch, accumulate: true);");
        w.Line($"{Gemm}.MultiplyTransposedA({c}Gradient, hs.{p}RInner.AsSpan(0, batch * {p}Rank), result.Slice({p}UOffset, {p}ULength), {p}Out, {p}Rank, batch, accumulate: true);");
        EmitMaskGradient(w, layer, "result", "U");
        w.Line($"{RowOps}.AccumulateColumnSums({c}RGradient, result.Slice({p}BiasOffset, {p}Out), batch, {p}Out);");
        w.Line($"{Gemm}.MultiplyTransposedA({c}RInnerGradient, {step.SavedInput}, result.Slice({p}VtOffset, {p}VtLength), {p}Rank, {p}In, batch, accumulate: true);");
        if (rx is not null)
        {
            w.Line($"{Gemm}.MultiplyTransposedA({c}InnerGradient, {rx}, result.Slice({p}VtOffset, {p}VtLength), {p}Rank, {p}In, batch, accumulate: true);");
        }

        EmitMaskGradient(w, layer, "result", "Vt");
        if (step.InputGradient is { } inputGradient && step.InputRGradient is { } inputRGradient)
        {
            w.Line($"{Gemm}.Multiply({c}InnerGradient, {c}Vt, {inputGradient}, batch, {p}In, {p}Rank);");
            w.Line($"{Gemm}.Multiply({c}InnerGradient, {c}VtDirection, {inputRGradient}, batch, {p}In, {p}Rank);");
            w.Line($"{Gemm}.Multiply({c}RInnerGradient, {c}Vt, {inputRGradient}, batch, {p}In, {p}Rank, accumulate: true);");
        }
    }
}
