using System.Collections.Generic;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using static ModelGen.Generators.Emit.Names;

namespace ModelGen.Generators.Emit;

/// <summary>
/// Everything one layer kind emits: its constants, its tensors, its workspace buffers, and its part of each pass
/// (forward, backward, R-forward, R-backward). The model emitter (ModelGenerator.Emitter.cs) writes the class and
/// loops over the layers once per pass, asking <see cref="LayerEmitters.For"/> (the one switch over
/// <see cref="ModelGen.Model.LayerKind"/>) for each layer's emitter, the way the Regex generator's EmitNode switches once
/// over node kinds.
/// </summary>
/// <remarks>
/// <para>Adding a kind: a member of LayerKind (src/ModelGen/Shapes/LayerKind.cs), its case in ShapeInference, a
/// subclass of this type in its own file, and one case in <see cref="LayerEmitters.For"/>. Nothing else in the
/// generator changes.</para>
/// <para>The contract between neighbouring layers, which every kind keeps (locals are per pass, members per model):</para>
/// <list type="bullet">
/// <item>constants <c>{Id}In</c> and <c>{Id}Out</c>: values per sample in and out (what the next layer reads);</item>
/// <item>workspace buffers <c>ws.{Id}Output</c> and <c>ws.{Id}Gradient</c> (batch × Out, or Out × stride when the
/// boundary is feature-major: <see cref="LayerStep.OutputLayout"/>; only dense layers read such boundaries), and for Hessian-vector
/// products <c>hs.{Id}R</c> and <c>hs.{Id}RGradient</c>: the model emitter seeds the last layer's gradient and R
/// gradient, and each layer fills its predecessor's (<see cref="LayerStep.InputGradient"/>,
/// <see cref="LayerStep.InputRGradient"/>), never the network input's;</item>
/// <item>forward declares the local <c>{Local}Output</c> (the last layer's is the <c>logits</c> span) and applies
/// its activation unless <c>linearized</c>; backward starts by applying its activation's derivative to its gradient
/// and adds its parameter gradients to <c>g</c> (weight gradients through the handles, which mask them);</item>
/// <item>pass locals available: <c>p</c> (Parameters.Values), <c>g</c> (gradients, backward),
/// <c>v</c> (the direction, masked, R passes), <c>result</c> (H·v, R-backward), <c>batch</c>, <c>linearized</c>, <c>ws</c>,
/// <c>hs</c>; the weight handles (<see cref="Handle"/>) are prepared before every pass.</item>
/// </list>
/// </remarks>
internal abstract class LayerEmitter
{
    /// <summary>Kind and shape for comments: <c>dense</c>, <c>factorized rank 32</c>.</summary>
    protected abstract string KindDescription(LayerSpec layer);

    /// <summary>The layer's parameter tensors in storage order.</summary>
    public abstract IReadOnlyList<TensorSpec> Tensors(LayerSpec layer);

    /// <summary>Per-sample buffers: <paramref name="training"/> (forward/backward) and <paramref name="hessian"/> (R passes).</summary>
    public abstract void AddWorkspace(LayerSpec layer, List<WorkspaceBuffer> training, List<WorkspaceBuffer> hessian);

    /// <summary>The layer's private constants (shapes and tensor offsets).</summary>
    public abstract void EmitConstants(IndentedWriter w, LayerSpec layer);

    /// <summary>Forward: <c>{Local}Output</c> = f(layer(input)).</summary>
    public abstract void EmitForward(IndentedWriter w, LayerStep step);

    /// <summary>Backward from <c>ws.{Id}Gradient</c>: parameter gradients and the input gradient.</summary>
    public abstract void EmitBackward(IndentedWriter w, LayerStep step);

    /// <summary>Pearlmutter's R-forward: R{output} from R{input} and the direction <c>v</c>.</summary>
    public abstract void EmitForwardR(IndentedWriter w, LayerStep step);

    /// <summary>Pearlmutter's R-backward: R{∂L/∂θ} into <c>result</c> and R{∂L/∂input}.</summary>
    public abstract void EmitBackwardR(IndentedWriter w, LayerStep step);

    /// <summary>Statements the constructor runs after the default initialization (each distinct one once per model).</summary>
    public virtual IEnumerable<string> ConstructorStatements(LayerSpec layer) => System.Array.Empty<string>();

    /// <summary>The layer's <c>LayerInfo</c> construction expression.</summary>
    public virtual string LayerInfo(LayerSpec layer) =>
        $"new {ModelNs}.LayerInfo(\"{layer.Name}\", {ModelNs}.LayerKind.{layer.Kind}, {Invariant(layer.InFeatures)}, {Invariant(layer.OutFeatures)}, global::ModelGen.Activation.{ActivationName(layer)}, {Invariant(layer.Rank)}, {Bool(layer.Prunable)})";

    /// <summary>
    /// A LayerInfo expression with the per-sample shapes and the window of a spatial layer (convolution, pool, flatten)
    /// set as init properties.
    /// </summary>
    protected static string SpatialLayerInfo(string info, LayerSpec layer) =>
        info + $" {{ InputShape = new {ModelNs}.SampleShape({Invariant(layer.InChannels)}, {Invariant(layer.InHeight)}, {Invariant(layer.InWidth)}), " +
        $"OutputShape = new {ModelNs}.SampleShape({Invariant(layer.OutChannels)}, {Invariant(layer.OutHeight)}, {Invariant(layer.OutWidth)}), " +
        $"KernelSize = {Invariant(layer.Kernel)}, Stride = {Invariant(layer.Stride)}, Padding = {Invariant(layer.Padding)} }}";

    /// <summary>One comment line naming the layer: <c>fc1: dense, 784 → 300, ReLU, prunable</c>.</summary>
    public string Describe(LayerSpec layer)
    {
        var prunable = layer.Prunable ? ", prunable" : string.Empty;
        return $"{layer.Name}: {KindDescription(layer)}, {Invariant(layer.InFeatures)} → {Invariant(layer.OutFeatures)}, {ActivationName(layer)}{prunable}";
    }

    /// <summary>
    /// The field holding the kernel seam of one weight matrix (<c>_l1Weight</c>): a ModelGen.Model.WeightMatrixHandle
    /// created for each tensor with <see cref="TensorSpec.IsMatrix"/>. Passes call its products (Forward,
    /// InputGradient, AccumulateWeightGradient and their direction forms) and never branch on masks.
    /// </summary>
    public static string Handle(LayerSpec layer, string suffix) => "_" + Local(layer) + suffix;

    /// <summary>Declares the layer's output local: a workspace buffer, or the logits span for the last layer.</summary>
    protected static void DeclareOutput(IndentedWriter w, LayerStep step) =>
        w.Line(step.IsLast
            ? $"var {step.Local}Output = logits;"
            : $"var {step.Local}Output = {Rows("ws", step.Id + "Output", step.Id + "Out", step.OutputLayout)};");

    /// <summary>Adds the bias (in the output boundary's layout when it has one), then the activation unless the pass is linearized (SynFlow).</summary>
    protected static void EmitBiasAndActivation(IndentedWriter w, LayerStep step)
    {
        var bias = $"p.AsSpan({step.Id}BiasOffset, {step.Id}Out)";
        if (step.Layer.HasActivation && ActivationKernel(step.Layer) == "Relu" && step.OutputLayout is { } layout)
        {
            // Bias and ReLU in one pass over the activations (bit-identical to the two; measured in docs/BENCHMARKS.md).
            w.Line($"{RowOps}.AddBias({step.Local}Output, {bias}, {layout}, {step.Id}Out, relu: !linearized);");
            return;
        }

        w.Line(AddBias(step, $"{step.Local}Output", bias));
        EmitActivation(w, step);
    }

    /// <summary>Applies the activation to <c>{Local}Output</c> unless the pass is linearized (SynFlow).</summary>
    protected static void EmitActivation(IndentedWriter w, LayerStep step)
    {
        if (step.Layer.HasActivation)
        {
            w.Open("if (!linearized)");
            w.Line($"{Activations}.{ActivationKernel(step.Layer)}Forward({step.Local}Output);");
            w.Close();
        }
    }

    /// <summary>Declares <c>{Local}Gradient</c> and applies the activation's derivative unless linearized.</summary>
    protected static void EmitGradientThroughActivation(IndentedWriter w, LayerStep step)
    {
        var c = step.Local;
        var p = step.Id;
        w.Line($"var {c}Gradient = {Rows("ws", p + "Gradient", p + "Out", step.OutputLayout)};");
        if (step.Layer.HasActivation)
        {
            w.Open("if (!linearized)");
            w.Line($"{Activations}.{ActivationKernel(step.Layer)}Backward({Rows("ws", p + "Output", p + "Out", step.OutputLayout)}, {c}Gradient);");
            w.Close();
        }
    }

    /// <summary>
    /// Declares the R-forward target: <c>{Local}RPre</c> (before the activation) when the layer has one, else
    /// <c>{Local}R</c>. Returns its name.
    /// </summary>
    protected static string DeclareRPre(IndentedWriter w, LayerStep step)
    {
        var layer = step.Layer;
        var rPre = layer.HasActivation ? $"{step.Local}RPre" : $"{step.Local}R";
        w.Line($"var {rPre} = {Rows("hs", step.Id + (layer.HasActivation ? "RPre" : "R"), step.Id + "Out", step.OutputLayout)};");
        return rPre;
    }

    /// <summary>R{bias} and R{h} = f'(a) R{a} after the R-forward products.</summary>
    protected static void EmitRBiasAndActivation(IndentedWriter w, LayerStep step, string rPre)
    {
        w.Line(AddBias(step, rPre, $"v.Slice({step.Id}BiasOffset, {step.Id}Out)"));
        EmitRActivation(w, step, rPre);
    }

    /// <summary>R{h} = f'(a) R{a}: copies <paramref name="rPre"/> into <c>{Local}R</c> through the activation's derivative.</summary>
    protected static void EmitRActivation(IndentedWriter w, LayerStep step, string rPre)
    {
        var p = step.Id;
        if (step.Layer.HasActivation)
        {
            w.Line($"var {step.Local}R = {Rows("hs", p + "R", p + "Out", step.OutputLayout)};");
            w.Line($"{rPre}.CopyTo({step.Local}R);");
            w.Line($"{Activations}.{ActivationKernel(step.Layer)}Backward({Rows("ws", p + "Output", p + "Out", step.OutputLayout)}, {step.Local}R);");
        }
    }

    /// <summary>Declares <c>{Local}Gradient</c>/<c>{Local}RGradient</c> and applies the activation's second-order rule.</summary>
    protected static void EmitRGradientThroughActivation(IndentedWriter w, LayerStep step)
    {
        var c = step.Local;
        var p = step.Id;
        var layout = step.OutputLayout;
        w.Line($"var {c}Gradient = {Rows("ws", p + "Gradient", p + "Out", layout)};");
        w.Line($"var {c}RGradient = {Rows("hs", p + "RGradient", p + "Out", layout)};");
        if (step.Layer.HasActivation)
        {
            w.Line($"{Activations}.{ActivationKernel(step.Layer)}BackwardWithR({Rows("ws", p + "Output", p + "Out", layout)}, {Rows("hs", p + "RPre", p + "Out", layout)}, {c}Gradient, {c}RGradient);");
        }
    }

    /// <summary>
    /// The training buffers every layer has (output, gradient) and the R buffers (R-pre if activated, R, R-gradient);
    /// <paramref name="padded"/> for a layer whose output boundary may be feature-major (see <see cref="WorkspaceBuffer"/>).
    /// </summary>
    protected static void AddStandardBuffers(LayerSpec layer, List<WorkspaceBuffer> training, List<WorkspaceBuffer> hessian, bool padded = false)
    {
        var p = Id(layer);
        training.Add(new WorkspaceBuffer($"{p}Output", $"{p}Out", Padded: padded));
        training.Add(new WorkspaceBuffer($"{p}Gradient", $"{p}Out", Padded: padded));
        if (layer.HasActivation)
        {
            hessian.Add(new WorkspaceBuffer($"{p}RPre", $"{p}Out", Padded: padded));
        }

        hessian.Add(new WorkspaceBuffer($"{p}R", $"{p}Out", Padded: padded));
        hessian.Add(new WorkspaceBuffer($"{p}RGradient", $"{p}Out", Padded: padded));
    }

    /// <summary>The bias added to <paramref name="target"/>: in the output boundary's layout when it has one, else to every row.</summary>
    private static string AddBias(LayerStep step, string target, string bias) =>
        step.OutputLayout is { } layout
            ? $"{RowOps}.AddBias({target}, {bias}, {layout}, {step.Id}Out);"
            : $"{RowOps}.AddRowVector({target}, {bias}, batch, {step.Id}Out);";
}
