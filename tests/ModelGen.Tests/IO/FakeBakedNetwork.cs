using ModelGen.Model;
using ModelGen.Tickets;

namespace ModelGen.Tests.IO;

/// <summary>
/// A hand-written <see cref="IBakedNetwork"/> for the savers' and exporters' baked paths: its parameters are only the
/// ticket's kept weights and the biases (one [kept, 1] tensor per dense tensor), its dense view the source network's
/// layout. It computes through the source network with the ticket's mask, so the dense view's function is its own.
/// The generated baked class (issue #13's generator half) is tested on its own; this double only feeds the IO code.
/// </summary>
internal sealed class FakeBakedNetwork : IBakedNetwork
{
    private readonly INetwork _source;
    private readonly TicketDocument _ticket;
    private readonly float[] _mask;

    public FakeBakedNetwork(INetwork source, TicketDocument ticket)
    {
        _source = source;
        _ticket = ticket;
        LotteryTickets.Apply(ticket, source);
        _mask = source.Masks.Values.ToArray();
        var tensors = new List<ParameterTensor>();
        var offset = 0;
        foreach (var tensor in source.Parameters.Tensors)
        {
            var kept = KeptPositions(tensor).Length;
            tensors.Add(tensor with { Rows = kept, Cols = 1, Offset = offset, IsPrunable = false });
            offset += kept;
        }

        Parameters = new ParameterSet(tensors);
        Masks = new MaskSet(Parameters);
        LoadDense(source.Parameters.Values);
    }

    public string Name => _source.Name + "-baked";

    public string SourceModel => _source.Name;

    public string TicketHash => _ticket.ContentHash;

    public int InputSize => _source.InputSize;

    public int OutputSize => _source.OutputSize;

    public IReadOnlyList<LayerInfo> Layers => _source.Layers;

    public IReadOnlyList<LayerInfo> DenseLayers => _source.Layers;

    public IReadOnlyList<ParameterTensor> DenseTensors => _source.Parameters.Tensors;

    public ParameterSet Parameters { get; }

    public MaskSet Masks { get; }

    public void ExpandToDense(Span<float> values, Span<float> mask)
    {
        values.Clear();
        _mask.CopyTo(mask);
        for (var t = 0; t < DenseTensors.Count; t++)
        {
            var dense = DenseTensors[t];
            var compact = Parameters.Value(Parameters.Tensors[t]);
            var positions = KeptPositions(dense);
            for (var k = 0; k < positions.Length; k++)
            {
                values[dense.Offset + positions[k]] = compact[k];
            }
        }
    }

    public void LoadDense(ReadOnlySpan<float> values)
    {
        for (var t = 0; t < DenseTensors.Count; t++)
        {
            var dense = DenseTensors[t];
            for (var i = 0; i < dense.Length; i++)
            {
                if (_mask[dense.Offset + i] == 0f && values[dense.Offset + i] != 0f)
                {
                    throw new ArgumentException($"'{dense.Name}' index {i} is {values[dense.Offset + i]}, but the ticket removes it.", nameof(values));
                }
            }

            var compact = Parameters.Value(Parameters.Tensors[t]);
            var positions = KeptPositions(dense);
            for (var k = 0; k < positions.Length; k++)
            {
                compact[k] = values[dense.Offset + positions[k]];
            }
        }
    }

    public void Forward(ReadOnlySpan<float> input, int batch, Span<float> output)
    {
        var mask = new float[_mask.Length];
        ExpandToDense(_source.Parameters.Values, mask);
        _source.Forward(input, batch, output);
    }

    public float ForwardBackward(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, float temperature = 1f) => throw new NotSupportedException("The IO tests do not train the double.");

    public float HessianVectorProduct(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, ReadOnlySpan<float> vector, Span<float> result, float temperature = 1f) => throw new NotSupportedException("The IO tests do not train the double.");

    public void ForwardBackwardFromOutput(ReadOnlySpan<float> input, int batch, ReadOnlySpan<float> outputGradient, bool linearized, Span<float> output) => throw new NotSupportedException("The IO tests do not train the double.");

    private int[] KeptPositions(ParameterTensor dense)
    {
        var positions = new List<int>();
        for (var i = 0; i < dense.Length; i++)
        {
            if (_mask[dense.Offset + i] == 1f)
            {
                positions.Add(i);
            }
        }

        return [.. positions];
    }
}
