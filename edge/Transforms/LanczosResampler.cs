using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SkiaSharp;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// Separable Lanczos-3 reduction of premultiplied RGBA, the filter sharp and libvips use. Skia offers only cubics
/// with a fixed 4x4 footprint; Mitchell-Netravali there is soft (it trades sharpness for no ringing), measured at
/// 1.5–2.5 dB further than sharp from a Lanczos reference on the same photos. Here the kernel is widened by the
/// reduction factor, so every source pixel counts, and it runs on premultiplied values, so a transparent pixel's
/// colour never bleeds into its neighbours. Rows are filtered horizontally on demand into a small ring of float
/// rows (taps rows, not the whole image), then each output row is the weighted sum of its rows in that ring.
/// Ringing can push a premultiplied colour past its alpha, so each channel is clamped to [0, alpha].
/// </summary>
internal static class LanczosResampler
{
    private const int Lobes = 3;

    /// <summary>A new bitmap of <paramref name="size"/> (each side at most the source's) reduced from <paramref name="source"/>.</summary>
    public static SKBitmap Reduce(SKBitmap source, PixelSize size, CancellationToken cancellationToken) =>
        Reduce(source, Coverage.Whole(Pixels.SizeOf(source)), size, cancellationToken);

    /// <summary>
    /// A new bitmap of <paramref name="size"/> reduced from the part of <paramref name="source"/> that
    /// <paramref name="coverage"/> says the picture occupies (its last row may be a fraction of a pixel).
    /// </summary>
    public static SKBitmap Reduce(SKBitmap source, Coverage coverage, PixelSize size, CancellationToken cancellationToken)
    {
        var horizontal = Filter.Create(source.Width, size.Width, coverage.X, coverage.Width);
        var vertical = Filter.Create(source.Height, size.Height, coverage.Y, coverage.Height);
        var output = Pixels.Allocate(size);
        try
        {
            var ring = new Vector4[vertical.MaxTaps * size.Width];
            var ringRow = new int[vertical.MaxTaps];
            Array.Fill(ringRow, -1);
            var sourceRow = new Vector4[source.Width];
            var sum = new Vector4[size.Width];
            var pixels = source.GetPixelSpan();
            var target = output.GetPixelSpan();
            for (var y = 0; y < size.Height; y++)
            {
                if ((y & 31) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var first = vertical.First[y];
                var sums = MemoryMarshal.Cast<Vector4, float>(sum.AsSpan());
                for (var t = 0; t < vertical.Count[y]; t++)
                {
                    var row = first + t;
                    var slot = row % vertical.MaxTaps;
                    var filtered = ring.AsSpan(slot * size.Width, size.Width);
                    if (ringRow[slot] != row)
                    {
                        ToFloats(pixels.Slice(row * source.RowBytes, source.Width * 4), sourceRow);
                        FilterRow(sourceRow, filtered, horizontal);
                        ringRow[slot] = row;
                    }

                    Accumulate(MemoryMarshal.Cast<Vector4, float>(filtered), sums, vertical.Weights[(y * vertical.MaxTaps) + t], t == 0);
                }

                ToBytes(sum, target.Slice(y * output.RowBytes, size.Width * 4));
            }

            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    // The loops below are most of a thumbnail's resize time (7 ms of a 12 MP JPEG's 40 at 1/8 before they were
    // vectorised across pixels and stripped of per-tap bounds checks): the indices come from Filter, which keeps
    // every tap inside the row, and the spans' lengths are checked once at the top.
    private static void ToFloats(ReadOnlySpan<byte> rgba, Span<Vector4> row)
    {
        ThrowIfShorterThanItsPixels(rgba, row.Length);

        ref var bytes = ref MemoryMarshal.GetReference(rgba);
        ref var floats = ref MemoryMarshal.GetReference(row);
        var x = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            // Four pixels a step: 16 bytes widened to four vectors of four floats.
            for (; x + 4 <= row.Length; x += 4)
            {
                var (low, high) = Vector128.Widen(Vector128.LoadUnsafe(ref bytes, (nuint)(x * 4)));
                var (p0, p1) = Vector128.Widen(low);
                var (p2, p3) = Vector128.Widen(high);
                Unsafe.Add(ref floats, x) = Vector128.ConvertToSingle(p0).AsVector4();
                Unsafe.Add(ref floats, x + 1) = Vector128.ConvertToSingle(p1).AsVector4();
                Unsafe.Add(ref floats, x + 2) = Vector128.ConvertToSingle(p2).AsVector4();
                Unsafe.Add(ref floats, x + 3) = Vector128.ConvertToSingle(p3).AsVector4();
            }
        }

        for (; x < row.Length; x++)
        {
            var i = x * 4;
            Unsafe.Add(ref floats, x) = new Vector4(rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]);
        }
    }

    private static void FilterRow(ReadOnlySpan<Vector4> row, Span<Vector4> filtered, Filter filter)
    {
        ref var pixels = ref MemoryMarshal.GetReference(row);
        ref var weights = ref MemoryMarshal.GetArrayDataReference(filter.Weights);
        var first = filter.First;
        var count = filter.Count;
        for (var x = 0; x < filtered.Length; x++)
        {
            ref var tap = ref Unsafe.Add(ref pixels, first[x]);
            ref var weight = ref Unsafe.Add(ref weights, x * filter.MaxTaps);
            var sum = Vector4.Zero;
            for (var t = 0; t < count[x]; t++)
            {
                sum += Unsafe.Add(ref tap, t) * Unsafe.Add(ref weight, t);
            }

            filtered[x] = sum;
        }
    }

    /// <summary><paramref name="sum"/> += <paramref name="row"/> x <paramref name="weight"/> (= when <paramref name="first"/>), as wide as the CPU's vectors go.</summary>
    private static void Accumulate(ReadOnlySpan<float> row, Span<float> sum, float weight, bool first)
    {
        var x = 0;
        var vectorRow = MemoryMarshal.Cast<float, Vector<float>>(row);
        var vectorSum = MemoryMarshal.Cast<float, Vector<float>>(sum);
        var w = new Vector<float>(weight);
        if (first)
        {
            for (var v = 0; v < vectorSum.Length; v++)
            {
                vectorSum[v] = vectorRow[v] * w;
            }

            for (x = vectorSum.Length * Vector<float>.Count; x < sum.Length; x++)
            {
                sum[x] = row[x] * weight;
            }

            return;
        }

        for (var v = 0; v < vectorSum.Length; v++)
        {
            vectorSum[v] += vectorRow[v] * w;
        }

        for (x = vectorSum.Length * Vector<float>.Count; x < sum.Length; x++)
        {
            sum[x] += row[x] * weight;
        }
    }

    private static void ToBytes(ReadOnlySpan<Vector4> sum, Span<byte> rgba)
    {
        ThrowIfShorterThanItsPixels(rgba, sum.Length);

        ref var sums = ref MemoryMarshal.GetReference(sum);
        ref var bytes = ref MemoryMarshal.GetReference(rgba);
        var x = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            // Four pixels a step, narrowed to 16 bytes: one pixel at a time was ~1.4 % of a baseline 12 MP miss.
            for (; x + 4 <= sum.Length; x += 4)
            {
                var p0 = Rounded(Unsafe.Add(ref sums, x).AsVector128());
                var p1 = Rounded(Unsafe.Add(ref sums, x + 1).AsVector128());
                var p2 = Rounded(Unsafe.Add(ref sums, x + 2).AsVector128());
                var p3 = Rounded(Unsafe.Add(ref sums, x + 3).AsVector128());
                Vector128.Narrow(Vector128.Narrow(p0, p1), Vector128.Narrow(p2, p3)).StoreUnsafe(ref bytes, (nuint)(x * 4));
            }
        }

        for (; x < sum.Length; x++)
        {
            var value = Rounded(Unsafe.Add(ref sums, x).AsVector128());
            for (var c = 0; c < 4; c++)
            {
                Unsafe.Add(ref bytes, (x * 4) + c) = (byte)value[c];
            }
        }
    }

    /// <summary>The byte row the vector loops read or write unchecked must hold all of its <paramref name="pixels"/>.</summary>
    private static void ThrowIfShorterThanItsPixels(ReadOnlySpan<byte> rgba, int pixels)
    {
        if (rgba.Length < pixels * 4)
        {
            throw new ArgumentException("The row is shorter than its pixels.", nameof(rgba));
        }
    }

    /// <summary>
    /// A pixel's four channels rounded to 0..255, no colour above its alpha: premultiplied, and Lanczos overshoots
    /// at edges. Adding 0.5 and truncating rounds, as every value is clamped non-negative first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> Rounded(Vector128<float> pixel)
    {
        var value = Vector128.MinNative(Vector128.MaxNative(pixel + Vector128.Create(0.5f), Vector128<float>.Zero), Vector128.Create(255f));
        var alpha = Vector128.Shuffle(value, Vector128.Create(3, 3, 3, 3));
        return Vector128.ConvertToInt32Native(Vector128.MinNative(value, alpha)).AsUInt32();
    }

    /// <summary>Per output pixel: the first source pixel, how many, and their weights (normalised, edges extended).</summary>
    private sealed class Filter
    {
        private Filter(int[] first, int[] count, float[] weights, int maxTaps)
        {
            First = first;
            Count = count;
            Weights = weights;
            MaxTaps = maxTaps;
        }

        public int[] First { get; }

        public int[] Count { get; }

        public float[] Weights { get; }

        public int MaxTaps { get; }

        public static Filter Create(int from, int to, double offset, double extent)
        {
            var scale = to / extent;
            var stretch = Math.Min(scale, 1.0);
            var support = Lobes / stretch;
            var maxTaps = Math.Min(from, (int)Math.Ceiling(support * 2) + 1);
            var first = new int[to];
            var count = new int[to];
            var weights = new float[to * maxTaps];
            var dense = new double[maxTaps];
            for (var o = 0; o < to; o++)
            {
                var centre = offset + ((o + 0.5) / scale) - 0.5;
                int left = (int)Math.Floor(centre - support) + 1, right = (int)Math.Ceiling(centre + support) - 1;
                int start = Math.Clamp(left, 0, from - 1), end = Math.Clamp(right, 0, from - 1);
                if (end - start + 1 > maxTaps)
                {
                    end = start + maxTaps - 1;
                }

                Array.Clear(dense);
                double total = 0;
                for (var i = left; i <= right; i++)
                {
                    var weight = Kernel((i - centre) * stretch);
                    // Beyond an edge the edge pixel repeats, as libvips extends it.
                    var at = Math.Clamp(i, start, end);
                    dense[at - start] += weight;
                    total += weight;
                }

                first[o] = start;
                count[o] = end - start + 1;
                for (var t = 0; t < count[o]; t++)
                {
                    weights[(o * maxTaps) + t] = (float)(dense[t] / total);
                }
            }

            return new Filter(first, count, weights, maxTaps);
        }

        private static double Kernel(double x)
        {
            if (x == 0)
            {
                return 1;
            }

            if (x is <= -Lobes or >= Lobes)
            {
                return 0;
            }

            var px = Math.PI * x;
            return Lobes * Math.Sin(px) * Math.Sin(px / Lobes) / (px * px);
        }
    }
}
