namespace EdgeImages.Benchmarks;

/// <summary>What one edge transform produced, with the time of its three phases as the edge reports them.</summary>
internal readonly record struct EdgePhases(byte[] Output, TimeSpan Decode, TimeSpan Transform, TimeSpan Encode);

/// <summary>
/// (c) The edge's own transform, exactly as a request for <c>w:400</c> plus a format runs it. The
/// time provider only feeds the phase timings the edge reports: <see cref="TimeProvider.System"/> as in
/// production, or <see cref="ProcessCpuTimeProvider"/> to read them as CPU time.
/// </summary>
internal sealed class EdgeTransform(TimeProvider time)
{
    private readonly EdgeImages.Edge.Transforms.ImageTransformer transformer =
        new(Microsoft.Extensions.Options.Options.Create(new EdgeImages.Edge.Transforms.TransformLimits()), time);

    public EdgeTransform()
        : this(TimeProvider.System)
    {
    }

    public EdgePhases Run(ReadOnlyMemory<byte> source, OutputFormat format)
    {
        var options = new EdgeImages.Sdk.Urls.TransformOptions
        {
            Width = SkiaTransforms.TargetWidth,
            Format = format == OutputFormat.Webp ? EdgeImages.Sdk.Urls.ImageFormat.Webp : EdgeImages.Sdk.Urls.ImageFormat.Jpeg,
            Quality = SkiaTransforms.Quality,
        };
        var result = transformer.Transform(
            source, options, new EdgeImages.Edge.Transforms.AcceptedFormats(Avif: false, Webp: format == OutputFormat.Webp), CancellationToken.None);
        return new EdgePhases(result.Content, result.Timings.Decode, result.Timings.Transform, result.Timings.Encode);
    }
}

/// <summary>
/// Timestamps that are this process's CPU time (all threads, user + kernel), so that the edge's own
/// phase timings read as CPU milliseconds: on a loaded machine wall time also counts the time other
/// processes held the core.
/// </summary>
internal sealed class ProcessCpuTimeProvider : TimeProvider
{
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Environment.CpuUsage.TotalTime.Ticks;
}
