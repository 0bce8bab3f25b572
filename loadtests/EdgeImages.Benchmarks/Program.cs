using BenchmarkDotNet.Running;
using EdgeImages.Benchmarks;

// Usage (from the repository root):
//   dotnet run -c Release --project loadtests/EdgeImages.Benchmarks -- --compare [--warmup N] [--rounds N] [--iterations N] [--no-sharp]
//   dotnet run -c Release --project loadtests/EdgeImages.Benchmarks -- --bdn [BenchmarkDotNet arguments, e.g. --filter '*']
//   dotnet run -c Release --project loadtests/EdgeImages.Benchmarks -- --formats [--width N] [--rounds N]
// With no arguments it runs --compare.
if (args.Length > 0 && args[0] == "--bdn")
{
    var prepared = BenchInputs.EnsureBaseline();
    Console.Error.WriteLine($"inputs: derived baseline JPEG at {prepared}");
    var rest = args[1..];
    BenchmarkSwitcher.FromTypes([typeof(TransformBenchmarks)]).Run(rest.Length > 0 ? rest : ["--filter", "*"]);
    return 0;
}

if (args.Length > 0 && args[0] == "--formats")
{
    return FormatsCommand.Run(args[1..]);
}

if (args.Length > 0 && args[0] is "-h" or "--help")
{
    Console.WriteLine("--compare [--warmup N] [--rounds N] [--iterations N] [--no-sharp]  |  --bdn [BenchmarkDotNet args]  |  --formats [--width N] [--rounds N]");
    return 0;
}

return CompareCommand.Run(args.Length > 0 && args[0] == "--compare" ? args[1..] : args);
