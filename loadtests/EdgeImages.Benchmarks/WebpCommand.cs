using System.Diagnostics;
using System.Globalization;
using EdgeImages.Edge.Transforms;
using EdgeImages.Edge.Transforms.Encoders;
using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.Benchmarks;

/// <summary>
/// Where a WebP miss goes, and the WebP encoders on the same pixels. First the edge's own transform to <c>w:400</c>
/// WebP q80 of each input, its three phases in CPU ms. Then the edge's <c>w:400</c> pixels (its lossless PNG output,
/// decoded) encoded at q80 by each encoder the edge could use: Skia's bundled libwebp (method 3), the shim on the
/// system's libwebp (<see cref="NativeWebp"/>, methods 2 to 4), and libvips (NetVips' libwebp, effort 4, as sharp).
/// Bytes; PSNR of the decoded output against the encoder's input (alpha flattened on grey 128); CPU ms per encode on
/// the process clock and wall ms, medians of the rounds.
/// </summary>
internal static class WebpCommand
{
    public static int Run(string[] args)
    {
        var rounds = Option(args, "--rounds", 30);
        var baseline = File.ReadAllBytes(BenchInputs.EnsureBaseline());
        var rgba = File.ReadAllBytes(Path.Combine(BenchPaths.TestImagesDir(), "png-rgba-photo.png"));
        var flower = File.ReadAllBytes(Path.Combine(BenchPaths.TestImagesDir(), "photo-flower-3mp-baseline.jpg"));
        var inputs = new (string Name, byte[] Bytes)[] { ("baseline 12 MP", baseline), ("flower 3 MP", flower), ("RGBA PNG", rgba) };
        var edge = new ImageTransformer(Microsoft.Extensions.Options.Options.Create(new TransformLimits()), new ProcessCpuTimeProvider());
        var webp = NativeWebp.Default;
        Console.WriteLine($"native WebP shim loaded: {webp.IsLoaded}; libvips {VipsRuntime.Version}; medians of {rounds} rounds");
        Console.WriteLine();
        Console.WriteLine("The edge's transform, w:400 WebP q80 (CPU ms):");
        Console.WriteLine("| input | decode | transform | encode | total | bytes |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (name, bytes) in inputs)
        {
            var options = new TransformOptions { Width = 400, Format = ImageFormat.Webp, Quality = 80 };
            var d = new double[rounds];
            var t = new double[rounds];
            var e = new double[rounds];
            var size = 0;
            for (var i = -2; i < rounds; i++)
            {
                var r = edge.Transform(bytes, options, AcceptedFormats.None, CancellationToken.None);
                if (i >= 0)
                {
                    (d[i], t[i], e[i], size) = (r.Timings.Decode.TotalMilliseconds, r.Timings.Transform.TotalMilliseconds, r.Timings.Encode.TotalMilliseconds, r.Content.Length);
                }
            }

            Console.WriteLine(Invariant($"| {name} | {Median(d):F1} | {Median(t):F1} | {Median(e):F1} | {Median(d) + Median(t) + Median(e):F1} | {size:N0} |"));
        }

        Console.WriteLine();
        Console.WriteLine("The baseline 12 MP photo's decode phase, its parts on their own (CPU ms, medians):");
        var decodeParts = new (string Name, Action Run)[]
        {
            ("SKCodec.Create (probe)", () =>
            {
                using var data = SKData.CreateCopy(baseline);
                using var codec = SKCodec.Create(data);
            }),
            ("JpegStructure.LooksIntact", () => JpegStructure.LooksIntact(baseline)),
            ("JpegStructure.ReadFrame", () => JpegStructure.ReadFrame(baseline)),
            ("JpegStructure.WholeImageBytesPerPixel", () => JpegStructure.WholeImageBytesPerPixel(baseline)),
            ("TurboJPEG decode at 1/8 (498x374)", () =>
            {
                var pixels = new byte[498 * 374 * 4];
                Edge.Transforms.Jpeg.NativeJpeg.Default.TryDecode(baseline, pixels, 498, 374, 498 * 4);
            }),
        };
        foreach (var (part, run) in decodeParts)
        {
            var cpu = new double[rounds];
            for (var i = -2; i < rounds; i++)
            {
                var start = Environment.CpuUsage.TotalTime;
                run();
                if (i >= 0)
                {
                    cpu[i] = (Environment.CpuUsage.TotalTime - start).TotalMilliseconds;
                }
            }

            Console.WriteLine(Invariant($"  {part}: {Median(cpu):F2}"));
        }

        Console.WriteLine();
        Console.WriteLine("Encoders on the edge's w:400 pixels, q80:");
        Console.WriteLine("| input | encoder | bytes | PSNR dB | CPU ms | wall ms |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var (name, bytes) in inputs)
        {
            var png = edge.Transform(bytes, new TransformOptions { Width = 400, Format = ImageFormat.Png }, AcceptedFormats.None, CancellationToken.None).Content;
            // Left for encoders outside the process (cwebp -print_psnr ...) to try on the same pixels.
            Directory.CreateDirectory(OutputDir);
            File.WriteAllBytes(Path.Combine(OutputDir, $"webp-input-{name.Replace(' ', '-')}.png"), png);
            using var premul = SKBitmap.Decode(png);
            var info = new SKImageInfo(premul.Width, premul.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            var pixels = Unpremultiplied(premul);

            var reference = Flatten(pixels);
            var encoders = new List<(string Name, Func<byte[]> Encode)>
            {
                ("Skia (method 3)", () =>
                {
                    using var pixmap = premul.PeekPixels();
                    using var bare = new SKPixmap(pixmap.Info.WithColorSpace(null), pixmap.GetPixels(), pixmap.RowBytes);
                    using var data = bare.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossy, 80));
                    return data?.ToArray() ?? throw new InvalidOperationException("Skia failed");
                }),
            };
            foreach (var method in new[] { 2, 3, 4 })
            {
                encoders.Add(($"shim, system libwebp (method {method})", () => webp.TryEncode(pixels, info.Width, info.Height, info.RowBytes, 80, method) ?? throw new InvalidOperationException("shim failed")));
            }

            encoders.Add(("libvips (effort 4)", () =>
            {
                using var image = VipsEncoder.FromSkia(premul);
                return image.WebpsaveBuffer(q: 80, effort: 4, alphaQ: 100, smartSubsample: false, keep: NetVips.Enums.ForeignKeep.None);
            }));

            // Interleaved round by round, so that a shared machine's load falls on every encoder alike.
            var cpu = encoders.Select(_ => new double[rounds]).ToArray();
            var wall = encoders.Select(_ => new double[rounds]).ToArray();
            var outputs = new byte[encoders.Count][];
            for (var i = -2; i < rounds; i++)
            {
                for (var k = 0; k < encoders.Count; k++)
                {
                    var start = Environment.CpuUsage.TotalTime;
                    var watch = Stopwatch.StartNew();
                    outputs[k] = encoders[k].Encode();
                    if (i >= 0)
                    {
                        wall[k][i] = watch.Elapsed.TotalMilliseconds;
                        cpu[k][i] = (Environment.CpuUsage.TotalTime - start).TotalMilliseconds;
                    }
                }
            }

            for (var k = 0; k < encoders.Count; k++)
            {
                Console.WriteLine(Invariant($"| {name} | {encoders[k].Name} | {outputs[k].Length:N0} | {Psnr(reference, Flatten(Decode(outputs[k]))):F2} | {Median(cpu[k]):F2} | {Median(wall[k]):F2} |"));
            }
        }

        return 0;
    }

    private static string OutputDir => Path.Combine(BenchPaths.ArtifactsDir, "outputs");

    /// <summary>Unpremultiplied RGBA of any encoded image, decoded by Skia.</summary>
    private static byte[] Decode(byte[] encoded)
    {
        using var bitmap = SKBitmap.Decode(encoded);
        return Unpremultiplied(bitmap);
    }

    /// <summary>The bitmap as tight, unpremultiplied RGBA bytes.</summary>
    private static byte[] Unpremultiplied(SKBitmap bitmap)
    {
        using var target = new SKBitmap(new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using var source = bitmap.PeekPixels();
        using var destination = target.PeekPixels();
        if (!source.ReadPixels(destination))
        {
            throw new InvalidOperationException("Skia could not convert the pixels.");
        }

        return target.GetPixelSpan().ToArray();
    }

    /// <summary>RGB over grey 128, as the miss benchmark's reference flattens alpha.</summary>
    private static byte[] Flatten(byte[] rgba)
    {
        var rgb = new byte[rgba.Length / 4 * 3];
        for (int i = 0, j = 0; i < rgba.Length; i += 4, j += 3)
        {
            var a = rgba[i + 3];
            for (var c = 0; c < 3; c++)
            {
                rgb[j + c] = (byte)(((rgba[i + c] * a) + (128 * (255 - a)) + 127) / 255);
            }
        }

        return rgb;
    }

    private static double Psnr(byte[] a, byte[] b) => FormatsCommand.Psnr(a, b);

    private static double Median(double[] values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return sorted[sorted.Length / 2];
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
