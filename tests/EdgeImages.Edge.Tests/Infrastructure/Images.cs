using SkiaSharp;

namespace EdgeImages.Edge.Tests.Infrastructure;

/// <summary>What a response body is, judged by its bytes rather than its headers.</summary>
internal static class Images
{
    public static string FormatOf(ReadOnlySpan<byte> bytes) => bytes switch
    {
        [0xFF, 0xD8, 0xFF, ..] => "jpeg",
        [0x89, (byte)'P', (byte)'N', (byte)'G', ..] => "png",
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => "webp",
        [(byte)'G', (byte)'I', (byte)'F', ..] => "gif",
        [_, _, _, _, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'a', (byte)'v', (byte)'i', (byte)'f', ..] => "avif",
        _ => "unknown",
    };

    public static (int Width, int Height) SizeOf(byte[] bytes)
    {
        using var codec = SKCodec.Create(new SKMemoryStream(bytes)) ?? throw new InvalidOperationException("not an image");
        return (codec.Info.Width, codec.Info.Height);
    }

    public static SKBitmap Decode(byte[] bytes) =>
        SKBitmap.Decode(bytes) ?? throw new InvalidOperationException("not an image");
}
