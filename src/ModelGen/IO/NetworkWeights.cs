using System;
using System.Collections.Generic;
using System.Reflection;
using ModelGen.Model;

namespace ModelGen.IO;

/// <summary>
/// Saves and loads a network's parameters and pruning masks as safetensors, under PyTorch's names and layouts so a
/// file maps one to one onto a <c>state_dict</c>: <c>fc1.weight</c> [out, in] float32 with removed weights exactly
/// zero, <c>fc1.bias</c> [out], <c>fc1.U</c> / <c>fc1.Vt</c> for factorized layers, and while masks are active a
/// <c>&lt;tensor&gt;_mask</c> for every prunable tensor (<c>fc1.weight_mask</c>, the name of
/// <c>torch.nn.utils.prune</c>'s buffer). Tensors are taken from <see cref="INetwork.Parameters"/> generically, so
/// every layer kind a network declares is saved with the shape its <see cref="ParameterTensor"/> reports.
/// </summary>
public static class NetworkWeights
{
    /// <summary>Appended to a parameter's name to name its mask (<c>fc1.weight_mask</c>).</summary>
    public const string MaskSuffix = "_mask";

    /// <summary>Metadata key of the model's listed name, written by <see cref="Save"/>.</summary>
    public const string ModelKey = "model";

    /// <summary>Metadata key of the ModelGen version that wrote the file.</summary>
    public const string VersionKey = "modelgen_version";

    /// <summary>The name of <paramref name="tensor"/>'s mask in a file.</summary>
    public static string MaskName(ParameterTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.Name + MaskSuffix;
    }

    /// <summary>
    /// Writes the network's parameters (and masks, when active) to <paramref name="path"/> atomically. The metadata
    /// always holds <c>format</c> = <c>pt</c> (what Hugging Face loaders look for), <see cref="ModelKey"/> and
    /// <see cref="VersionKey"/>; entries of <paramref name="metadata"/> are added and win on equal keys.
    /// </summary>
    /// <remarks>
    /// An <see cref="IBakedNetwork"/> is written as its dense view: the source model's names and shapes, zeros where the
    /// ticket (or the baker) removed a weight, and the <c>*_mask</c> tensors, with <see cref="ModelKey"/> the source
    /// model (<c>lenet300</c>), so the file loads into the source model and into PyTorch like any pruned network;
    /// <see cref="BakedModelKey"/> and <see cref="TicketKey"/> name the baked model and its ticket.
    /// </remarks>
    /// <exception cref="System.IO.IOException">The file cannot be written (an existing file is left as it was).</exception>
    public static void Save(INetwork network, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stored = BakedDenseView.Of(network);
        var written = Metadata(stored, metadata);
        if (network is IBakedNetwork baked)
        {
            written[BakedModelKey] = baked.Name;
            written[TicketKey] = baked.TicketHash;
        }

        SafetensorsWriter.Write(path, Tensors(stored), written);
    }

    /// <summary>
    /// Loads parameters and masks from <paramref name="path"/> into <paramref name="network"/> and returns the file's
    /// metadata. Every tensor is checked first (names, dtype F32, shapes, byte ranges, finite values, masks of exactly
    /// 0 or 1 on prunable tensors only); the network changes only when all checks pass. Masks are installed with
    /// <see cref="MaskSet.Install"/>; a file without masks leaves the network unpruned.
    /// </summary>
    /// <remarks>
    /// An <see cref="IBakedNetwork"/> reads a dense file (the source model's tensors, as <see cref="Save"/> writes
    /// it for a baked or a masked source network) through <see cref="IBakedNetwork.LoadDense"/>: the kept entries are
    /// taken, and a nonzero entry where the ticket removes a weight is an error naming the tensor and the index.
    /// </remarks>
    /// <exception cref="SafetensorsFormatException">Naming the file, the tensor and the byte offset of the first difference.</exception>
    /// <exception cref="System.IO.InvalidDataException">A baked network's ticket removes a weight the file holds as nonzero (naming the file, the tensor and the index).</exception>
    /// <exception cref="System.IO.IOException">The file cannot be read.</exception>
    public static IReadOnlyDictionary<string, string> Load(INetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        using var file = SafetensorsReader.Open(path);
        var stored = BakedDenseView.Of(network);
        var values = new float[stored.Parameters.Count];
        var masks = ReadInto(stored, file, values);
        if (network is IBakedNetwork baked)
        {
            LoadBaked(baked, file.Path, values, masks);
        }
        else
        {
            Install(network, values, masks);
        }

        return file.Metadata;
    }

    /// <summary>Metadata key of a baked network's own listed name (its <see cref="ModelKey"/> is the source model's).</summary>
    public const string BakedModelKey = "baked_model";

    /// <summary>Metadata key of the content hash of a baked network's ticket.</summary>
    public const string TicketKey = "ticket_sha256";

    // The file's values under its own masks (a masked source network's removed entries are 0 in the file already),
    // handed to the baked network, which checks them against its ticket.
    private static void LoadBaked(IBakedNetwork baked, string path, float[] values, List<(ParameterTensor Tensor, float[] Mask)> masks)
    {
        foreach (var (tensor, mask) in masks)
        {
            for (var i = 0; i < mask.Length; i++)
            {
                if (mask[i] == 0f)
                {
                    values[tensor.Offset + i] = 0f;
                }
            }
        }

        try
        {
            baked.LoadDense(values);
        }
        catch (ArgumentException e)
        {
            throw new System.IO.InvalidDataException($"{path}: does not fit baked network '{baked.Name}': {e.Message}", e);
        }
    }

    /// <summary>Puts checked values and masks into the network (nothing here can fail: both were checked on reading).</summary>
    internal static void Install(INetwork network, float[] values, List<(ParameterTensor Tensor, float[] Mask)> masks)
    {
        // One full mask, ones where the file has none, installed through MaskSet.Install (which bumps the mask version
        // the kernel handles follow and zeroes removed weights). Values first, so whatever the mask change rebuilds sees
        // the loaded weights.
        var full = new float[values.Length];
        Array.Fill(full, 1f);
        foreach (var (tensor, mask) in masks)
        {
            mask.CopyTo(full, tensor.Offset);
        }

        network.Parameters.Restore(values);
        network.Masks.Install(full);
    }

    /// <summary>
    /// Checks <paramref name="file"/> against the network and reads its parameters into <paramref name="values"/>
    /// (laid out like <see cref="ParameterSet.Values"/>); returns the masks it holds. The network is not touched.
    /// Shared with checkpoints, which store more tensors next to these.
    /// </summary>
    internal static List<(ParameterTensor Tensor, float[] Mask)> ReadInto(INetwork network, SafetensorsReader file, float[] values, Func<string, bool>? isOtherTensor = null)
    {
        var parameters = network.Parameters;
        foreach (var info in file.Tensors)
        {
            if (isOtherTensor?.Invoke(info.Name) == true)
            {
                continue;
            }

            var tensor = Describe(network, file, info);
            CheckFits(network, file, info, tensor);
        }

        var missing = new List<string>();
        foreach (var tensor in parameters.Tensors)
        {
            if (!file.TryGet(tensor.Name, out _))
            {
                missing.Add(tensor.Name);
            }
        }

        if (missing.Count > 0)
        {
            var first = parameters[missing[0]];
            var also = missing.Count > 1 ? $"; also missing: {string.Join(", ", missing.GetRange(1, missing.Count - 1))}" : string.Empty;
            throw new SafetensorsFormatException(file.Path, first.Name, 8, $"missing from the file (the model '{network.Name}' has it as F32 {ShapeText(first.Shape)}){also}");
        }

        var masks = new List<(ParameterTensor, float[])>();
        foreach (var tensor in parameters.Tensors)
        {
            file.TryGet(tensor.Name, out var info);
            var destination = values.AsSpan(tensor.Offset, tensor.Length);
            file.ReadFloat32(info, destination);
            for (var i = 0; i < destination.Length; i++)
            {
                if (!float.IsFinite(destination[i]))
                {
                    throw new SafetensorsFormatException(file.Path, info.Name, info.DataOffset + (4L * i), $"element {i} is {destination[i]}, not a finite number");
                }
            }

            if (file.TryGet(MaskName(tensor), out var maskInfo))
            {
                var mask = new float[tensor.Length];
                file.ReadFloat32(maskInfo, mask);
                for (var i = 0; i < mask.Length; i++)
                {
                    if (mask[i] != 0f && mask[i] != 1f)
                    {
                        throw new SafetensorsFormatException(file.Path, maskInfo.Name, maskInfo.DataOffset + (4L * i), $"element {i} is {mask[i]}; masks hold 0 or 1");
                    }
                }

                masks.Add((tensor, mask));
            }
        }

        return masks;
    }

    // The parameter a file tensor stands for (itself or the one it masks), or an error naming what the model has.
    private static ParameterTensor Describe(INetwork network, SafetensorsReader file, SafetensorsTensorInfo info)
    {
        if (network.Parameters.TryGet(info.Name, out var tensor))
        {
            return tensor;
        }

        if (info.Name.EndsWith(MaskSuffix, StringComparison.Ordinal) && network.Parameters.TryGet(info.Name[..^MaskSuffix.Length], out var masked))
        {
            if (!masked.IsPrunable)
            {
                throw new SafetensorsFormatException(file.Path, info.Name, info.HeaderOffset, $"a mask for '{masked.Name}', which the model '{network.Name}' does not prune");
            }

            return masked;
        }

        throw new SafetensorsFormatException(file.Path, info.Name, info.HeaderOffset, $"the model '{network.Name}' has no tensor of that name (it has {string.Join(", ", Names(network.Parameters))})");
    }

    private static void CheckFits(INetwork network, SafetensorsReader file, SafetensorsTensorInfo info, ParameterTensor tensor)
    {
        if (info.DType != SafetensorsDType.Float32)
        {
            throw new SafetensorsFormatException(file.Path, info.Name, info.HeaderOffset, $"dtype {info.DType.Name()} in the file, the model '{network.Name}' stores F32");
        }

        var expected = tensor.Shape;
        var same = info.Shape.Count == expected.Length;
        for (var d = 0; same && d < expected.Length; d++)
        {
            same = info.Shape[d] == expected[d];
        }

        if (!same)
        {
            throw new SafetensorsFormatException(file.Path, info.Name, info.HeaderOffset, $"shape {info.ShapeText} in the file, the model '{network.Name}' expects {ShapeText(expected)}");
        }
    }

    /// <summary>The network's tensors as <see cref="Save"/> writes them (shared with checkpoints).</summary>
    internal static List<SafetensorsTensor> Tensors(INetwork network)
    {
        var parameters = network.Parameters;
        var masks = network.Masks;
        var tensors = new List<SafetensorsTensor>(parameters.Tensors.Count * 2);
        foreach (var tensor in parameters.Tensors)
        {
            var shape = Array.ConvertAll(tensor.Shape, static d => (long)d);
            var masked = masks.IsActive && tensor.IsPrunable;
            if (!masked)
            {
                tensors.Add(new SafetensorsTensor(tensor.Name, shape, parameters.Values.AsMemory(tensor.Offset, tensor.Length)));
                continue;
            }

            // Removed weights are written as exactly zero whatever the buffer holds (the mask-aware code never reads
            // them). A zero keeps its sign bit (masking w·0 leaves −0 for negative w), so save → load is bit-identical.
            var mask = masks.Get(tensor);
            var values = parameters.Value(tensor).ToArray();
            for (var i = 0; i < values.Length; i++)
            {
                if (mask[i] == 0f && values[i] != 0f)
                {
                    values[i] = 0f;
                }
            }

            tensors.Add(new SafetensorsTensor(tensor.Name, shape, values));
            tensors.Add(new SafetensorsTensor(MaskName(tensor), shape, mask.ToArray()));
        }

        return tensors;
    }

    /// <summary>The metadata <see cref="Save"/> writes: the defaults, then <paramref name="extra"/>.</summary>
    internal static Dictionary<string, string> Metadata(INetwork network, IReadOnlyDictionary<string, string>? extra)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = "pt",
            [ModelKey] = network.Name,
            [VersionKey] = Version,
        };
        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                metadata[key] = value;
            }
        }

        return metadata;
    }

    /// <summary>The version of this assembly as written into files.</summary>
    internal static string Version { get; } =
        typeof(NetworkWeights).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(NetworkWeights).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    private static IEnumerable<string> Names(ParameterSet parameters)
    {
        foreach (var tensor in parameters.Tensors)
        {
            yield return tensor.Name;
        }
    }

    private static string ShapeText(int[] shape) => "[" + string.Join(", ", shape) + "]";
}
