namespace EdgeImages.Benchmarks;

/// <summary>Where the repository, the shared test photos and the benchmark's own artifacts are.</summary>
internal static class BenchPaths
{
    /// <summary>Overrides the folder holding <c>photo-landscape-12mp.jpg</c>.</summary>
    public const string TestImagesVariable = "EDGEIMAGES_TESTIMAGES";

    private const string Marker = "loadtests/sharp-bench/bench.mjs";

    /// <summary>The work tree root: the first ancestor of the binary (or the current folder) holding the sharp bench.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The sharp side of the comparison.</summary>
    public static string SharpBenchDir => Path.Combine(RepoRoot, "loadtests", "sharp-bench");

    /// <summary>BenchmarkDotNet's reports and the derived inputs; git ignores it.</summary>
    public static string ArtifactsDir => Path.Combine(RepoRoot, "loadtests", "EdgeImages.Benchmarks", "BenchmarkDotNet.Artifacts");

    /// <summary>The shared test photos: <see cref="TestImagesVariable"/>, else a <c>shared/testimages</c> beside an ancestor.</summary>
    public static string TestImagesDir()
    {
        var fromEnv = Environment.GetEnvironmentVariable(TestImagesVariable);
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }

        // The shared folder sits beside the work tree (/work/shared next to /work/wt-bench) and beside CI's clone.
        for (var dir = new DirectoryInfo(RepoRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "testimages");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"No shared/testimages folder above {RepoRoot}; set {TestImagesVariable} to the folder holding photo-landscape-12mp.jpg.");
    }

    private static string FindRepoRoot()
    {
        // BenchmarkDotNet runs each case from a generated project under bin/, so walk up from both places.
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, Marker)))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException($"No ancestor of {AppContext.BaseDirectory} holds {Marker}.");
    }
}
