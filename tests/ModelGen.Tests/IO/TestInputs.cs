namespace ModelGen.Tests.IO;

/// <summary>Reproducible random inputs for the export tests.</summary>
internal static class TestInputs
{
    /// <summary><paramref name="count"/> values uniform in [<paramref name="low"/>, <paramref name="high"/>) from <paramref name="seed"/>.</summary>
    public static float[] Uniform(int count, int seed, double low = 0, double high = 1)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)(low + ((high - low) * random.NextDouble()));
        }

        return values;
    }
}
