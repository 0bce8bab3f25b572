using EdgeImages.LoadTests.Generation;
using EdgeImages.Sdk.Signing;
using EdgeImages.Sdk.Urls;
using EdgeImages.Testing;

namespace EdgeImages.LoadTests.Tests;

public sealed class GeneratorTests
{
    [Fact]
    public void Zipf_HeadTakesMostDraws_InProportion()
    {
        var zipf = new ZipfSampler(100, 1.0);
        var random = new Random(1);
        var counts = new int[100];
        for (var i = 0; i < 100_000; i++)
        {
            counts[zipf.Next(random)]++;
        }

        // 1/H(100) = 0.193 for rank 0, half that for rank 1.
        Assert.InRange(counts[0] / 100_000.0, 0.18, 0.21);
        Assert.InRange(counts[1] / (double)counts[0], 0.45, 0.55);
        Assert.Equal(1.0, Enumerable.Range(0, 100).Sum(zipf.Probability), 6);
    }

    [Fact]
    public void SameSeed_SameCatalogAndMix_EveryUrlVerifies()
    {
        var first = Directory.CreateTempSubdirectory("lt-gen-a-").FullName;
        var second = Directory.CreateTempSubdirectory("lt-gen-b-").FullName;
        try
        {
            var settings = new GeneratorSettings { Tenants = 2, Originals = 3, Requests = 200, Misses = 10, MaxEdge = 300 };
            var a = Generator.Generate(settings, RepositoryPaths.TestImages, first, TextWriter.Null);
            var b = Generator.Generate(settings, RepositoryPaths.TestImages, second, TextWriter.Null);

            Assert.Equal(File.ReadAllBytes(Path.Combine(first, LoadTestData.FileName)), File.ReadAllBytes(Path.Combine(second, LoadTestData.FileName)));
            Assert.All(a.Originals, o => Assert.Equal(
                File.ReadAllBytes(Path.Combine(first, "originals", o.Tenant, o.Path)),
                File.ReadAllBytes(Path.Combine(second, "originals", o.Tenant, o.Path))));
            var keys = new SigningKeyRing([LoadTestData.KeyFor(settings.Seed, out _)]);
            Assert.All(a.Requests.Concat(a.Misses), request =>
            {
                var split = ImageUrl.SplitSignature(request.Path);
                Assert.Null(SignatureVerifier.Verify(split.Value.Signature, split.Value.SignedMessage, keys));
                Assert.True(ImageUrl.Parse(request.Path).IsSuccess, request.Path);
            });
            Assert.Equal(b.Hot, a.Hot);
            Assert.Empty(a.Misses.Intersect(a.Requests));
        }
        finally
        {
            Directory.Delete(first, recursive: true);
            Directory.Delete(second, recursive: true);
        }
    }
}
