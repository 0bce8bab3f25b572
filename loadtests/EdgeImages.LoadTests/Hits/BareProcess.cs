using System.Globalization;
using EdgeImages.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace EdgeImages.LoadTests.Hits;

/// <summary>
/// The yardstick of the hit benchmark: bare Kestrel in a process of its own (so that its CPU time is its own, read
/// from /proc like the edge's), with the edge's GC settings (server, concurrent), answering <c>GET /bare</c> with the
/// bytes and every header of the edge's memory hit, fixed, and nothing else in the way: no middleware, no logging.
/// It is this same program started with the hidden <c>bare-server</c> command.
/// </summary>
internal sealed class BareProcess : LoopbackServer
{
    private readonly string _body;
    private readonly string _headers;
    private ProcessHandle? _handle;

    private BareProcess(string body, string headers)
        : base("bare")
    {
        _body = body;
        _headers = headers;
    }

    public Uri Address => new($"http://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/");

    public int ProcessId => _handle?.Id ?? throw new InvalidOperationException("Not started.");

    /// <summary>Starts it with <paramref name="body"/> and the <paramref name="headers"/> a hit carries (name, value).</summary>
    public static async Task<BareProcess> StartAsync(byte[] body, IEnumerable<(string Name, string Value)> headers)
    {
        var folder = Directory.CreateTempSubdirectory("edgeimages-bare-body-").FullName;
        var bodyFile = Path.Combine(folder, "body");
        var headersFile = Path.Combine(folder, "headers");
        await File.WriteAllBytesAsync(bodyFile, body);
        await File.WriteAllLinesAsync(headersFile, headers.Select(h => $"{h.Name}: {h.Value}"));
        var bare = new BareProcess(bodyFile, headersFile);
        try
        {
            await bare.LaunchAsync(CancellationToken.None);
            return bare;
        }
        catch
        {
            await bare.DisposeAsync();
            throw;
        }
    }

    protected override ProcessHandle StartProcess()
    {
        var program = typeof(BareProcess).Assembly.Location;
        _handle = ProcessHandle.Start("dotnet", [program, "bare-server", "--port", Port.ToString(CultureInfo.InvariantCulture), "--body", _body, "--headers", _headers]);
        return _handle;
    }

    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using var response = await client.GetAsync(new Uri(Address, "bare"), cancellationToken);
        return response.IsSuccessStatusCode;
    }

    /// <summary>The server itself (the <c>bare-server</c> command): runs until killed.</summary>
    public static async Task<int> ServeAsync(int port, string bodyFile, string headersFile, CancellationToken cancellationToken)
    {
        var body = await File.ReadAllBytesAsync(bodyFile, cancellationToken);
        var headers = (await File.ReadAllLinesAsync(headersFile, cancellationToken))
            .Select(line => line.Split(": ", 2))
            .Select(pair => (pair[0], new StringValues(pair[1])))
            .ToArray();
        var builder = WebApplication.CreateSlimBuilder(["--urls", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/bare", (HttpContext context) =>
        {
            var response = context.Response;
            foreach (var (name, value) in headers)
            {
                response.Headers[name] = value;
            }

            response.ContentLength = body.Length;
            return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
        });
        // What this process has allocated so far, for the benchmark's bytes per request.
        app.MapGet("/alloc", () => GC.GetTotalAllocatedBytes().ToString(CultureInfo.InvariantCulture));
        await app.StartAsync(cancellationToken);
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }
}
