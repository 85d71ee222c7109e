using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Model;
using ModelGen.Tickets;

namespace ModelGen.Generators;

public sealed partial class ModelGenerator
{
    /// <summary>
    /// (declared model, [Ticket], ticket files) → <see cref="BakeResult"/>: finds the ticket file, checks it against
    /// the declared layers, and works out the baked structure (which units live, which are constants to fold, the
    /// compressed index data). Pure values in and out; every problem is a diagnostic on the attribute's argument.
    /// </summary>
    internal static class Baker
    {
        /// <summary>Additional files that are tickets (by extension); everything else is never read.</summary>
        public static bool IsTicketPath(string path) => path.EndsWith(".ticket", System.StringComparison.OrdinalIgnoreCase);

        /// <summary>Reads and parses one ticket file; a parse error is kept as a value, reported by whoever bakes it.</summary>
        public static TicketFile ReadTicketFile(AdditionalText file, CancellationToken cancellationToken)
        {
            var text = file.GetText(cancellationToken)?.ToString();
            if (text is null)
            {
                return new TicketFile(Normalize(file.Path), null, 0, "the file could not be read");
            }

            return TicketText.TryParse(text, out var document, out var error)
                ? new TicketFile(Normalize(file.Path), document, 0, null)
                : new TicketFile(Normalize(file.Path), null, error!.Line, error.Message);
        }

        public static BakeResult Bake(ModelSpec model, TicketReference reference, ImmutableArray<TicketFile> files, CancellationToken cancellationToken)
        {
            var at = reference.Location;

            // The layer kinds first: such a model cannot be baked whatever the file holds.
            foreach (var layer in model.Layers)
            {
                if (layer.Kind != LayerKind.Dense)
                {
                    return Failed(Diagnostic(DiagnosticDescriptors.TicketLayerKindNotSupported, at, model.ClassName, reference.Path, layer.Name, KindName(layer.Kind)));
                }
            }

            var file = Find(reference, files, out var notFound);
            if (file is null)
            {
                return Failed(Diagnostic(DiagnosticDescriptors.TicketFileMissing, at, reference.Path, model.ClassName, notFound));
            }

            if (file.Document is not { } ticket)
            {
                return Failed(Diagnostic(DiagnosticDescriptors.TicketFileInvalid, at, reference.Path, Invariant(file.ErrorLine), file.Error ?? string.Empty));
            }

            if (Mismatch(model, ticket) is { } mismatch)
            {
                return Failed(Diagnostic(DiagnosticDescriptors.TicketDoesNotMatchLayers, at, reference.Path, model.ClassName, mismatch));
            }

            cancellationToken.ThrowIfCancellationRequested();
            var baked = Structure(model, ticket);
            if (baked is null)
            {
                var outputs = model.Layers[model.Layers.Count - 1];
                return Failed(Diagnostic(DiagnosticDescriptors.TicketDisconnectsOutput, at, reference.Path, model.ClassName, $"'{outputs.Name}' has {Invariant(outputs.OutFeatures)} outputs, none of them reached"));
            }

            return new BakeResult(baked, EquatableArray<DiagnosticInfo>.Empty);
        }

        /// <summary>
        /// The file for <paramref name="reference"/>: the additional file at the path relative to the declaring
        /// source's folder, else the one additional file whose path ends with it segment by segment. Null, with
        /// why in <paramref name="notFound"/>, when there is none or several.
        /// </summary>
        private static TicketFile? Find(TicketReference reference, ImmutableArray<TicketFile> files, out string notFound)
        {
            var path = Normalize(reference.Path);
            if (path.Length == 0)
            {
                notFound = "the path is empty";
                return null;
            }

            if (!IsTicketPath(path))
            {
                notFound = "its name does not end in .ticket";
                return null;
            }

            var rooted = path.StartsWith("/", System.StringComparison.Ordinal) || (path.Length > 1 && path[1] == ':');
            var resolved = rooted ? path : Normalize(reference.SourceDirectory + "/" + path);
            foreach (var file in files)
            {
                if (file.Path == resolved)
                {
                    notFound = string.Empty;
                    return file;
                }
            }

            var suffix = "/" + string.Join("/", path.Split('/').Where(static s => s is not ".." and not "."));
            var matches = files.Where(f => f.Path.EndsWith(suffix, System.StringComparison.Ordinal) || f.Path == suffix.Substring(1)).ToList();
            if (matches.Count == 1)
            {
                notFound = string.Empty;
                return matches[0];
            }

            notFound = matches.Count == 0
                ? $"looked for {resolved} and for any additional file ending in {suffix}"
                : $"{Invariant(matches.Count)} additional files end in {suffix}: {string.Join(", ", matches.Select(static f => f.Path).OrderBy(static p => p, System.StringComparer.Ordinal))}; write the path relative to the declaring file";
            return null;
        }

        /// <summary>Forward slashes, no empty, '.' or resolvable '..' segments.</summary>
        private static string Normalize(string path)
        {
            var parts = new List<string>();
            var text = path.Replace('\\', '/');
            foreach (var part in text.Split('/'))
            {
                if (part.Length == 0 || part == ".")
                {
                    continue;
                }

                if (part == ".." && parts.Count > 0 && parts[parts.Count - 1] != "..")
                {
                    parts.RemoveAt(parts.Count - 1);
                    continue;
                }

                parts.Add(part);
            }

            var joined = string.Join("/", parts);
            return text.StartsWith("/", System.StringComparison.Ordinal) ? "/" + joined : joined;
        }

        /// <summary>The first way the ticket does not fit the declared layers, in words; null when it fits.</summary>
        private static string? Mismatch(ModelSpec model, TicketDocument ticket)
        {
            var declared = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (var layer in model.Layers)
            {
                var name = layer.Name + ".weight";
                declared.Add(name);
                var tensor = ticket.FindTensor(name);
                if (layer.Prunable && tensor is null)
                {
                    return $"it has no mask for '{name}' (layer '{layer.Name}' is prunable)";
                }

                if (!layer.Prunable && tensor is not null)
                {
                    return $"it masks '{name}', but layer '{layer.Name}' is not prunable";
                }

                if (tensor is not null && (tensor.Rows != layer.OutFeatures || tensor.Cols != layer.InFeatures))
                {
                    return $"its mask for '{name}' is {Invariant(tensor.Rows)}×{Invariant(tensor.Cols)}, but layer '{layer.Name}' is {Invariant(layer.OutFeatures)}×{Invariant(layer.InFeatures)} (out × in)";
                }

                if (ticket.RewindIteration > 0)
                {
                    var weightCount = tensor?.KeptCount ?? layer.WeightLength;
                    if (ValuesMismatch(ticket, name, weightCount, "kept weights") is { } weights)
                    {
                        return weights;
                    }

                    if (ValuesMismatch(ticket, layer.Name + ".bias", layer.OutFeatures, "biases") is { } biases)
                    {
                        return biases;
                    }

                    declared.Add(layer.Name + ".bias");
                }
            }

            foreach (var tensor in ticket.Tensors)
            {
                if (!declared.Contains(tensor.Name))
                {
                    return $"it masks '{tensor.Name}', which no declared layer has";
                }
            }

            foreach (var values in ticket.Values)
            {
                if (!declared.Contains(values.Name))
                {
                    return $"it carries values for '{values.Name}', which no declared layer has";
                }
            }

            return null;
        }

        private static string? ValuesMismatch(TicketDocument ticket, string name, int expected, string what)
        {
            var values = ticket.FindValues(name);
            if (values is null)
            {
                return $"it rewinds to step {Invariant(ticket.RewindIteration)} but carries no values for '{name}'";
            }

            return values.Values.Count == expected ? null : $"it carries {Invariant(values.Values.Count)} values for '{name}', but the layer has {Invariant(expected)} {what}";
        }

        /// <summary>
        /// The baked structure: a hidden unit is live when a kept weight leads from it to a live unit of the next
        /// layer (outputs are always live) and it is not a constant; a constant is a unit all of whose kept inputs come
        /// from constants (or that has none): its output f(b + …) is folded into the next layer. Null when every output
        /// is a constant (no path from the input).
        /// </summary>
        private static BakedModelSpec? Structure(ModelSpec model, TicketDocument ticket)
        {
            var layers = model.Layers.ToList();
            var count = layers.Count;
            var kept = new bool[count][];
            for (var k = 0; k < count; k++)
            {
                var layer = layers[k];
                var mask = new bool[layer.WeightLength];
                if (ticket.FindTensor(layer.Name + ".weight") is { } tensor)
                {
                    foreach (var position in tensor.Kept)
                    {
                        mask[position] = true;
                    }
                }
                else
                {
                    for (var i = 0; i < mask.Length; i++)
                    {
                        mask[i] = true;
                    }
                }

                kept[k] = mask;
            }

            // Backward: which units reach the output through kept weights.
            var useful = new bool[count][];
            useful[count - 1] = Enumerable.Repeat(true, layers[count - 1].OutFeatures).ToArray();
            for (var k = count - 1; k > 0; k--)
            {
                var (rows, cols) = (layers[k].OutFeatures, layers[k].InFeatures);
                var previous = new bool[cols];
                for (var r = 0; r < rows; r++)
                {
                    if (!useful[k][r])
                    {
                        continue;
                    }

                    for (var c = 0; c < cols; c++)
                    {
                        previous[c] |= kept[k][(r * cols) + c];
                    }
                }

                useful[k - 1] = previous;
            }

            // Forward: which useful units depend on the input (the rest are constants). A useful unit's kept inputs
            // are all useful, so only useful units need looking at.
            var constant = new bool[count][];
            for (var k = 0; k < count; k++)
            {
                var (rows, cols) = (layers[k].OutFeatures, layers[k].InFeatures);
                constant[k] = new bool[rows];
                for (var r = 0; r < rows; r++)
                {
                    if (!useful[k][r])
                    {
                        continue;
                    }

                    var fromInput = false;
                    for (var c = 0; c < cols && !fromInput; c++)
                    {
                        fromInput = kept[k][(r * cols) + c] && (k == 0 || !constant[k - 1][c]);
                    }

                    constant[k][r] = !fromInput;
                }
            }

            if (constant[count - 1].All(static c => c))
            {
                return null;
            }

            var baked = new List<BakedLayerSpec>(count);
            var offset = 0;
            int[]? previousCompact = null;
            int[]? previousSlots = null;
            var previousUnits = model.InputFeatures;
            for (var k = 0; k < count; k++)
            {
                var layer = layers[k];
                var (rows, cols) = (layer.OutFeatures, layer.InFeatures);
                var last = k == count - 1;
                var compact = new int[rows];
                var slots = new int[rows];
                var unitRows = new List<int>();
                var constants = new List<int>();
                for (var r = 0; r < rows; r++)
                {
                    compact[r] = -1;
                    slots[r] = -1;
                    if (!useful[k][r])
                    {
                        continue;
                    }

                    if (constant[k][r] && !last)
                    {
                        slots[r] = constants.Count;
                        constants.Add(r);
                    }
                    else
                    {
                        compact[r] = unitRows.Count;
                        unitRows.Add(r);
                    }
                }

                // CSC over compact inputs; and the constant edges (from the previous layer's constants).
                var columns = new List<(int Row, int Position)>[previousUnits];
                for (var c = 0; c < previousUnits; c++)
                {
                    columns[c] = new List<(int, int)>();
                }

                var constantEdges = (Targets: new List<int>(), Positions: new List<int>(), Sources: new List<int>());
                var foldEdges = (Targets: new List<int>(), Positions: new List<int>(), Sources: new List<int>());
                for (var r = 0; r < rows; r++)
                {
                    if (!useful[k][r])
                    {
                        continue;
                    }

                    for (var c = 0; c < cols; c++)
                    {
                        var position = (r * cols) + c;
                        if (!kept[k][position])
                        {
                            continue;
                        }

                        if (k > 0 && previousSlots![c] >= 0)
                        {
                            var edges = compact[r] >= 0 ? foldEdges : constantEdges;
                            edges.Targets.Add(compact[r] >= 0 ? compact[r] : slots[r]);
                            edges.Positions.Add(position);
                            edges.Sources.Add(previousSlots[c]);
                        }
                        else if (compact[r] >= 0)
                        {
                            columns[k == 0 ? c : previousCompact![c]].Add((compact[r], position));
                        }
                    }
                }

                var starts = new int[previousUnits + 1];
                var rowIndices = new List<int>();
                var positions = new List<int>();
                for (var c = 0; c < previousUnits; c++)
                {
                    foreach (var (row, position) in columns[c])
                    {
                        rowIndices.Add(row);
                        positions.Add(position);
                    }

                    starts[c + 1] = rowIndices.Count;
                }

                var tensor = ticket.FindTensor(layer.Name + ".weight");
                var rewindWeights = ticket.FindValues(layer.Name + ".weight")?.Values ?? System.Array.Empty<float>();
                var rewindBiases = ticket.FindValues(layer.Name + ".bias")?.Values ?? System.Array.Empty<float>();
                var spec = new BakedLayerSpec(
                    layer,
                    unitRows.Count,
                    previousUnits,
                    new EquatableArray<int>(unitRows),
                    new EquatableArray<int>(starts),
                    new EquatableArray<int>(rowIndices),
                    new EquatableArray<int>(positions),
                    tensor is null ? EquatableArray<int>.Empty : new EquatableArray<int>(tensor.Kept),
                    tensor is null,
                    new EquatableArray<int>(constants),
                    new EquatableArray<int>(constantEdges.Targets),
                    new EquatableArray<int>(constantEdges.Positions),
                    new EquatableArray<int>(constantEdges.Sources),
                    new EquatableArray<int>(foldEdges.Targets),
                    new EquatableArray<int>(foldEdges.Positions),
                    new EquatableArray<int>(foldEdges.Sources),
                    new EquatableArray<float>(rewindWeights),
                    new EquatableArray<float>(rewindBiases))
                {
                    WeightOffset = offset,
                    BiasOffset = offset + rowIndices.Count,
                };
                offset += rowIndices.Count + unitRows.Count;
                baked.Add(spec);
                previousCompact = compact;
                previousSlots = slots;
                previousUnits = unitRows.Count;
            }

            return new BakedModelSpec(model, ticket.Model, ticket.ContentHash, ticket.Seed, ticket.RewindIteration, ticket.Sparsity, offset, new EquatableArray<BakedLayerSpec>(baked));
        }

        private static string KindName(LayerKind kind) => kind switch
        {
            LayerKind.FactorizedDense => "a factorized dense layer (Rank > 0)",
            LayerKind.Conv2D => "a convolution ([Conv2D])",
            LayerKind.MaxPool2D => "a max pool ([MaxPool2D])",
            LayerKind.AvgPool2D => "an average pool ([AvgPool2D])",
            LayerKind.Flatten => "a flatten layer ([Flatten])",
            _ => kind.ToString(),
        };

        private static DiagnosticInfo Diagnostic(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] args) =>
            new(descriptor.Id, location, new EquatableArray<string>(args));

        private static BakeResult Failed(DiagnosticInfo diagnostic) => new(null, new EquatableArray<DiagnosticInfo>(new[] { diagnostic }));

        private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
