using System;

namespace ModelGen;

/// <summary>
/// Bakes a lottery ticket (docs/TICKETS.md) into the <see cref="ModelAttribute"/> class it sits on: the generator
/// reads the ticket file, checks it against the declared <see cref="DenseAttribute"/> layers, and emits a class whose
/// structure is the ticket's pattern (only kept weights are parameters, units that cannot reach the output are
/// removed, units without inputs are folded into the next layer's bias). The class implements
/// <c>ModelGen.Model.IBakedNetwork</c>, whose dense view is the declared layers.
/// </summary>
/// <remarks>
/// The file must be an <c>AdditionalFiles</c> item of the project. <see cref="Path"/> is resolved relative to the
/// folder of the source file that declares the attribute; when no additional file is there, an additional file whose
/// path ends with <see cref="Path"/> (compared by path segments, either separator) is used if exactly one does.
/// Problems are reported on the attribute as MG0040–MG0044.
/// </remarks>
/// <example>
/// <code>
/// [Model(Input = 784, Name = "lenet300-ticket98")]
/// [Dense(300, Activation.ReLU)]
/// [Dense(100, Activation.ReLU)]
/// [Dense(10)]
/// [Ticket("lenet300-lth98.ticket")]
/// public partial class LeNet300Ticket98 { }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class TicketAttribute : Attribute
{
    /// <summary>Declares the ticket file to bake.</summary>
    /// <param name="path">The ticket file, relative to the declaring source file (see the remarks).</param>
    public TicketAttribute(string path)
    {
        Path = path;
    }

    /// <summary>The ticket file as written in the attribute.</summary>
    public string Path { get; }
}
