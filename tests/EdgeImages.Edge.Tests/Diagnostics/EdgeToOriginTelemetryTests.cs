using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeImages.Edge.Tests.Infrastructure;
using EdgeImages.Testing;
using OpenTelemetry.Trace;

namespace EdgeImages.Edge.Tests.Diagnostics;

/// <summary>
/// The edge in process, with its spans captured in memory and its logs captured at every level, in front of a real
/// origin node (a process of its own, writing JSON logs to stdout) on a real PostgreSQL: one trace crosses both, and
/// no secret reaches either side's logs or the edge's spans.
/// </summary>
[Collection(TracesRunAlone.Name)]
public sealed class EdgeToOriginTelemetryTests : IAsyncLifetime, IDisposable
{
    private const string EdgeCredential = "edge-credential-5ec7e7-0123456789abcdef0123";
    private const string OriginAdminToken = "origin-admin-5ec7e7-0123456789abcdef0123456";

    private readonly List<Activity> _spans = [];
    private readonly CapturedLogs _edgeLogs = new();
    private PostgresServer _database = null!;
    private OriginNode _origin = null!;
    private EdgeServer _edge = null!;
    private string _apiKey = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresServer.StartAsync();
        _origin = await OriginNode.StartAsync(new Dictionary<string, string>
        {
            ["Origin:Database:ConnectionString"] = _database.ConnectionString,
            ["Origin:EdgeCredentials:edges"] = EdgeCredential,
            ["Origin:AdminToken"] = OriginAdminToken,
            // As verbose as an operator chasing a bug would make it; Npgsql's own chatter would push the
            // request lines out of the kept output.
            ["Logging:LogLevel:Default"] = "Debug",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug",
            ["Logging:LogLevel:Npgsql"] = "Warning",
        });

        using var client = new HttpClient { BaseAddress = _origin.Address };
        using (var create = new HttpRequestMessage(HttpMethod.Post, "v1/admin/tenants/acme/keys"))
        {
            create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OriginAdminToken);
            using var created = await client.SendAsync(create);
            created.EnsureSuccessStatusCode();
            _apiKey = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        }

        using (var put = new HttpRequestMessage(HttpMethod.Put, "v1/acme/flower.jpg") { Content = new ByteArrayContent(TestImages.Read("photo-flower-3mp-baseline.jpg")) })
        {
            put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
            using var stored = await client.SendAsync(put);
            stored.EnsureSuccessStatusCode();
        }

        _edge = await EdgeServer.StartAsync(
            new Dictionary<string, string?>
            {
                ["Origin:Destinations:a"] = _origin.Address.ToString(),
                ["Origin:Credential"] = EdgeCredential,
                // Every span and every line, hits included: these tests look for secrets in all of them.
                ["Telemetry:TraceSampleRatio"] = "1",
                ["Telemetry:RequestLogHitSampleRate"] = "1",
            },
            services =>
            {
                _edgeLogs.AddTo(services);
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans));
            });
    }

    public async Task DisposeAsync()
    {
        await _edge.DisposeAsync();
        await _origin.DisposeAsync();
        await _database.DisposeAsync();
    }

    public void Dispose() => _edgeLogs.Dispose();

    [Fact]
    public async Task Miss_FetchedFromOrigin_OriginLogsTheEdgeTraceAndClientSpanAsParent()
    {
        using (var response = await _edge.GetAsync("w:80", "flower.jpg"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("MISS", response.Headers.GetValues("X-Cache").Single());
        }

        var server = await WaitForAsync(() => Spans().FirstOrDefault(span =>
            span.Kind == ActivityKind.Server && (span.GetTagItem("http.route") as string) == "/{**imagePath}"));
        var traceId = server.TraceId.ToString();
        var client = EdgeSpans().Single(span => span.Kind == ActivityKind.Client && span.TraceId == server.TraceId);
        Assert.Equal(new Uri(_origin.Address, "v1/acme/flower.jpg").ToString(), client.GetTagItem("url.full"));

        // The origin's request line, JSON on its stdout, carries the same trace, with the edge's client span as parent.
        var line = await WaitForLineAsync(() => OriginJsonLines().FirstOrDefault(json =>
            json.GetProperty("Category").GetString() == "EdgeImages.Telemetry.RequestLogMiddleware"
            && json.GetProperty("State").GetProperty("Route").GetString() == "/v1/{tenant}/{**path}"
            && ScopeValue(json, "TraceId") == traceId) is { ValueKind: JsonValueKind.Object } found ? found : null);
        Assert.Equal(client.SpanId.ToString(), ScopeValue(line, "ParentId"));
        Assert.Equal(200, line.GetProperty("State").GetProperty("Status").GetInt32());

        // And the edge's own request line carries it too (written by the background writer, so waited for).
        await WaitForAsync(() => _edgeLogs.Entries.FirstOrDefault(entry => entry.Contains("/{**imagePath}", StringComparison.Ordinal) && entry.Contains(traceId, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Readyz_OriginNodeAnswers_OriginCheckHealthy()
    {
        var body = await Eventually.ValueAsync(
            () => _edge.Client.GetFromJsonAsync<JsonElement>("/readyz"),
            body => body.GetProperty("checks").GetProperty("origin").GetProperty("status").GetString() == "Healthy",
            TimeSpan.FromSeconds(20), "the origin check healthy", TimeSpan.FromMilliseconds(100));
        Assert.Equal("1 of 1 origin nodes reachable.", body.GetProperty("checks").GetProperty("origin").GetProperty("description").GetString());
    }

    [Fact]
    public async Task RequestsWithSecrets_EveryLogLevel_NoSignatureKeyOrTokenInLogsOrSpans()
    {
        var signed = _edge.Url("w:90", "flower.jpg");
        var signature = signed.Split('/')[1];
        const string Forged = "Zm9yZ2VkLXNpZ25hdHVyZQ";

        using (var miss = await _edge.Client.GetAsync(_edge.RawUri(signed)))
        using (var hit = await _edge.Client.GetAsync(_edge.RawUri(signed)))
        using (var forged = await _edge.Client.GetAsync(_edge.RawUri($"/{Forged}/w:90/acme/flower.jpg?q={Forged}")))
        {
            Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
            Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        }

        await WaitForAsync(() => Spans().Count(span => span.Kind == ActivityKind.Server) >= 3 ? (object)true : null); // miss, hit, forged

        await WaitForAsync(() => _edgeLogs.Entries.Count(entry => entry.Contains("/{**imagePath}", StringComparison.Ordinal)) >= 3 ? (object)true : null);
        string[] secrets = [signature, Forged, Convert.ToHexString(EdgeServer.Secret), EdgeCredential, OriginAdminToken, _apiKey];
        var edgeLogs = _edgeLogs.Text;
        var spanValues = string.Join('\n', EdgeSpans().SelectMany(span => span.TagObjects.Select(tag => $"{span.DisplayName} {tag.Key}={tag.Value}")));
        var originLogs = _origin.Output;
        Assert.Contains("/{**imagePath}", edgeLogs, StringComparison.Ordinal); // the capture did see the requests
        Assert.Contains("url.path=/-/w:90/acme/flower.jpg", spanValues, StringComparison.Ordinal);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, edgeLogs, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, spanValues, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, originLogs, StringComparison.OrdinalIgnoreCase);
        }
    }

    private List<Activity> Spans()
    {
        lock (_spans)
        {
            return [.. _spans];
        }
    }

    /// <summary>
    /// The spans the edge made: its server spans and its requests to the origin. The test's own HttpClient is traced
    /// too (one listener per process), and its URLs do hold signatures: it is the client that was given them.
    /// </summary>
    private List<Activity> EdgeSpans() =>
        [.. Spans().Where(span => span.Kind == ActivityKind.Server
            || (span.GetTagItem("url.full") as string)?.StartsWith(_origin.Address.ToString(), StringComparison.Ordinal) == true)];

    private IEnumerable<JsonElement> OriginJsonLines()
    {
        foreach (var line in _origin.Output.Split('\n'))
        {
            if (!line.StartsWith('{'))
            {
                continue;
            }

            JsonElement json;
            try
            {
                json = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException)
            {
                continue; // a line cut by the output buffer
            }

            yield return json;
        }
    }

    private static string? ScopeValue(JsonElement line, string name) =>
        line.GetProperty("Scopes").EnumerateArray()
            .Where(scope => scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty(name, out _))
            .Select(scope => scope.GetProperty(name).GetString())
            .FirstOrDefault();

    private static Task<T> WaitForAsync<T>(Func<T?> find)
        where T : class =>
        Eventually.FoundAsync(find, TimeSpan.FromSeconds(15), "telemetry to arrive", TimeSpan.FromMilliseconds(50));

    private static async Task<JsonElement> WaitForLineAsync(Func<JsonElement?> find) =>
        (JsonElement)await WaitForAsync<object>(() => find());
}
