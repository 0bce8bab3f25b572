using System.CommandLine;
using BenchmarkDotNet.Running;
using EdgeImages.Benchmarks;

// Usage (from the repository root), parsed by System.CommandLine (--help on each command):
//   dotnet run -c Release --project loadtests/EdgeImages.Benchmarks -- compare [--warmup N] [--rounds N] [--iterations N] [--no-sharp]
//   dotnet run -c Release --project loadtests/EdgeImages.Benchmarks -- bdn [BenchmarkDotNet arguments, e.g. --filter '*']
//   dotnet run -c Release --project loadtests/EdgeImages.Benchmarks -- formats [--width N] [--rounds N] [--curve]
//   dotnet run -c Release --project loadtests/EdgeImages.Benchmarks -- webp [--rounds N]
// With no command it runs compare. The older spellings --compare and --bdn still work.
var warmup = PositiveOption("--warmup", "Warm-up images per case.", CompareSettings.Default.Warmup);
var rounds = PositiveOption("--rounds", "Rounds per case; the figure is the median round.", CompareSettings.Default.Rounds);
var iterations = PositiveOption("--iterations", "Images per round.", CompareSettings.Default.Iterations);
var noSharp = new Option<bool>("--no-sharp") { Description = "Measure the .NET pipelines only." };

var compare = new Command("compare", "CPU ms per image of the edge's transform and the reference pipelines, side by side with sharp.")
{
    warmup, rounds, iterations, noSharp,
};
compare.Aliases.Add("--compare");
compare.SetAction(parse => CompareCommand.Run(new CompareSettings(
    parse.GetValue(warmup), parse.GetValue(rounds), parse.GetValue(iterations), RunSharp: !parse.GetValue(noSharp))));

// BenchmarkDotNet parses its own arguments: everything after `bdn` goes to it untouched.
var bdn = new Command("bdn", "The BenchmarkDotNet cases; further arguments go to BenchmarkDotNet (default: --filter '*').")
{
    TreatUnmatchedTokensAsErrors = false,
};
bdn.Aliases.Add("--bdn");
bdn.SetAction(parse =>
{
    var prepared = BenchInputs.EnsureBaseline();
    Console.Error.WriteLine($"inputs: derived baseline JPEG at {prepared}");
    var rest = parse.UnmatchedTokens.ToArray();
    BenchmarkSwitcher.FromTypes([typeof(TransformBenchmarks)]).Run(rest.Length > 0 ? rest : ["--filter", "*"]);
    return 0;
});

// Its own small argument reader (--width N, --rounds N, --curve): everything after `formats` goes to it.
var formats = new Command("formats", "Bytes, PSNR and encode CPU of JPEG, WebP and AVIF at equal PSNR on the benchmark photos.")
{
    TreatUnmatchedTokensAsErrors = false,
};
formats.Aliases.Add("--formats");
formats.SetAction(parse => FormatsCommand.Run(parse.UnmatchedTokens.ToArray()));

// Its own small argument reader (--rounds N): everything after `webp` goes to it.
var webp = new Command("webp", "Where a WebP miss goes, and the WebP encoders (Skia, the shim on the system's libwebp, libvips) on the same pixels.")
{
    TreatUnmatchedTokensAsErrors = false,
};
webp.SetAction(parse => WebpCommand.Run(parse.UnmatchedTokens.ToArray()));

var root = new RootCommand("EdgeImages transform benchmarks (loadtests/README.md).") { compare, bdn, formats, webp };
// No command: the comparison with its defaults, as before.
return await root.Parse(args.Length == 0 ? ["compare"] : args).InvokeAsync().ConfigureAwait(false);

static Option<int> PositiveOption(string name, string description, int defaultValue)
{
    var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
    option.Validators.Add(result =>
    {
        if (result.GetValueOrDefault<int>() <= 0)
        {
            result.AddError($"{name} needs a positive integer.");
        }
    });
    return option;
}
