using EdgeImages.Edge.Originals;

namespace EdgeImages.Edge.Caching;

/// <summary>
/// The media types the edge itself puts on a variant: its output formats, <c>application/json</c> (<c>f:json</c>), and
/// what <see cref="ImageSniffer"/> names a pass-through original. A variant read back from a shared cache with any other
/// type was not written by an edge, and is dropped.
/// </summary>
internal static class VariantContentTypes
{
    private static readonly HashSet<string> Written = new(StringComparer.Ordinal)
    {
        // Output formats (Transforms/TransformedImage), including those the formats work adds.
        "image/jpeg", "image/png", "image/webp", "image/avif", "image/gif",
        // f:json: the metadata answer.
        "application/json",
        // Pass-through (-): whatever the sniffer names, down to "not an image I know".
        "image/bmp", ImageSniffer.OctetStream,
    };

    public static bool IsWrittenByTheEdge(string contentType) => Written.Contains(contentType);
}
