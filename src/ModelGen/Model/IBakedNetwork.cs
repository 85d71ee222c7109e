using System;
using System.Collections.Generic;

namespace ModelGen.Model;

/// <summary>
/// A network the generator baked from a lottery ticket (<c>[Ticket("….ticket")]</c>, docs/TICKETS.md): its structure
/// is the ticket's pattern, so only kept weights (of units that still reach the output) are <see cref="INetwork.Parameters"/>
/// and no mask exists at run time. Its <em>dense view</em> is the source model it was found on (<c>lenet300</c>): the
/// same layers, tensor names and shapes, with removed weights 0. Savers and exporters use the dense view, so PyTorch,
/// ONNX and <c>NetworkWeights.Load</c> into the source model see an ordinary (pruned) network.
/// </summary>
public interface IBakedNetwork : INetwork
{
    /// <summary>Listed name of the model the ticket was found on (the ticket's <c>model</c> line).</summary>
    string SourceModel { get; }

    /// <summary>The ticket's content hash (lower-case hex SHA-256), as baked.</summary>
    string TicketHash { get; }

    /// <summary>The layers of the dense view, as the source model declares them.</summary>
    IReadOnlyList<LayerInfo> DenseLayers { get; }

    /// <summary>The parameter tensors of the dense view (names, shapes, roles, offsets into a dense vector), in storage order.</summary>
    IReadOnlyList<ParameterTensor> DenseTensors { get; }

    /// <summary>
    /// Writes the dense view of the current parameters into <paramref name="values"/> (laid out by
    /// <see cref="DenseTensors"/>) and its mask into <paramref name="mask"/> (1 kept, 0 removed). The dense network
    /// with these values computes exactly this network's function: entries the baker removed are 0, constants of units
    /// without inputs are in the next layer's bias.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length is not the dense view's parameter count.</exception>
    void ExpandToDense(Span<float> values, Span<float> mask);

    /// <summary>
    /// Sets the parameters from dense values laid out by <see cref="DenseTensors"/> (for example a masked source
    /// network's <see cref="ParameterSet.Values"/> under this ticket's mask): kept entries are taken, constants of
    /// units without inputs are folded into the next layer's bias as at baking time.
    /// </summary>
    /// <exception cref="ArgumentException">The length is wrong, or an entry the ticket removes is not 0 (naming the tensor and the index).</exception>
    void LoadDense(ReadOnlySpan<float> values);
}
