using EdgeImages.Sdk.Urls;

namespace EdgeImages.Edge.Transforms;

/// <summary>
/// How a watermark is laid over an output: at a compass <paramref name="Gravity"/>, <paramref name="Margin"/> from the
/// edges and <paramref name="Width"/> wide (both fractions of the output's width, so one setting looks alike at every
/// width of a <c>srcset</c>), drawn at <paramref name="Opacity"/> (0..1, times the watermark's own alpha).
/// </summary>
internal readonly record struct WatermarkPlacement(GravityKind Gravity, double Margin, double Width, double Opacity);

/// <summary>A watermark for one transform: its encoded image (as the origin stores it) and where it goes.</summary>
internal sealed record WatermarkOverlay(ReadOnlyMemory<byte> Image, WatermarkPlacement Placement);
