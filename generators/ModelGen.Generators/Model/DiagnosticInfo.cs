using Microsoft.CodeAnalysis;
using ModelGen.Generators.Helpers;

namespace ModelGen.Generators.Model;

/// <summary>A diagnostic as an equatable value: which descriptor, where, and the message arguments.</summary>
internal sealed record DiagnosticInfo(string DescriptorId, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] messageArgs) =>
        new(descriptor.Id, LocationInfo.From(location), new EquatableArray<string>(messageArgs));

    /// <summary>The diagnostic, located in <paramref name="compilation"/>'s syntax tree when the file is part of it.</summary>
    public Diagnostic ToDiagnostic(Compilation compilation)
    {
        var args = new object[MessageArgs.Count];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = MessageArgs[i];
        }

        return Diagnostic.Create(Diagnostics.DiagnosticDescriptors.ById(DescriptorId), Location?.ToLocation(compilation), args);
    }
}
