using EdgeImages.Sdk.Urls;

namespace EdgeImages.Edge.Transforms;

/// <summary>Wall time of the three phases, for <c>Server-Timing</c>.</summary>
internal readonly record struct TransformTimings(TimeSpan Decode, TimeSpan Transform, TimeSpan Encode);

/// <summary>An encoded output (or the <c>f:json</c> answer): never <see cref="ImageFormat.Auto"/>, and free of metadata and ICC profiles.</summary>
internal sealed record TransformedImage(byte[] Content, ImageFormat Format, int Width, int Height, TransformTimings Timings)
{
    public string ContentType => Format switch
    {
        ImageFormat.Jpeg => "image/jpeg",
        ImageFormat.Png => "image/png",
        ImageFormat.Webp => "image/webp",
        ImageFormat.Avif => "image/avif",
        ImageFormat.Gif => "image/gif",
        ImageFormat.Json => "application/json",
        _ => throw new InvalidOperationException($"An encoded image has a concrete format, not {Format}."),
    };
}
