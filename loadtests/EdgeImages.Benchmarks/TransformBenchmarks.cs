using BenchmarkDotNet.Attributes;

namespace EdgeImages.Benchmarks;

/// <summary>
/// 12 MP photo to 400 px wide, per input scan type and output format: full decode (the baseline of
/// the Ratio column), shrink-on-load, and the edge's real transform. One thread; the CPU/op column
/// is the benchmark process's CPU time over the measured iterations.
/// </summary>
[Config(typeof(BenchConfig))]
public class TransformBenchmarks
{
    private byte[] source = [];
    private readonly EdgeTransform edge = new();

    [Params(InputKind.Baseline, InputKind.Progressive)]
    public InputKind Input { get; set; }

    [Params(OutputFormat.Jpeg, OutputFormat.Webp)]
    public OutputFormat Output { get; set; }

    [GlobalSetup]
    public void Setup() => source = BenchInputs.Load(Input).Bytes;

    [Benchmark(Baseline = true)]
    public long FullDecode()
    {
        using var encoded = SkiaTransforms.FullDecode(source, Output);
        return encoded.Size;
    }

    [Benchmark]
    public long ShrinkOnLoad()
    {
        using var encoded = SkiaTransforms.ShrinkOnLoad(source, Output);
        return encoded.Size;
    }

    [Benchmark]
    public int EdgeTransform() => edge.Run(source, Output).Output.Length;
}
