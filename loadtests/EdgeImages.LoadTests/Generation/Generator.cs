using System.Globalization;
using Bogus;
using EdgeImages.Sdk.Urls;
using SkiaSharp;

namespace EdgeImages.LoadTests.Generation;

/// <summary>How big a catalog and mix to make; every run with the same settings writes the same bytes.</summary>
internal sealed record GeneratorSettings
{
    public int Seed { get; init; } = 42;

    public int Tenants { get; init; } = 3;

    public int Originals { get; init; } = 60;

    public int Requests { get; init; } = 50_000;

    public int Misses { get; init; } = 20_000;

    /// <summary>1.0 is the classic web-object popularity; higher concentrates traffic on the head.</summary>
    public double ZipfExponent { get; init; } = 1.0;

    /// <summary>The longest side of a generated original; uploads on real sites are mostly 1–4k px.</summary>
    public int MaxEdge { get; init; } = 2400;
}

/// <summary>
/// Makes tenants and a catalog of originals from the real photos in <c>shared/testimages</c> and deterministic
/// variations of them (crop, scale, re-encode), and a request mix over it: Zipf popularity over originals,
/// page layouts with realistic widths, DPRs, fits and formats, signed with the SDK. Bogus with a fixed seed
/// drives every choice, so one seed gives one data set.
/// </summary>
internal static class Generator
{
    // Photos, not test patterns: a CDN's originals are overwhelmingly photographs.
    private static readonly string[] Sources =
    [
        "photo-landscape-12mp.jpg", "photo-landscape-15mp.jpg", "photo-portrait-5mp.jpg", "photo-flower-3mp-baseline.jpg",
        "jpeg-progressive.jpg", "jpeg-icc-display-p3.jpg", "png-rgba-photo.png", "webp-lossy.webp",
    ];

    /// <summary>Where an image sits on a page, and so the box it is asked for in CSS pixels (weight in %).</summary>
    private static readonly (string Name, int Width, int? Height, FitMode? Fit, int Weight)[] Layouts =
    [
        ("thumbnail", 160, 160, FitMode.Cover, 25),
        ("card", 320, 240, FitMode.Cover, 25),
        ("content", 640, null, null, 22),
        ("gallery", 480, 480, FitMode.Contain, 10),
        ("hero", 1200, null, null, 12),
        ("full", 1600, null, FitMode.Inside, 6),
    ];

    public static LoadTestData Generate(GeneratorSettings settings, string testImages, string folder, TextWriter log)
    {
        Randomizer.Seed = new Random(settings.Seed);
        var faker = new Faker("en") { Random = new Randomizer(settings.Seed) };
        var key = LoadTestData.KeyFor(settings.Seed, out var keyHex);
        var builder = new ImageUrlBuilder(key);

        var tenants = Enumerable.Range(0, settings.Tenants)
            .Select(i => $"{Slug(faker.Company.CompanyName())}-{i}")
            .ToList();

        var originals = Path.Combine(folder, "originals");
        if (Directory.Exists(originals))
        {
            Directory.Delete(originals, recursive: true);
        }

        var decoded = new Dictionary<string, SKBitmap>();
        var catalog = new List<CatalogEntry>();
        try
        {
            for (var i = 0; i < settings.Originals; i++)
            {
                var tenant = faker.PickRandom(tenants);
                var source = Sources[i % Sources.Length];
                var path = $"{Slug(faker.Commerce.Department())}/{Slug(faker.Commerce.ProductName())}-{i}.{(source.EndsWith(".png", StringComparison.Ordinal) ? "png" : "jpg")}";
                if (!decoded.TryGetValue(source, out var bitmap))
                {
                    bitmap = SKBitmap.Decode(Path.Combine(testImages, source)) ?? throw new InvalidDataException($"cannot decode {source}");
                    decoded[source] = bitmap;
                }

                var bytes = Vary(bitmap, faker, settings.MaxEdge, path.EndsWith(".png", StringComparison.Ordinal), out var width, out var height);
                var file = Path.Combine(originals, tenant, path);
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.WriteAllBytes(file, bytes);
                catalog.Add(new CatalogEntry(tenant, path, source, width, height, bytes.Length, Rank: 0));
            }
        }
        finally
        {
            foreach (var bitmap in decoded.Values)
            {
                bitmap.Dispose();
            }
        }

        // Popularity is not the order of upload: shuffle, then rank.
        catalog = faker.Random.Shuffle(catalog).Select((entry, rank) => entry with { Rank = rank }).ToList();
        var zipf = new ZipfSampler(catalog.Count, settings.ZipfExponent);
        var random = new Random(settings.Seed);

        var requests = new List<MixRequest>(settings.Requests);
        for (var i = 0; i < settings.Requests; i++)
        {
            var entry = catalog[zipf.Next(random)];
            requests.Add(MixRequestFor(builder, faker, entry));
        }

        var misses = new List<MixRequest>(settings.Misses);
        for (var i = 0; i < settings.Misses; i++)
        {
            // Widths the mix never asks for (odd, 101..), so that each is a transform on first sight.
            var entry = catalog[i % catalog.Count];
            var options = new TransformOptions { Width = 101 + (2 * (i / catalog.Count)), Format = ImageFormat.Jpeg };
            misses.Add(new MixRequest(builder.Build(options, entry.Tenant, entry.Path), "image/jpeg,*/*"));
        }

        var hot = requests.GroupBy(r => r).OrderByDescending(g => g.Count()).ThenBy(g => g.Key.Path, StringComparer.Ordinal).First().Key;
        var data = new LoadTestData
        {
            Seed = settings.Seed,
            ZipfExponent = settings.ZipfExponent,
            KeyId = key.Id,
            KeyHex = keyHex,
            Tenants = tenants,
            Originals = catalog,
            Requests = requests,
            Misses = misses,
            Hot = hot,
        };
        Directory.CreateDirectory(folder);
        data.Write(folder);
        var distinct = requests.Distinct().Count();
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"generated {tenants.Count} tenants, {catalog.Count} originals ({catalog.Sum(c => c.Bytes) / 1048576.0:F1} MiB), " +
            $"{requests.Count} requests over {distinct} distinct variants (zipf s={settings.ZipfExponent}, top original {zipf.Probability(0):P1}), " +
            $"{misses.Count} misses, in {folder}"));
        return data;
    }

    private static MixRequest MixRequestFor(ImageUrlBuilder builder, Faker faker, CatalogEntry entry)
    {
        var layout = faker.Random.WeightedRandom(Layouts, Layouts.Select(l => (float)l.Weight).ToArray());
        // Phones at 2x and 3x are most of the traffic; desktops at 1x the rest.
        var dpr = faker.Random.WeightedRandom([1.0, 2.0, 3.0], [0.40f, 0.45f, 0.15f]);
        var format = faker.Random.WeightedRandom([ImageFormat.Auto, ImageFormat.Jpeg, ImageFormat.Webp], [0.70f, 0.15f, 0.15f]);
        var quality = faker.Random.Bool(0.1f) ? 70 : (int?)null;
        var options = new TransformOptions
        {
            Width = layout.Width,
            Height = layout.Height,
            Fit = layout.Fit,
            Dpr = dpr == 1.0 ? null : dpr,
            Format = format,
            Quality = quality,
        };
        // Nine browsers in ten send image/webp in Accept; the rest are old clients and crawlers.
        var accept = faker.Random.Bool(0.9f) ? "image/avif,image/webp,image/apng,*/*;q=0.8" : "image/jpeg,image/png,*/*;q=0.5";
        return new MixRequest(builder.Build(options, entry.Tenant, entry.Path), accept);
    }

    /// <summary>A crop of 60–100% at a random place, scaled to a long side of up to <paramref name="maxEdge"/>, re-encoded.</summary>
    private static byte[] Vary(SKBitmap source, Faker faker, int maxEdge, bool png, out int width, out int height)
    {
        var keep = faker.Random.Double(0.6, 1.0);
        var cropWidth = (int)(source.Width * keep);
        var cropHeight = (int)(source.Height * keep);
        var left = faker.Random.Int(0, source.Width - cropWidth);
        var top = faker.Random.Int(0, source.Height - cropHeight);
        var longSide = Math.Min(Math.Max(cropWidth, cropHeight), faker.Random.Int(maxEdge / 2, maxEdge));
        var scale = (double)longSide / Math.Max(cropWidth, cropHeight);
        width = Math.Max(1, (int)(cropWidth * scale));
        height = Math.Max(1, (int)(cropHeight * scale));

        using var target = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(target))
        using (var image = SKImage.FromBitmap(source))
        {
            canvas.DrawImage(image, SKRect.Create(left, top, cropWidth, cropHeight), SKRect.Create(width, height),
                new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }

        using var encoded = target.Encode(png ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg, png ? 100 : faker.Random.Int(75, 92));
        return encoded.ToArray();
    }

    internal static string Slug(string text)
    {
        var chars = text.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var slug = string.Join('-', new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
        return slug.Length > 40 ? slug[..40].TrimEnd('-') : slug;
    }
}
