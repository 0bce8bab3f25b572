using EdgeImages.Edge.Tests.Infrastructure;

namespace EdgeImages.Edge.Tests.Hosting;

/// <summary>
/// Environment variables are process-wide: while one is set here, every edge that other tests start in this
/// process would read it too (a tenant test once saw this test's two-minute max-age). So these tests run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentRunsAlone
{
    public const string Name = "Process environment (alone in the process)";
}

[Collection(ProcessEnvironmentRunsAlone.Name)]
public sealed class EnvironmentVariableTests
{
    [Fact]
    public async Task EnvironmentVariables_WithDoubleUnderscore_Configure()
    {
        Environment.SetEnvironmentVariable("Caching__MaxAge", "00:02:00");
        try
        {
            await using var edge = await EdgeServer.StartAsync();
            edge.WithOriginal("a.png", "tiny-2x3.png");

            using var response = await edge.GetAsync("w:2", "a.png");

            Assert.Equal(TimeSpan.FromMinutes(2), response.Headers.CacheControl!.MaxAge);
        }
        finally
        {
            Environment.SetEnvironmentVariable("Caching__MaxAge", null);
        }
    }
}
