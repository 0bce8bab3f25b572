namespace EdgeImages.Edge.Tests.Infrastructure;

/// <summary>The shared, licensed test images at <c>../shared/testimages</c> beside the repository.</summary>
internal static class TestImages
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Folder { get; } = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "testimages"));

    public static string PathOf(string name) => Path.Combine(Folder, name);

    public static byte[] Read(string name) => File.ReadAllBytes(PathOf(name));

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeImages.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("EdgeImages.sln not found above " + AppContext.BaseDirectory);
    }
}
