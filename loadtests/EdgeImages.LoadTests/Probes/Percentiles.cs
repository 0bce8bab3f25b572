using System.Globalization;

namespace EdgeImages.LoadTests.Probes;

internal static class Percentiles
{
    /// <summary>Nearest-rank percentile of milliseconds; NaN for none.</summary>
    public static double Of(IReadOnlyList<double> values, double percentile)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static string Describe(IReadOnlyList<double> values) => string.Create(CultureInfo.InvariantCulture,
        $"n={values.Count} p50={Of(values, 50):F1} ms p99={Of(values, 99):F1} ms max={(values.Count == 0 ? double.NaN : values.Max()):F1} ms");
}
