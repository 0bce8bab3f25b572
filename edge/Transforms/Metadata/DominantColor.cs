using SkiaSharp;

namespace EdgeImages.Edge.Transforms.Metadata;

/// <summary>
/// The colour most of an image is: the most common colour in a coarse histogram (4 bits a channel), averaged
/// within that bucket. A mean over all pixels would turn a red flower on green leaves into brown that appears
/// nowhere; the fullest bucket is a colour the image really shows. Pixels less than half opaque do not count.
/// </summary>
internal static class DominantColor
{
    // At most this many samples a side: a grid over the decoded bitmap, so a whole-decoded GIF or BMP costs no more.
    private const int SamplesPerSide = 128;

    /// <summary>The dominant colour as <c>#rrggbb</c>; black when no pixel is at least half opaque.</summary>
    public static string Of(SKBitmap bitmap)
    {
        ArgumentNullException.ThrowIfNull(bitmap);
        var counts = new int[4096];
        var sums = new long[4096 * 3];
        var pixels = bitmap.GetPixelSpan();
        int rowBytes = bitmap.RowBytes, stepX = Math.Max(1, bitmap.Width / SamplesPerSide), stepY = Math.Max(1, bitmap.Height / SamplesPerSide);
        for (var y = stepY / 2; y < bitmap.Height; y += stepY)
        {
            for (var x = stepX / 2; x < bitmap.Width; x += stepX)
            {
                // RGBA 8888, premultiplied (Pixels.Info): back to straight colour before binning.
                var p = pixels.Slice((y * rowBytes) + (x * 4), 4);
                int a = p[3];
                if (a < 128)
                {
                    continue;
                }

                int r = p[0] * 255 / a, g = p[1] * 255 / a, b = p[2] * 255 / a;
                var bucket = ((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4);
                counts[bucket]++;
                sums[bucket * 3] += r;
                sums[(bucket * 3) + 1] += g;
                sums[(bucket * 3) + 2] += b;
            }
        }

        var best = 0;
        for (var i = 1; i < counts.Length; i++)
        {
            if (counts[i] > counts[best])
            {
                best = i;
            }
        }

        var n = counts[best];
        return n == 0
            ? "#000000"
            : $"#{Channel(sums[best * 3], n):x2}{Channel(sums[(best * 3) + 1], n):x2}{Channel(sums[(best * 3) + 2], n):x2}";
    }

    private static int Channel(long sum, int count) => (int)Math.Min(255, Math.Round((double)sum / count, MidpointRounding.AwayFromZero));
}
