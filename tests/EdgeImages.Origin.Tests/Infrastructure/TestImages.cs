using EdgeImages.Testing;

namespace EdgeImages.Origin.Tests.Infrastructure;

/// <summary>The shared test images by name, read once.</summary>
internal static class TestImages
{
    public static byte[] Jpeg => RepositoryPaths.ReadTestImage("tiny-2x3.jpg");

    public static byte[] Png => RepositoryPaths.ReadTestImage("tiny-2x3.png");

    public static byte[] Read(string name) => RepositoryPaths.ReadTestImage(name);
}
