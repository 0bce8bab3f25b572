namespace EdgeImages.Edge.Watermarks;

/// <summary>A watermark's image as fetched from the tenant's origin: its bytes and the version the origin reported for them.</summary>
/// <param name="Version">The origin's version of the image (URL-safe, at most 64 characters); part of every variant's cache key.</param>
/// <param name="Content">The encoded image, as stored.</param>
internal sealed record WatermarkImage(string Version, byte[] Content);
