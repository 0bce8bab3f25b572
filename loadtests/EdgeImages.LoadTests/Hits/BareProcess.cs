using System.Globalization;
using EdgeImages.Testing;
using EdgeImages.Testing.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
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
    private readonly (PemFiles Certificate, Func<HttpClient> Client)? _tls;
    private ProcessHandle? _handle;

    private BareProcess(string body, string headers, (PemFiles Certificate, Func<HttpClient> Client)? tls)
        : base("bare")
    {
        _body = body;
        _headers = headers;
        _tls = tls;
    }

    public Uri Address => new($"{(_tls is null ? "http" : "https")}://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/");

    public int ProcessId => _handle?.Id ?? throw new InvalidOperationException("Not started.");

    /// <summary>Starts it with <paramref name="body"/> and the <paramref name="headers"/> a hit carries (name, value).</summary>
    /// <param name="body">The answer's bytes.</param>
    /// <param name="headers">Its headers.</param>
    /// <param name="tls">Serve HTTPS with this certificate (Kestrel's defaults, as the edge's endpoint); <c>Client</c> trusts it.</param>
    public static async Task<BareProcess> StartAsync(byte[] body, IEnumerable<(string Name, string Value)> headers, (PemFiles Certificate, Func<HttpClient> Client)? tls = null)
    {
        var folder = Directory.CreateTempSubdirectory("edgeimages-bare-body-").FullName;
        var bodyFile = Path.Combine(folder, "body");
        var headersFile = Path.Combine(folder, "headers");
        await File.WriteAllBytesAsync(bodyFile, body);
        await File.WriteAllLinesAsync(headersFile, headers.Select(h => $"{h.Name}: {h.Value}"));
        var bare = new BareProcess(bodyFile, headersFile, tls);
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
        List<string> arguments = [program, "bare-server", "--port", Port.ToString(CultureInfo.InvariantCulture), "--body", _body, "--headers", _headers];
        if (_tls is { } tls)
        {
            arguments.AddRange(["--certificate", tls.Certificate.CertificatePath, "--key", tls.Certificate.KeyPath]);
        }

        _handle = ProcessHandle.Start("dotnet", arguments);
        return _handle;
    }

    protected override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        using var client = _tls?.Client() ?? new HttpClient();
        client.Timeout = TimeSpan.FromSeconds(2);
        using var response = await client.GetAsync(new Uri(Address, "bare"), cancellationToken);
        return response.IsSuccessStatusCode;
    }

    /// <summary>The server itself (the <c>bare-server</c> command): runs until killed.</summary>
    public static async Task<int> ServeAsync(int port, string bodyFile, string headersFile, string? certificate, string? key, CancellationToken cancellationToken)
    {
        var body = await File.ReadAllBytesAsync(bodyFile, cancellationToken);
        var headers = (await File.ReadAllLinesAsync(headersFile, cancellationToken))
            .Select(line => line.Split(": ", 2))
            .Select(pair => (pair[0], new StringValues(pair[1])))
            .ToArray();
        // Its content root is the folder of its files, and configuration is not watched: with the defaults it watched the
        // directory it was started from (the repository) recursively, and a perf profile of it during a run found a
        // sixth of its samples in the file watcher's thread.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--urls", $"{(certificate is null ? "http" : "https")}://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = Path.GetDirectoryName(bodyFile),
        });
        builder.Logging.ClearProviders();
        if (certificate is not null)
        {
            // The edge's HTTPS endpoint without its extras: Kestrel's defaults, TLS 1.2 and 1.3, the same certificate.
            var pem = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(certificate, key);
            // The slim builder leaves HTTPS out unless asked.
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
            {
                https.ServerCertificate = pem;
                https.SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13;
            }));
        }

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
