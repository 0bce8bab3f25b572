#if HAS_EDGE_TRANSFORM
using EdgeImages.Edge.Transforms;
using EdgeImages.Sdk.Urls;
using Microsoft.Extensions.Options;

namespace EdgeImages.Benchmarks;

/// <summary>(c) The edge's own transform, exactly as a request for <c>w:400</c> plus a format runs it.</summary>
internal sealed class EdgeTransform
{
    private readonly ImageTransformer transformer = new(Options.Create(new TransformLimits()), TimeProvider.System);

    public static bool IsAvailable => true;

    public object Run(ReadOnlyMemory<byte> source, OutputFormat format)
    {
        var options = new TransformOptions
        {
            Width = SkiaTransforms.TargetWidth,
            Format = format == OutputFormat.Webp ? ImageFormat.Webp : ImageFormat.Jpeg,
            Quality = SkiaTransforms.Quality,
        };
        var result = transformer.Transform(source, options, acceptsWebp: format == OutputFormat.Webp, CancellationToken.None);
        (result as IDisposable)?.Dispose();
        return result;
    }
}
#else
namespace EdgeImages.Benchmarks;

/// <summary>Stands in until the <c>transforms</c> branch (ImageTransformer) is merged.</summary>
internal sealed class EdgeTransform
{
    public static bool IsAvailable => false;

    public object Run(ReadOnlyMemory<byte> source, OutputFormat format) =>
        throw new NotSupportedException("EdgeImages.Edge.Transforms.ImageTransformer is not in this build yet.");
}
#endif
