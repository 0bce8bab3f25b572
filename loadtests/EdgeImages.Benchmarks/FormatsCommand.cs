using System.Globalization;
using EdgeImages.Edge.Transforms;
using EdgeImages.Edge.Transforms.Encoders;
using EdgeImages.Sdk.Urls;
using NetVips;

namespace EdgeImages.Benchmarks;

/// <summary>
/// AVIF against WebP and JPEG, as the edge encodes them: each benchmark photo is resized by the edge to a reference
/// (lossless PNG), then the reference is encoded by the edge in each format over a range of <c>q</c>; every output is
/// decoded back (libvips) and its PSNR against the reference computed. The table compares the formats at equal-ish
/// PSNR: JPEG at q80 (the default) is the anchor, WebP and AVIF at the lowest <c>q</c> that reaches its PSNR. Bytes
/// are the output's; CPU is the edge's encode phase on the process CPU clock (median of rounds; one thread, since
/// libvips runs with concurrency 1). It also prints the URL-q to AVIF-quality curve <see cref="AvifQuality"/> uses.
/// </summary>
internal static class FormatsCommand
{
    private static readonly string[] Photos = ["photo-flower-3mp-baseline.jpg", "photo-portrait-5mp.jpg", "photo-landscape-12mp.jpg"];

    /// <param name="args"><c>--width N</c>, <c>--rounds N</c>, and <c>--curve</c> to print the q map's data too (slow).</param>
    public static int Run(string[] args)
    {
        var width = Option(args, "--width", 1024);
        var rounds = Option(args, "--rounds", 3);
        var edge = new ImageTransformer(Microsoft.Extensions.Options.Options.Create(new TransformLimits()), new ProcessCpuTimeProvider());
        Console.WriteLine($"libvips {VipsRuntime.Version}; photos resized to w:{width}; CPU = median encode phase of {rounds} rounds");
        Console.WriteLine();
        Console.WriteLine("| photo | format | q (URL) | encoder quality | bytes | PSNR dB | encode CPU ms |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var photo in Photos)
        {
            var source = File.ReadAllBytes(Path.Combine(BenchPaths.TestImagesDir(), photo));
            var reference = edge.Transform(
                source, new TransformOptions { Width = width, Format = ImageFormat.Png }, AcceptedFormats.None, CancellationToken.None).Content;
            var referencePixels = Rgb(reference);
            var jpeg = Measure(edge, reference, referencePixels, ImageFormat.Jpeg, 80, rounds);
            Print(photo, "JPEG", 80, "80", jpeg);
            var webp = Cheapest(edge, reference, referencePixels, ImageFormat.Webp, jpeg.Psnr, rounds);
            Print(photo, "WebP", webp.Q, webp.Q.ToString(CultureInfo.InvariantCulture), webp.Result);
            var avif = CheapestAvif(reference, referencePixels, jpeg.Psnr, rounds);
            Print(photo, "AVIF", avif.Q, $"{avif.Q} (libheif)", avif.Result);
        }

        if (!args.Contains("--curve"))
        {
            return 0;
        }

        Console.WriteLine();
        Console.WriteLine("URL q (JPEG scale) -> libheif quality with the same PSNR, per photo:");
        foreach (var photo in Photos)
        {
            var source = File.ReadAllBytes(Path.Combine(BenchPaths.TestImagesDir(), photo));
            var reference = edge.Transform(
                source, new TransformOptions { Width = width, Format = ImageFormat.Png }, AcceptedFormats.None, CancellationToken.None).Content;
            var referencePixels = Rgb(reference);
            var line = new List<string>();
            foreach (var q in new[] { 50, 65, 80, 90 })
            {
                var target = Measure(edge, reference, referencePixels, ImageFormat.Jpeg, q, 1).Psnr;
                line.Add($"{q}->{CheapestAvif(reference, referencePixels, target, 1).Q}");
            }

            Console.WriteLine($"  {photo}: {string.Join(", ", line)}");
        }

        return 0;
    }

    private readonly record struct Result(int Bytes, double Psnr, double CpuMs);

    private static void Print(string photo, string format, int q, string encoderQuality, Result r) =>
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {photo} | {format} | {(format == "AVIF" ? "-" : q.ToString(CultureInfo.InvariantCulture))} | {encoderQuality} | {r.Bytes:N0} | {r.Psnr:F2} | {r.CpuMs:F1} |"));

    private static Result Measure(ImageTransformer edge, byte[] reference, byte[] referencePixels, ImageFormat format, int q, int rounds)
    {
        var cpu = new double[rounds];
        byte[] output = [];
        for (var i = 0; i < rounds; i++)
        {
            var result = edge.Transform(reference, new TransformOptions { Format = format, Quality = q }, AcceptedFormats.None, CancellationToken.None);
            cpu[i] = result.Timings.Encode.TotalMilliseconds;
            output = result.Content;
        }

        Array.Sort(cpu);
        return new Result(output.Length, Psnr(referencePixels, Rgb(output)), cpu[rounds / 2]);
    }

    /// <summary>The lowest q (steps of 5, then 1) whose output reaches <paramref name="psnr"/>.</summary>
    private static (int Q, Result Result) Cheapest(ImageTransformer edge, byte[] reference, byte[] referencePixels, ImageFormat format, double psnr, int rounds)
    {
        for (var q = 5; q <= 100; q += 1)
        {
            var r = Measure(edge, reference, referencePixels, format, q, 1);
            if (r.Psnr >= psnr)
            {
                return (q, Measure(edge, reference, referencePixels, format, q, rounds));
            }
        }

        return (100, Measure(edge, reference, referencePixels, format, 100, rounds));
    }

    /// <summary>As <see cref="Cheapest"/>, on libheif's quality scale directly (the edge's encoder, without the URL map).</summary>
    private static (int Q, Result Result) CheapestAvif(byte[] reference, byte[] referencePixels, double psnr, int rounds)
    {
        using var bitmap = SkiaSharp.SKBitmap.Decode(reference);
        for (var q = 10; q <= 100; q += 2)
        {
            var r = MeasureAvif(bitmap, referencePixels, q, 1);
            if (r.Psnr >= psnr)
            {
                return (q, MeasureAvif(bitmap, referencePixels, q, rounds));
            }
        }

        return (100, MeasureAvif(bitmap, referencePixels, 100, rounds));
    }

    private static Result MeasureAvif(SkiaSharp.SKBitmap bitmap, byte[] referencePixels, int quality, int rounds)
    {
        var cpu = new double[rounds];
        byte[] output = [];
        for (var i = 0; i < rounds; i++)
        {
            var start = Environment.CpuUsage.TotalTime;
            output = VipsEncoder.EncodeAvif(bitmap, quality);
            cpu[i] = (Environment.CpuUsage.TotalTime - start).TotalMilliseconds;
        }

        Array.Sort(cpu);
        return new Result(output.Length, Psnr(referencePixels, Rgb(output)), cpu[rounds / 2]);
    }

    /// <summary>Any encoded image as tight 8-bit sRGB RGB, decoded by libvips (which reads all four formats).</summary>
    internal static byte[] Rgb(byte[] encoded)
    {
        VipsRuntime.EnsureConfigured();
        using var image = Image.NewFromBuffer(encoded);
        using var srgb = image.Colourspace(Enums.Interpretation.Srgb);
        using var rgb = srgb.Bands > 3 ? srgb.ExtractBand(0, 3) : srgb.Copy();
        using var bytes = rgb.Cast(Enums.BandFormat.Uchar);
        return bytes.WriteToMemory<byte>();
    }

    internal static double Psnr(byte[] a, byte[] b)
    {
        if (a.Length != b.Length)
        {
            throw new InvalidOperationException($"Sizes differ: {a.Length} and {b.Length} bytes.");
        }

        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = a[i] - b[i];
            sum += d * d;
        }

        var mse = sum / a.Length;
        return mse == 0 ? 99 : 10 * Math.Log10(255.0 * 255.0 / mse);
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
