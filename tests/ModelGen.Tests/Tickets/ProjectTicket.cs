using ModelGen.Tests.Data;

namespace ModelGen.Tests.Tickets;

/// <summary>The project's committed ticket, <c>examples/Models/lenet300-lth98.ticket</c>, which <c>lenet300-ticket98</c> is baked from.</summary>
internal static class ProjectTicket
{
    /// <summary>Full path of the ticket file (found next to the bundled data, as the tests find that).</summary>
    public static string Path => System.IO.Path.GetFullPath(System.IO.Path.Combine(BundledData.MnistFolder, "..", "..", "Models", "lenet300-lth98.ticket"));
}
