namespace EdgeImages.Testing;

/// <summary>Folders of the checkout, found by walking up from the test binaries to <c>EdgeImages.sln</c>.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootFolder = new(FindRoot);

    public static string Root => RootFolder.Value;

    /// <summary>The shared test images: <c>../shared/testimages</c> beside the repository.</summary>
    public static string TestImages
    {
        get
        {
            var folder = Path.GetFullPath(Path.Combine(Root, "..", "shared", "testimages"));
            return Directory.Exists(folder) ? folder : throw new DirectoryNotFoundException($"No test images at {folder}.");
        }
    }

    public static byte[] ReadTestImage(string name) => File.ReadAllBytes(Path.Combine(TestImages, name));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeImages.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("No EdgeImages.sln above " + AppContext.BaseDirectory);
    }
}
