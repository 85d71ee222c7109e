using System.Collections.Generic;
using System.Linq;
using System.Text;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using static ModelGen.Generators.Emit.Names;

namespace ModelGen.Generators.Emit.Baked;

/// <summary>
/// The baked class's single-sample forward pass: the ticket's pattern written out as code, multiply-adds with
/// constant indices and no index data, loop or per-layer call left (the issue's "unrolled where that measures
/// faster"). Below <c>SparseGemm.VectorBatch</c> samples RunForward takes it sample by sample; from there on the
/// batch-vectorised kernels over the constant pattern are faster and it is not used.
/// <list type="bullet">
/// <item>The first layer walks its live inputs: per input one <c>if (v != 0f)</c> block of scatters into the
/// outputs. MNIST pixels are ~80% zero, so most blocks are skipped.</item>
/// <item>Later layers gather per unit: one sum of products over its constant inputs, no branch. Their inputs (ReLU
/// outputs) are about half zero, too few for skipping to repay the unpredictable branch per input (measured:
/// docs/BENCHMARKS.md, "Baked tickets").</item>
/// </list>
/// The code is split into methods of at most <see cref="StatementsPerMethod"/> multiply-adds: one method holding a
/// whole 98% LeNet-300-100 layer would exceed the JIT's size limits for optimizing at all.
/// </summary>
internal static class BakedSampleEmitter
{
    /// <summary>Multiply-adds per generated method (the JIT optimizes methods far below its ~60 kB IL limit).</summary>
    internal const int StatementsPerMethod = 512;

    /// <summary>ForwardSample and its per-layer parts.</summary>
    public static void Emit(IndentedWriter w, List<BakedLayerSpec> layers)
    {
        var parameters = string.Join(", ", layers.Select((l, i) => $"{SpanOfFloat} {Local(l.Dense)}Output").Prepend($"{ReadOnlySpanOfFloat} x"));
        w.Line("/// <summary>");
        w.Line("/// One sample's forward pass through the pattern's own code (no linearization): each layer's output is set to its");
        w.Line("/// bias (and folded constants), the products are added by the layer's generated parts, then the activation.");
        w.Line("/// </summary>");
        w.Open($"private void ForwardSample({parameters})");
        w.Line("var p = Parameters.Values;");
        for (var i = 0; i < layers.Count; i++)
        {
            var (layer, d) = (layers[i], layers[i].Dense);
            var (p, c) = (Id(d), Local(d));
            var input = i == 0 ? "x" : Local(layers[i - 1].Dense) + "Output";
            w.Line();
            w.Line($"// {d.Name}");
            w.Line($"p.AsSpan({p}BiasOffset, {p}Units).CopyTo({c}Output);");
            if (layer.HasFold)
            {
                w.Line($"{Tensor}.Add({c}Output, _{c}Fold, {c}Output);");
            }

            var parts = i == 0 ? ColumnParts(layer) : UnitParts(layer);
            if (parts.Count > 0)
            {
                w.Line($"var {c}Weights = new {ReadOnlySpanOfFloat}(p, {p}WeightOffset, {p}Kept);");
            }

            for (var part = 0; part < parts.Count; part++)
            {
                w.Line($"{p}Sample{part}({input}, {c}Weights, {c}Output);");
            }

            if (d.HasActivation)
            {
                w.Line($"{Activations}.{ActivationKernel(d)}Forward({c}Output);");
            }
        }

        w.Close();
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var parts = i == 0 ? ColumnParts(layer) : UnitParts(layer);
            for (var part = 0; part < parts.Count; part++)
            {
                w.Line();
                EmitPart(w, layer, part, parts[part], i == 0);
            }
        }

        w.Line();
    }

    /// <summary>A run of multiply-adds: per input column (its entries k with their units) or per unit (its entries k with their inputs).</summary>
    private sealed class Group
    {
        public Group(int index) => Index = index;

        public int Index { get; }

        public List<(int Entry, int Other)> Entries { get; } = new();
    }

    /// <summary>Columns with kept entries, cut into parts of at most <see cref="StatementsPerMethod"/> entries (a column is never split).</summary>
    private static List<List<Group>> ColumnParts(BakedLayerSpec layer)
    {
        var groups = new List<Group>();
        for (var column = 0; column < layer.Inputs; column++)
        {
            var (start, end) = (layer.ColumnStarts[column], layer.ColumnStarts[column + 1]);
            if (end == start)
            {
                continue;
            }

            var group = new Group(column);
            for (var k = start; k < end; k++)
            {
                group.Entries.Add((k, layer.RowIndices[k]));
            }

            groups.Add(group);
        }

        return Cut(groups);
    }

    /// <summary>Units with kept entries (CSR view of the column-ordered weights), cut into parts like <see cref="ColumnParts"/>.</summary>
    private static List<List<Group>> UnitParts(BakedLayerSpec layer)
    {
        var units = new Group[layer.Units];
        for (var column = 0; column < layer.Inputs; column++)
        {
            for (var k = layer.ColumnStarts[column]; k < layer.ColumnStarts[column + 1]; k++)
            {
                var unit = layer.RowIndices[k];
                (units[unit] ??= new Group(unit)).Entries.Add((k, column));
            }
        }

        return Cut(units.Where(static g => g is not null).ToList());
    }

    private static List<List<Group>> Cut(List<Group> groups)
    {
        var parts = new List<List<Group>>();
        var size = 0;
        foreach (var group in groups)
        {
            if (parts.Count == 0 || (size > 0 && size + group.Entries.Count > StatementsPerMethod))
            {
                parts.Add(new List<Group>());
                size = 0;
            }

            parts[parts.Count - 1].Add(group);
            size += group.Entries.Count;
        }

        return parts;
    }

    private static void EmitPart(IndentedWriter w, BakedLayerSpec layer, int part, List<Group> groups, bool scatter)
    {
        var p = Id(layer.Dense);
        var maxInput = scatter ? groups.Max(static g => g.Index) : groups.Max(static g => g.Entries.Max(static e => e.Other));
        var maxOutput = scatter ? groups.Max(static g => g.Entries.Max(static e => e.Other)) : groups.Max(static g => g.Index);
        var maxEntry = groups.Max(static g => g.Entries.Max(static e => e.Entry));
        w.Line(scatter
            ? $"// {layer.Dense.Name}, part {Invariant(part)}: per nonzero input, its weights times it added to their units."
            : $"// {layer.Dense.Name}, part {Invariant(part)}: per unit, the sum of its weights times their inputs.");
        w.Open($"private static void {p}Sample{Invariant(part)}({ReadOnlySpanOfFloat} x, {ReadOnlySpanOfFloat} w, {SpanOfFloat} y)");
        w.Line("// The largest index of each span checked once: the JIT drops the checks of the smaller constants below.");
        w.Line($"_ = x[{Invariant(maxInput)}];");
        w.Line($"_ = w[{Invariant(maxEntry)}];");
        w.Line($"_ = y[{Invariant(maxOutput)}];");
        if (scatter)
        {
            w.Line("float v;");
        }

        var line = new StringBuilder();
        foreach (var group in groups)
        {
            line.Clear();
            if (scatter)
            {
                line.Append("v = x[").Append(Invariant(group.Index)).Append("]; if (v != 0f) {");
                foreach (var (entry, unit) in group.Entries)
                {
                    line.Append(" y[").Append(Invariant(unit)).Append("] += w[").Append(Invariant(entry)).Append("] * v;");
                }

                line.Append(" }");
            }
            else
            {
                line.Append("y[").Append(Invariant(group.Index)).Append("] +=");
                var first = true;
                foreach (var (entry, input) in group.Entries)
                {
                    line.Append(first ? " " : " + ").Append("w[").Append(Invariant(entry)).Append("] * x[").Append(Invariant(input)).Append(']');
                    first = false;
                }

                line.Append(';');
            }

            w.Line(line.ToString());
        }

        w.Close();
    }
}
