namespace EdgeImages.LoadTests.Generation;

/// <summary>
/// Ranks 0..n-1 drawn with probability proportional to 1/(rank+1)^s: a few originals take most of the traffic,
/// and a long tail is asked for rarely, as on a real site. Inverse CDF over a precomputed table, O(log n) a draw.
/// </summary>
internal sealed class ZipfSampler
{
    private readonly double[] _cumulative;

    public ZipfSampler(int count, double exponent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(exponent);
        _cumulative = new double[count];
        var sum = 0.0;
        for (var rank = 0; rank < count; rank++)
        {
            sum += 1.0 / Math.Pow(rank + 1, exponent);
            _cumulative[rank] = sum;
        }

        for (var rank = 0; rank < count; rank++)
        {
            _cumulative[rank] /= sum;
        }
    }

    /// <summary>The share of draws that rank takes.</summary>
    public double Probability(int rank) => _cumulative[rank] - (rank == 0 ? 0 : _cumulative[rank - 1]);

    public int Next(Random random)
    {
        var index = Array.BinarySearch(_cumulative, random.NextDouble());
        return Math.Min(index < 0 ? ~index : index, _cumulative.Length - 1);
    }
}
