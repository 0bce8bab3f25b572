namespace EdgeImages.Sdk.AspNetCore;

/// <summary>
/// The edge's <c>f:json</c> answer for one image: the original (size after EXIF orientation, format, alpha, frames,
/// bytes, dominant colour), the size the same options give as an image, and a tiny blurred WebP of that image.
/// </summary>
/// <param name="Width">The original's width after EXIF orientation.</param>
/// <param name="Height">The original's height after EXIF orientation.</param>
/// <param name="Format">The original's format: <c>jpeg</c>, <c>png</c>, <c>webp</c>, <c>gif</c>, <c>bmp</c>.</param>
/// <param name="HasAlpha">Whether any pixel of the original is less than opaque.</param>
/// <param name="Animated">Whether the original has more than one frame.</param>
/// <param name="Frames">The original's frame count.</param>
/// <param name="Bytes">The original's size in bytes.</param>
/// <param name="DominantColor">The colour most of the original is, <c>#rrggbb</c>.</param>
/// <param name="Output">The size in device pixels of the image the same options give.</param>
/// <param name="Placeholder">A <c>data:image/webp;base64,…</c> URI of a blurred copy of that image, at most 32 px on its long side.</param>
public sealed record EdgeImageInfo(
    int Width, int Height, string Format, bool HasAlpha, bool Animated, int Frames, long Bytes, string DominantColor, EdgeImageSize Output, string Placeholder);

/// <summary>A size in pixels.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public readonly record struct EdgeImageSize(int Width, int Height);
