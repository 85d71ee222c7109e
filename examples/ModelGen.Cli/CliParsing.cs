using System.Globalization;

namespace ModelGen.Cli;

/// <summary>Parsing of option values that System.CommandLine leaves as text (lists of numbers).</summary>
public static class CliParsing
{
    /// <summary>
    /// Parses invariant-culture numbers, each of which must satisfy <paramref name="valid"/>; the error names
    /// <paramref name="flag"/>, the offending value and <paramref name="requirement"/>.
    /// </summary>
    public static double[] Numbers(string[] values, string flag, Func<double, bool> valid, string requirement)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(valid);
        var numbers = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            if (!double.TryParse(values[i], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i]) || !valid(numbers[i]))
            {
                throw new UsageException($"{flag}: '{values[i]}' is not a number {requirement}.");
            }
        }

        if (numbers.Length == 0)
        {
            throw new UsageException($"{flag} needs at least one value.");
        }

        return numbers;
    }
}
