using System.Security.Cryptography;
using SkiaSharp;

namespace EdgeImages.Benchmarks;

/// <summary>Which 12 MP source a case reads.</summary>
public enum InputKind
{
    /// <summary>Baseline (sequential) JPEG, derived from the progressive photo at start-up.</summary>
    Baseline,

    /// <summary>The shared progressive photo as it is.</summary>
    Progressive,
}

/// <summary>One prepared input: its file (which sharp reads too) and its bytes.</summary>
internal sealed record BenchInput(InputKind Kind, string Path, byte[] Bytes, int Width, int Height)
{
    public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Bytes));
}

/// <summary>
/// The two 12 MP inputs. The shared set has only a progressive 12 MP photo, so the baseline one is
/// derived from it: decoded by Skia and re-encoded as JPEG q90 4:2:0, which Skia's encoder always
/// writes as baseline. Same pixels, same size, only the scan structure (and a generation loss) differs.
/// </summary>
internal static class BenchInputs
{
    public const string SourceFileName = "photo-landscape-12mp.jpg";
    public const string BaselineFileName = "photo-landscape-12mp-baseline-q90.jpg";
    private const int BaselineQuality = 90;

    private static readonly Lock Gate = new();

    public static string InputDir => System.IO.Path.Combine(BenchPaths.ArtifactsDir, "inputs");

    /// <summary>Reads (and on first use derives) the input of <paramref name="kind"/>.</summary>
    public static BenchInput Load(InputKind kind)
    {
        var path = kind switch
        {
            InputKind.Progressive => System.IO.Path.Combine(BenchPaths.TestImagesDir(), SourceFileName),
            InputKind.Baseline => EnsureBaseline(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        var bytes = File.ReadAllBytes(path);
        using var codec = SKCodec.Create(SKData.CreateCopy(bytes))
            ?? throw new InvalidDataException($"Skia cannot read {path}.");
        return new BenchInput(kind, path, bytes, codec.Info.Width, codec.Info.Height);
    }

    /// <summary>Writes the baseline file unless it is already there; returns its path.</summary>
    public static string EnsureBaseline()
    {
        var target = System.IO.Path.Combine(InputDir, BaselineFileName);
        lock (Gate)
        {
            if (File.Exists(target))
            {
                return target;
            }

            var source = System.IO.Path.Combine(BenchPaths.TestImagesDir(), SourceFileName);
            using var data = SKData.Create(source) ?? throw new FileNotFoundException("No test photo.", source);
            using var codec = SKCodec.Create(data) ?? throw new InvalidDataException($"Skia cannot read {source}.");
            var info = codec.Info.WithColorType(SKImageInfo.PlatformColorType).WithColorSpace(SKColorSpace.CreateSrgb());
            using var bitmap = new SKBitmap(info);
            var result = codec.GetPixels(info, bitmap.GetPixels());
            if (result != SKCodecResult.Success)
            {
                throw new InvalidDataException($"Decoding {source} gave {result}.");
            }

            using var pixmap = bitmap.PeekPixels();
            using var encoded = pixmap.Encode(new SKJpegEncoderOptions(
                BaselineQuality, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore))
                ?? throw new InvalidOperationException("Skia did not encode the baseline JPEG.");

            Directory.CreateDirectory(InputDir);
            // Write then rename, so a BenchmarkDotNet child process never reads a half-written file.
            var temp = target + ".tmp";
            using (var file = File.Create(temp))
            {
                encoded.SaveTo(file);
            }

            File.Move(temp, target, overwrite: true);
            return target;
        }
    }

    /// <summary>True when the JPEG has a progressive start-of-frame (SOF2) marker.</summary>
    public static bool IsProgressiveJpeg(ReadOnlySpan<byte> jpeg)
    {
        // Walk the marker segments up to the first start-of-frame.
        var i = 2;
        while (i + 4 <= jpeg.Length && jpeg[i] == 0xFF)
        {
            var marker = jpeg[i + 1];
            if (marker is 0xC0 or 0xC1)
            {
                return false;
            }

            if (marker == 0xC2)
            {
                return true;
            }

            i += 2 + ((jpeg[i + 2] << 8) | jpeg[i + 3]);
        }

        return false;
    }
}
