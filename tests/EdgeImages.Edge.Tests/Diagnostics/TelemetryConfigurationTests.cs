using System.Net;
using EdgeImages.Edge.Diagnostics;
using EdgeImages.Edge.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeImages.Edge.Tests.Diagnostics;

/// <summary>The <c>Telemetry</c> section: bad values stop the edge; an OTLP endpoint receives the edge's spans.</summary>
[Collection(TracesRunAlone.Name)]
public sealed class TelemetryConfigurationTests
{
    [Theory]
    [InlineData("Telemetry:LogFormat", "xml")]
    [InlineData("Telemetry:OtlpProtocol", "thrift")]
    [InlineData("Telemetry:OtlpEndpoint", "ftp://collector:21")]
    [InlineData("Telemetry:HealthPublishPeriod", "00:00:00.010")]
    public async Task Start_BadTelemetrySetting_FailsNamingTheKey(string key, string value)
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            EdgeServer.StartAsync(new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(key, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/k1.abc/w:100/acme/a.jpg", "/-/w:100/acme/a.jpg")]
    [InlineData("/k1.abc", "/-")]
    [InlineData("/", "/")]
    [InlineData("", "")]
    public void RedactSignature_Path_ReplacesTheFirstSegmentOnly(string path, string expected) =>
        Assert.Equal(expected, EdgeTelemetry.RedactSignature(path));

    [Fact]
    public async Task OtlpEndpoint_HttpProtobuf_ReceivesTheEdgeSpans()
    {
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await using var collector = builder.Build();
        collector.MapPost("/v1/traces", (HttpRequest request) =>
        {
            received.TrySetResult(request.ContentType ?? "");
            return Results.Ok();
        });
        await collector.StartAsync();
        var address = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        await using var edge = (await EdgeServer.StartAsync(new Dictionary<string, string?>
        {
            ["Telemetry:OtlpEndpoint"] = address + "/v1/traces",
            ["Telemetry:OtlpProtocol"] = "http/protobuf",
        })).WithOriginal("tiny.png", "tiny-2x3.png");
        using (var response = await edge.GetAsync("-", "tiny.png"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The batch processor exports every 5 s by default.
        var contentType = await received.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("application/x-protobuf", contentType);
    }
}
